package opensearch

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

//go:embed auditlog.js
var auditLogSource string

// AuditLoggingResourceType is the CloudFormation type of the custom resource
// that turns audit logging on inside the domain.
const AuditLoggingResourceType = "Custom::OpenSearchAuditLogging"

// AuditCategories are the audit categories DisabledCategories may name: the
// ones the security plugin lets both the REST and the transport layer
// exclude (opensearch-project/security, AuditApiAction).
var AuditCategories = []string{"AUTHENTICATED", "BAD_HEADERS", "FAILED_LOGIN", "GRANTED_PRIVILEGES", "MISSING_PRIVILEGES", "SSL_EXCEPTION"}

// DefaultDisabledAuditCategories are left out by default: one event per
// valid request each, which AWS recommends excluding ("Monitoring audit
// logs", General settings).
var DefaultDisabledAuditCategories = []string{"AUTHENTICATED", "GRANTED_PRIVILEGES"}

// AuditLoggingProps configures NewAuditLogging.
type AuditLoggingProps struct {
	// Domain is the domain to audit; its AUDIT_LOGS must be published to
	// CloudWatch Logs (NewDomain does). Its master user secret is read at
	// run time. Required.
	Domain Domain
	// Vpc holds the functions that call the domain. Required.
	Vpc awsec2.IVpc
	// Subnets the functions run in; they must reach the domain and Secrets
	// Manager. Default: the VPC's private subnets with egress.
	Subnets *awsec2.SubnetSelection
	// SecurityGroup of the functions; the domain must admit it on 443 (e.g.
	// one of its ClientSecurityGroups). Default: a new group with HTTPS out
	// only, admitted by Domain.SecurityGroup() on 443.
	SecurityGroup awsec2.ISecurityGroup
	// DisabledCategories are not logged, on the REST and the transport
	// layer; a subset of AuditCategories. Default:
	// DefaultDisabledAuditCategories, so failed logins, missing privileges,
	// bad headers, TLS errors, security index attempts, index events and
	// settings changes are logged.
	DisabledCategories []string
	// IgnoreUsers are never audited (also for compliance reads and writes).
	// Default: ["kibanaserver"] (the Dashboards server's internal user).
	IgnoreUsers []string
	// LogRequestBody adds request bodies to the audit events. Default: false
	// (bodies carry indexed threat intelligence and, on the security API,
	// passwords).
	LogRequestBody *bool
	// LogRetention of the functions', provider's and waiter's log groups.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts those log groups; its policy must let
	// CloudWatch Logs use it. Default: none (CloudWatch Logs' own encryption;
	// they hold no secret).
	LogEncryptionKey awskms.IKey
	// RemovalPolicy of those log groups: DESTROY, RETAIN or
	// RETAIN_ON_UPDATE_OR_DELETE. Default: awscdk.RemovalPolicy_DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
}

// AuditLogging is the custom resource that keeps the security plugin's
// audit logging on inside a domain.
type AuditLogging interface {
	constructs.IConstruct
	// Resource is the Custom::OpenSearchAuditLogging resource.
	Resource() awscdk.CustomResource
	// Role is the functions' role.
	Role() awsiam.IRole
	// SecurityGroup is the functions' security group.
	SecurityGroup() awsec2.ISecurityGroup
	// Config is the managed part of the audit configuration, as sent to
	// PUT _plugins/_security/api/audit/config (laid over the domain's own).
	Config() map[string]any
}

type auditLogging struct {
	constructs.Construct
	resource awscdk.CustomResource
	role     awsiam.Role
	sg       awsec2.ISecurityGroup
	config   map[string]any
	provider customresources.Provider
}

func (a *auditLogging) Resource() awscdk.CustomResource      { return a.resource }
func (a *auditLogging) Role() awsiam.IRole                   { return a.role }
func (a *auditLogging) SecurityGroup() awsec2.ISecurityGroup { return a.sg }
func (a *auditLogging) Config() map[string]any               { return a.config }

func (p *AuditLoggingProps) withDefaults() AuditLoggingProps {
	out := AuditLoggingProps{}
	if p != nil {
		out = *p
	}
	if out.Subnets == nil {
		out.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	if out.DisabledCategories == nil {
		out.DisabledCategories = DefaultDisabledAuditCategories
	}
	if out.IgnoreUsers == nil {
		out.IgnoreUsers = []string{"kibanaserver"}
	}
	if out.LogRequestBody == nil {
		out.LogRequestBody = jsii.Bool(false)
	}
	if out.LogRetention == "" {
		out.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if out.RemovalPolicy == "" {
		out.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}
	return out
}

func (p AuditLoggingProps) validate() error {
	var errs []error
	add := func(field string, got any, want string) {
		errs = append(errs, fmt.Errorf("opensearch.AuditLoggingProps.%s: got %v, want %s", field, got, want))
	}
	if p.Domain == nil {
		add("Domain", "nil", "the domain to audit (opensearch.NewDomain)")
	}
	if p.Vpc == nil {
		add("Vpc", "nil", "the VPC of the domain")
	}
	for i, c := range p.DisabledCategories {
		if !slices.Contains(AuditCategories, c) || slices.Index(p.DisabledCategories, c) != i {
			add(fmt.Sprintf("DisabledCategories[%d]", i), fmt.Sprintf("%q", c), fmt.Sprintf("a unique category of %v", AuditCategories))
		}
	}
	for i, u := range p.IgnoreUsers {
		if u == "" {
			add(fmt.Sprintf("IgnoreUsers[%d]", i), `""`, "a user name or pattern")
		}
	}
	switch p.RemovalPolicy {
	case awscdk.RemovalPolicy_DESTROY, awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE:
	default:
		add("RemovalPolicy", p.RemovalPolicy, "DESTROY, RETAIN or RETAIN_ON_UPDATE_OR_DELETE")
	}
	return errors.Join(errs...)
}

// auditConfig is the managed part of the audit configuration: audit logging
// on, both layers, no request bodies, bulk requests not split per document
// (OpenCTI indexes in bulk), compliance logging of the security
// configuration, metadata only. Field names: the security plugin's audit
// API (OpenSearch documentation, "Update Audit Configuration API"; AWS
// "Monitoring audit logs", Audit log REST API).
func (p AuditLoggingProps) auditConfig() map[string]any {
	return map[string]any{
		"enabled": true,
		"audit": map[string]any{
			"enable_rest":                   true,
			"disabled_rest_categories":      p.DisabledCategories,
			"enable_transport":              true,
			"disabled_transport_categories": p.DisabledCategories,
			"resolve_bulk_requests":         false,
			"log_request_body":              *p.LogRequestBody,
			"resolve_indices":               true,
			"ignore_users":                  p.IgnoreUsers,
		},
		"compliance": map[string]any{
			"enabled":             true,
			"read_metadata_only":  true,
			"read_ignore_users":   p.IgnoreUsers,
			"write_metadata_only": true,
			"write_log_diffs":     false,
			"write_ignore_users":  p.IgnoreUsers,
		},
	}
}

// NewAuditLogging creates the functions (in the VPC, inline Node.js), their
// provider and the custom resource that turns on the security plugin's audit
// logging in the domain at deploy time. It panics, listing every invalid
// prop, before creating anything.
func NewAuditLogging(scope constructs.Construct, id string, props *AuditLoggingProps) AuditLogging {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("opensearch.NewAuditLogging %q: invalid props:\n%w", id, err))
	}
	a := &auditLogging{Construct: constructs.NewConstruct(scope, jsii.String(id)), config: p.auditConfig()}
	newLogs := func(id string) awslogs.LogGroup {
		return awslogs.NewLogGroup(a.Construct, jsii.String(id), &awslogs.LogGroupProps{
			Retention:     p.LogRetention,
			EncryptionKey: p.LogEncryptionKey,
			RemovalPolicy: p.RemovalPolicy,
		})
	}
	fnLogs := newLogs("FunctionLogs")

	a.sg = p.SecurityGroup
	var ingress awsec2.CfnSecurityGroupIngress
	if a.sg == nil {
		sg := awsec2.NewSecurityGroup(a.Construct, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              p.Vpc,
			Description:      jsii.String("OpenSearch audit logging functions: HTTPS out only"),
			AllowAllOutbound: jsii.Bool(false),
		})
		sg.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(HTTPSPort)),
			jsii.String("HTTPS to the OpenSearch domain and Secrets Manager"), jsii.Bool(false))
		a.sg = sg
		ingress = awsec2.NewCfnSecurityGroupIngress(a.Construct, jsii.String("DomainIngress"), &awsec2.CfnSecurityGroupIngressProps{
			GroupId:               p.Domain.SecurityGroup().SecurityGroupId(),
			SourceSecurityGroupId: sg.SecurityGroupId(),
			IpProtocol:            jsii.String("tcp"),
			FromPort:              jsii.Number(HTTPSPort),
			ToPort:                jsii.Number(HTTPSPort),
			Description:           jsii.String("HTTPS from the audit logging functions"),
		})
	}

	a.role = awsiam.NewRole(a.Construct, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Turns on OpenSearch audit logging as the master user"),
	})
	add := func(sid string, actions []string, resources []*string, conditions map[string]any) {
		sp := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: &resources}
		if conditions != nil {
			sp.Conditions = &conditions
		}
		a.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(sp))
	}
	secret := p.Domain.MasterUserSecret()
	add("WriteOwnLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, []*string{fnLogs.LogGroupArn()}, nil)
	add("AttachToVpc", []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
		"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}, []*string{jsii.String("*")}, nil)
	add("ReadMasterUserSecret", []string{"secretsmanager:GetSecretValue"}, []*string{secret.SecretArn()}, nil)
	if key := secret.EncryptionKey(); key != nil {
		add("DecryptMasterUserSecret", []string{"kms:Decrypt"}, []*string{key.KeyArn()}, map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(a.Construct).Region() + ".amazonaws.com"},
		})
	}

	newFunction := func(id, handler, description string) awslambda.Function {
		return awslambda.NewFunction(a.Construct, jsii.String(id), &awslambda.FunctionProps{
			Description:    jsii.String(description),
			Runtime:        awslambda.Runtime_NODEJS_24_X(),
			Handler:        jsii.String("index." + handler),
			Code:           awslambda.Code_FromInline(jsii.String(auditLogSource)),
			Timeout:        awscdk.Duration_Minutes(jsii.Number(1)),
			MemorySize:     jsii.Number(256),
			Role:           a.role,
			LogGroup:       fnLogs,
			Vpc:            p.Vpc,
			VpcSubnets:     p.Subnets,
			SecurityGroups: &[]awsec2.ISecurityGroup{a.sg},
		})
	}
	onEvent := newFunction("OnEventFunction", "onEvent", "Accepts OpenSearch audit logging configuration changes")
	isComplete := newFunction("IsCompleteFunction", "isComplete",
		"Turns on OpenSearch audit logging in the domain and waits until the domain holds the configuration")
	a.provider = customresources.NewProvider(a.Construct, jsii.String("Provider"), &customresources.ProviderProps{
		OnEventHandler:    onEvent,
		IsCompleteHandler: isComplete,
		QueryInterval:     awscdk.Duration_Seconds(jsii.Number(30)),
		// A new domain answers once its security plugin has initialized,
		// usually within minutes of the domain becoming active.
		TotalTimeout:                     awscdk.Duration_Minutes(jsii.Number(20)),
		LogGroup:                         newLogs("ProviderLogs"),
		DisableWaiterStateMachineLogging: jsii.Bool(false),
		WaiterStateMachineLogOptions: &customresources.LogOptions{
			Destination: newLogs("WaiterLogs"),
			Level:       awsstepfunctions.LogLevel_ALL,
		},
	})

	config, err := json.Marshal(a.config)
	if err != nil {
		panic(err)
	}
	a.resource = awscdk.NewCustomResource(a.Construct, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: a.provider.ServiceToken(),
		ResourceType: jsii.String(AuditLoggingResourceType),
		Properties: &map[string]any{
			"DomainEndpoint":      p.Domain.Endpoint(),
			"MasterUserSecretArn": secret.SecretArn(),
			"UsernameField":       MasterUserSecretUsernameField,
			"PasswordField":       MasterUserSecretPasswordField,
			"AuditConfig":         string(config),
		},
	})
	// The domain (and with it its AUDIT_LOGS publishing), the role's
	// policies and the ingress rule exist before the functions call.
	a.resource.Node().AddDependency(p.Domain.Domain(), a.role)
	if ingress != nil {
		a.resource.Node().AddDependency(ingress)
	}
	a.suppressNag()
	return a
}

// suppressNag records, with a reason, the cdk-nag AwsSolutions findings the
// construct accepts: on its role (appliesTo Resource::*) and, by path,
// inside aws-cdk-lib's provider framework.
func (a *auditLogging) suppressNag() {
	cdknag.NagSuppressions_AddResourceSuppressions(a.role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Lambda functions in a VPC manage their network interfaces with the EC2 actions AWS lists " +
			"in AWSLambdaVPCAccessExecutionRole, which take Resource *; the role has nothing else but its own log group and one secret."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(awscdk.Stack_Of(a.Construct), jsii.String("/"+*a.provider.Node().Path()),
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
