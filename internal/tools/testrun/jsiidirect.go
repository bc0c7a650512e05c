package main

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// jsii-runtime-go starts its Node.js program through a relay: a first
// Node.js process (bin/jsii-runtime.js) that starts the kernel program
// (lib/program.js) as a second one and copies every request and response
// between the Go process's pipes and the kernel's socket (file descriptor
// 3). Each call from Go to aws-cdk-lib crosses the relay twice. jsiiDirect
// starts the kernel program without the relay, through the JSII_RUNTIME
// variable jsii-runtime-go reads (internal/kernel/process/process.go: the
// command, run by $SHELL -c, replaces `node bin/jsii-runtime.js`): a script
// that points descriptor 3's reads and writes at the Go process's pipes
// (jsiidirect.js). Measured on the 2-core build machine, three interleaved
// runs each: package stacks 21.8 to 22.1 CPU-seconds with the relay, 17.9
// to 18.8 without it; constructs/monitoring 4.8 to 6.1 and 4.5 to 5.7.
//
// What differs from the relay, for the tests only: output the JavaScript
// side writes to its standard output reaches the test's standard error
// (the relay sends it to the test's standard output); Node.js's version
// check of the relay (@jsii/check-node) does not run. The entry point, the
// CDK CLI and the app binary the end-to-end tests start (e2e.ToolEnv) keep
// the relay: JSII_RUNTIME is set for the test binaries only.

//go:embed jsiidirect.js
var jsiiDirectJS []byte

// jsiiRuntimeModule is the Go module whose Node.js program jsiiDirect
// starts; programInModule is the program's path in the module.
const (
	jsiiRuntimeModule = "github.com/aws/jsii-runtime-go"
	programInModule   = "internal/embedded/resources/lib/program.js"
)

// shellWord is what a path may hold to stand unquoted in JSII_RUNTIME, which
// jsii-runtime-go hands to $SHELL -c (bash, zsh, fish or sh alike).
var shellWord = regexp.MustCompile(`^[A-Za-z0-9_./+@=:,-]+$`)

// jsiiDirect writes jsii-direct.sh and jsiidirect.js into out and returns
// the JSII_RUNTIME entry that starts the test binaries' jsii runtimes
// through them. It returns "" and why when they keep the relay: on Windows,
// when JSII_RUNTIME is already set (the caller's choice wins), when the go
// command does not find jsii-runtime-go among the module's dependencies or
// its program is not where this version keeps it, or when a path would need
// quoting.
func jsiiDirect(out string) (entry, why string, err error) {
	if runtime.GOOS == "windows" {
		return "", "not on Windows", nil
	}
	if v := os.Getenv("JSII_RUNTIME"); v != "" {
		return "", "JSII_RUNTIME is set to " + v, nil
	}
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", jsiiRuntimeModule).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && len(exit.Stderr) > 0 {
			err = errors.New(strings.TrimSpace(string(exit.Stderr)))
		}
		return "", fmt.Sprintf("go list -m %s: %v", jsiiRuntimeModule, err), nil
	}
	program := filepath.Join(strings.TrimSpace(string(dir)), filepath.FromSlash(programInModule))
	return writeJSIIDirect(out, program)
}

// writeJSIIDirect is jsiiDirect for the kernel program at program.
func writeJSIIDirect(out, program string) (entry, why string, err error) {
	if _, err := os.Stat(program); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", program + " does not exist", nil
		}
		return "", "", err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", "", err
	}
	script, shim := filepath.Join(abs, "jsii-direct.sh"), filepath.Join(abs, "jsiidirect.js")
	for _, p := range []string{script, shim, program} {
		if !shellWord.MatchString(p) {
			return "", fmt.Sprintf("the path %q would need quoting", p), nil
		}
	}
	// Descriptor 5 takes the request pipe (standard input) and standard input
	// becomes /dev/null, so nothing else in Node.js can read a request; 4 takes
	// the response pipe (standard output) and standard output goes to standard
	// error; 3 stays on /dev/null (jsiidirect.js says why).
	text := "#!/bin/sh\n" +
		"# Written by internal/tools/testrun (jsiidirect.go): the jsii kernel without its relay.\n" +
		`exec "${JSII_NODE:-node}" --preserve-symlinks --require ` + shim + " " + program +
		" 3</dev/null 5<&0 0</dev/null 4>&1 1>&2\n"
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(shim, jsiiDirectJS, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(script, []byte(text), 0o755); err != nil {
		return "", "", err
	}
	return "JSII_RUNTIME=" + script, "", nil
}
