// Package testutil holds the helpers every synth test in this module shares:
// a recover wrapper for CDK assertions (a failed assertions call panics inside
// jsii and would otherwise kill the whole test binary) and cdk-nag look-ups.
package testutil

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Assert runs fn and turns a panic raised by a failed assertions call into a
// test failure that carries the assertion's message.
func Assert(t testing.TB, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("assertion failed: %v", r)
		}
	}()
	fn()
}

// AddNag applies the cdk-nag AwsSolutions pack to every construct under app.
// Call it before the first synth.
func AddNag(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// NagErrors lists the unsuppressed AwsSolutions errors reported on stack,
// each as "path: message", sorted. The app must have had AddNag applied.
func NagErrors(stack awscdk.Stack) []string {
	msgs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	out := make([]string, 0, len(*msgs))
	for _, m := range *msgs {
		out = append(out, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
	}
	sort.Strings(out)
	return out
}

// RequireNoNagErrors fails t with every unsuppressed AwsSolutions error on stack.
func RequireNoNagErrors(t testing.TB, stack awscdk.Stack) {
	t.Helper()
	if errs := NagErrors(stack); len(errs) > 0 {
		t.Errorf("%s: %d unsuppressed cdk-nag AwsSolutions errors:\n%s",
			*stack.StackName(), len(errs), strings.Join(errs, "\n"))
	}
}

// PanicMessage runs fn and returns what it panicked with, as text; "" when it
// did not panic. Constructs panic with every invalid prop at once.
func PanicMessage(fn func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	fn()
	return ""
}

// NewApp is the App of a construct or stack test: aws-cdk-lib's defaults,
// without its built-in CloudFormation template validation.
//
// The validation compiles a 9 MB WebAssembly rule engine in each process
// that synthesizes with it, about 2 CPU-seconds before the first template
// is checked, then checks each template: synthesizing the dev and prod apps
// in one process takes 4.6 CPU-seconds without it and 11 with it (Node.js
// 24, the 2-core build machine). The construct and stack packages assert their own
// behaviour without it; the end-to-end packages (test, test/variants,
// test/scale, stacks/pipeline, examples) validate every template of every
// whole-app configuration the suite synthesizes. (The switch has to be the
// App's prop: aws-cdk-lib also reads CDK_VALIDATION=false, but jsii-runtime-go
// takes the Node.js process's environment when the first package registers
// its types, before TestMain could set it.)
func NewApp() awscdk.App {
	return awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
}
