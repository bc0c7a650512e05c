// Command emptyapp is the benchmark baseline: a CDK app with one stack holding
// one resource, with aws-cdk-lib's defaults. With the argument -no-validation
// it also skips the built-in CloudFormation template validation (as
// opencti-ha's synth does), which leaves the jsii start-up floor: Node.js plus
// aws-cdk-lib.
package main

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	validate := !(len(os.Args) > 1 && os.Args[1] == "-no-validation")
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(validate)})
	stack := awscdk.NewStack(app, jsii.String("Empty"), nil)
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Handle"), nil)
	app.Synth(nil)
}
