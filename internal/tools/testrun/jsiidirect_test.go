package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSIIDirectScript: the entry names the script written into the output
// folder, which starts the program with the shim and the descriptors
// jsiidirect.js expects.
func TestJSIIDirectScript(t *testing.T) {
	out, program := filepath.Join(t.TempDir(), "tests"), fakeProgram(t, "")
	entry, why, err := writeJSIIDirect(out, program)
	if err != nil || why != "" {
		t.Fatalf("writeJSIIDirect: %q, %v", why, err)
	}
	script := filepath.Join(out, "jsii-direct.sh")
	if entry != "JSII_RUNTIME="+script {
		t.Errorf("entry %q, want JSII_RUNTIME=%s", entry, script)
	}
	text, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	want := `exec "${JSII_NODE:-node}" --preserve-symlinks --require ` + filepath.Join(out, "jsiidirect.js") + " " + program + " 3</dev/null 5<&0 0</dev/null 4>&1 1>&2\n"
	if !strings.HasSuffix(string(text), want) {
		t.Errorf("script:\n%s\nwant it to end with\n%s", text, want)
	}
	if st, err := os.Stat(script); err != nil || st.Mode()&0o100 == 0 {
		t.Errorf("script not executable: %v %v", st, err)
	}
}

// TestJSIIDirectKeepsTheRelay: no entry, and the reason, when the program
// is missing, a path would need quoting or JSII_RUNTIME is set already.
func TestJSIIDirectKeepsTheRelay(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ out, program, why string }{
		{filepath.Join(dir, "tests"), filepath.Join(dir, "missing.js"), filepath.Join(dir, "missing.js") + " does not exist"},
		{filepath.Join(dir, "my tests"), fakeProgram(t, ""), `the path "` + filepath.Join(dir, "my tests", "jsii-direct.sh") + `" would need quoting`},
	} {
		entry, why, err := writeJSIIDirect(c.out, c.program)
		if err != nil || entry != "" || why != c.why {
			t.Errorf("writeJSIIDirect(%q, %q) = %q, %q, %v; want no entry because %q", c.out, c.program, entry, why, err, c.why)
		}
	}
	t.Setenv("JSII_RUNTIME", "my-runtime")
	if entry, why, err := jsiiDirect(filepath.Join(dir, "tests")); err != nil || entry != "" || why != "JSII_RUNTIME is set to my-runtime" {
		t.Errorf("jsiiDirect with JSII_RUNTIME set = %q, %q, %v", entry, why, err)
	}
}

// TestJSIIDirectCarriesRequestsAndResponses runs a program that talks on
// descriptor 3 as the jsii kernel does (fs.readSync and fs.writeSync)
// through the script, as jsii-runtime-go would: requests on its standard
// input, responses on its standard output, the program's own standard
// output on standard error.
func TestJSIIDirectCarriesRequestsAndResponses(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (make test puts .tools/bin first): %v", err)
	}
	program := fakeProgram(t, `const fs = require('fs');
const buf = Buffer.alloc(64);
for (;;) {
  const n = fs.readSync(3, buf, 0, buf.length, null);
  if (n === 0) break;
  const line = buf.subarray(0, n).toString().trim();
  console.log('log ' + line);
  fs.writeSync(3, 'ok ' + line + '\n');
}
`)
	entry, why, err := writeJSIIDirect(filepath.Join(t.TempDir(), "tests"), program)
	if err != nil || entry == "" {
		t.Fatalf("writeJSIIDirect: %q, %v", why, err)
	}
	cmd := exec.Command("/bin/sh", "-c", strings.TrimPrefix(entry, "JSII_RUNTIME="))
	cmd.Env = append(os.Environ(), "JSII_NODE="+node)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	responses := bufio.NewReader(stdout)
	var got []string
	for _, req := range []string{"hello", "create"} {
		if _, err := stdin.Write([]byte(req + "\n")); err != nil {
			t.Fatal(err)
		}
		line, err := responses.ReadString('\n')
		if err != nil {
			t.Fatalf("no response to %s: %v\n%s", req, err, stderr.String())
		}
		got = append(got, strings.TrimSpace(line))
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if strings.Join(got, ";") != "ok hello;ok create" {
		t.Errorf("responses %q, want ok hello;ok create", got)
	}
	if stderr.String() != "log hello\nlog create\n" {
		t.Errorf("standard error %q, want the program's console.log lines", stderr.String())
	}
}

// fakeProgram writes a Node.js program (text) and returns its path.
func fakeProgram(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "program.js")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
