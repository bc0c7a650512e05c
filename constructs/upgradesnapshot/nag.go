package upgradesnapshot

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppressNagFindings records, with a reason, every cdk-nag AwsSolutions
// finding the construct accepts: on its role (appliesTo the exact
// resources) and, by path, inside aws-cdk-lib's provider framework.
func (u *upgradeSnapshot) suppressNagFindings() {
	cdknag.NagSuppressions_AddResourceSuppressions(u.handler.Role, &[]*cdknag.NagPackSuppression{
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
	u.handler.SuppressProviderFindings()
}
