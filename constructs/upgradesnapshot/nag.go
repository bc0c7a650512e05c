package upgradesnapshot

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppressNagFindings records, with a reason, every cdk-nag AwsSolutions
// finding the construct accepts: on its role (appliesTo the exact
// resources) and, by path, inside aws-cdk-lib's provider framework.
func (u *upgradeSnapshot) suppressNagFindings() {
	cdknag.NagSuppressions_AddResourceSuppressions(u.role, &[]*cdknag.NagPackSuppression{
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Lambda functions in a VPC manage their network interfaces with the EC2 actions AWS lists " +
				"in AWSLambdaVPCAccessExecutionRole, which take Resource *. OpenSearch Service authorizes the snapshot API " +
				"per path: the wildcard is limited to _snapshot/* of this one domain (repository and snapshot names)."),
			AppliesTo: &[]any{
				"Resource::*",
				map[string]any{"regex": "/^Resource::.*\\/_snapshot\\/\\*$/"},
			},
		},
	}, jsii.Bool(true))
	stack := awscdk.Stack_Of(u.Construct)
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/"+*u.provider.Node().Path()),
		&[]*cdknag.NagPackSuppression{
			{
				Id:        jsii.String("AwsSolutions-IAM4"),
				Reason:    jsii.String("CDK-internal provider framework: aws-cdk-lib attaches AWSLambdaBasicExecutionRole to its framework functions; not configurable."),
				AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			},
			{
				Id:     jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK-internal provider framework: it may invoke any version of the onEvent/isComplete functions (<function ARN>:*) and its waiter state machine's log delivery needs logs:* delivery actions on *."),
			},
			{
				Id:     jsii.String("AwsSolutions-L1"),
				Reason: jsii.String("CDK-internal provider framework: aws-cdk-lib picks the framework functions' runtime; upgrading aws-cdk-lib upgrades it."),
			},
			{
				Id:     jsii.String("AwsSolutions-SF2"),
				Reason: jsii.String("CDK-internal waiter state machine of the provider framework: aws-cdk-lib offers no X-Ray option; it only polls isComplete and logs ALL events to its own log group."),
			},
		}, jsii.Bool(true))
}
