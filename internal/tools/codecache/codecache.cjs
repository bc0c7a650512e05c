'use strict';
// A V8 code cache for the CommonJS modules of every Node.js process the test
// suite starts (`make test` preloads it with NODE_OPTIONS=--require=<this
// file> and names the cache folder in OPENCTI_HA_CODE_CACHE).
//
// Why: each Go test package that builds a CDK app starts its own jsii
// runtime, which loads aws-cdk-lib, constructs, cdk-nag and cdk8s from a
// fresh folder (/tmp/jsii-kernel-<random>/node_modules, hard links into the
// jsii package cache). Compiling those modules is about a third of the
// runtime's start (0.4 to 0.7 CPU-seconds, 25 processes a run). Node's own
// compile cache (NODE_COMPILE_CACHE) keys each entry by the file's path, so
// with a new random folder per process it never hits. This cache keys an
// entry by the Node.js version and the module's source instead: the same
// aws-cdk-lib file under any folder finds the code V8 made for it last time.
//
// What it changes: only how a module's wrapper function is compiled
// (vm.Script with cachedData instead of Node's internal compileFunction); the
// module runs with the same exports, require, module, __filename and
// __dirname. V8 checks each cached entry against its version, flags and the
// source and rejects a mismatch, which is then compiled afresh and rewritten.
// ES modules, TypeScript and the CommonJS modules that call `import()` are
// left to Node (vm.Script would need vm.constants.USE_MAIN_CONTEXT_DEFAULT_
// LOADER for those, an experimental feature that prints a warning on
// stderr, which the CLI tests read). Without OPENCTI_HA_CODE_CACHE this file
// does nothing.
//
// The entries are written when the process exits, with the functions it
// compiled while running, each to a temporary name then renamed: processes
// running side by side never read a half-written entry.

const Module = require('module');
const vm = require('vm');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const dir = process.env.OPENCTI_HA_CODE_CACHE;

if (dir) {
  const compile = Module.prototype._compile;
  const unwritten = []; // [file, script]: compiled without a usable entry

  Module.prototype._compile = function cachedCompile(content, filename, format) {
    if ((format !== undefined && format !== 'commonjs') || /\bimport\s*\(/.test(content)) {
      return compile.apply(this, arguments);
    }
    const file = path.join(dir, crypto.createHash('sha256').update(process.version).update('\0').update(content).digest('hex'));
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    // A leading "#!" line is valid only at the very start of a script; the
    // wrapper moves it, so it becomes an empty line (line numbers stay).
    const source = Module.wrap(content.startsWith('#!') ? content.replace(/^#!.*/, '') : content);
    const script = new vm.Script(source, { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) {
      unwritten.push([file, script]);
    }
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };

  process.once('exit', () => {
    if (unwritten.length === 0) {
      return;
    }
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch {
      return;
    }
    for (const [file, script] of unwritten) {
      const tmp = `${file}.${process.pid}`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, file);
      } catch {
        try {
          fs.unlinkSync(tmp);
        } catch {
          // nothing was written
        }
      }
    }
  });
}

// requireFor is the `require` a module gets from Node (lib/internal/modules/
// helpers.js makeRequireFunction): its own require, resolve and
// resolve.paths relative to it, main, extensions and cache.
function requireFor(mod) {
  const require = function require(id) {
    return mod.require(id);
  };
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}
