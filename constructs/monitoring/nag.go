package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppressNagFindings records, with a reason, every cdk-nag AwsSolutions
// finding this construct accepts: on the look-up role (narrowest resource,
// appliesTo) and, by path, inside aws-cdk-lib's provider framework.
func (m *monitoring) suppressNagFindings() {
	if m.lookup == nil {
		return
	}
	cdknag.NagSuppressions_AddResourceSuppressions(m.lookup.role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("elasticloadbalancing:DescribeLoadBalancers supports no resource-level permission (the " +
			"Service Authorization Reference lists Resource *); the role is read-only and has nothing else."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	stack := awscdk.Stack_Of(m.Construct)
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/"+*m.lookup.provider.Node().Path()),
		&[]*cdknag.NagPackSuppression{
			{
				Id:        jsii.String("AwsSolutions-IAM4"),
				Reason:    jsii.String("CDK-internal provider framework: aws-cdk-lib attaches AWSLambdaBasicExecutionRole to its framework function; not configurable."),
				AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			},
			{
				Id:     jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK-internal provider framework: it may invoke any version of the look-up function (<function ARN>:*)."),
			},
			{
				Id:     jsii.String("AwsSolutions-L1"),
				Reason: jsii.String("CDK-internal provider framework: aws-cdk-lib picks the framework function's runtime; upgrading aws-cdk-lib upgrades it."),
			},
		}, jsii.Bool(true))
}
