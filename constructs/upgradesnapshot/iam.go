package upgradesnapshot

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newRole creates the functions' role with only what they do: write their
// logs, attach to the VPC, read the master user secret, pass the snapshot
// role to OpenSearch and call the domain's _snapshot API.
func newRole(scope constructs.Construct, r resolved, logs awslogs.ILogGroup) awsiam.Role {
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Registers the OpenSearch snapshot repository and takes pre-upgrade snapshots"),
	})
	add := func(sid string, actions []string, resources []*string, conditions map[string]any) {
		props := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: &resources}
		if conditions != nil {
			props.Conditions = &conditions
		}
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(props))
	}
	add("WriteOwnLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, []*string{logs.LogGroupArn()}, nil)
	add("AttachToVpc", []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
		"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}, []*string{jsii.String("*")}, nil)
	add("ReadMasterUserSecret", []string{"secretsmanager:GetSecretValue"}, []*string{r.MasterUserSecret.SecretArn()}, nil)
	if key := r.MasterUserSecret.EncryptionKey(); key != nil {
		add("DecryptMasterUserSecret", []string{"kms:Decrypt"}, []*string{key.KeyArn()}, map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(scope).Region() + ".amazonaws.com"},
		})
	}
	// Registering the repository passes the snapshot role to OpenSearch
	// Service. The statement is the one the OpenSearch Service Developer
	// Guide gives ("Creating index snapshots", Prerequisites, Permissions):
	// iam:PassRole on that one role, no condition. The guide documents no
	// iam:PassedToService value for this call; a condition the service does
	// not match would deny the registration.
	add("PassSnapshotRole", []string{"iam:PassRole"}, []*string{r.SnapshotRole.RoleArn()}, nil)
	// The guide asks for es:ESHttpPut on <domain>/*; the function needs GET
	// and PUT, and only on the snapshot API.
	add("CallSnapshotApi", []string{"es:ESHttpGet", "es:ESHttpPut"},
		[]*string{jsii.String(*r.DomainArn + "/_snapshot"), jsii.String(*r.DomainArn + "/_snapshot/*")}, nil)
	return role
}
