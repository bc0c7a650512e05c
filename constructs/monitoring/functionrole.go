package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newFunctionLogsAndRole creates, under scope, the log group of one of the
// package's Lambda functions (logsID: encrypted with key, kept retention
// days, deleted with the stack: it holds only the function's own lines) and
// the function's role (roleID: assumed by Lambda, described by description)
// allowed to write to that log group and nothing else yet; the caller adds
// what the function does.
func newFunctionLogsAndRole(scope constructs.Construct, logsID, roleID string, retention awslogs.RetentionDays, key awskms.IKey, description string) (awslogs.LogGroup, awsiam.Role) {
	logs := awslogs.NewLogGroup(scope, jsii.String(logsID), &awslogs.LogGroupProps{
		Retention:     retention,
		EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(scope, jsii.String(roleID), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(description),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn()},
	}))
	return logs, role
}
