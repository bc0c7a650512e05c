package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/secrets"
)

// newTopic creates (or adopts) the key and the alarm topic: encrypted with the
// key, TLS-only (the topic policy denies aws:SecureTransport = false), with an
// e-mail subscription per address.
func (m *monitoring) newTopic() {
	stack := awscdk.Stack_Of(m.Construct)
	m.key = m.r.EncryptionKey
	if m.key == nil {
		key := awskms.NewKey(m.Construct, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the OpenCTI alarm topic and monitoring log groups"),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     m.r.RemovalPolicy,
		})
		// CloudWatch alarms and EventBridge publish to the encrypted topic: SNS
		// asks KMS for a data key on their behalf (the statement AWS documents,
		// without conditions, so that no notification is silently dropped).
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:     jsii.String("AllowAlarmAndEventPublishers"),
			Actions: jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Principals: &[]awsiam.IPrincipal{
				awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil),
				awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
			},
			Resources: jsii.Strings("*"),
		}), nil)
		// CloudWatch Logs encrypts this construct's log groups with the key.
		secrets.AllowCloudWatchLogs(key, &secrets.CloudWatchLogsGrant{StatementID: jsii.String("AllowCloudWatchLogs")})
		m.key = key
	}
	topic := awssns.NewTopic(m.Construct, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("OpenCTI alarms (" + m.prefix + ")"),
		MasterKey:   m.key,
		EnforceSSL:  jsii.Bool(true),
	})
	// The topic has a policy (TLS only), which replaces SNS's default owner
	// policy: CloudWatch alarms of this account must be allowed explicitly.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarmsOfThisAccount"),
		Actions:    jsii.Strings("sns:Publish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike":      map[string]any{"aws:SourceArn": "arn:" + *stack.Partition() + ":cloudwatch:" + *stack.Region() + ":" + *stack.Account() + ":alarm:*"},
		},
	}))
	for _, email := range m.r.AlarmEmails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	m.topic = topic
}
