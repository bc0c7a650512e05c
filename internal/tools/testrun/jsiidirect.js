// Loaded with `node --require` into the jsii kernel program of
// jsii-runtime-go (@jsii/runtime's lib/program.js) when testrun starts that
// program itself, without the relay process jsii-runtime-go starts by
// default (see jsiidirect.go).
//
// The kernel reads its requests from and writes its responses to file
// descriptor 3 (lib/program.ts: `new SyncStdio({ readFD: 3, writeFD: 3 })`),
// a socket the relay (bin/jsii-runtime.js) opens and copies both ways to and
// from the Go process's pipes. Started directly, the Go process's request
// pipe is descriptor 5 and its response pipe descriptor 4 (jsii-direct.sh);
// descriptor 3 stays open on /dev/null, so that no file the program opens
// gets it. Only the kernel's own reads and writes of descriptor 3 are sent
// on; every other descriptor is left alone.
'use strict';

const fs = require('fs');

const KERNEL = 3;
const RESPONSES = 4;
const REQUESTS = 5;

const readSync = fs.readSync;
const writeSync = fs.writeSync;

fs.readSync = function (fd, ...args) {
  return readSync.call(this, fd === KERNEL ? REQUESTS : fd, ...args);
};

fs.writeSync = function (fd, ...args) {
  return writeSync.call(this, fd === KERNEL ? RESPONSES : fd, ...args);
};
