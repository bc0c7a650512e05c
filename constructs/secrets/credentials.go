package secrets

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets/secretsspec"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// JSON property names of a credentials secret made by NewCredentials.
const (
	// CredentialsUsernameField holds the user name (absent when no Username is set).
	CredentialsUsernameField = secretsspec.UsernameField
	// CredentialsPasswordField holds the generated password.
	CredentialsPasswordField = secretsspec.PasswordField
)

// CredentialsProps configures NewCredentials.
type CredentialsProps struct {
	// SecretName names the secret. Default: a name CloudFormation generates.
	SecretName *string
	// Description says what the credentials are for. Required.
	Description *string
	// Username is stored beside the password. Default: no username field.
	Username *string
	// PasswordLength is the length of the generated password. Default: 32.
	PasswordLength *int
	// ExcludePunctuation limits the password to letters and digits.
	// Default: true (the safest choice for URLs, shells and service rules).
	ExcludePunctuation *bool
	// ExcludeCharacters are left out of the password when punctuation is allowed.
	// Default: none.
	ExcludeCharacters *string
	// RequireEachIncludedType demands at least one character of each included
	// class (upper, lower, digit and, if allowed, punctuation). Default: true.
	RequireEachIncludedType *bool
	// EncryptionKey encrypts the secret. Default: the AWS managed key aws/secretsmanager.
	EncryptionKey awskms.IKey
	// RemovalPolicy applies to the secret; SNAPSHOT is treated as RETAIN.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// NoRotationReason is recorded as the reviewed reason for the cdk-nag
	// AwsSolutions-SMG4 (no rotation) suppression on this secret. Required:
	// every service credential here is baked into a running service.
	NoRotationReason *string
}

func (p *CredentialsProps) withDefaults() CredentialsProps {
	out := CredentialsProps{}
	if p != nil {
		out = *p
	}
	defaults.Set(&out.PasswordLength, 32)
	defaults.Set(&out.ExcludePunctuation, true)
	defaults.Set(&out.RequireEachIncludedType, true)
	defaults.Zero(&out.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	return out
}

func (p CredentialsProps) validate() error {
	pr := &problems.List{}
	if p.Description == nil || *p.Description == "" {
		pr.Add("secrets.CredentialsProps.Description", p.Description, "what the credentials are for")
	}
	if p.NoRotationReason == nil || *p.NoRotationReason == "" {
		pr.Add("secrets.CredentialsProps.NoRotationReason", p.NoRotationReason, "why the secret is not rotated")
	}
	if n := *p.PasswordLength; n < 16 || n > 128 {
		pr.Add("secrets.CredentialsProps.PasswordLength", n, "16 to 128")
	}
	awsutil.CheckRemovalPolicy(pr, "secrets.CredentialsProps.RemovalPolicy", p.RemovalPolicy)
	return pr.Err()
}

// NewCredentials creates a Secrets Manager secret whose password CloudFormation
// generates (GenerateSecretString): the value never appears in the template.
// Read it in other resources only through SecretValueFromJson, which renders a
// {{resolve:secretsmanager:...}} dynamic reference. It panics with an
// *problems.InvalidProps, before creating anything, if props are invalid.
func NewCredentials(scope constructs.Construct, id string, props *CredentialsProps) awssecretsmanager.ISecret {
	p := props.withDefaults()
	problems.PanicIfInvalid("secrets.NewCredentials", id, p.validate())
	template := "{}"
	if p.Username != nil {
		template = fmt.Sprintf(`{%q:%q}`, CredentialsUsernameField, *p.Username)
	}
	gen := &awssecretsmanager.SecretStringGenerator{
		SecretStringTemplate:    jsii.String(template),
		GenerateStringKey:       jsii.String(CredentialsPasswordField),
		PasswordLength:          jsii.Number(float64(*p.PasswordLength)),
		ExcludePunctuation:      p.ExcludePunctuation,
		IncludeSpace:            jsii.Bool(false),
		RequireEachIncludedType: p.RequireEachIncludedType,
	}
	if p.ExcludeCharacters != nil {
		gen.ExcludeCharacters = p.ExcludeCharacters
	}
	sec := awssecretsmanager.NewSecret(scope, jsii.String(id), &awssecretsmanager.SecretProps{
		SecretName:           p.SecretName,
		Description:          p.Description,
		EncryptionKey:        p.EncryptionKey,
		GenerateSecretString: gen,
		RemovalPolicy:        awsutil.DataRemovalPolicy(p.RemovalPolicy),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(sec, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SMG4"),
		Reason: p.NoRotationReason,
	}}, jsii.Bool(true))
	return sec
}
