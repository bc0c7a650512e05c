// Package cdkapp creates the CDK App the same way for the entry point, the
// tests and the benchmark: with the feature flags committed in cdk.json, so
// that running the Go binary directly, through the CDK CLI or under `go test`
// synthesizes the same templates.
package cdkapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// FeatureFlags returns the "context" of the cdk.json found in dir or the
// nearest folder above it.
func FeatureFlags(dir string) (map[string]any, error) {
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "cdk.json"))
		if err == nil {
			var f struct {
				Context map[string]any `json:"context"`
			}
			if err := json.Unmarshal(data, &f); err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(d, "cdk.json"), err)
			}
			return f.Context, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("no cdk.json in %s or any folder above it", dir)
		}
	}
}

// New creates an App with cdk.json's feature flags (found from the working
// directory up), writing to outdir ("" keeps the CDK default: CDK_OUTDIR or a
// temporary folder). Context the CDK CLI passes overrides the file's.
//
// validate turns on aws-cdk-lib's built-in CloudFormation template validation
// (a WebAssembly rule engine run over every template at synth). It is about
// 60% of a full synth (6.4 s with it, 2.8 s without, on 2 cores), so `cdk
// synth`/`diff`/`deploy` and `make synth` skip it unless asked (`-c
// validate=true`), and the test suite always runs it: a template that breaks
// a CloudFormation rule fails `make test`.
func New(outdir string, validate bool) (awscdk.App, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	flags, err := FeatureFlags(wd)
	if err != nil {
		return nil, err
	}
	if os.Getenv("CDK_DEBUG") != "true" {
		// Stack traces of every construct's creation and metadata are for
		// debugging a synth (CDK_DEBUG=true); recording them costs time and
		// metadata on every synth.
		flags["aws:cdk:disable-stack-trace"] = true
		flags["aws:cdk:disable-creation-stack-traces"] = true
	}
	// aws-cdk-lib's own resource count check throws from inside synth (a
	// jsii panic); CheckLimits reports every limit after synth instead.
	flags[ResourceLimitContext] = 0
	props := &awscdk.AppProps{Context: &flags, BuiltinCloudFormationValidation: jsii.Bool(validate)}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	return awscdk.NewApp(props), nil
}

// Context is the context the App that New creates will have, read as
// aws-cdk-lib's App reads it: the "context" of cdk.json (New passes it as
// the App's context), overridden by what the CDK CLI passes (cdk.json's and
// -c key=value) in CDK_CONTEXT_JSON and, when the CLI had too much for one
// variable, in the file CONTEXT_OVERFLOW_LOCATION_ENV names. It is read
// before the App exists, for what must be known before the jsii Node.js
// process starts: a configuration that does not load then fails in
// milliseconds, and settings of the App itself.
func Context() map[string]any {
	ctx := map[string]any{}
	if wd, err := os.Getwd(); err == nil {
		if file, err := FeatureFlags(wd); err == nil { // New reports a missing or bad cdk.json
			for k, v := range file {
				ctx[k] = v
			}
		}
	}
	if text := os.Getenv("CDK_CONTEXT_JSON"); text != "" {
		_ = json.Unmarshal([]byte(text), &ctx) // aws-cdk-lib fails on bad JSON when the App starts
	}
	if path := os.Getenv("CONTEXT_OVERFLOW_LOCATION_ENV"); path != "" {
		if data, err := os.ReadFile(path); err == nil {
			var more map[string]any
			if json.Unmarshal(data, &more) == nil {
				for k, v := range more {
					ctx[k] = v
				}
			}
		}
	}
	return ctx
}

// ContextFlag reports whether Context sets key to true (-c key=true).
func ContextFlag(key string) bool {
	switch v := Context()[key].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// ContextString is Context's value of key as text ("" when absent).
func ContextString(key string) string {
	switch v := Context()[key].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// AddNag applies the cdk-nag AwsSolutions pack to every construct of app.
func AddNag(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// Errors lists every error annotation (cdk-nag findings included) of the
// synthesized assembly and of the assemblies nested in it (a Stage's, such
// as a pipeline's stages) as "stack: path: message", sorted.
func Errors(asm cxapi.CloudAssembly) []string {
	var out []string
	var collect func(a cxapi.CloudAssembly)
	collect = func(a cxapi.CloudAssembly) {
		for _, s := range *a.Stacks() {
			for _, m := range *s.Messages() {
				if m.Level == cxapi.SynthesisMessageLevel_ERROR {
					out = append(out, fmt.Sprintf("%s: %s: %v", *s.StackName(), *m.Id, m.Entry.Data))
				}
			}
		}
		for _, n := range *a.NestedAssemblies() {
			collect(n.NestedAssembly())
		}
	}
	collect(asm)
	sort.Strings(out)
	return out
}
