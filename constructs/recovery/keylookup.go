package recovery

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// KeyLookupProps configures NewKeyLookup.
type KeyLookupProps struct {
	// Alias is the key's alias ("alias/<name>") in this stack's account
	// and region. Required.
	Alias *string
	// LogGroup receives the logs of the function that makes the call (the
	// stack's single AwsCustomResource function). Default: a log group kept
	// for awslogs.RetentionDays_THREE_MONTHS and destroyed with the stack.
	LogGroup awslogs.ILogGroup
}

// KeyLookup is a KMS key found by its alias when the stack deploys.
type KeyLookup interface {
	constructs.Construct
	// Key is the key, by its ARN: grants name that exact key.
	Key() awskms.IKey
	// Resource is the custom resource that calls kms:DescribeKey.
	Resource() customresources.AwsCustomResource
}

type keyLookup struct {
	constructs.Construct
	key awskms.IKey
	cr  customresources.AwsCustomResource
}

func (k *keyLookup) Key() awskms.IKey                            { return k.key }
func (k *keyLookup) Resource() customresources.AwsCustomResource { return k.cr }

// NewKeyLookup resolves a key of this account and region by its alias at
// deployment (kms:DescribeKey through aws-cdk-lib's AwsCustomResource, no
// code of ours): a key another stack created under a fixed alias, such as
// the recovery region's replica keys that a failover deployment there
// uses, becomes an awskms.IKey with its real ARN, so that grants and
// encryption settings name the key itself. Synth asks AWS nothing. The
// function may call kms:DescribeKey only on the key with that alias
// (kms:ResourceAliases). It panics with an *problems.InvalidProps before
// creating anything when Alias is missing.
func NewKeyLookup(scope constructs.Construct, id string, props *KeyLookupProps) KeyLookup {
	p := KeyLookupProps{}
	if props != nil {
		p = *props
	}
	pr := &problems.List{}
	if a := p.Alias; a == nil || len(*a) < 7 || (*a)[:6] != "alias/" {
		pr.Add("recovery.KeyLookupProps.Alias", a, `a key alias ("alias/<name>")`)
	}
	problems.PanicIfInvalid("recovery.NewKeyLookup", id, pr.Err())
	k := &keyLookup{}
	constructs.NewConstruct_Override(k, scope, jsii.String(id))
	stack := awscdk.Stack_Of(k)
	logGroup := p.LogGroup
	if logGroup == nil {
		logGroup = awslogs.NewLogGroup(k, jsii.String("Logs"), &awslogs.LogGroupProps{
			Retention:     awslogs.RetentionDays_THREE_MONTHS,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
	}
	call := &customresources.AwsSdkCall{
		Service:            jsii.String("KMS"),
		Action:             jsii.String("DescribeKey"),
		Parameters:         map[string]any{"KeyId": *p.Alias},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(p.Alias),
		OutputPaths:        jsii.Strings("KeyMetadata.Arn"),
	}
	k.cr = customresources.NewAwsCustomResource(k, jsii.String("Resource"), &customresources.AwsCustomResourceProps{
		ResourceType: jsii.String("Custom::KmsKeyByAlias"),
		OnCreate:     call,
		// Also on every update of the alias.
		OnUpdate: call,
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("kms:DescribeKey"),
				Resources: jsii.Strings("arn:" + *stack.Partition() + ":kms:" + *stack.Region() + ":" + *stack.Account() + ":key/*"),
				Conditions: &map[string]any{
					"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": []string{*p.Alias}},
				},
			}),
		}),
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logGroup,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(k.cr, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The key is known by its alias only until this call returns its ARN: the statement names the keys " +
			"of this account and region for kms:DescribeKey and the condition kms:ResourceAliases keeps the one key."),
		AppliesTo: &[]any{cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::arn:.+:kms:.+:key\\/\\*$/")}},
	}}, jsii.Bool(true))
	awsutil.SuppressCustomResourceFunctionFindings(stack, "")
	k.key = awskms.Key_FromKeyArn(k, jsii.String("Key"), k.cr.GetResponseField(jsii.String("KeyMetadata.Arn")))
	return k
}
