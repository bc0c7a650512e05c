package opensearch

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
	"github.com/opencti-ha/opencti-ha/internal/handlerlib"
	"github.com/opencti-ha/opencti-ha/internal/vpcprovider"
)

//go:embed auditlog.js
var auditLogSourceRaw string

// auditLogSource is auditlog.js as Lambda receives it: one file, with the
// shared code of internal/handlerlib in place of its require.
var auditLogSource = handlerlib.Inline(auditLogSourceRaw)

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
// audit logging on inside a domain. Every resource it creates is reachable
// from it.
type AuditLogging interface {
	constructs.Construct
	// Resource is the Custom::OpenSearchAuditLogging resource.
	Resource() awscdk.CustomResource
	// Role is the functions' role.
	Role() awsiam.IRole
	// SecurityGroup is the functions' security group.
	SecurityGroup() awsec2.ISecurityGroup
	// Config is the managed part of the audit configuration, as sent to
	// PUT _plugins/_security/api/audit/config (laid over the domain's own).
	Config() map[string]any
	// Functions are the onEvent and isComplete functions.
	Functions() []awslambda.IFunction
	// Provider is aws-cdk-lib's provider framework that calls them.
	Provider() customresources.Provider
}

type auditLogging struct {
	constructs.Construct
	resource awscdk.CustomResource
	role     awsiam.Role
	sg       awsec2.ISecurityGroup
	config   map[string]any
	handler  *vpcprovider.Handler
}

func (a *auditLogging) Resource() awscdk.CustomResource      { return a.resource }
func (a *auditLogging) Role() awsiam.IRole                   { return a.role }
func (a *auditLogging) SecurityGroup() awsec2.ISecurityGroup { return a.sg }
func (a *auditLogging) Config() map[string]any               { return a.config }
func (a *auditLogging) Functions() []awslambda.IFunction {
	return []awslambda.IFunction{a.handler.OnEvent, a.handler.IsComplete}
}
func (a *auditLogging) Provider() customresources.Provider { return a.handler.Provider }

func (p *AuditLoggingProps) withDefaults() AuditLoggingProps {
	out := AuditLoggingProps{}
	if p != nil {
		out = *p
	}
	if out.Subnets == nil {
		out.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	defaults.Slice(&out.DisabledCategories, DefaultDisabledAuditCategories)
	defaults.Slice(&out.IgnoreUsers, []string{"kibanaserver"})
	defaults.Set(&out.LogRequestBody, false)
	defaults.Zero(&out.LogRetention, awslogs.RetentionDays_ONE_MONTH)
	defaults.Zero(&out.RemovalPolicy, awscdk.RemovalPolicy_DESTROY)
	return out
}

func (p AuditLoggingProps) validate() error {
	const f = "opensearch.AuditLoggingProps."
	pr := &problems.List{}
	if p.Domain == nil {
		pr.Add(f+"Domain", p.Domain, "the domain to audit (opensearch.NewDomain)")
	}
	if p.Vpc == nil {
		pr.Add(f+"Vpc", p.Vpc, "the VPC of the domain")
	}
	for i, c := range p.DisabledCategories {
		if !slices.Contains(AuditCategories, c) || slices.Index(p.DisabledCategories, c) != i {
			pr.Add(fmt.Sprintf(f+"DisabledCategories[%d]", i), c, fmt.Sprintf("a unique category of %v", AuditCategories))
		}
	}
	for i, u := range p.IgnoreUsers {
		if u == "" {
			pr.Add(fmt.Sprintf(f+"IgnoreUsers[%d]", i), u, "a user name or pattern")
		}
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", p.RemovalPolicy,
		awscdk.RemovalPolicy_DESTROY, awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	return pr.Err()
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
// logging in the domain at deploy time. It panics with an
// *problems.InvalidProps, listing every invalid prop, before creating
// anything.
func NewAuditLogging(scope constructs.Construct, id string, props *AuditLoggingProps) AuditLogging {
	p := props.withDefaults()
	problems.PanicIfInvalid("opensearch.NewAuditLogging", id, p.validate())
	a := &auditLogging{config: p.auditConfig()}
	constructs.NewConstruct_Override(a, scope, jsii.String(id))
	// Without a security group of its own, the functions get one that the
	// domain admits on HTTPS.
	var domainSG awsec2.ISecurityGroup
	if p.SecurityGroup == nil {
		domainSG = p.Domain.SecurityGroup()
	}
	secret := p.Domain.MasterUserSecret()
	a.handler = vpcprovider.New(a, &vpcprovider.Props{
		Vpc:                      p.Vpc,
		Subnets:                  p.Subnets,
		SecurityGroup:            p.SecurityGroup,
		SecurityGroupDescription: "OpenSearch audit logging functions: HTTPS out only",
		DomainSecurityGroup:      domainSG,
		IngressDescription:       "HTTPS from the audit logging functions",
		RoleDescription:          "Turns on OpenSearch audit logging as the master user",
		Secret:                   secret,
		Source:                   auditLogSource,
		OnEventDescription:       "Accepts OpenSearch audit logging configuration changes",
		IsCompleteDescription:    "Turns on OpenSearch audit logging in the domain and waits until the domain holds the configuration",
		FunctionTimeout:          awscdk.Duration_Minutes(jsii.Number(1)),
		// A new domain answers once its security plugin has initialized,
		// usually within minutes of the domain becoming active.
		TotalTimeout:     awscdk.Duration_Minutes(jsii.Number(20)),
		LogRetention:     p.LogRetention,
		LogEncryptionKey: p.LogEncryptionKey,
		RemovalPolicy:    p.RemovalPolicy,
	})
	a.sg, a.role = a.handler.SecurityGroup, a.handler.Role

	config, err := json.Marshal(a.config)
	if err != nil {
		panic(err)
	}
	a.resource = awscdk.NewCustomResource(a, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: a.handler.Provider.ServiceToken(),
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
	if a.handler.Ingress != nil {
		a.resource.Node().AddDependency(a.handler.Ingress)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(a.role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Lambda functions in a VPC manage their network interfaces with the EC2 actions AWS lists " +
			"in AWSLambdaVPCAccessExecutionRole, which take Resource *; the role has nothing else but its own log group and one secret."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	a.handler.SuppressProviderFindings()
	return a
}
