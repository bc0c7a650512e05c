package monitoring

import (
	_ "embed"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

//go:embed lblookup.js
var lookupSource string

// lookupWaitSeconds is how long the look-up waits for the controller to
// create a load balancer; the function's timeout leaves a minute on top.
const lookupWaitSeconds = 600

// albLookup is the function and provider that resolve load balancer names.
type albLookup struct {
	scope    constructs.Construct
	fn       awslambda.Function
	role     awsiam.Role
	provider customresources.Provider
	// checks is set once the role may read web ACL associations and load
	// balancer attributes (the first look-up with expectations).
	checks bool
}

// newALBLookup creates the look-up function (own role and log group) and its
// provider under scope.
func (m *monitoring) newALBLookup(scope constructs.Construct) *albLookup {
	return buildALBLookup(scope, m.r.LogRetention, m.key, "Looks up the OpenCTI load balancers by name for their CloudWatch alarms")
}

// buildALBLookup creates the look-up function, its role, log groups and
// provider directly under scope (construct IDs Lookup*).
func buildALBLookup(scope constructs.Construct, retention awslogs.RetentionDays, key awskms.IKey, roleDescription string) *albLookup {
	logs := awslogs.NewLogGroup(scope, jsii.String("LookupLogs"), &awslogs.LogGroupProps{
		Retention:     retention,
		EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	providerLogs := awslogs.NewLogGroup(scope, jsii.String("LookupProviderLogs"), &awslogs.LogGroupProps{
		Retention:     retention,
		EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(scope, jsii.String("LookupRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(roleDescription),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn()},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DescribeLoadBalancers"),
		Actions:   jsii.Strings("elasticloadbalancing:DescribeLoadBalancers"),
		Resources: jsii.Strings("*"),
	}))
	fn := awslambda.NewFunction(scope, jsii.String("LookupFunction"), &awslambda.FunctionProps{
		Description: jsii.String("Resolves OpenCTI load balancer names to their CloudWatch LoadBalancer dimension"),
		Runtime:     awsutil.LambdaRuntime(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(lookupSource)),
		Timeout:     awscdk.Duration_Seconds(jsii.Number(lookupWaitSeconds + 60)),
		MemorySize:  jsii.Number(256),
		Role:        role,
		LogGroup:    logs,
	})
	provider := customresources.NewProvider(scope, jsii.String("LookupProvider"), &customresources.ProviderProps{
		OnEventHandler: fn,
		LogGroup:       providerLogs,
	})
	return &albLookup{scope: scope, fn: fn, role: role, provider: provider}
}

// resolve adds the custom resource that looks lbName up and returns the
// CloudWatch LoadBalancer dimension value ("app/<name>/<id>") as a token.
// revision and scheme are properties: changing either makes CloudFormation
// look up again (a scheme change re-creates the load balancer under a new
// ID); a non-empty scheme also waits until the load balancer has it.
func (l *albLookup) resolve(id, lbName, revision, scheme string) *string {
	return l.lookUp(l.scope, id, lbName, revision, scheme, nil).Dimension
}

// lookUp adds the custom resource that looks lbName up under scope. A
// non-empty scheme makes it wait until the load balancer has that scheme (a
// scheme change replaces the load balancer under the same name); expect, if
// not nil, makes it wait for what it names and fail the deployment without.
func (l *albLookup) lookUp(scope constructs.Construct, id, lbName, revision, scheme string, expect *LoadBalancerExpectations) LoadBalancerAttributes {
	props := map[string]any{
		"LoadBalancerName": lbName,
		"WaitSeconds":      strconv.Itoa(lookupWaitSeconds),
		"Revision":         revision,
	}
	if scheme != "" {
		props["Scheme"] = scheme
	}
	if expect != nil && (expect.WebACLArn != nil || expect.AccessLogsBucket != nil) {
		l.allowChecks()
		if expect.WebACLArn != nil {
			props["ExpectedWebAclArn"] = expect.WebACLArn
		}
		if expect.AccessLogsBucket != nil {
			props["ExpectedAccessLogsBucket"] = expect.AccessLogsBucket
			props["ExpectedAccessLogsPrefix"] = expect.AccessLogsPrefix
		}
	}
	cr := awscdk.NewCustomResource(scope, jsii.String(id), &awscdk.CustomResourceProps{
		ServiceToken: l.provider.ServiceToken(),
		ResourceType: jsii.String("Custom::LoadBalancerLookup"),
		Properties:   &props,
	})
	return LoadBalancerAttributes{
		Resource:              cr,
		Arn:                   cr.GetAttString(jsii.String("LoadBalancerArn")),
		Dimension:             cr.GetAttString(jsii.String("Dimension")),
		DNSName:               cr.GetAttString(jsii.String("DNSName")),
		CanonicalHostedZoneID: cr.GetAttString(jsii.String("CanonicalHostedZoneId")),
	}
}

// allowChecks lets the role read what the expectations check, once:
// DescribeLoadBalancerAttributes (no resource-level permission, like every
// elasticloadbalancing Describe* action) and the web ACL association of this
// account's ALBs in this region (wafv2:GetWebACLForResource, which also
// authorizes wafv2:GetWebACL on the associated web ACL: WAF API Reference,
// GetWebACLForResource). The web ACL may be any of the account's, so that a
// wrong one is named rather than denied.
func (l *albLookup) allowChecks() {
	if l.checks {
		return
	}
	l.checks = true
	stack := awscdk.Stack_Of(l.scope)
	l.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DescribeLoadBalancerAttributes"),
		Actions:   jsii.Strings("elasticloadbalancing:DescribeLoadBalancerAttributes"),
		Resources: jsii.Strings("*"),
	}))
	l.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("ReadWebACLAssociations"),
		Actions: jsii.Strings("wafv2:GetWebACLForResource", "wafv2:GetWebACL"),
		Resources: &[]*string{
			stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("elasticloadbalancing"), Resource: jsii.String("loadbalancer/app/*/*")}),
			stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("wafv2"), Resource: jsii.String("regional/webacl/*/*")}),
		},
	}))
}

// suppressNag records, with a reason, the cdk-nag AwsSolutions findings the
// look-up accepts: on its role (narrowest resource, appliesTo) and, by path,
// inside aws-cdk-lib's provider framework.
func (l *albLookup) suppressNag() {
	cdknag.NagSuppressions_AddResourceSuppressions(l.role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("elasticloadbalancing:DescribeLoadBalancers and DescribeLoadBalancerAttributes support no " +
			"resource-level permission (the Service Authorization Reference lists Resource *). wafv2:GetWebACLForResource " +
			"and GetWebACL are read-only and limited to this account's Application Load Balancers and regional web ACLs in " +
			"this region: the ACL a load balancer carries may be any of them, and the check must name a wrong one. The role " +
			"only reads."),
		AppliesTo: &[]any{
			"Resource::*",
			map[string]any{"regex": "/^Resource::arn:[^:]+:(elasticloadbalancing|wafv2):[^:]+:.+:(loadbalancer\\/app|regional\\/webacl)\\/\\*\\/\\*$/"},
		},
	}}, jsii.Bool(true))
	stack := awscdk.Stack_Of(l.scope)
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/"+*l.provider.Node().Path()),
		&[]*cdknag.NagPackSuppression{
			{
				Id:        jsii.String("AwsSolutions-IAM4"),
				Reason:    jsii.String("CDK-internal provider framework: aws-cdk-lib attaches AWSLambdaBasicExecutionRole to its framework function; not configurable."),
				AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			},
			{
				Id:     jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK-internal provider framework: it may invoke any version of the look-up function (<function ARN>:*)."),
			},
			{
				Id:     jsii.String("AwsSolutions-L1"),
				Reason: jsii.String("CDK-internal provider framework: aws-cdk-lib picks the framework function's runtime; upgrading aws-cdk-lib upgrades it."),
			},
		}, jsii.Bool(true))
}

// LoadBalancerAttributes are a looked-up load balancer's attributes, as
// deploy-time tokens.
type LoadBalancerAttributes struct {
	// Resource is the Custom::LoadBalancerLookup resource; depend on it to
	// order anything after the look-up.
	Resource awscdk.CustomResource
	// Arn is the load balancer's ARN.
	Arn *string
	// Dimension is the CloudWatch LoadBalancer dimension ("app/<name>/<id>").
	Dimension *string
	// DNSName is the load balancer's DNS name (the Route 53 alias target).
	DNSName *string
	// CanonicalHostedZoneID is the load balancer's Route 53 hosted zone ID
	// (the alias target's zone).
	CanonicalHostedZoneID *string
}

// LoadBalancerExpectations are what a looked-up load balancer must have. The
// look-up waits for each (the controller attaches them shortly after it
// creates the load balancer) within its 10 minutes, then fails the
// deployment with the load balancer's name and everything still missing.
type LoadBalancerExpectations struct {
	// WebACLArn is the AWS WAF web ACL that must be associated with the load
	// balancer. Default: nil (not checked).
	WebACLArn *string
	// AccessLogsBucket is the bucket its access logs must be written to
	// (access_logs.s3.enabled=true, access_logs.s3.bucket). Default: nil (not
	// checked).
	AccessLogsBucket *string
	// AccessLogsPrefix is the key prefix they must be written under
	// (access_logs.s3.prefix), checked with AccessLogsBucket. Default: "" (none).
	AccessLogsPrefix string
}

// LoadBalancerLookupProps configures NewLoadBalancerLookup.
type LoadBalancerLookupProps struct {
	// LogRetention of the look-up's two log groups.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// EncryptionKey encrypts the look-up's log groups; its policy must let
	// CloudWatch Logs use it. Default: none (CloudWatch Logs' own encryption).
	EncryptionKey awskms.IKey
	// Description of the look-up function's role.
	// Default: "Looks up load balancers by name".
	Description *string
}

// LoadBalancerLookup resolves Application Load Balancers that are created at
// run time (by the EKS load balancer controller from an Ingress) by name, at
// deploy time, waiting up to 10 minutes for each to exist (and, with
// LookUpAndCheck, to carry its web ACL and access logs). One function serves
// every look-up; its role may only describe load balancers and read their
// web ACL associations.
type LoadBalancerLookup interface {
	constructs.Construct
	// Role is the look-up function's role.
	Role() awsiam.IRole
	// Function is the look-up function.
	Function() awslambda.IFunction
	// Provider is aws-cdk-lib's provider framework that calls it.
	Provider() customresources.Provider
	// LookUp adds a Custom::LoadBalancerLookup resource with construct ID id
	// under the look-up. Changing revision looks the load balancer up again;
	// a non-empty scheme ("internet-facing" or "internal") waits until the
	// load balancer has it.
	LookUp(id, loadBalancerName, revision, scheme string) LoadBalancerAttributes
	// LookUpAndCheck is LookUp that also waits for expect and fails the
	// deployment, naming the load balancer and what it lacks, without it. The
	// first such look-up lets the role read load balancer attributes and web
	// ACL associations.
	LookUpAndCheck(id, loadBalancerName, revision, scheme string, expect LoadBalancerExpectations) LoadBalancerAttributes
}

type loadBalancerLookup struct {
	constructs.Construct
	l *albLookup
}

func (x *loadBalancerLookup) Role() awsiam.IRole            { return x.l.role }
func (x *loadBalancerLookup) Function() awslambda.IFunction { return x.l.fn }
func (x *loadBalancerLookup) Provider() customresources.Provider {
	return x.l.provider
}
func (x *loadBalancerLookup) LookUp(id, name, revision, scheme string) LoadBalancerAttributes {
	return x.l.lookUp(x.Construct, id, name, revision, scheme, nil)
}
func (x *loadBalancerLookup) LookUpAndCheck(id, name, revision, scheme string, expect LoadBalancerExpectations) LoadBalancerAttributes {
	return x.l.lookUp(x.Construct, id, name, revision, scheme, &expect)
}

// NewLoadBalancerLookup creates the look-up function, its role, log groups
// and provider, with their cdk-nag suppressions.
func NewLoadBalancerLookup(scope constructs.Construct, id string, props *LoadBalancerLookupProps) LoadBalancerLookup {
	p := LoadBalancerLookupProps{}
	if props != nil {
		p = *props
	}
	defaults.Zero(&p.LogRetention, awslogs.RetentionDays_ONE_MONTH)
	defaults.Set(&p.Description, "Looks up load balancers by name")
	x := &loadBalancerLookup{}
	constructs.NewConstruct_Override(x, scope, jsii.String(id))
	x.l = buildALBLookup(x, p.LogRetention, p.EncryptionKey, *p.Description)
	x.l.suppressNag()
	return x
}
