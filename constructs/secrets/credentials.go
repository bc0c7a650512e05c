package secrets

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// JSON property names of a credentials secret made by NewCredentials.
const (
	// CredentialsUsernameField holds the user name (absent when no Username is set).
	CredentialsUsernameField = "username"
	// CredentialsPasswordField holds the generated password.
	CredentialsPasswordField = "password"
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
	if out.PasswordLength == nil {
		out.PasswordLength = new(32)
	}
	if out.ExcludePunctuation == nil {
		out.ExcludePunctuation = new(true)
	}
	if out.RequireEachIncludedType == nil {
		out.RequireEachIncludedType = new(true)
	}
	if out.RemovalPolicy == "" {
		out.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	return out
}

func (p CredentialsProps) validate() error {
	var errs []error
	if p.Description == nil || *p.Description == "" {
		errs = append(errs, errors.New("secrets.CredentialsProps.Description: got empty, want what the credentials are for"))
	}
	if p.NoRotationReason == nil || *p.NoRotationReason == "" {
		errs = append(errs, errors.New("secrets.CredentialsProps.NoRotationReason: got empty, want why the secret is not rotated"))
	}
	if n := *p.PasswordLength; n < 16 || n > 128 {
		errs = append(errs, fmt.Errorf("secrets.CredentialsProps.PasswordLength: got %d, want 16..128", n))
	}
	if err := ValidateRemovalPolicy("secrets.CredentialsProps.RemovalPolicy", p.RemovalPolicy); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// NewCredentials creates a Secrets Manager secret whose password CloudFormation
// generates (GenerateSecretString): the value never appears in the template.
// Read it in other resources only through SecretValueFromJson, which renders a
// {{resolve:secretsmanager:...}} dynamic reference. It panics before creating
// anything if props are invalid.
func NewCredentials(scope constructs.Construct, id string, props *CredentialsProps) awssecretsmanager.ISecret {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(err)
	}
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
		RemovalPolicy:        DataRemovalPolicy(p.RemovalPolicy),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(sec, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SMG4"),
		Reason: p.NoRotationReason,
	}}, jsii.Bool(true))
	return sec
}
