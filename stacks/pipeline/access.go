package pipeline

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/stacks"
)

// AccessStackID is the construct ID of the stack each stage adds next to the
// OpenCTI stacks: "<name>-PipelineAccess" in the stage's account.
const AccessStackID = "PipelineAccess"

// AccessStackProps configures NewAccessStack.
type AccessStackProps struct {
	awscdk.StackProps
	// Config is the stage's validated configuration; Name, SecretsPrefix,
	// Account and Region are read. Required.
	Config *config.Config
	// ToolingAccount is the pipeline's account. Required.
	ToolingAccount string
	// SmokeCheckPrincipalRoleName is the name of the tooling account's role
	// the stage's smoke check runs as: the only principal that may assume the
	// smoke-check role. Required.
	SmokeCheckPrincipalRoleName string
}

// AccessStack holds what the pipeline needs inside a stage's account besides
// the CDK bootstrap roles: the role the smoke check assumes to read the health
// access key.
type AccessStack struct {
	awscdk.Stack
	// SmokeCheckRole may read only <secretsPrefix>/health-access-key and
	// decrypt it through Secrets Manager; only the tooling account's
	// smoke-check role may assume it.
	SmokeCheckRole awsiam.IRole
}

// SmokeCheckRoleName is the name of the stage's smoke-check role,
// "<name>-smoke-check" (IAM role names are unique per account; stage names
// are unique per pipeline and at most 40 characters).
func SmokeCheckRoleName(cfg *config.Config) string { return cfg.Name + "-smoke-check" }

// NewAccessStack creates the stage's pipeline access stack.
func NewAccessStack(scope constructs.Construct, id string, props *AccessStackProps) *AccessStack {
	cfg := props.Config
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	partition := *stack.Partition()
	secretName := stacks.DataSecretName(cfg, stacks.HealthAccessKeySecretSuffix)
	// Secrets Manager appends "-" and six random characters to a secret's ARN.
	secretArn := fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s-??????", partition, cfg.Region, cfg.Account, secretName)
	principalArn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, props.ToolingAccount, props.SmokeCheckPrincipalRoleName)

	role := awsiam.NewRole(stack, jsii.String("SmokeCheckRole"), &awsiam.RoleProps{
		RoleName: jsii.String(SmokeCheckRoleName(cfg)),
		// Trusting the account with a condition on the exact role ARN (rather
		// than naming the role as principal) keeps the trust valid when the
		// pipeline's role is re-created.
		AssumedBy: awsiam.NewAccountPrincipal(jsii.String(props.ToolingAccount)).WithConditions(&map[string]any{
			"ArnEquals": map[string]any{"aws:PrincipalArn": principalArn},
		}),
		Description:        jsii.String(fmt.Sprintf("opencti-ha pipeline smoke check of %s: reads %s only", cfg.Name, secretName)),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"ReadHealthAccessKey": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:       jsii.String("ReadHealthAccessKey"),
					Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
					Resources: jsii.Strings(secretArn),
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:       jsii.String("DecryptHealthAccessKeyThroughSecretsManager"),
					Actions:   jsii.Strings("kms:Decrypt"),
					Resources: jsii.Strings(fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, cfg.Region, cfg.Account)),
					Conditions: &map[string]any{
						"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + cfg.Region + ".amazonaws.com"},
						"StringLike":   map[string]any{"kms:EncryptionContext:SecretARN": secretArn},
					},
				}),
			}}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The key that encrypts the health access key belongs to the Data stack and is unknown here: " +
			"kms:Decrypt is limited to calls Secrets Manager makes in this account and region (kms:ViaService) for " +
			"this one secret (kms:EncryptionContext:SecretARN)."),
		AppliesTo: &[]any{cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:(<AWS::Partition>|aws[-a-z]*):kms:` +
			regexp.QuoteMeta(cfg.Region) + `:` + cfg.Account + `:key\/\*$/`)}},
	}}, jsii.Bool(false))
	return &AccessStack{Stack: stack, SmokeCheckRole: role}
}
