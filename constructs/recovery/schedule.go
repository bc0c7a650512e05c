package recovery

import (
	_ "embed"
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
	"github.com/opencti-ha/opencti-ha/internal/handlerlib"
	"github.com/opencti-ha/opencti-ha/internal/vpcprovider"
)

//go:embed snapshots.js
var snapshotsSourceRaw string

// snapshotsSource is snapshots.js as Lambda receives it: one file, with the shared code of
// internal/handlerlib in place of its require.
var snapshotsSource = handlerlib.Inline(snapshotsSourceRaw)

// SnapshotScheduleResourceType is the CloudFormation type of the custom
// resource that keeps the snapshot management policy.
const SnapshotScheduleResourceType = "Custom::OpenSearchSnapshotSchedule"

// probeRateMinutes is how often the age probe lists the DR repository.
const probeRateMinutes = 5

// SnapshotScheduleProps configures NewSnapshotSchedule.
type SnapshotScheduleProps struct {
	// Domain is snapshotted into the prefix recoveryspec.BasePath of its
	// snapshot bucket (repository recoveryspec.RepositoryName) with its
	// snapshot role. Required.
	Domain opensearch.Domain
	// Vpc holds the functions. Required.
	Vpc awsec2.IVpc
	// Subnets the functions run in; they must reach the domain and Secrets
	// Manager. Default: the VPC's private subnets with egress.
	Subnets *awsec2.SubnetSelection
	// SecurityGroup of the functions; the domain must admit it on 443.
	// Default: a new group with HTTPS out only, admitted by the domain's
	// security group.
	SecurityGroup awsec2.ISecurityGroup
	// IntervalMinutes between snapshots: one of recoveryspec.Intervals.
	// Default: recoveryspec.DefaultSnapshotIntervalMinutes (60).
	IntervalMinutes *int
	// RetentionDays keeps the snapshots this long (the policy's max_age;
	// a day's worth, at least 3, are always kept), 1 to 35.
	// Default: recoveryspec.DefaultSnapshotRetentionDays (7).
	RetentionDays *int
	// Deployment is the value of the probe metric's Deployment dimension.
	// Default: the stack name.
	Deployment *string
	// LogRetention of the functions', provider's and probe's log groups.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts those log groups; its policy must let
	// CloudWatch Logs use it. Default: a new customer managed key with rotation.
	LogEncryptionKey awskms.IKey
	// RemovalPolicy of the log groups and of the key this construct creates.
	// Default: awscdk.RemovalPolicy_DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
}

// SnapshotSchedule is the snapshot management policy of the DR repository
// and the probe that measures the age of its newest successful snapshot.
// Every resource it creates is reachable from it.
type SnapshotSchedule interface {
	constructs.Construct
	// Resource is the Custom::OpenSearchSnapshotSchedule resource.
	Resource() awscdk.CustomResource
	// Policy is the snapshot management policy as sent (schedule, deletion
	// conditions, snapshot configuration), for tests and documentation.
	Policy() map[string]string
	// Probe publishes recoveryspec.SnapshotAgeMetric every probeRateMinutes.
	Probe() awslambda.IFunction
	// ProbeRule runs Probe.
	ProbeRule() awsevents.Rule
	// Deployment is the probe metric's Deployment dimension.
	Deployment() *string
	// Role is the policy functions' role; SecurityGroup theirs and the probe's.
	Role() awsiam.IRole
	SecurityGroup() awsec2.ISecurityGroup
	// LogsKey encrypts the log groups.
	LogsKey() awskms.IKey
	// Provider is aws-cdk-lib's provider framework that calls onEvent.
	Provider() customresources.Provider
}

type snapshotSchedule struct {
	constructs.Construct
	resource   awscdk.CustomResource
	policy     map[string]string
	probe      awslambda.Function
	rule       awsevents.Rule
	deployment *string
	key        awskms.IKey
	handler    *vpcprovider.Handler
}

func (s *snapshotSchedule) Resource() awscdk.CustomResource      { return s.resource }
func (s *snapshotSchedule) Policy() map[string]string            { return s.policy }
func (s *snapshotSchedule) Probe() awslambda.IFunction           { return s.probe }
func (s *snapshotSchedule) ProbeRule() awsevents.Rule            { return s.rule }
func (s *snapshotSchedule) Deployment() *string                  { return s.deployment }
func (s *snapshotSchedule) Role() awsiam.IRole                   { return s.handler.Role }
func (s *snapshotSchedule) SecurityGroup() awsec2.ISecurityGroup { return s.handler.SecurityGroup }
func (s *snapshotSchedule) LogsKey() awskms.IKey                 { return s.key }
func (s *snapshotSchedule) Provider() customresources.Provider   { return s.handler.Provider }

type scheduleResolved struct {
	SnapshotScheduleProps
	interval, retention int
}

func (p *SnapshotScheduleProps) withDefaults() scheduleResolved {
	r := scheduleResolved{}
	if p != nil {
		r.SnapshotScheduleProps = *p
	}
	if r.Subnets == nil {
		r.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	r.interval = defaults.Of(r.IntervalMinutes, recoveryspec.DefaultSnapshotIntervalMinutes)
	r.retention = defaults.Of(r.RetentionDays, recoveryspec.DefaultSnapshotRetentionDays)
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_ONE_MONTH)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_DESTROY)
	return r
}

func (r scheduleResolved) validate() error {
	const f = "recovery.SnapshotScheduleProps."
	pr := &problems.List{}
	if r.Domain == nil {
		pr.Add(f+"Domain", nil, "the domain to snapshot (opensearch.NewDomain)")
	}
	if r.Vpc == nil {
		pr.Add(f+"Vpc", nil, "the VPC of the domain")
	}
	recoveryspec.CheckSnapshotInterval(pr, f+"IntervalMinutes", r.interval)
	recoveryspec.CheckSnapshotRetentionDays(pr, f+"RetentionDays", r.retention)
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy,
		awscdk.RemovalPolicy_DESTROY, awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	return pr.Err()
}

// Cron is the 5-field cron expression (UTC) of a snapshot every interval
// minutes (one of recoveryspec.Intervals): "*/15 * * * *", "0 * * * *",
// "0 */6 * * *", "0 0 * * *".
func Cron(interval int) string {
	switch {
	case interval < 60:
		return fmt.Sprintf("*/%d * * * *", interval)
	case interval == 60:
		return "0 * * * *"
	case interval < 1440:
		return fmt.Sprintf("0 */%d * * *", interval/60)
	default:
		return "0 0 * * *"
	}
}

// DeletionCron is when the policy deletes expired snapshots: daily at
// 01:30 UTC, away from the hour the snapshots start.
const DeletionCron = "30 1 * * *"

// policyProperties are the snapshot management policy's settings: a
// snapshot of the OpenCTI indices every interval, deleted after retention
// days but at least a day's worth (and 3) kept, and never more than the
// retention's worth plus a day (max_count bounds the repository even if
// snapshots end up younger than max_age).
func policyProperties(interval, retention int) map[string]string {
	perDay := 1440 / interval
	minCount := max(3, perDay)
	maxCount := max(minCount+1, perDay*(retention+1))
	return map[string]string{
		"RepositoryName":   recoveryspec.RepositoryName,
		"BasePath":         recoveryspec.BasePath,
		"PolicyName":       recoveryspec.PolicyName,
		"Schedule":         Cron(interval),
		"DeletionSchedule": DeletionCron,
		"Timezone":         "UTC",
		"Indices":          recoveryspec.IndexPrefix + "_*",
		"MaxAge":           strconv.Itoa(retention) + "d",
		"MinCount":         strconv.Itoa(minCount),
		"MaxCount":         strconv.Itoa(maxCount),
		"TimeLimit":        "1h",
	}
}

// NewSnapshotSchedule creates, in the VPC, the function and provider of the
// custom resource that registers the DR repository (the snapshot bucket's
// prefix recoveryspec.BasePath, written with the domain's snapshot role) and
// keeps the snapshot management policy recoveryspec.PolicyName in the
// domain, and the probe that every probeRateMinutes publishes the age of the
// newest successful snapshot (embedded metric format, namespace
// recoveryspec.MetricNamespace). Deleting the resource deletes the policy,
// never a snapshot. It panics with an *problems.InvalidProps, listing every
// invalid prop, before creating anything.
func NewSnapshotSchedule(scope constructs.Construct, id string, props *SnapshotScheduleProps) SnapshotSchedule {
	p := props.withDefaults()
	problems.PanicIfInvalid("recovery.NewSnapshotSchedule", id, p.validate())
	s := &snapshotSchedule{policy: policyProperties(p.interval, p.retention)}
	constructs.NewConstruct_Override(s, scope, jsii.String(id))
	stack := awscdk.Stack_Of(s)
	s.deployment = p.Deployment
	if s.deployment == nil {
		s.deployment = stack.StackName()
	}
	s.key = p.LogEncryptionKey
	if s.key == nil {
		s.key = secrets.NewLogsKey(s, "LogsKey", &secrets.LogsKeyProps{
			Description:   jsii.String("Encrypts the OpenSearch snapshot schedule log groups"),
			RemovalPolicy: p.RemovalPolicy,
			Grant:         &secrets.CloudWatchLogsGrant{StatementID: jsii.String("AllowCloudWatchLogs")},
		})
	}
	d := p.Domain
	var domainSG awsec2.ISecurityGroup
	if p.SecurityGroup == nil {
		domainSG = d.SecurityGroup()
	}
	domainArn := d.Domain().DomainArn()
	snapshotAPI := []*string{jsii.String(*domainArn + "/_snapshot"), jsii.String(*domainArn + "/_snapshot/*")}
	s.handler = vpcprovider.New(s, &vpcprovider.Props{
		Vpc:                      p.Vpc,
		Subnets:                  p.Subnets,
		SecurityGroup:            p.SecurityGroup,
		SecurityGroupDescription: "OpenSearch snapshot schedule functions: HTTPS out only",
		DomainSecurityGroup:      domainSG,
		IngressDescription:       "HTTPS from the snapshot schedule functions",
		RoleDescription:          "Registers the OpenSearch DR repository and keeps its snapshot management policy",
		Secret:                   d.MasterUserSecret(),
		Statements: []vpcprovider.Statement{
			// As the pre-upgrade snapshot: iam:PassRole on the snapshot role
			// (OpenSearch Service Developer Guide, "Creating index
			// snapshots"), the snapshot API of this domain only; the SM
			// policy calls go as the master user.
			{Sid: "PassSnapshotRole", Actions: []string{"iam:PassRole"}, Resources: []*string{d.SnapshotRole().RoleArn()}},
			{Sid: "CallSnapshotApi", Actions: []string{"es:ESHttpGet", "es:ESHttpPut"}, Resources: snapshotAPI},
		},
		Source:             snapshotsSource,
		OnEventDescription: "Registers the OpenSearch DR repository and creates or updates its snapshot management policy",
		FunctionTimeout:    awscdk.Duration_Minutes(jsii.Number(2)),
		LogRetention:       p.LogRetention,
		LogEncryptionKey:   s.key,
		RemovalPolicy:      p.RemovalPolicy,
	})
	s.addProbe(p, domainArn)

	properties := map[string]any{
		"DomainEndpoint":      d.Endpoint(),
		"MasterUserSecretArn": d.MasterUserSecret().SecretArn(),
		"UsernameField":       opensearch.MasterUserSecretUsernameField,
		"PasswordField":       opensearch.MasterUserSecretPasswordField,
		"FunctionRoleArn":     s.handler.Role.RoleArn(),
		"ProbeRoleArn":        s.probe.Role().RoleArn(),
		"BucketName":          d.SnapshotBucket().BucketName(),
		"SnapshotRoleArn":     d.SnapshotRole().RoleArn(),
	}
	for k, v := range s.policy {
		properties[k] = v
	}
	s.resource = awscdk.NewCustomResource(s, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: s.handler.Provider.ServiceToken(),
		ResourceType: jsii.String(SnapshotScheduleResourceType),
		Properties:   &properties,
	})
	s.resource.Node().AddDependency(d.Domain(), s.handler.Role)
	if s.handler.Ingress != nil {
		s.resource.Node().AddDependency(s.handler.Ingress)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(s.handler.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Lambda functions in a VPC manage their network interfaces with the EC2 actions AWS lists " +
			"in AWSLambdaVPCAccessExecutionRole, which take Resource *. OpenSearch Service authorizes the snapshot API " +
			"per path: the wildcard is limited to _snapshot/* of this one domain (repository and snapshot names)."),
		AppliesTo: &[]any{"Resource::*", map[string]any{"regex": "/^Resource::.*\\/_snapshot\\/\\*$/"}},
	}}, jsii.Bool(true))
	s.handler.SuppressProviderFindings()
	return s
}

// addProbe creates the age probe: the same inline code's handler, a role
// that may only read the snapshot API, and its schedule.
func (s *snapshotSchedule) addProbe(p scheduleResolved, domainArn *string) {
	logs := awslogs.NewLogGroup(s, jsii.String("ProbeLogs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		EncryptionKey: s.key,
		RemovalPolicy: p.RemovalPolicy,
	})
	role := awsiam.NewRole(s, jsii.String("ProbeRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Reads the OpenSearch DR repository's snapshot list (GET _snapshot only)"),
	})
	for _, st := range []*awsiam.PolicyStatementProps{
		{Sid: jsii.String("WriteOwnLogs"), Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"), Resources: &[]*string{logs.LogGroupArn()}},
		{Sid: jsii.String("AttachToVpc"), Actions: jsii.Strings("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
			"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"), Resources: jsii.Strings("*")},
		{Sid: jsii.String("ListSnapshots"), Actions: jsii.Strings("es:ESHttpGet"), Resources: &[]*string{jsii.String(*domainArn + "/_snapshot/*")}},
	} {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(st))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Lambda functions in a VPC manage their network interfaces with the EC2 actions AWS lists " +
			"in AWSLambdaVPCAccessExecutionRole, which take Resource *. The probe may only GET _snapshot/* of this one domain."),
		AppliesTo: &[]any{"Resource::*", map[string]any{"regex": "/^Resource::.*\\/_snapshot\\/\\*$/"}},
	}}, jsii.Bool(true))
	s.probe = awslambda.NewFunction(s, jsii.String("Probe"), &awslambda.FunctionProps{
		Description: jsii.String("Publishes the age of the newest successful OpenSearch DR snapshot (CloudWatch embedded metric format)"),
		Runtime:     awsutil.LambdaRuntime(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(snapshotsSource)),
		Timeout:     awscdk.Duration_Minutes(jsii.Number(1)),
		MemorySize:  jsii.Number(256),
		Role:        role,
		LogGroup:    logs,
		Vpc:         p.Vpc,
		VpcSubnets:  p.Subnets,
		Environment: &map[string]*string{
			"DOMAIN_ENDPOINT":  p.Domain.Endpoint(),
			"REPOSITORY":       jsii.String(recoveryspec.RepositoryName),
			"METRIC_NAMESPACE": jsii.String(recoveryspec.MetricNamespace),
			"DEPLOYMENT":       s.deployment,
		},
		SecurityGroups: &[]awsec2.ISecurityGroup{s.handler.SecurityGroup},
	})
	s.rule = awsevents.NewRule(s, jsii.String("ProbeSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Runs the OpenSearch DR snapshot age probe"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(probeRateMinutes))),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(s.probe, nil)},
	})
}
