package stacks

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
)

// Stack construct IDs. They are a public contract: renaming one makes the CDK
// CLI see a new stack.
const (
	NetworkStackID = "Network"
	DataStackID    = "Data"
	ClusterStackID = "Cluster"
	OpenCTIStackID = "OpenCTI"
)

// OpenCTIApp is every stack of one deployment, wired together.
type OpenCTIApp struct {
	Network    *NetworkStack
	Data       *DataStack
	Cluster    *ClusterStack
	Edge       *EdgeStack
	OpenCTI    *OpenCTIStack
	Monitoring *MonitoringStack
	EdgeDNS    *EdgeDNSStack
	// Recovery is the recovery region's stack; nil without dr.enabled.
	Recovery *RecoveryStack
	// RecoveryVault is the backup account's vault stack; nil without
	// dr.backupAccount.
	RecoveryVault *RecoveryVaultStack
}

// AvailabilityZoneContext puts the configured availability zones into the
// app's context where the stacks look them up, so that synth performs no AWS
// lookup (the CDK CLI would otherwise need credentials). Call it before any
// stack is created.
func AvailabilityZoneContext(app constructs.Construct, cfg *config.Config) {
	azs := make([]any, len(cfg.AvailabilityZones))
	for i, az := range cfg.AvailabilityZones {
		azs[i] = az
	}
	if cfg.Account != "" {
		app.Node().SetContext(jsii.String("availability-zones:account="+cfg.Account+":region="+cfg.Region), azs)
		return
	}
	// Account-agnostic stacks read this key instead of asking AWS.
	app.Node().SetContext(jsii.String("aws:cdk:availability-zones:fallback"), azs)
}

// AnnotateConfiguration says on every synth (and in `cdk deploy`) what a
// deployment of cfg must still change: a warning on the Network stack per
// example value (the embedded profiles synthesize anywhere, but their example
// zone and admin role do not exist; a deployment that still carries one stops
// before CloudFormation creates anything, AddExampleValueRules), and the
// configuration's production warnings on the Monitoring stack. The entry point
// calls it, and the end-to-end tests, so that they synthesize what it does.
func (a *OpenCTIApp) AnnotateConfiguration(cfg *config.Config) {
	for _, ex := range cfg.ExampleValues() {
		msg := "example value still in use, set your own before deploying: " + ex
		awscdk.Annotations_Of(a.Network.Stack).AddWarningV2(jsii.String("opencti-ha:exampleValue"), jsii.String(msg), nil)
	}
	for _, w := range cfg.Warnings() {
		awscdk.Annotations_Of(a.Monitoring.Stack).AddWarningV2(jsii.String("opencti-ha:production"), jsii.String(w), nil)
	}
}

// NewOpenCTIApp creates every stack of the configuration cfg in scope (an
// awscdk.App or a Stage). cfg must have been validated.
func NewOpenCTIApp(scope constructs.Construct, cfg *config.Config) *OpenCTIApp {
	// With the image cache, the charts pull from ECR (config.Load has done
	// this already; a configuration built in code gets it here).
	cfg = cfg.WithImageCache()
	AvailabilityZoneContext(scope, cfg)
	env := &awscdk.Environment{Region: jsii.String(cfg.Region)}
	if cfg.Account != "" {
		env.Account = jsii.String(cfg.Account)
	}
	stackProps := func(id, description string) awscdk.StackProps {
		return awscdk.StackProps{
			Env:                   env,
			StackName:             jsii.String(cfg.Name + "-" + id),
			Description:           jsii.String("opencti-ha " + cfg.Environment + ": " + description),
			TerminationProtection: jsii.Bool(cfg.RetainData),
		}
	}
	a := &OpenCTIApp{}
	if cfg.DR.Enabled {
		a.addRecoveryStacks(scope, cfg, stackProps)
	}
	a.Network = NewNetworkStack(scope, NetworkStackID, &NetworkStackProps{
		StackProps: stackProps(NetworkStackID, "VPC over 3 AZs, endpoints, flow logs, DNS and certificates"),
		Config:     cfg,
	})
	a.Data = NewDataStack(scope, DataStackID, &DataStackProps{
		StackProps: stackProps(DataStackID, "OpenSearch, S3 + AWS Backup, ElastiCache, Amazon MQ, keys and secrets"),
		Config:     cfg,
		Network:    a.Network,
	})
	// S3 accepts a replication rule only towards a versioned replica that
	// exists, and AWS Backup a copy action only towards a vault that does.
	for _, s := range []interface{ stack() awscdk.Stack }{a.Recovery, a.RecoveryVault} {
		if st := s.stack(); st != nil {
			a.Data.AddStackDependency(st, jsii.String("the replica buckets, keys and vault the Data stack's replication and copies name"))
		}
	}
	a.Cluster = NewClusterStack(scope, ClusterStackID, &ClusterStackProps{
		StackProps: stackProps(ClusterStackID, "EKS Auto Mode cluster, secrets delivery and pod identity"),
		Config:     cfg,
		Network:    a.Network,
	})
	// The web ACLs and the log bucket exist before the Ingresses that name
	// them; the Edge stack depends on nothing, so it deploys in parallel.
	a.Edge = NewEdgeStack(scope, EdgeStackID, &EdgeStackProps{
		StackProps: stackProps(EdgeStackID, "AWS WAF web ACLs and the access log bucket of the ui and api load balancers"),
		Config:     cfg,
	})
	a.OpenCTI = NewOpenCTIStack(scope, OpenCTIStackID, &OpenCTIStackProps{
		StackProps: stackProps(OpenCTIStackID, "tiered OpenCTI workloads on EKS and their pod IAM"),
		Config:     cfg,
		Network:    a.Network,
		Data:       a.Data,
		Cluster:    a.Cluster,
		Edge:       a.Edge,
	})
	uiLB, apiLB := LoadBalancerNames(cfg)
	a.Monitoring = NewMonitoringStack(scope, MonitoringStackID, &MonitoringStackProps{
		StackProps: stackProps(MonitoringStackID, "alarms, alarm topic and dashboard for every tier and data service"),
		Config:     cfg,
		Targets: MonitoringTargets{
			// The alarms' dimensions must follow the resources: the domain and
			// the broker by the names both templates carry as literals (a
			// weak reference, Fn::GetStackOutput, leaves the Monitoring
			// template unchanged, and so undeployed, when the resource is
			// replaced). The replication group and the cluster are named by
			// CloudFormation: still weak references (constructs/monitoring README).
			OpenSearchDomainName:    a.Data.OpenSearch.Name(),
			RedisReplicationGroupID: a.Data.Redis.Resource().Ref(),
			RedisEventTopicArn:      a.Data.Redis.EventTopic().TopicArn(),
			BrokerName:              a.Data.RabbitMQ.Resource().BrokerName(),
			ClusterName:             a.Cluster.Cluster.ClusterName(),
			UILoadBalancerName:      uiLB,
			APILoadBalancerName:     apiLB,
			OpenCTINamespace:        cfg.OpenCTI.Namespace,
			OtherWorkloads:          a.OpenCTI.otherWorkloads(),
			BucketName:              a.Data.ObjectStore.Bucket().BucketName(),
			BackupVaultName:         a.Data.ObjectStore.BackupVault().BackupVaultName(),
			Recovery:                recoveryTarget(cfg, a.Data),
		},
	})
	// The load balancers the alarms watch exist once the Ingresses are applied.
	a.Monitoring.AddStackDependency(a.OpenCTI.Stack, jsii.String("alarms watch the load balancers the OpenCTI Ingresses create"))
	// The records point at those load balancers too; on deletion they go
	// first, before the Ingresses (OpenCTI) and the IngressClass (Cluster).
	a.EdgeDNS = NewEdgeDNSStack(scope, EdgeDNSStackID, &EdgeDNSStackProps{
		StackProps: stackProps(EdgeDNSStackID, "Route 53 alias records of the ui and api hostnames to their load balancers"),
		Config:     cfg,
		Network:    a.Network,
		Edge:       a.Edge,
	})
	a.EdgeDNS.AddStackDependency(a.OpenCTI.Stack, jsii.String("records point at the load balancers the OpenCTI Ingresses create, and are deleted before them"))
	// A deployment that still carries an example value stops before
	// CloudFormation creates anything, whichever stack it starts with.
	for _, stack := range a.stacks() {
		AddExampleValueRules(stack, cfg.Placeholders())
	}
	applyTags(scope, cfg)
	return a
}

// addRecoveryStacks creates the Recovery stack in the recovery region of
// this account and, with dr.backupAccount, the RecoveryVault stack there.
func (a *OpenCTIApp) addRecoveryStacks(scope constructs.Construct, cfg *config.Config, stackProps func(id, description string) awscdk.StackProps) {
	props := stackProps(RecoveryStackID, "disaster recovery in "+cfg.DR.Region+": replica buckets, a KMS key per copy, backup vault")
	env := &awscdk.Environment{Region: jsii.String(cfg.DR.Region)}
	if cfg.Account != "" {
		env.Account = jsii.String(cfg.Account)
	}
	props.Env = env
	a.Recovery = NewRecoveryStack(scope, RecoveryStackID, &RecoveryStackProps{StackProps: props, Config: cfg})
	if cfg.DR.BackupAccount == "" {
		return
	}
	props = stackProps(RecoveryVaultStackID, "disaster recovery vault of the OpenCTI file backups in "+cfg.DR.Region+", copied from "+cfg.Account)
	props.Env = &awscdk.Environment{Account: jsii.String(cfg.DR.BackupAccount), Region: jsii.String(cfg.DR.Region)}
	a.RecoveryVault = NewRecoveryVaultStack(scope, RecoveryVaultStackID, &RecoveryStackProps{StackProps: props, Config: cfg})
}

func (s *RecoveryStack) stack() awscdk.Stack {
	if s == nil {
		return nil
	}
	return s.Stack
}

func (s *RecoveryVaultStack) stack() awscdk.Stack {
	if s == nil {
		return nil
	}
	return s.Stack
}

func applyTags(scope constructs.Construct, cfg *config.Config) {
	keys := make([]string, 0, len(cfg.Tags))
	for k := range cfg.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		awscdk.Tags_Of(scope).Add(jsii.String(k), jsii.String(cfg.Tags[k]), nil)
	}
}
