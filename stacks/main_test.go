package stacks

// This is the ONE TestMain of package stacks. It builds the whole app for the
// dev and the prod profile once (each test binary starts a Node.js process;
// synthesizing is the expensive part) and every test of the package reads the
// results through fixtureFor(env):
//
//	f := fixtureFor(t, "prod")
//	f.Template(t, f.App.Data).ResourceCountIs(...)   // assertions.Template, from the synthesized JSON
//	f.Resources(t, f.App.Data, "AWS::S3::Bucket")   // raw JSON of every resource of a type
//	f.NagErrors(f.App.Data)                          // unsuppressed cdk-nag AwsSolutions errors
//
// Wrap assertions calls in testutil.Assert: a failed one panics inside jsii.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
)

// fixture is one synthesized app.
type fixture struct {
	Config   *config.Config
	App      *OpenCTIApp
	Assembly cxapi.CloudAssembly
	Outdir   string
	errs     []string
}

var fixtures = map[string]*fixture{}

// scratch holds every cloud assembly this package synthesizes; TestMain
// removes it.
var scratch string

// drFixtures are the disaster recovery example configurations:
// fixtureFor("dr") is
// examples/dr.yaml (a backup account), "failover" examples/dr-failover.yaml,
// "failback" examples/dr-failback.yaml and "rollback"
// examples/dr-rollback.yaml.
var drFixtures = map[string]string{
	"dr": "../examples/dr.yaml", "failover": "../examples/dr-failover.yaml",
	"failback": "../examples/dr-failback.yaml", "rollback": "../examples/dr-rollback.yaml",
}

// Every app of this package is synthesized with cdk-nag but without
// aws-cdk-lib's template validation (testutil.NewApp says why): the
// end-to-end packages validate the same configurations (test: dev and prod;
// test/variants: the settings of the variant apps, in its real
// configuration).
func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		if scratch, err = os.MkdirTemp("", "opencti-ha-stacks-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(scratch)
		for _, env := range config.Environments {
			f, err := buildFixture(env, "")
			if err != nil {
				fmt.Fprintf(os.Stderr, "building the %s app: %v\n", env, err)
				return 1
			}
			fixtures[env] = f
		}
		for name, path := range drFixtures {
			f, err := buildFixture(name, path)
			if err != nil {
				fmt.Fprintf(os.Stderr, "building the %s app: %v\n", name, err)
				return 1
			}
			fixtures[name] = f
		}
		return m.Run()
	}()
	os.Exit(code)
}

func buildFixture(name, path string) (f *fixture, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synth panicked: %v", r)
		}
	}()
	env := name
	if path != "" {
		env = ""
	}
	cfg, err := config.Load(env, path)
	if err != nil {
		return nil, err
	}
	outdir, err := os.MkdirTemp(scratch, name+"-")
	if err != nil {
		return nil, err
	}
	app, err := cdkapp.New(outdir, false)
	if err != nil {
		return nil, err
	}
	a := NewOpenCTIApp(app, cfg)
	cdkapp.AddNag(app)
	asm := app.Synth(nil)
	return &fixture{Config: cfg, App: a, Assembly: asm, Outdir: outdir, errs: cdkapp.Errors(asm)}, nil
}

func fixtureFor(t testing.TB, env string) *fixture {
	t.Helper()
	f, ok := fixtures[env]
	if !ok {
		t.Fatalf("no fixture for environment %q", env)
	}
	return f
}

// TemplateJSON is the synthesized template of stack.
func (f *fixture) TemplateJSON(t testing.TB, stack awscdk.Stack) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.Outdir, *stack.ArtifactId()+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// Template is the synthesized template of stack for the assertions API.
func (f *fixture) Template(t testing.TB, stack awscdk.Stack) assertions.Template {
	t.Helper()
	tpl := f.TemplateJSON(t, stack)
	return assertions.Template_FromJSON(&tpl, nil)
}

// Resources returns the resources of type typ in stack's template, by logical ID.
func (f *fixture) Resources(t testing.TB, stack awscdk.Stack, typ string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	res, _ := f.TemplateJSON(t, stack)["Resources"].(map[string]any)
	for id, r := range res {
		m, _ := r.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// NagErrors lists the unsuppressed error annotations (cdk-nag AwsSolutions
// included) of stack.
func (f *fixture) NagErrors(stack awscdk.Stack) []string {
	var out []string
	for _, e := range f.errs {
		if strings.HasPrefix(e, *stack.StackName()+": ") {
			out = append(out, e)
		}
	}
	return out
}

// requireNoErrors fails t with every unsuppressed error annotation of stack.
func (f *fixture) requireNoErrors(t *testing.T, stack awscdk.Stack) {
	t.Helper()
	if errs := f.NagErrors(stack); len(errs) > 0 {
		t.Errorf("%s (%s): %d unsuppressed errors:\n%s", *stack.StackName(), f.Config.Environment, len(errs), strings.Join(errs, "\n"))
	}
}
