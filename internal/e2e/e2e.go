// Package e2e holds what the end-to-end test packages under test/ share:
// synthesizing the whole app in the test process, reading the templates and
// the Kubernetes manifests of a cloud assembly, CloudFormation's limits, and
// running the app binary and the CDK CLI as a user would (ToolEnv,
// AppBinary). Each of those packages synthesizes different configurations,
// so that go test runs them side by side; see test/README.md.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/nodepath"
	"github.com/opencti-ha/opencti-ha/stacks"
)

// RepoRoot is the module root (cdk.json, Makefile), found from the working
// directory up.
func RepoRoot() (string, error) { return config.RepoRoot() }

// CLIContext is the context the CDK CLI gives every app it runs (`cdk
// synth` with its defaults: path and asset metadata, version reporting,
// bundling of every stack). An app synthesized in process with it writes the
// bytes `cdk synth` writes, which package test compares.
func CLIContext() map[string]any {
	return map[string]any{
		"aws:cdk:enable-path-metadata":  true,
		"aws:cdk:enable-asset-metadata": true,
		"aws:cdk:version-reporting":     true,
		"aws:cdk:bundling-stacks":       []string{"**"},
	}
}

// Synth builds the whole app for the embedded profile env, or for the
// configuration file path, as the entry point does (its warnings included),
// and synthesizes it into dir with cdk-nag
// AwsSolutions and, with validate, aws-cdk-lib's template validation; any
// unsuppressed error annotation fails it. context adds to the app's context
// (CLIContext; nil for none). Validate each configuration in one package
// only: it costs about 2 CPU-seconds a process and 2 to 3 a configuration
// (testutil.NewApp).
func Synth(env, path, dir string, validate bool, context map[string]any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synth panicked: %v", r)
		}
	}()
	cfg, err := config.Load(env, path)
	if err != nil {
		return err
	}
	app, err := cdkapp.New(dir, validate)
	if err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(context)) {
		app.Node().SetContext(jsii.String(key), context[key])
	}
	stacks.NewOpenCTIApp(app, cfg).AnnotateConfiguration(cfg)
	cdkapp.AddNag(app)
	asm := app.Synth(nil)
	if errs := cdkapp.Errors(asm); len(errs) > 0 {
		return fmt.Errorf("%d unsuppressed errors: %v", len(errs), errs)
	}
	return nil
}

// SameTree compares every file of the cloud assembly in a with the file of
// the same name in b, byte for byte (validation-report.json aside: only a
// synth with template validation writes it), and returns how many files it
// compared and one line per file missing from b or different.
func SameTree(a, b string) (int, []string, error) {
	count := 0
	var diffs []string
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		if rel == "validation-report.json" {
			return nil
		}
		x, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		y, err := os.ReadFile(filepath.Join(b, rel))
		switch {
		case err != nil:
			diffs = append(diffs, rel+": only in the first synth")
		case !bytes.Equal(x, y):
			diffs = append(diffs, rel+" differs between two synths of the same configuration")
		}
		count++
		return nil
	})
	return count, diffs, err
}

// TemplateResource is the part of a template's resource the tests read.
type TemplateResource struct {
	Type                string
	DeletionPolicy      string
	UpdateReplacePolicy string
	Properties          map[string]any
	DependsOn           []string
}

// TemplateResources reads the resources of one template (a file of an
// assembly, nested stacks' included): logical ID -> resource.
func TemplateResources(t testing.TB, path string) map[string]TemplateResource {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]TemplateResource }
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tpl.Resources
}

// ResourcesOf reads every template of an assembly: stack name -> logical ID
// -> resource. A deployment has the 7 stacks, and the Recovery stack with
// disaster recovery (prod's default).
func ResourcesOf(t testing.TB, dir string) map[string]map[string]TemplateResource {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	want := 7
	if _, err := os.Stat(filepath.Join(dir, "Recovery.template.json")); err == nil {
		want = 8
	}
	if len(paths) != want {
		t.Fatalf("%s: %d templates, want %d", dir, len(paths), want)
	}
	out := map[string]map[string]TemplateResource{}
	for _, p := range paths {
		out[strings.TrimSuffix(filepath.Base(p), ".template.json")] = TemplateResources(t, p)
	}
	return out
}

// KubernetesObjects decodes every manifest the OpenCTI stack attaches to the
// cluster. Deploy-time values (Fn::Join parts that are not strings) become
// the text "TOKEN", so the JSON decodes.
func KubernetesObjects(t testing.TB, dir string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for id, r := range TemplateResources(t, filepath.Join(dir, "OpenCTI.template.json")) {
		if r.Type != "Custom::AWSCDK-EKS-KubernetesResource" {
			continue
		}
		text := flatten(r.Properties["Manifest"])
		var objs []map[string]any
		if err := json.Unmarshal([]byte(text), &objs); err != nil {
			t.Fatalf("manifest %s does not decode: %v", id, err)
		}
		out = append(out, objs...)
	}
	return out
}

// flatten turns a string or {"Fn::Join": ["", [parts...]]} into text.
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			var b strings.Builder
			for _, part := range j[1].([]any) {
				if s, ok := part.(string); ok {
					b.WriteString(s)
				} else {
					b.WriteString("TOKEN")
				}
			}
			return b.String()
		}
	}
	return "TOKEN"
}

// CloudFormation and Lambda limits, with the margin the tests keep.
const (
	templateBytesLimit = 1_000_000 // CloudFormation template body (S3 upload)
	resourcesLimit     = 500
	outputsLimit       = 200
	parametersLimit    = 200
	margin             = 0.8
	manifestBytesLimit = 100_000 // each inline Kubernetes manifest; the kubectl Lambda event max is 262,144 and an update carries old + new
)

// CheckLimits fails t for every template of the assembly in dir at more than
// 80% of CloudFormation's template size, resources, outputs or parameters,
// and for every inline Kubernetes manifest above 100 KB. name says which
// assembly in the messages.
func CheckLimits(t testing.TB, name, dir string) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var tpl struct {
			Resources  map[string]map[string]any `json:"Resources"`
			Outputs    map[string]any            `json:"Outputs"`
			Parameters map[string]any            `json:"Parameters"`
		}
		if err := json.Unmarshal(data, &tpl); err != nil {
			t.Fatal(err)
		}
		where := name + " " + filepath.Base(p)
		t.Logf("%s: %d bytes, %d resources, %d outputs", where, len(data), len(tpl.Resources), len(tpl.Outputs))
		if float64(len(data)) > margin*templateBytesLimit {
			t.Errorf("%s: %d bytes, over 80%% of CloudFormation's %d", where, len(data), templateBytesLimit)
		}
		if float64(len(tpl.Resources)) > margin*resourcesLimit {
			t.Errorf("%s: %d resources, over 80%% of %d", where, len(tpl.Resources), resourcesLimit)
		}
		if float64(len(tpl.Outputs)) > margin*outputsLimit || float64(len(tpl.Parameters)) > margin*parametersLimit {
			t.Errorf("%s: %d outputs, %d parameters: over 80%% of %d", where, len(tpl.Outputs), len(tpl.Parameters), outputsLimit)
		}
		for id, r := range tpl.Resources {
			if r["Type"] != "Custom::AWSCDK-EKS-KubernetesResource" {
				continue
			}
			manifest, _ := json.Marshal(r["Properties"].(map[string]any)["Manifest"])
			if len(manifest) > manifestBytesLimit {
				t.Errorf("%s: manifest %s is %d bytes, over %d", where, id, len(manifest), manifestBytesLimit)
			}
		}
	}
}

// ToolEnv is a clean environment: no AWS credentials or profile, a fresh
// HOME (no ~/.aws), and first on PATH the Node.js that .tools/node-path
// chooses for this platform (as under make), for the CDK CLI (`#!/usr/bin/env
// node`) and the jsii runtime of the app it starts. The jsii runtime keeps
// its package cache where it would under the real HOME (JSIIPackageCache):
// under the fresh HOME every app start would unpack aws-cdk-lib again, about
// 15 s each on the 2-core build machine, and the cache holds no credential.
func ToolEnv(t testing.TB, root string, extra ...string) []string {
	t.Helper()
	env, err := NewToolEnv(root, t.TempDir(), extra...)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// NewToolEnv is ToolEnv outside a test (TestMain): the Node.js link and the
// fresh HOME go into scratch, an empty folder the caller removes.
func NewToolEnv(root, scratch string, extra ...string) ([]string, error) {
	bin, home := filepath.Join(scratch, "bin"), filepath.Join(scratch, "home")
	for _, d := range []string{bin, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if _, err := nodepath.Link(root, bin); err != nil {
		return nil, err
	}
	gocache, err := goEnv("GOCACHE")
	if err != nil {
		return nil, err
	}
	gomodcache, err := goEnv("GOMODCACHE")
	if err != nil {
		return nil, err
	}
	env := []string{
		"PATH=" + bin + ":" + os.Getenv("PATH"),
		"HOME=" + home,
		"GOCACHE=" + gocache,
		"GOMODCACHE=" + gomodcache,
		"GOFLAGS=" + os.Getenv("GOFLAGS"),
		"CDK_DISABLE_CLI_TELEMETRY=true",
	}
	if cache := JSIIPackageCache(); cache != "" {
		env = append(env, "JSII_RUNTIME_PACKAGE_CACHE_ROOT="+cache)
	}
	if v, ok := os.LookupEnv("JSII_RUNTIME_PACKAGE_CACHE"); ok {
		env = append(env, "JSII_RUNTIME_PACKAGE_CACHE="+v)
	}
	return append(env, extra...), nil
}

func goEnv(key string) (string, error) {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// JSIIPackageCache is the folder the jsii runtime unpacks its packages into
// for this user: JSII_RUNTIME_PACKAGE_CACHE_ROOT, else its default under HOME
// (@jsii/kernel's defaultCacheRoot); "" lets the runtime choose.
func JSIIPackageCache() string {
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

// BuildApp builds the app's entry point once per test binary, to
// .build/<name>/opencti-ha under root, and returns that path. Each package
// that runs the binary names its own folder: go test runs packages side by
// side, and one could otherwise run the binary while another rewrites it
// (the CDK CLI run by package test builds cdk.json's .build/opencti-ha).
// Linking the binary (about 180 MB, the jsii packages embedded) takes about
// 3 CPU-seconds; go build skips it when the binary there is up to date.
func BuildApp(root, name string) (string, error) {
	bin := filepath.Join(root, ".build", name, "opencti-ha")
	appBinaryOnce.Do(func() {
		build := exec.Command("go", "build", "-o", bin, "./bin/opencti-ha")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			appBinaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return bin, appBinaryErr
}

// RequireTool fails t when a pinned tool is missing.
func RequireTool(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: run `make tools` (make test and .ci/run do)", path)
	}
}
