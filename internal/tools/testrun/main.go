// Command testrun runs the Go test packages the way `go test -count=1` does,
// without linking every test binary again on each run. `make test` uses it.
//
// go test links each package's test binary before running it, every time:
// with -count=1 nothing is cached past compilation. Thirty of this module's
// test binaries embed aws-cdk-lib, cdk8s and cdk-nag (about 90 MB each) and
// take 1.5 to 3 CPU-seconds to link, about 40 CPU-seconds of a suite of 160
// on the 2-core build machine. testrun builds them with `go test -c -o
// <dir>/` into .build/tests, where the go command finds a binary whose
// inputs have not changed up to date and does not link it again, then runs
// each binary in its package's folder, as go test does, with at most -p at
// once, the -first packages first, and prints "ok" or the output and
// "FAIL" for each package. It exits 1 when a package fails or does not build.
// Each binary's jsii kernel starts without jsii-runtime-go's relay process
// (jsiidirect.go; -jsii-relay keeps the relay).
//
//	go run ./internal/tools/testrun -first './test/scale ./test/cli' ./...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

type pkg struct {
	importPath, dir, binary string
}

func main() {
	parallel := flag.Int("p", runtime.GOMAXPROCS(0), "test binaries run at once")
	first := flag.String("first", "", "packages (space-separated, as on the go command line) to start before the others")
	timeout := flag.Duration("timeout", 30*time.Minute, "each test binary's -test.timeout")
	out := flag.String("o", ".build/tests", "folder of the test binaries")
	relay := flag.Bool("jsii-relay", false, "start each jsii runtime through its relay process, as jsii-runtime-go does by default (jsiidirect.go)")
	flag.Parse()
	patterns := flag.Args()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	pkgs, err := testPackages(append(strings.Fields(*first), patterns...), *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(1)
	}
	if err := build(pkgs); err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(1)
	}
	env := withoutVar(os.Environ(), "CDK_OUTDIR")
	if *relay {
		fmt.Fprintln(os.Stderr, "testrun: the jsii runtimes start through their relay process (-jsii-relay)")
	} else if entry, why, err := jsiiDirect(*out); err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(1)
	} else if entry == "" {
		fmt.Fprintf(os.Stderr, "testrun: the jsii runtimes start through their relay process (%s)\n", why)
	} else {
		env = append(env, entry)
	}
	if !run(pkgs, *parallel, *timeout, env) {
		os.Exit(1)
	}
}

// testPackages lists the packages of patterns that have tests, in the order
// the go command lists them (the first pattern's first), each with the path
// of its test binary (setBinaries).
func testPackages(patterns []string, out string) ([]pkg, error) {
	args := append([]string{"list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	text, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v", err)
	}
	var pkgs []pkg
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 || seen[f[0]] || (f[2] == "0" && f[3] == "0") {
			continue
		}
		seen[f[0]] = true
		pkgs = append(pkgs, pkg{importPath: f[0], dir: f[1]})
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	setBinaries(pkgs, abs)
	return pkgs, nil
}

// setBinaries gives each package the path of its test binary under out:
// <out>/<k>/<name>.test, where name is the last element of the import path
// (the name `go test -c -o dir/` gives) and k counts the packages before it
// with the same name.
func setBinaries(pkgs []pkg, out string) {
	names := map[string]int{}
	for i := range pkgs {
		name := path.Base(pkgs[i].importPath)
		pkgs[i].binary = filepath.Join(out, strconv.Itoa(names[name]), name+".test")
		names[name]++
	}
}

// build runs one `go test -c -o <out>/<k>/` per group of packages whose
// binaries share a folder: the go command links only the binaries whose
// inputs changed.
func build(pkgs []pkg) error {
	groups := map[string][]string{}
	var dirs []string
	for _, p := range pkgs {
		d := filepath.Dir(p.binary) + string(filepath.Separator)
		if _, ok := groups[d]; !ok {
			dirs = append(dirs, d)
		}
		groups[d] = append(groups[d], p.importPath)
	}
	for _, d := range dirs {
		cmd := exec.Command("go", append([]string{"test", "-c", "-o", d}, groups[d]...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building the test binaries of %s: %v", strings.Join(groups[d], " "), err)
		}
	}
	return nil
}

// run runs the test binaries, parallel at once, in order, each in its
// package's folder like go test (-test.count=1, -test.timeout,
// -test.paniconexit0) with the environment env, and prints each package's
// result as it ends. It reports whether every package passed.
func run(pkgs []pkg, parallel int, timeout time.Duration, env []string) bool {
	var (
		mu     sync.Mutex
		passed = true
		wg     sync.WaitGroup
		next   = make(chan pkg)
	)
	for range max(parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				var output bytes.Buffer
				cmd := exec.Command(p.binary, "-test.count=1", "-test.timeout="+timeout.String(), "-test.paniconexit0")
				cmd.Dir, cmd.Env = p.dir, env
				cmd.Stdout, cmd.Stderr = &output, &output
				start := time.Now()
				err := cmd.Run()
				took := time.Since(start).Seconds()
				mu.Lock()
				if err != nil {
					passed = false
					os.Stdout.Write(output.Bytes())
					fmt.Printf("FAIL\t%s\t%.3fs\n", p.importPath, took)
				} else {
					fmt.Printf("ok  \t%s\t%.3fs\n", p.importPath, took)
				}
				mu.Unlock()
			}
		}()
	}
	for _, p := range pkgs {
		next <- p
	}
	close(next)
	wg.Wait()
	return passed
}

// withoutVar is env without the variable key.
func withoutVar(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}
