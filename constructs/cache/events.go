package cache

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// newEventTopic creates the topic ElastiCache publishes the group's events
// to (failover, node replacement, snapshots...) and sets it as the group's
// NotificationTopicArn (an update without interruption: an existing group
// is not replaced). ElastiCache User Guide, "Event Notifications and Amazon
// SNS" (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ElastiCacheSNS.html):
// the topic "cannot be encrypted" (an encrypted one is dissociated when
// ElastiCache publishes), must be in the group's account and region, and
// its policy must use aws:SourceOwner, not aws:SourceAccount. Node-based
// cluster events do not reach EventBridge, so this topic is their only way
// out; constructs/monitoring forwards the ones that matter to its encrypted
// alarm topic.
func (r *replicationGroup) newEventTopic() {
	stack := awscdk.Stack_Of(r)
	topic := awssns.NewTopic(r, jsii.String("EventTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("OpenCTI ElastiCache events"),
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowElastiCacheOfThisAccount"),
		Actions:    jsii.Strings("sns:Publish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("elasticache.amazonaws.com"), nil)},
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceOwner": stack.Account()}},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(topic, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SNS2"),
		Reason: jsii.String("ElastiCache cannot publish event notifications to an encrypted topic (ElastiCache User Guide, " +
			"\"Event Notifications and Amazon SNS\"). Its messages carry only event names and node IDs; the topic is TLS-only " +
			"and only ElastiCache of this account may publish."),
	}}, jsii.Bool(false))
	r.rg.SetNotificationTopicArn(topic.TopicArn())
	r.eventTopic = topic
}
