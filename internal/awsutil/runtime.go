package awsutil

import "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

// LambdaRuntime runs every Lambda function of the constructs: the latest
// Node.js the Lambda service offers in aws-cdk-lib 2.276 (cdk-nag
// AwsSolutions-L1 rejects older ones); its bundled AWS SDK v3 is all the
// inline code uses. It is a function, not a package variable, so that
// importing a construct package never starts the jsii Node.js process: a
// program (or test) may still set its environment first.
func LambdaRuntime() awslambda.Runtime { return awslambda.Runtime_NODEJS_24_X() }
