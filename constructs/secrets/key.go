// Package secrets holds the KMS keys and the generated OpenCTI application
// secrets of an opencti-ha deployment: NewKey makes a customer managed key with
// rotation, NewOpenCTISecrets makes the admin credentials, the health access key
// and the platform encryption key in Secrets Manager. Values that Secrets
// Manager cannot generate (a UUIDv4 admin token, 32 random bytes in base64) are
// written by a small custom resource inside the account, never by the template.
package secrets

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// KeyProps configures NewKey.
type KeyProps struct {
	// Description tells operators what the key protects. Required.
	Description *string
	// RemovalPolicy applies to the key. DESTROY schedules the key for deletion
	// after the pending window when the stack is deleted.
	// Default: awscdk.RemovalPolicy_RETAIN (the key outlives the stack, so
	// retained data and backups stay readable).
	RemovalPolicy awscdk.RemovalPolicy
	// PendingWindowDays is the waiting period, in days (7-30), before a key
	// scheduled for deletion is deleted. Default: 30 days.
	PendingWindowDays *int
	// AllowSecretsManagerInAccount adds the key policy statement that the AWS
	// managed key aws/secretsmanager carries: every principal of this account may
	// use the key, but only through Secrets Manager in this region. Reading a
	// secret then needs only secretsmanager:GetSecretValue on that secret, which
	// lets a consumer (the cluster's External Secrets role, scoped by secret name
	// prefix) read secrets without knowing the key. Default: false (only IAM
	// policies that name the key grant its use).
	AllowSecretsManagerInAccount *bool
}

func (p *KeyProps) withDefaults() KeyProps {
	out := KeyProps{}
	if p != nil {
		out = *p
	}
	defaults.Zero(&out.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	defaults.Set(&out.PendingWindowDays, 30)
	defaults.Set(&out.AllowSecretsManagerInAccount, false)
	return out
}

func (p KeyProps) validate() error {
	pr := &problems.List{}
	if p.Description == nil || *p.Description == "" {
		pr.Add("secrets.KeyProps.Description", p.Description, "a description of what the key protects")
	}
	if d := *p.PendingWindowDays; d < 7 || d > 30 {
		pr.Add("secrets.KeyProps.PendingWindowDays", d, "7 to 30")
	}
	awsutil.CheckRemovalPolicy(pr, "secrets.KeyProps.RemovalPolicy", p.RemovalPolicy)
	return pr.Err()
}

// NewKey creates a symmetric customer managed KMS key with yearly automatic
// rotation. It panics with an *problems.InvalidProps, before creating
// anything, if props are invalid.
func NewKey(scope constructs.Construct, id string, props *KeyProps) awskms.IKey {
	p := props.withDefaults()
	problems.PanicIfInvalid("secrets.NewKey", id, p.validate())
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       p.Description,
		EnableKeyRotation: jsii.Bool(true),
		PendingWindow:     awscdk.Duration_Days(jsii.Number(float64(*p.PendingWindowDays))),
		RemovalPolicy:     p.RemovalPolicy,
	})
	if *p.AllowSecretsManagerInAccount {
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowUseThroughSecretsManagerForPrincipalsInAccount"),
			Effect:     awsiam.Effect_ALLOW,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions: jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*",
				"kms:GenerateDataKey*", "kms:DescribeKey"),
			Resources: jsii.Strings("*"),
			Conditions: &map[string]any{
				"StringEquals": map[string]any{
					"kms:CallerAccount": awscdk.Stack_Of(scope).Account(),
					"kms:ViaService":    jsii.String("secretsmanager." + *awscdk.Stack_Of(scope).Region() + ".amazonaws.com"),
				},
			},
		}), jsii.Bool(false))
	}
	return key
}

// KeyOrNew is key when it is not nil (bring your own key), else a new key
// NewKey(scope, id, props) creates.
func KeyOrNew(key awskms.IKey, scope constructs.Construct, id string, props *KeyProps) awskms.IKey {
	if key != nil {
		return key
	}
	return NewKey(scope, id, props)
}
