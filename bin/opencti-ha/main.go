// Command opencti-ha is the CDK app: it reads the configuration selected with
// `-c env=dev|prod` or `-c config=path/to/file.yaml`, creates every stack,
// synthesizes the cloud assembly and fails when the configuration is invalid
// or when cdk-nag reports an unsuppressed AwsSolutions error.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/stacks"
)

func main() {
	os.Exit(run())
}

func run() int {
	defer jsii.Close()
	app, err := cdkapp.New("", cdkapp.ContextFlag("validate"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "opencti-ha:", err)
		return 1
	}
	env, path := contextString(app.Node().TryGetContext(jsii.String("env"))), contextString(app.Node().TryGetContext(jsii.String("config")))
	cfg, err := config.Load(env, path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "opencti-ha: invalid configuration:\n%s\n", indent(err.Error()))
		return 1
	}
	a := stacks.NewOpenCTIApp(app, cfg)
	// The embedded profiles synthesize anywhere, but their example zone and
	// admin role do not exist: say so on every synth (and in `cdk deploy`).
	// A deployment that still carries one stops before CloudFormation creates
	// anything (stacks.AddExampleValueRules).
	for _, ex := range cfg.ExampleValues() {
		msg := "example value still in use, set your own before deploying: " + ex
		awscdk.Annotations_Of(a.Network.Stack).AddWarningV2(jsii.String("opencti-ha:exampleValue"), jsii.String(msg), nil)
	}
	for _, w := range cfg.Warnings() {
		awscdk.Annotations_Of(a.Monitoring.Stack).AddWarningV2(jsii.String("opencti-ha:production"), jsii.String(w), nil)
	}
	if contextString(app.Node().TryGetContext(jsii.String("nag"))) != "false" {
		cdkapp.AddNag(app)
	}
	asm := app.Synth(nil)
	if errs := cdkapp.Errors(asm); len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "opencti-ha: %d unsuppressed errors (cdk-nag AwsSolutions and others):\n%s\n", len(errs), indent(strings.Join(errs, "\n")))
		return 1
	}
	return 0
}

func contextString(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
