package monitoring

import (
	_ "embed"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

//go:embed cacheevents.js
var cacheEventsSource string

// cacheEvents forwards the replication group's failover and
// node-replacement events (ElastiCache:FailoverComplete,
// CacheNodeReplaceComplete, NodeReplacementScheduled/Rescheduled/Canceled,
// CacheNodesRebooted) from its event topic (RedisTarget.EventTopicArn) to
// the alarm topic. ElastiCache publishes node-based cluster events only to
// the group's unencrypted NotificationTopicArn topic, not to EventBridge
// (constructs/cache, events.go), and SNS cannot subscribe a topic to a
// topic: a function subscribed to the event topic republishes them
// (cacheevents.js). Nothing without an event topic.
func (m *monitoring) cacheEvents() {
	rd := m.r.Redis
	if rd == nil || rd.EventTopicArn == nil {
		return
	}
	scope := constructs.NewConstruct(m.Construct, jsii.String("RedisEvents"))
	logs, role := newFunctionLogsAndRole(scope, "Logs", "Role", m.r.LogRetention, m.key,
		"Forwards ElastiCache failover and node-replacement events to the OpenCTI alarm topic")
	// sns:Publish on the alarm topic, and its key's kms:Decrypt and
	// kms:GenerateDataKey* (SNS asks KMS for a data key on the publisher's
	// behalf).
	m.topic.GrantPublish(role)
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("kms:GenerateDataKey* on the alarm topic's key only, as aws-cdk-lib's Topic.grantPublish grants it: " +
			"publishing to a KMS-encrypted topic needs a data key of that key."),
		AppliesTo: &[]any{"Action::kms:GenerateDataKey*"},
	}}, jsii.Bool(true))
	fn := awslambda.NewFunction(scope, jsii.String("Function"), &awslambda.FunctionProps{
		Description: jsii.String("Forwards ElastiCache failover and node-replacement events to the OpenCTI alarm topic"),
		Runtime:     awsutil.LambdaRuntime(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(cacheEventsSource)),
		Timeout:     awscdk.Duration_Seconds(jsii.Number(30)),
		MemorySize:  jsii.Number(128),
		Role:        role,
		LogGroup:    logs,
		Environment: &map[string]*string{"ALARM_TOPIC_ARN": m.topic.TopicArn(), "DEPLOYMENT": jsii.String(m.prefix)},
	})
	events := awssns.Topic_FromTopicArn(scope, jsii.String("EventTopic"), rd.EventTopicArn)
	events.AddSubscription(awssnssubscriptions.NewLambdaSubscription(fn, nil))
	m.cacheEventsFunction = fn
}
