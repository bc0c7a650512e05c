package secrets

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// CloudWatchLogsGrant configures AllowCloudWatchLogs.
type CloudWatchLogsGrant struct {
	// StatementID is the key policy statement's Sid. Default: none.
	StatementID *string
	// LogGroupNames limits the grant to the log groups whose names match
	// (a wildcard pattern such as "/aws/containerinsights/*"). Default: "*"
	// (every log group of the key's account and region).
	LogGroupNames *string
}

// AllowCloudWatchLogs lets this region's CloudWatch Logs use key for the log
// groups of this account (and region) that LogGroupNames matches: the key
// policy statement AWS documents for encrypting log groups with a customer
// managed key (condition on kms:EncryptionContext:aws:logs:arn).
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
func AllowCloudWatchLogs(key awskms.IKey, grant *CloudWatchLogsGrant) {
	g := CloudWatchLogsGrant{}
	if grant != nil {
		g = *grant
	}
	defaults.Set(&g.LogGroupNames, "*")
	stack := awscdk.Stack_Of(key)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        g.StatementID,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", *stack.Partition(), *stack.Region(), *stack.Account(), *g.LogGroupNames),
		}},
	}), nil)
}

// LogsKeyProps configures NewLogsKey.
type LogsKeyProps struct {
	// Description tells operators which logs the key encrypts. Required.
	Description *string
	// RemovalPolicy applies to the key. Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// Grant is the CloudWatch Logs statement of the key policy.
	// Default: every log group of the account and region, no Sid.
	Grant *CloudWatchLogsGrant
}

// NewLogsKey creates a customer managed KMS key (yearly rotation) that this
// region's CloudWatch Logs may use for the log groups of this account
// (AllowCloudWatchLogs). It panics with an *problems.InvalidProps, before
// creating anything, if props are invalid.
func NewLogsKey(scope constructs.Construct, id string, props *LogsKeyProps) awskms.IKey {
	p := LogsKeyProps{}
	if props != nil {
		p = *props
	}
	defaults.Zero(&p.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	pr := &problems.List{}
	if p.Description == nil || *p.Description == "" {
		pr.Add("secrets.LogsKeyProps.Description", p.Description, "which logs the key encrypts")
	}
	awsutil.CheckRemovalPolicy(pr, "secrets.LogsKeyProps.RemovalPolicy", p.RemovalPolicy)
	problems.PanicIfInvalid("secrets.NewLogsKey", id, pr.Err())
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       p.Description,
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     p.RemovalPolicy,
	})
	AllowCloudWatchLogs(key, p.Grant)
	return key
}
