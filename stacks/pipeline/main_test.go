package pipeline

// The ONE TestMain of package pipeline: it synthesizes the example pipeline
// (examples/pipeline.yaml: the pipeline stack, and the dev and prod stages of
// eight stacks each) with cdk-nag and aws-cdk-lib's CloudFormation
// validation, and every test reads the result through fx. A second synth,
// without the (slow) validation, only proves that two synths write the same
// bytes.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

const exampleConfig = "../../examples/pipeline.yaml"

type fixture struct {
	Config   *config.Config
	Tools    Tools
	Stack    *PipelineStack
	Assembly cxapi.CloudAssembly
	Outdir   string
	Errors   []string
	// Template is the pipeline stack's synthesized template.
	Template map[string]any
	// Identical reports whether a second synth wrote the same bytes.
	Identical error
}

var fx *fixture

// scratch holds the synthesized assemblies; TestMain removes it.
var scratch string

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		if scratch, err = os.MkdirTemp("", "opencti-ha-pipeline-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(scratch)
		f, err := synthExample(true, true)
		if err != nil {
			fmt.Fprintln(os.Stderr, "synthesizing the example pipeline:", err)
			return 1
		}
		// Determinism: a second synth, without the template validation and
		// without cdk-nag, neither of which changes a template, a manifest or
		// an asset (cdk-nag only adds its report files), writes the same
		// bytes as the first for every file it writes. cdk-nag's rules are
		// about a third of an unvalidated synth (prod: 0.9 of 2.8
		// CPU-seconds).
		again, err := synthExample(false, false)
		if err != nil {
			fmt.Fprintln(os.Stderr, "synthesizing the example pipeline again:", err)
			return 1
		}
		f.Identical = sameTree(again.Outdir, f.Outdir)
		fx = f
		return m.Run()
	}()
	os.Exit(code)
}

// synthExample builds the example pipeline in a new App and synthesizes it,
// with aws-cdk-lib's template validation when validate, and cdk-nag
// (AwsSolutions on the pipeline and in every stage) when nag.
func synthExample(validate, nag bool) (f *fixture, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synth panicked: %v", r)
		}
	}()
	cfg, err := config.Load("", exampleConfig)
	if err != nil {
		return nil, err
	}
	rel, err := config.RepoPath(exampleConfig)
	if err != nil {
		return nil, err
	}
	stages, err := cfg.Pipeline.LoadStages()
	if err != nil {
		return nil, err
	}
	root, err := config.RepoRoot()
	if err != nil {
		return nil, err
	}
	tools, err := ReadTools(root)
	if err != nil {
		return nil, err
	}
	outdir, err := os.MkdirTemp(scratch, "assembly-")
	if err != nil {
		return nil, err
	}
	app, err := cdkapp.New(outdir, validate)
	if err != nil {
		return nil, err
	}
	s := NewPipelineStack(app, StackID, &PipelineStackProps{Config: cfg, ConfigPath: rel, Stages: stages, Tools: tools, Nag: nag})
	if nag {
		cdkapp.AddNag(app)
	}
	asm := app.Synth(nil)
	f = &fixture{Config: cfg, Tools: tools, Stack: s, Assembly: asm, Outdir: outdir, Errors: cdkapp.Errors(asm)}
	data, err := os.ReadFile(filepath.Join(outdir, *s.ArtifactId()+".template.json"))
	if err != nil {
		return nil, err
	}
	return f, json.Unmarshal(data, &f.Template)
}

// sameTree compares every file of the cloud assembly in a with the same file
// in b, byte for byte (e2e.SameTree), and reports the first difference.
func sameTree(a, b string) error {
	count, diffs, err := e2e.SameTree(a, b)
	switch {
	case err != nil:
		return err
	case len(diffs) > 0:
		return fmt.Errorf("%s (and %d more)", diffs[0], len(diffs)-1)
	case count < 20:
		return fmt.Errorf("only %d files compared", count)
	}
	return nil
}

// resources returns the pipeline template's resources of type typ by logical ID.
func resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range fx.Template["Resources"].(map[string]any) {
		m := r.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// props is a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// toJSON renders v as compact JSON, for substring checks and messages.
func toJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}
