package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/nodepath"
)

// toolEnv is a clean environment: no AWS credentials or profile, a fresh HOME
// (no ~/.aws), and first on PATH the Node.js that .tools/node-path chooses
// for this platform (as under make), for the CDK CLI (`#!/usr/bin/env node`)
// and the jsii runtime of the app it starts. The jsii runtime keeps its
// package cache where it would under the real HOME (jsiiPackageCache):
// under the fresh HOME every app start would unpack aws-cdk-lib again, about
// 15 s each on the 2-core build machine, and the cache holds no credential.
func toolEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	bin := t.TempDir()
	if _, err := nodepath.Link(repoRoot, bin); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + bin + ":" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"GOCACHE=" + goEnv(t, "GOCACHE"),
		"GOMODCACHE=" + goEnv(t, "GOMODCACHE"),
		"GOFLAGS=" + os.Getenv("GOFLAGS"),
		"CDK_DISABLE_CLI_TELEMETRY=true",
	}
	if cache := jsiiPackageCache(); cache != "" {
		env = append(env, "JSII_RUNTIME_PACKAGE_CACHE_ROOT="+cache)
	}
	if v, ok := os.LookupEnv("JSII_RUNTIME_PACKAGE_CACHE"); ok {
		env = append(env, "JSII_RUNTIME_PACKAGE_CACHE="+v)
	}
	return append(env, extra...)
}

// jsiiPackageCache is the folder the jsii runtime unpacks its packages into
// for this user: JSII_RUNTIME_PACKAGE_CACHE_ROOT, else its default under HOME
// (@jsii/kernel's defaultCacheRoot); "" lets the runtime choose.
func jsiiPackageCache() string {
	if dir := os.Getenv("JSII_RUNTIME_PACKAGE_CACHE_ROOT"); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Caches", "com.amazonaws.jsii", "package-cache")
	case "windows":
		return ""
	}
	return filepath.Join(home, ".cache", "aws", "jsii", "package-cache")
}

var (
	appBinaryOnce sync.Once
	appBinaryErr  error
)

// appBinary builds the app's entry point once per test run, to the path
// cdk.json's "app" command builds it to (.build/opencti-ha), so the CDK CLI's
// own `go build` finds it up to date: linking the binary (about 180 MB, the
// jsii packages embedded) is the expensive part of a build.
func appBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(repoRoot, ".build", "opencti-ha")
	appBinaryOnce.Do(func() {
		build := exec.Command("go", "build", "-o", bin, "./bin/opencti-ha")
		build.Dir = repoRoot
		if out, err := build.CombinedOutput(); err != nil {
			appBinaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if appBinaryErr != nil {
		t.Fatal(appBinaryErr)
	}
	return bin
}

func goEnv(t *testing.T, key string) string {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}

func requireTool(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: run `make tools` (make test and .ci/run do)", path)
	}
}

// TestCdkCLISynthWithoutCredentials runs the pinned CDK CLI as a pipeline
// would, with no AWS credentials at all, and checks that it synthesizes the
// same stacks and resources as the in-process synth.
func TestCdkCLISynthWithoutCredentials(t *testing.T) {
	cdk := filepath.Join(repoRoot, ".tools", "node_modules", ".bin", "cdk")
	requireTool(t, cdk)
	appBinary(t) // cdk.json's app command then finds .build/opencti-ha up to date
	out := t.TempDir()
	cmd := exec.Command(cdk, "synth", "--quiet", "--output", out, "-c", "env=prod")
	cmd.Dir = repoRoot
	cmd.Env = toolEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cdk synth: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "Need to perform AWS calls") {
		t.Errorf("the CLI attempted AWS lookups:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "feature flags are not configured") {
		t.Errorf("cdk.json lacks recommended feature flags:\n%s", stderr.String())
	}
	// The embedded prod profile synthesizes, and says what must change.
	for _, want := range []string{
		"example value still in use, set your own before deploying: dns.zoneName: opencti.example.com",
		"example value still in use, set your own before deploying: cluster.adminRoleArns[0]: arn:aws:iam::000000000000:role/opencti-prod-cluster-admin",
		"monitoring.alarmEmails is empty: no one is notified when a prod alarm fires",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("cdk synth does not warn %q:\n%s", want, stderr.String())
		}
	}
	want, got := resourcesByTemplate(t, synthDirs["prod"]), resourcesByTemplate(t, out)
	if len(got) != len(want) {
		t.Fatalf("CLI synthesized %d templates, in-process %d", len(got), len(want))
	}
	for name, w := range want {
		if g := got[name]; strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: the CLI and the in-process synth disagree on the resources (%d vs %d)", name, len(g), len(w))
		}
	}
}

// resourcesByTemplate lists "LogicalId Type" of every resource per template.
func resourcesByTemplate(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var tpl struct {
			Resources map[string]struct{ Type string } `json:"Resources"`
		}
		if err := json.Unmarshal(data, &tpl); err != nil {
			t.Fatal(err)
		}
		var rs []string
		for id, r := range tpl.Resources {
			if r.Type != "AWS::CDK::Metadata" {
				rs = append(rs, id+" "+r.Type)
			}
		}
		sort.Strings(rs)
		out[filepath.Base(p)] = rs
	}
	return out
}

// TestEntryPointRejectsBadConfig runs the app binary the way `make synth
// CONFIG=...` does and checks that a bad file fails synth, naming every
// problem.
func TestEntryPointRejectsBadConfig(t *testing.T) {
	bin := appBinary(t)
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key and wrong type", "environment: prod\nnetwork:\n  natGatways: 3\n  flowLogRetentionDays: forever\n",
			[]string{"field natGatways not found", "cannot unmarshal !!str `forever` into int"}},
		{"garbage", "\x00\x01 not: [yaml", []string{"not valid YAML"}},
		{"bad values", "opencti:\n  version: latest\n  workersPerPlatform: 9\n",
			[]string{`opencti.version: got "latest"`, "opencti.workersPerPlatform: got 9, want 1 to 4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, _ := json.Marshal(map[string]string{"config": path})
			cmd := exec.Command(bin)
			cmd.Dir = repoRoot
			cmd.Env = toolEnv(t, "CDK_OUTDIR="+t.TempDir(), "CDK_CONTEXT_JSON="+string(ctx))
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("synth accepted the file:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
