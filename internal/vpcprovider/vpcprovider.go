// Package vpcprovider builds the plumbing every in-VPC custom resource of
// this module shares (opensearch.NewAuditLogging,
// upgradesnapshot.NewUpgradeSnapshot): the functions' log group, a security
// group with HTTPS out only (and optionally the ingress rule that lets it
// reach the domain), a role limited to its own logs, the VPC network
// interfaces and one secret, the onEvent and isComplete functions (inline
// Node.js) and aws-cdk-lib's provider framework with logged waiter, plus the
// cdk-nag suppressions that provider framework needs. The caller adds the
// custom resource, its own role statements' suppressions and dependencies.
package vpcprovider

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// httpsPort is the port the functions call the domain and AWS APIs on.
const httpsPort = 443

// Statement is one statement the functions' role gets besides its own logs,
// the VPC network interfaces and the secret.
type Statement struct {
	Sid        string
	Actions    []string
	Resources  []*string
	Conditions map[string]any
}

// Props configures New. Every field without a default is required.
type Props struct {
	// Vpc and Subnets hold the functions.
	Vpc     awsec2.IVpc
	Subnets *awsec2.SubnetSelection
	// SecurityGroup of the functions. Default: a new group "SecurityGroup"
	// described by SecurityGroupDescription, with HTTPS out only.
	SecurityGroup            awsec2.ISecurityGroup
	SecurityGroupDescription string
	// DomainSecurityGroup, if set, admits the functions' security group on
	// HTTPS with the rule "DomainIngress" (IngressDescription). Default: none.
	DomainSecurityGroup awsec2.ISecurityGroup
	IngressDescription  string
	// RoleDescription describes the functions' role "Role".
	RoleDescription string
	// Secret is the one secret the functions read (GetSecretValue, and
	// kms:Decrypt through Secrets Manager on its key, if it has one).
	Secret awssecretsmanager.ISecret
	// Statements are added to the role after the secret's.
	Statements []Statement
	// Source is the functions' inline code, exporting onEvent and (with
	// IsCompleteDescription) isComplete.
	Source string
	// OnEventDescription and IsCompleteDescription describe the functions
	// "OnEventFunction" and "IsCompleteFunction". An empty
	// IsCompleteDescription makes no isComplete function: onEvent finishes
	// the operation (no waiter state machine, no "WaiterLogs").
	OnEventDescription, IsCompleteDescription string
	// FunctionTimeout bounds one function call; TotalTimeout the whole
	// operation (isComplete is polled every 30 s; ignored without it).
	FunctionTimeout, TotalTimeout awscdk.Duration
	// LogRetention, LogEncryptionKey (optional) and RemovalPolicy apply to the
	// log groups "FunctionLogs", "ProviderLogs" and "WaiterLogs".
	LogRetention     awslogs.RetentionDays
	LogEncryptionKey awskms.IKey
	RemovalPolicy    awscdk.RemovalPolicy
}

// Handler is what New created.
type Handler struct {
	FunctionLogs  awslogs.LogGroup
	SecurityGroup awsec2.ISecurityGroup
	// Ingress is the DomainIngress rule; nil without DomainSecurityGroup.
	Ingress awsec2.CfnSecurityGroupIngress
	Role    awsiam.Role
	OnEvent awslambda.Function
	// IsComplete is nil without Props.IsCompleteDescription.
	IsComplete awslambda.Function
	Provider   customresources.Provider
}

// New creates the plumbing under scope, in this order: FunctionLogs,
// SecurityGroup, DomainIngress, Role, OnEventFunction, IsCompleteFunction,
// ProviderLogs, WaiterLogs, Provider (without an isComplete function: no
// IsCompleteFunction and no WaiterLogs).
func New(scope constructs.Construct, p *Props) *Handler {
	h := &Handler{}
	newLogs := func(id string) awslogs.LogGroup {
		return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
			Retention:     p.LogRetention,
			EncryptionKey: p.LogEncryptionKey,
			RemovalPolicy: p.RemovalPolicy,
		})
	}
	h.FunctionLogs = newLogs("FunctionLogs")

	h.SecurityGroup = p.SecurityGroup
	if h.SecurityGroup == nil {
		sg := awsec2.NewSecurityGroup(scope, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              p.Vpc,
			Description:      jsii.String(p.SecurityGroupDescription),
			AllowAllOutbound: jsii.Bool(false),
		})
		sg.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(httpsPort)),
			jsii.String("HTTPS to the OpenSearch domain and Secrets Manager"), jsii.Bool(false))
		h.SecurityGroup = sg
	}
	if p.DomainSecurityGroup != nil {
		h.Ingress = awsec2.NewCfnSecurityGroupIngress(scope, jsii.String("DomainIngress"), &awsec2.CfnSecurityGroupIngressProps{
			GroupId:               p.DomainSecurityGroup.SecurityGroupId(),
			SourceSecurityGroupId: h.SecurityGroup.SecurityGroupId(),
			IpProtocol:            jsii.String("tcp"),
			FromPort:              jsii.Number(httpsPort),
			ToPort:                jsii.Number(httpsPort),
			Description:           jsii.String(p.IngressDescription),
		})
	}

	h.Role = awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(p.RoleDescription),
	})
	statements := []Statement{
		{Sid: "WriteOwnLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: []*string{h.FunctionLogs.LogGroupArn()}},
		{Sid: "AttachToVpc", Actions: []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
			"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}, Resources: []*string{jsii.String("*")}},
		{Sid: "ReadMasterUserSecret", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []*string{p.Secret.SecretArn()}},
	}
	if key := p.Secret.EncryptionKey(); key != nil {
		statements = append(statements, Statement{Sid: "DecryptMasterUserSecret", Actions: []string{"kms:Decrypt"}, Resources: []*string{key.KeyArn()},
			Conditions: map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(scope).Region() + ".amazonaws.com"}}})
	}
	for _, s := range append(statements, p.Statements...) {
		props := &awsiam.PolicyStatementProps{Sid: jsii.String(s.Sid), Actions: jsii.Strings(s.Actions...), Resources: &s.Resources}
		if s.Conditions != nil {
			props.Conditions = &s.Conditions
		}
		h.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(props))
	}

	newFunction := func(id, handler, description string) awslambda.Function {
		return awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
			Description:    jsii.String(description),
			Runtime:        awsutil.LambdaRuntime(),
			Handler:        jsii.String("index." + handler),
			Code:           awslambda.Code_FromInline(jsii.String(p.Source)),
			Timeout:        p.FunctionTimeout,
			MemorySize:     jsii.Number(256),
			Role:           h.Role,
			LogGroup:       h.FunctionLogs,
			Vpc:            p.Vpc,
			VpcSubnets:     p.Subnets,
			SecurityGroups: &[]awsec2.ISecurityGroup{h.SecurityGroup},
		})
	}
	h.OnEvent = newFunction("OnEventFunction", "onEvent", p.OnEventDescription)
	if p.IsCompleteDescription == "" {
		h.Provider = customresources.NewProvider(scope, jsii.String("Provider"), &customresources.ProviderProps{
			OnEventHandler: h.OnEvent,
			LogGroup:       newLogs("ProviderLogs"),
		})
		return h
	}
	h.IsComplete = newFunction("IsCompleteFunction", "isComplete", p.IsCompleteDescription)
	h.Provider = customresources.NewProvider(scope, jsii.String("Provider"), &customresources.ProviderProps{
		OnEventHandler:                   h.OnEvent,
		IsCompleteHandler:                h.IsComplete,
		QueryInterval:                    awscdk.Duration_Seconds(jsii.Number(30)),
		TotalTimeout:                     p.TotalTimeout,
		LogGroup:                         newLogs("ProviderLogs"),
		DisableWaiterStateMachineLogging: jsii.Bool(false),
		WaiterStateMachineLogOptions: &customresources.LogOptions{
			Destination: newLogs("WaiterLogs"),
			Level:       awsstepfunctions.LogLevel_ALL,
		},
	})
	return h
}

// SuppressProviderFindings records, with a reason and by path, the cdk-nag
// AwsSolutions findings inside aws-cdk-lib's provider framework, which
// exposes no option to address them.
func (h *Handler) SuppressProviderFindings() {
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(awscdk.Stack_Of(h.Provider), jsii.String("/"+*h.Provider.Node().Path()),
		&[]*cdknag.NagPackSuppression{
			{
				Id:        jsii.String("AwsSolutions-IAM4"),
				Reason:    jsii.String("CDK-internal provider framework: aws-cdk-lib attaches AWSLambdaBasicExecutionRole to its framework functions; not configurable."),
				AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			},
			{
				Id:     jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK-internal provider framework: it may invoke any version of the onEvent/isComplete functions (<function ARN>:*) and its waiter state machine's log delivery needs logs:* delivery actions on *."),
			},
			{
				Id:     jsii.String("AwsSolutions-L1"),
				Reason: jsii.String("CDK-internal provider framework: aws-cdk-lib picks the framework functions' runtime; upgrading aws-cdk-lib upgrades it."),
			},
			{
				Id:     jsii.String("AwsSolutions-SF2"),
				Reason: jsii.String("CDK-internal waiter state machine of the provider framework: aws-cdk-lib offers no X-Ray option; it only polls isComplete and logs ALL events to its own log group."),
			},
		}, jsii.Bool(true))
}
