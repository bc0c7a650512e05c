package secrets

import (
	_ "embed"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets/secretsspec"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// JSON property names of the OpenCTI application secrets.
const (
	// AdminSecretPasswordField holds APP__ADMIN__PASSWORD (32 alphanumerics).
	AdminSecretPasswordField = secretsspec.PasswordField
	// AdminSecretTokenField holds APP__ADMIN__TOKEN, a UUIDv4 generated in the
	// account by the custom resource.
	AdminSecretTokenField = secretsspec.AdminTokenField
	// HealthAccessKeySecretField holds APP__HEALTH_ACCESS_KEY (40 alphanumerics,
	// safe in the /health query string).
	HealthAccessKeySecretField = secretsspec.HealthAccessKeyField
	// EncryptionKeySecretField holds APP__ENCRYPTION_KEY: 32 random bytes,
	// base64 encoded (44 characters), generated in the account.
	EncryptionKeySecretField = secretsspec.EncryptionKeyField
)

//go:embed generator.js
var generatorSource string

// OpenCTISecretsProps configures NewOpenCTISecrets.
type OpenCTISecretsProps struct {
	// NamePrefix starts every secret name: the secrets are NamePrefix+"/admin",
	// NamePrefix+"/health-access-key" and NamePrefix+"/encryption-key", so that a
	// reader can be scoped to "secret:<NamePrefix>/*". Required, e.g. "opencti/prod".
	NamePrefix *string
	// EncryptionKey encrypts the secrets. Readers need kms:Decrypt on it
	// (through Secrets Manager) besides secretsmanager:GetSecretValue.
	// Default: a new customer managed key from NewKey.
	EncryptionKey awskms.IKey
	// RemovalPolicy applies to the secrets and the default key. SNAPSHOT is
	// treated as RETAIN. Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// GeneratorLogRetention is the retention of the generator function's log
	// group (field names and secret ARNs only, never values).
	// Default: awslogs.RetentionDays_THREE_MONTHS.
	GeneratorLogRetention awslogs.RetentionDays
	// Replicas replicates the three secrets to other regions (Secrets
	// Manager replica secrets, read-only there until promoted), each
	// encrypted with a key of its region: what a deployment restored in
	// that region reads. Default: none.
	Replicas []SecretReplica
	// Existing imports the three secrets by name instead of creating them,
	// with no key and no generator: they exist already in this region, e.g.
	// as the replicas of a deployment whose recovery region this is.
	// Default: false.
	Existing *bool
}

// SecretReplica is one region a secret is replicated to.
type SecretReplica struct {
	// Region is the replica's region. Required.
	Region string
	// KmsKeyID encrypts the replica: a key ARN, alias ARN or alias name
	// ("alias/opencti-prod-dr-secrets") of a key in Region. Default: the
	// AWS managed key aws/secretsmanager of that region.
	KmsKeyID string
}

// OpenCTISecrets are the OpenCTI platform's application secrets.
type OpenCTISecrets interface {
	constructs.Construct
	// AdminSecret has the JSON fields AdminSecretPasswordField and AdminSecretTokenField.
	AdminSecret() awssecretsmanager.ISecret
	// HealthAccessKeySecret has the JSON field HealthAccessKeySecretField.
	HealthAccessKeySecret() awssecretsmanager.ISecret
	// EncryptionKeySecret has the JSON field EncryptionKeySecretField.
	EncryptionKeySecret() awssecretsmanager.ISecret
	// EncryptionKey is the KMS key that encrypts the three secrets; nil with
	// Existing.
	EncryptionKey() awskms.IKey
	// Generator is the function that writes the generated fields; nil with
	// Existing.
	Generator() awslambda.IFunction
}

type openCTISecrets struct {
	constructs.Construct
	admin, health, encryption awssecretsmanager.ISecret
	key                       awskms.IKey
	generator                 awslambda.IFunction
}

func (s *openCTISecrets) AdminSecret() awssecretsmanager.ISecret           { return s.admin }
func (s *openCTISecrets) HealthAccessKeySecret() awssecretsmanager.ISecret { return s.health }
func (s *openCTISecrets) EncryptionKeySecret() awssecretsmanager.ISecret   { return s.encryption }
func (s *openCTISecrets) EncryptionKey() awskms.IKey                       { return s.key }
func (s *openCTISecrets) Generator() awslambda.IFunction                   { return s.generator }

func (p *OpenCTISecretsProps) withDefaults() OpenCTISecretsProps {
	out := OpenCTISecretsProps{}
	if p != nil {
		out = *p
	}
	defaults.Zero(&out.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	defaults.Zero(&out.GeneratorLogRetention, awslogs.RetentionDays_THREE_MONTHS)
	defaults.Set(&out.Existing, false)
	defaults.Slice(&out.Replicas, nil)
	return out
}

func (p OpenCTISecretsProps) validate() error {
	pr := &problems.List{}
	if p.NamePrefix == nil {
		pr.Add("secrets.OpenCTISecretsProps.NamePrefix", p.NamePrefix, `a secret name prefix such as "opencti/prod"`)
	} else {
		secretsspec.CheckNamePrefix(pr, "secrets.OpenCTISecretsProps.NamePrefix", *p.NamePrefix)
	}
	awsutil.CheckRemovalPolicy(pr, "secrets.OpenCTISecretsProps.RemovalPolicy", p.RemovalPolicy)
	for i, r := range p.Replicas {
		if !regionRe.MatchString(r.Region) {
			pr.Add(fmt.Sprintf("secrets.OpenCTISecretsProps.Replicas[%d].Region", i), r.Region, "an AWS region name such as eu-central-1")
		}
	}
	if *p.Existing && len(p.Replicas) > 0 {
		pr.Add("secrets.OpenCTISecretsProps.Replicas", problems.Raw(fmt.Sprintf("%d replicas", len(p.Replicas))),
			"none with Existing (an imported secret's replication is its owner's)")
	}
	return pr.Err()
}

var regionRe = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)

// NewOpenCTISecrets creates the OpenCTI application secrets and the custom
// resource that completes them with values Secrets Manager cannot generate.
// It panics with an *problems.InvalidProps, before creating anything, if
// props are invalid.
func NewOpenCTISecrets(scope constructs.Construct, id string, props *OpenCTISecretsProps) OpenCTISecrets {
	p := props.withDefaults()
	problems.PanicIfInvalid("secrets.NewOpenCTISecrets", id, p.validate())
	s := &openCTISecrets{}
	constructs.NewConstruct_Override(s, scope, jsii.String(id))
	removal := awsutil.DataRemovalPolicy(p.RemovalPolicy)
	if *p.Existing {
		imported := func(id, name string) awssecretsmanager.ISecret {
			return awssecretsmanager.Secret_FromSecretNameV2(s, jsii.String(id), jsii.String(*p.NamePrefix+"/"+name))
		}
		s.admin = imported("AdminSecret", secretsspec.AdminSecretName)
		s.health = imported("HealthAccessKeySecret", secretsspec.HealthAccessKeySecretName)
		s.encryption = imported("EncryptionKeySecret", secretsspec.EncryptionKeySecretName)
		return s
	}

	s.key = KeyOrNew(p.EncryptionKey, s, "Key", &KeyProps{
		Description:   jsii.String("OpenCTI application secrets (" + *p.NamePrefix + ")"),
		RemovalPolicy: removal,
	})

	newSecret := func(id, name, description, field string, length int) awssecretsmanager.Secret {
		sec := awssecretsmanager.NewSecret(s, jsii.String(id), &awssecretsmanager.SecretProps{
			SecretName:    jsii.String(*p.NamePrefix + "/" + name),
			Description:   jsii.String(description),
			EncryptionKey: s.key,
			RemovalPolicy: removal,
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				SecretStringTemplate: jsii.String("{}"),
				GenerateStringKey:    jsii.String(field),
				PasswordLength:       jsii.Number(float64(length)),
				ExcludePunctuation:   jsii.Bool(true),
				IncludeSpace:         jsii.Bool(false),
			},
		})
		if len(p.Replicas) > 0 {
			replicas := make([]any, len(p.Replicas))
			for i, r := range p.Replicas {
				rr := &awssecretsmanager.CfnSecret_ReplicaRegionProperty{Region: jsii.String(r.Region)}
				if r.KmsKeyID != "" {
					rr.KmsKeyId = jsii.String(r.KmsKeyID)
				}
				replicas[i] = rr
			}
			sec.Node().DefaultChild().(awssecretsmanager.CfnSecret).SetReplicaRegions(replicas)
		}
		cdknag.NagSuppressions_AddResourceSuppressions(sec, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-SMG4"),
			Reason: jsii.String("OpenCTI reads this value at start-up on every platform replica and has no " +
				"multi-user or dual-value rotation; an unattended rotation would lock the platform out. " +
				"Rotate with the documented runbook (new value, rolling restart)."),
		}}, jsii.Bool(true))
		return sec
	}
	admin := newSecret("AdminSecret", secretsspec.AdminSecretName,
		"OpenCTI admin: password (APP__ADMIN__PASSWORD) and token (APP__ADMIN__TOKEN, UUIDv4)",
		AdminSecretPasswordField, 32)
	health := newSecret("HealthAccessKeySecret", secretsspec.HealthAccessKeySecretName,
		"OpenCTI health access key (APP__HEALTH_ACCESS_KEY)", HealthAccessKeySecretField, 40)
	// The generated 44-character placeholder is never a valid base64 encoding of
	// 32 bytes (it has no trailing "="), so the generator always replaces it.
	encryption := newSecret("EncryptionKeySecret", secretsspec.EncryptionKeySecretName,
		"OpenCTI platform encryption key (APP__ENCRYPTION_KEY, base64 of 32 random bytes)",
		EncryptionKeySecretField, 44)
	s.admin, s.health, s.encryption = admin, health, encryption

	fn := s.newGenerator(p)
	s.generator = fn
	s.generate("AdminTokenGenerator", fn, admin, map[string]string{AdminSecretTokenField: "uuid4"})
	s.generate("EncryptionKeyGenerator", fn, encryption, map[string]string{EncryptionKeySecretField: "base64_32"})
	return s
}

// newGenerator creates the function that writes generated fields: Node.js 24,
// inline code, its own log group and a role limited to the two secrets.
func (s *openCTISecrets) newGenerator(p OpenCTISecretsProps) awslambda.Function {
	logs := awslogs.NewLogGroup(s, jsii.String("GeneratorLogs"), &awslogs.LogGroupProps{
		Retention:     p.GeneratorLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(s, jsii.String("GeneratorRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Writes generated OpenCTI secret fields (UUIDv4 admin token, encryption key)"),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn()},
	}))
	secretArns := []*string{s.admin.SecretArn(), s.encryption.SecretArn()}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"),
		Resources: &secretArns,
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources: &[]*string{s.key.KeyArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"kms:ViaService": jsii.String("secretsmanager." + *awscdk.Stack_Of(s).Region() + ".amazonaws.com"),
		}},
	}))
	return awslambda.NewFunction(s, jsii.String("Generator"), &awslambda.FunctionProps{
		Description: jsii.String("Generates OpenCTI secret fields that Secrets Manager cannot (UUIDv4, base64 of 32 bytes)"),
		Runtime:     awslambda.Runtime_NODEJS_24_X(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(generatorSource)),
		Timeout:     awscdk.Duration_Seconds(jsii.Number(60)),
		MemorySize:  jsii.Number(256),
		Role:        role,
		LogGroup:    logs,
	})
}

// generate adds the custom resource that completes fields of secret.
func (s *openCTISecrets) generate(id string, fn awslambda.IFunction, secret awssecretsmanager.ISecret,
	fields map[string]string) {
	fieldProps := map[string]any{}
	for k, v := range fields {
		fieldProps[k] = v
	}
	cr := awscdk.NewCustomResource(s, jsii.String(id), &awscdk.CustomResourceProps{
		ServiceToken:   fn.FunctionArn(),
		ResourceType:   jsii.String("Custom::OpenCTIGeneratedSecretFields"),
		ServiceTimeout: awscdk.Duration_Minutes(jsii.Number(5)),
		// Removing the resource never touches the secret.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		Properties: &map[string]any{
			"SecretId": secret.SecretArn(),
			"Fields":   fieldProps,
			// Bump when the generation logic or a secret's GenerateSecretString
			// changes, so that the fields are checked again on the next deploy.
			"Generation": "1",
		},
	})
	cr.Node().AddDependency(secret)
}
