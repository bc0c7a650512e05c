// Command emptyapp is the benchmark baseline: a CDK app with one stack holding
// one resource. Its synth time is the jsii start-up floor (Node.js plus
// aws-cdk-lib) that every Go CDK app pays.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Empty"), nil)
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Handle"), nil)
	app.Synth(nil)
}
