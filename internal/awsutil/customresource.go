package awsutil

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	cdknag "github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// CustomResourceFunctionID is the construct ID aws-cdk-lib gives the one
// Lambda function that serves every AwsCustomResource of a stack.
const CustomResourceFunctionID = "AWS679f53fac002430cb0da5b7982bd2287"

// SuppressCustomResourceFunctionFindings records, on the AwsCustomResource
// function of stack (if the stack has one yet), why cdk-nag's
// AwsSolutions-IAM4 finding on its AWSLambdaBasicExecutionRole is accepted.
// permissions ends the reason: what the statements of the caller's custom
// resources allow, e.g. " (here iam:CreateServiceLinkedRole on one role)";
// empty for none.
func SuppressCustomResourceFunctionFindings(stack awscdk.Stack, permissions string) {
	fn := stack.Node().TryFindChild(jsii.String(CustomResourceFunctionID))
	if fn == nil {
		return
	}
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("aws-cdk-lib's AwsCustomResource function: AWSLambdaBasicExecutionRole only lets it write its own " +
			"logs; its permissions are the statements its custom resources name" + permissions + "."),
		AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
	}}, jsii.Bool(true))
}
