package monitoring

import (
	"encoding/json"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// ObservabilityAddonVersion pins the amazon-cloudwatch-observability EKS
// add-on. It must stay below v6.2.0: from v6.2.0 the add-on defaults to the
// OpenTelemetry pipeline, whose metrics are PromQL-native and not published
// to the ContainerInsights namespace the alarms of this package read.
const ObservabilityAddonVersion = "v4.10.3-eksbuild.1"

// ObservabilityAddonName is the EKS add-on name.
const ObservabilityAddonName = "amazon-cloudwatch-observability"

// Container Insights log groups the add-on writes to (suffixes of
// /aws/containerinsights/<cluster>/).
var containerInsightsLogGroups = []struct{ id, suffix string }{
	{"PerformanceLogs", "performance"},
	{"ApplicationLogs", "application"},
	{"DataplaneLogs", "dataplane"},
	{"HostLogs", "host"},
}

// ObservabilityAddonProps configures NewObservabilityAddon.
type ObservabilityAddonProps struct {
	// Cluster is the EKS cluster the add-on is installed on. Required.
	Cluster awseksv2.ICluster
	// AddonVersion of amazon-cloudwatch-observability (below v6.2.0, see
	// ObservabilityAddonVersion). Default: ObservabilityAddonVersion.
	AddonVersion *string
	// LogRetention of the Container Insights log groups (performance events,
	// container, data plane and host logs). Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// EncryptionKey encrypts those log groups; its policy must let CloudWatch
	// Logs use it. Default: a new customer managed key with rotation.
	EncryptionKey awskms.IKey
	// ContainerLogs ships every container's stdout/stderr (Fluent Bit) to the
	// application log group. Default: true.
	ContainerLogs *bool
	// RemovalPolicy of the log groups and the key. Default: awscdk.RemovalPolicy_DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
}

// ObservabilityAddon is the installed add-on and what it needs. Every
// resource it creates is reachable from it.
type ObservabilityAddon interface {
	constructs.Construct
	// Addon is the EKS add-on resource.
	Addon() awseksv2.CfnAddon
	// Role is the CloudWatch agent's Pod Identity role.
	Role() awsiam.IRole
	// LogGroups are the pre-created Container Insights log groups.
	LogGroups() []awslogs.ILogGroup
	// EncryptionKey encrypts the log groups.
	EncryptionKey() awskms.IKey
}

type observabilityAddon struct {
	constructs.Construct
	addon awseksv2.CfnAddon
	role  awsiam.IRole
	logs  []awslogs.ILogGroup
	key   awskms.IKey
}

func (o *observabilityAddon) Addon() awseksv2.CfnAddon       { return o.addon }
func (o *observabilityAddon) Role() awsiam.IRole             { return o.role }
func (o *observabilityAddon) LogGroups() []awslogs.ILogGroup { return o.logs }
func (o *observabilityAddon) EncryptionKey() awskms.IKey     { return o.key }

var addonVersionRe = regexp.MustCompile(`^v([0-9]+)\.([0-9]+)\.[0-9]+-eksbuild\.[0-9]+$`)

// NewObservabilityAddon installs the amazon-cloudwatch-observability add-on
// (CloudWatch agent with Enhanced Container Insights, Fluent Bit) on
// props.Cluster. The agent gets an EKS Pod Identity role with
// CloudWatchAgentServerPolicy (the Pod Identity agent is built into EKS Auto
// Mode nodes), and its log groups are created beforehand so that they carry
// a retention and a KMS key. Create it in the stack that owns the cluster.
// It panics with an *problems.InvalidProps, listing every invalid prop,
// before creating anything.
func NewObservabilityAddon(scope constructs.Construct, id string, props *ObservabilityAddonProps) ObservabilityAddon {
	p := ObservabilityAddonProps{}
	if props != nil {
		p = *props
	}
	defaults.Set(&p.AddonVersion, ObservabilityAddonVersion)
	defaults.Zero(&p.LogRetention, awslogs.RetentionDays_ONE_MONTH)
	defaults.Set(&p.ContainerLogs, true)
	defaults.Zero(&p.RemovalPolicy, awscdk.RemovalPolicy_DESTROY)
	const f = "monitoring.ObservabilityAddonProps."
	pr := &problems.List{}
	if p.Cluster == nil {
		pr.Add(f+"Cluster", p.Cluster, "an EKS cluster")
	}
	if v := *p.AddonVersion; !*awscdk.Token_IsUnresolved(jsii.String(v)) {
		if mm := addonVersionRe.FindStringSubmatch(v); mm == nil {
			pr.Add(f+"AddonVersion", v, "an EKS add-on version such as "+ObservabilityAddonVersion)
		} else if major, minor := atoi(mm[1]), atoi(mm[2]); major > 6 || (major == 6 && minor >= 2) {
			pr.Add(f+"AddonVersion", v, "a version below v6.2.0 (later versions publish OpenTelemetry metrics, not the ContainerInsights namespace)")
		}
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", p.RemovalPolicy)
	problems.PanicIfInvalid("monitoring.NewObservabilityAddon", id, pr.Err())

	cluster := p.Cluster
	o := &observabilityAddon{}
	constructs.NewConstruct_Override(o, scope, jsii.String(id))
	o.key = p.EncryptionKey
	if o.key == nil {
		o.key = secrets.NewLogsKey(o, "LogsKey", &secrets.LogsKeyProps{
			Description:   jsii.String("Encrypts the Container Insights log groups"),
			RemovalPolicy: p.RemovalPolicy,
			Grant: &secrets.CloudWatchLogsGrant{
				StatementID:   jsii.String("AllowCloudWatchLogs"),
				LogGroupNames: jsii.String("/aws/containerinsights/*"),
			},
		})
	}
	key := o.key
	for _, lg := range containerInsightsLogGroups {
		o.logs = append(o.logs, awslogs.NewLogGroup(o, jsii.String(lg.id), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/containerinsights/" + *cluster.ClusterName() + "/" + lg.suffix),
			Retention:     p.LogRetention,
			EncryptionKey: key,
			RemovalPolicy: p.RemovalPolicy,
		}))
	}

	role := awsiam.NewRole(o, jsii.String("AgentRole"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewSessionTagsPrincipal(awsiam.NewServicePrincipal(jsii.String("pods.eks.amazonaws.com"), nil)),
		Description:     jsii.String("CloudWatch agent and Fluent Bit of the amazon-cloudwatch-observability add-on (EKS Pod Identity)"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("CloudWatchAgentServerPolicy"))},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("CloudWatchAgentServerPolicy is the policy AWS documents for the CloudWatch agent of the " +
			"amazon-cloudwatch-observability add-on; it only publishes metrics and logs and reads agent configuration."),
		AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy"},
	}}, jsii.Bool(true))
	o.role = role

	config, err := json.Marshal(map[string]any{
		"agent": map[string]any{"config": map[string]any{"logs": map[string]any{"metrics_collected": map[string]any{
			"kubernetes": map[string]any{"enhanced_container_insights": true},
		}}}},
		"containerLogs": map[string]any{"enabled": *p.ContainerLogs},
	})
	if err != nil {
		panic(err)
	}
	addon := awseksv2.NewCfnAddon(o, jsii.String("Resource"), &awseksv2.CfnAddonProps{
		ClusterName:         cluster.ClusterName(),
		AddonName:           jsii.String(ObservabilityAddonName),
		AddonVersion:        p.AddonVersion,
		ResolveConflicts:    jsii.String("OVERWRITE"),
		PreserveOnDelete:    jsii.Bool(false),
		ConfigurationValues: jsii.String(string(config)),
		PodIdentityAssociations: &[]any{&awseksv2.CfnAddon_PodIdentityAssociationProperty{
			ServiceAccount: jsii.String("cloudwatch-agent"),
			RoleArn:        role.RoleArn(),
		}},
	})
	for _, lg := range o.logs {
		addon.Node().AddDependency(lg)
	}
	o.addon = addon
	return o
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
