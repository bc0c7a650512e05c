package broker

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsamazonmq"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// GeneralLogGroupName is the log group Amazon MQ publishes a broker's general
// logs to (Logs.General): /aws/amazonmq/broker/<broker ID>/general. Amazon MQ
// creates it itself, with the service-linked role AWSServiceRoleForAmazonMQ,
// and never sets a retention, so the logs would be kept forever.
// https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/configure-logging-monitoring-activemq.html
// (the log group structure is the same for RabbitMQ brokers).
func GeneralLogGroupName(brokerID *string) *string {
	return awscdk.Fn_Join(jsii.String(""), jsii.Strings("/aws/amazonmq/broker/", *brokerID, "/general"))
}

// addGeneralLogRetention sets the retention of the broker's general log group
// with aws-cdk-lib's LogRetention custom resource (its own handler, no code of
// ours): on create and update it creates the log group unless it exists
// (ResourceAlreadyExistsException is ignored, so it does not matter whether
// Amazon MQ or the custom resource comes first) and puts the retention policy;
// on delete it removes the log group only when the removal policy is DESTROY.
// Its physical name contains the broker ID, which a new broker never reuses,
// so a kept log group cannot block a retry. Checked in aws-cdk-lib 2.276.0,
// custom-resource-handlers/dist/aws-logs/log-retention-handler/index.js.
func addGeneralLogRetention(b *broker, res awsamazonmq.CfnBroker, p resolved) awslogs.LogRetention {
	lr := awslogs.NewLogRetention(b, jsii.String("GeneralLogRetention"), &awslogs.LogRetentionProps{
		LogGroupName:  GeneralLogGroupName(res.AttrId()),
		Retention:     p.LogRetention,
		RemovalPolicy: awsutil.RetainUnlessDestroy(p.RemovalPolicy),
	})
	suppressLogRetentionFindings(awscdk.Stack_Of(b))
	return lr
}

// logRetentionFunctionID is the construct ID aws-cdk-lib gives the one Lambda
// function that serves every LogRetention of a stack.
const logRetentionFunctionID = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"

func suppressLogRetentionFindings(stack awscdk.Stack) {
	fn := stack.Node().TryFindChild(jsii.String(logRetentionFunctionID))
	if fn == nil {
		return
	}
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{
		{
			Id:        jsii.String("AwsSolutions-IAM4"),
			Reason:    jsii.String("aws-cdk-lib's LogRetention function (sets the retention of the log group Amazon MQ creates for the broker): AWSLambdaBasicExecutionRole only lets it write its own logs."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		},
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("aws-cdk-lib's LogRetention function: logs:PutRetentionPolicy/DeleteRetentionPolicy on * because Amazon MQ names the log group " +
				"after the broker ID, known only at deploy time; with DESTROY also logs:DeleteLogGroup on the broker's general log group and its streams (:*)."),
			AppliesTo: &[]any{"Resource::*", cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:.*:logs:.*:log-group:\/aws\/amazonmq\/broker\/.*\/general:\*$/`)}},
		},
	}, jsii.Bool(true))
}
