// Command opencti-ha is the CDK app: it reads the configuration selected with
// `-c env=dev|prod` or `-c config=path/to/file.yaml`, creates every stack (or,
// for a configuration with a pipeline section, the delivery pipeline stack
// and its stages), synthesizes the cloud assembly and fails when the
// configuration is invalid or when cdk-nag reports an unsuppressed
// AwsSolutions error.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/stacks"
	"github.com/opencti-ha/opencti-ha/stacks/pipeline"
)

func main() {
	os.Exit(run())
}

func run() int {
	defer jsii.Close()
	// The configuration is read before the App exists, so that a bad file
	// fails before the jsii Node.js process starts.
	path := cdkapp.ContextString("config")
	cfg, err := config.Load(cdkapp.ContextString("env"), path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "opencti-ha: invalid configuration:\n%s\n", indent(err.Error()))
		return 1
	}
	app, err := cdkapp.New("", cdkapp.ContextFlag("validate"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "opencti-ha:", err)
		return 1
	}
	nag := cdkapp.ContextString("nag") != "false"
	var delivery *pipeline.PipelineStack
	if cfg.Pipeline.Enabled() {
		// A pipeline configuration deploys only the pipeline stack; its
		// stages (nested cloud assemblies) are the deployments.
		if delivery, err = addPipeline(app, cfg, path, nag); err != nil {
			fmt.Fprintf(os.Stderr, "opencti-ha: invalid configuration:\n%s\n", indent(err.Error()))
			return 1
		}
	} else {
		var a *stacks.OpenCTIApp
		if err := build(func() { a = stacks.NewOpenCTIApp(app, cfg) }); err != nil {
			fmt.Fprintf(os.Stderr, "opencti-ha: cannot build the stacks:\n%s\n", indent(err.Error()))
			return 1
		}
		a.AnnotateConfiguration(cfg)
	}
	if nag {
		cdkapp.AddNag(app)
	}
	asm, err := synth(app)
	if err != nil {
		// aws-cdk-lib reports error annotations (cdk-nag findings included)
		// above, then fails the synth.
		fmt.Fprintf(os.Stderr, "opencti-ha: synth failed:\n%s\n", indent(err.Error()))
		return 1
	}
	if errs := cdkapp.Errors(asm); len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "opencti-ha: %d unsuppressed errors (cdk-nag AwsSolutions and others):\n%s\n", len(errs), indent(strings.Join(errs, "\n")))
		return 1
	}
	// CloudFormation refuses a template over its limits only once a deploy
	// has started, and aws-cdk-lib merely warns about a template's size:
	// refuse here, naming the stack, the limit and what drives it.
	over, err := cdkapp.CheckLimits(*asm.Directory(), stacks.LimitDrivers(cfg))
	if err != nil {
		fmt.Fprintln(os.Stderr, "opencti-ha: measuring the templates:", err)
		return 1
	}
	if len(over) > 0 {
		fmt.Fprintf(os.Stderr, "opencti-ha: synth refused, CloudFormation or the kubectl handler would reject this deployment:\n%s\n", indent(strings.Join(over, "\n")))
		return 1
	}
	if delivery != nil {
		fmt.Fprintln(os.Stderr, pipelineSummary(delivery))
	}
	return 0
}

// build runs fn, turning a panic into an error: a construct's
// *problems.InvalidProps (every invalid prop, each naming the prop, the value
// and what is allowed) or a failure inside aws-cdk-lib, which jsii raises as
// a panic. No user sees a Go stack trace.
func build(fn func()) (err error) {
	defer problems.Recover(&err)
	fn()
	return nil
}

// synth synthesizes app; a failure inside aws-cdk-lib comes back as an error.
func synth(app awscdk.App) (asm cxapi.CloudAssembly, err error) {
	err = build(func() { asm = app.Synth(nil) })
	return asm, err
}

// pipelineSummary says what the pipeline stack deploys, in order.
func pipelineSummary(p *pipeline.PipelineStack) string {
	parts := make([]string, 0, len(p.Stages))
	for _, st := range p.Stages {
		c := st.Config
		part := fmt.Sprintf("%s (%s, %s/%s, %s)", c.Name, c.Environment, c.Account, c.Region, *st.ArtifactId())
		if c.Environment == "prod" {
			part = "approval, " + part
		}
		parts = append(parts, part)
	}
	return fmt.Sprintf("opencti-ha: pipeline stack %s (%s/%s) deploys: %s", *p.StackName(), *p.Account(), *p.Region(), strings.Join(parts, ", then "))
}

// addPipeline creates the delivery pipeline of the configuration file path.
// CDK Pipelines synthesizes each stage while the pipeline is built, so a
// failing stage surfaces here (as a jsii panic, returned as an error).
func addPipeline(app awscdk.App, cfg *config.Config, path string, nag bool) (*pipeline.PipelineStack, error) {
	var p *pipeline.PipelineStack
	var err error
	if panicked := build(func() { p, err = newPipeline(app, cfg, path, nag) }); panicked != nil {
		return nil, fmt.Errorf("building the pipeline: %w", panicked)
	}
	return p, err
}

func newPipeline(app awscdk.App, cfg *config.Config, path string, nag bool) (*pipeline.PipelineStack, error) {
	rel, err := config.RepoPath(path)
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
	tools, err := pipeline.ReadTools(root)
	if err != nil {
		return nil, err
	}
	return pipeline.NewPipelineStack(app, pipeline.StackID, &pipeline.PipelineStackProps{
		Config: cfg, ConfigPath: rel, Stages: stages, Tools: tools, Nag: nag,
	}), nil
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
