package stacks

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsopensearchservice"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/cluster"
	"github.com/opencti-ha/opencti-ha/constructs/monitoring"
	"github.com/opencti-ha/opencti-ha/constructs/recovery"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// MonitoringStackID is the Monitoring stack's construct ID.
const MonitoringStackID = "Monitoring"

// MonitoringTargets are the typed names of what the alarms watch, wired by the
// app from the other stacks' outputs. A nil or empty name leaves its service
// unmonitored (no alarm, no dashboard row), except where a default is given.
type MonitoringTargets struct {
	// OpenSearchDomainName is the domain's name. Default: OpenSearchDomain's name.
	OpenSearchDomainName *string
	// OpenSearchDomain is used for its name when OpenSearchDomainName is nil.
	// Default: none.
	OpenSearchDomain awsopensearchservice.IDomain
	// RedisReplicationGroupID is the ElastiCache replication group ID.
	RedisReplicationGroupID *string
	// RedisEventTopicArn is its ElastiCache event topic: failover and
	// node-replacement events are forwarded to the alarm topic.
	// Default: none (not forwarded).
	RedisEventTopicArn *string
	// RedisNodeIDs are its member cache cluster IDs. Default:
	// "<RedisReplicationGroupID>-001" ... one per node (1 + data.redis.replicas).
	RedisNodeIDs []*string
	// BrokerName is the Amazon MQ broker's name (CloudWatch dimension Broker).
	BrokerName *string
	// ClusterName is the EKS cluster's name.
	ClusterName *string
	// UILoadBalancerName and APILoadBalancerName are the names the Ingresses give
	// their load balancers (alb.ingress.kubernetes.io/load-balancer-name).
	// Default: LoadBalancerNames(cfg). Set both to "-" to monitor no load balancer.
	UILoadBalancerName, APILoadBalancerName string
	// OpenCTINamespace is the Kubernetes namespace of the OpenCTI workloads.
	// Default: cfg.OpenCTI.Namespace.
	OpenCTINamespace string
	// BucketName is the OpenCTI file bucket.
	BucketName *string
	// BackupVaultName is the AWS Backup vault that protects it.
	BackupVaultName *string
	// OtherWorkloads are the namespace's workloads that are neither a
	// platform tier nor a connector (the identities Job), which the
	// connector alarms leave out. Default: none.
	OtherWorkloads []string
	// Recovery names what the disaster recovery alarms watch
	// (recoveryTarget). Default: none.
	Recovery *monitoring.RecoveryTarget
}

// MonitoringStackProps configures the Monitoring stack.
type MonitoringStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration; Name, Monitoring, Data
	// (OpenSearch data nodes, Redis replicas) and OpenCTI (namespace,
	// connectors) are read.
	Config *config.Config
	// Targets names what to watch.
	Targets MonitoringTargets
}

// MonitoringStack holds the alarm topic, the alarms and the dashboard. Deploy it
// after the OpenCTI stack: the load balancers it alarms on exist only once
// the Ingresses are applied.
type MonitoringStack struct {
	awscdk.Stack
	// Monitoring is the construct with every alarm.
	Monitoring monitoring.Monitoring
	// Topic receives every alarm and OK notification and failed backup jobs.
	Topic awssns.ITopic
	// Dashboard has one row per OpenCTI tier and per data service.
	Dashboard awscloudwatch.Dashboard
}

// LoadBalancerNames are the names the OpenCTI Ingresses give the ui and api
// load balancers (see charts.LoadBalancerNames; the Ingress group is cfg.Name).
func LoadBalancerNames(cfg *config.Config) (ui, api string) {
	return charts.LoadBalancerNames(cfg.Name)
}

// NewMonitoringStack creates the Monitoring stack.
func NewMonitoringStack(scope constructs.Construct, id string, props *MonitoringStackProps) *MonitoringStack {
	cfg, t := props.Config, props.Targets
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	m := cfg.Monitoring
	mp := &monitoring.MonitoringProps{
		AlarmEmails:                m.AlarmEmails,
		AlarmNamePrefix:            jsii.String(cfg.Name),
		EvaluationPeriods:          &m.EvaluationPeriods,
		LogRetention:               awsutil.LogRetention(m.LogRetentionDays),
		RemovalPolicy:              removalPolicy(cfg),
		DashboardName:              jsii.String(cfg.Name),
		LoadBalancerLookupRevision: jsii.String(strconv.Itoa(m.LoadBalancerLookupRevision)),
		Thresholds:                 &m.Thresholds,
		DimensionCheckMinutes:      &m.DimensionCheckMinutes,
	}

	domainName := t.OpenSearchDomainName
	if domainName == nil && t.OpenSearchDomain != nil {
		domainName = t.OpenSearchDomain.DomainName()
	}
	if domainName != nil {
		mp.OpenSearch = &monitoring.OpenSearchTarget{
			DomainName: domainName,
			// One data node cannot hold replicas: such a cluster is always yellow.
			AlarmOnYellow: jsii.Bool(cfg.Data.OpenSearch.DataNodes > 1),
			DataNodes:     cfg.Data.OpenSearch.DataNodes,
			MasterNodes:   cfg.Data.OpenSearch.MasterNodes,
			VolumeSizeGiB: cfg.Data.OpenSearch.VolumeSizeGiB,
		}
	}
	if t.RedisReplicationGroupID != nil {
		nodes := t.RedisNodeIDs
		if len(nodes) == 0 {
			for i := 1; i <= 1+cfg.Data.Redis.Replicas; i++ {
				nodes = append(nodes, jsii.String(*t.RedisReplicationGroupID+"-00"+strconv.Itoa(i)))
			}
		}
		mp.Redis = &monitoring.RedisTarget{ReplicationGroupID: t.RedisReplicationGroupID, NodeIDs: nodes, NodeType: cfg.Data.Redis.NodeType,
			EventTopicArn: t.RedisEventTopicArn}
	}
	if t.BrokerName != nil {
		// The workers at the ingestion tier's minimum scale each hold a
		// consumer on the broker.
		mp.Broker = &monitoring.BrokerTarget{BrokerName: t.BrokerName, ExpectedConsumers: cfg.OpenCTI.WorkersPerPlatform * cfg.OpenCTI.WorkerAPI.MinReplicas}
	}
	ui, api := LoadBalancerNames(cfg)
	if t.UILoadBalancerName != "" {
		ui = t.UILoadBalancerName
	}
	if t.APILoadBalancerName != "" {
		api = t.APILoadBalancerName
	}
	// The schemes make the look-ups run again when an Ingress changes its
	// scheme, which re-creates its load balancer under a new ID.
	uiScheme, apiScheme := cfg.IngressSchemes()
	for _, lb := range []monitoring.LoadBalancerTarget{
		{ID: "UI", Label: "ui", LoadBalancerName: ui, Scheme: uiScheme},
		{ID: "API", Label: "api", LoadBalancerName: api, Scheme: apiScheme},
	} {
		if lb.LoadBalancerName != "-" {
			mp.LoadBalancers = append(mp.LoadBalancers, lb)
		}
	}
	if t.ClusterName != nil {
		ns := t.OpenCTINamespace
		if ns == "" {
			ns = cfg.OpenCTI.Namespace
		}
		mp.Kubernetes = &monitoring.KubernetesTarget{ClusterName: t.ClusterName, Namespace: ns, Workloads: openCTIWorkloads(cfg)}
		mp.Connectors = connectorsTarget(cfg, t.ClusterName, ns, mp.Kubernetes.Workloads, t.OtherWorkloads)
	}
	if t.BucketName != nil {
		mp.Storage = &monitoring.StorageTarget{BucketName: t.BucketName, BackupVaultName: t.BackupVaultName}
	}
	if t.ClusterName != nil && t.BrokerName != nil {
		mp.IngestionScaling = ingestionScalingTarget(cfg, t.ClusterName, t.BrokerName, mp.Kubernetes.Namespace)
	}

	mp.Recovery = t.Recovery

	mon := monitoring.NewMonitoring(stack, "Monitoring", mp)
	return &MonitoringStack{Stack: stack, Monitoring: mon, Topic: mon.Topic(), Dashboard: mon.Dashboard()}
}

// recoveryTarget is what the disaster recovery alarms watch: the snapshot
// age, its probe, the replication rules and the backup copies of the Data
// stack, with thresholds derived from the RPO; nil without a snapshot
// schedule (dr.enabled).
func recoveryTarget(cfg *config.Config, data *DataStack) *monitoring.RecoveryTarget {
	r := data.Recovery
	if r == nil || r.Schedule == nil {
		return nil
	}
	th := cfg.RecoveryThresholds()
	t := &monitoring.RecoveryTarget{
		Deployment:        r.Schedule.Deployment(),
		ProbeFunctionName: r.Schedule.Probe().FunctionName(),
		BackupVaultArn:    data.ObjectStore.BackupVault().BackupVaultArn(),
		Thresholds:        &th,
	}
	for _, rp := range []struct {
		id string
		r  recovery.Replication
	}{{"Snapshots", r.SnapshotReplication}, {"Files", r.FileReplication}} {
		if rp.r != nil {
			t.Replications = append(t.Replications, monitoring.ReplicationTarget{
				ID: rp.id, SourceBucketName: rp.r.SourceBucketName(), DestinationBucketName: rp.r.DestinationBucketName(), RuleID: rp.r.RuleID(),
			})
		}
	}
	return t
}

// openCTIWorkloads are the OpenCTI platform Deployments by tier, named as
// the charts name them; the connectors are one target of their own
// (connectorsTarget).
func openCTIWorkloads(cfg *config.Config) []monitoring.Workload {
	o := cfg.OpenCTI
	return []monitoring.Workload{
		{Tier: "ui", Name: charts.UIName, MinReplicas: o.UI.MinReplicas},
		{Tier: "connector-api", Name: charts.ConnectorAPIName, MinReplicas: o.ConnectorAPI.MinReplicas},
		// Its pods run the workers too: restarts and readiness cover both.
		{Tier: "worker-api", Name: charts.WorkerAPIName, MinReplicas: o.WorkerAPI.MinReplicas},
	}
}

// ingestionScalingTarget watches the ingestion tier's scaling: its bounds
// (the tier runs at its minimum without queue scaling), the workers in each
// pod and, with queue scaling, KEDA's operator.
func ingestionScalingTarget(cfg *config.Config, clusterName, brokerName *string, namespace string) *monitoring.IngestionScalingTarget {
	o := cfg.OpenCTI
	t := &monitoring.IngestionScalingTarget{
		ClusterName: clusterName, Namespace: namespace, Deployment: charts.WorkerDeploymentName, BrokerName: brokerName,
		MinReplicas: o.WorkerAPI.MinReplicas, MaxReplicas: o.WorkerAPI.MinReplicas, WorkersPerPlatform: o.WorkersPerPlatform,
	}
	if s := o.IngestionScaling; s.Enabled {
		t.MaxReplicas, t.MessagesPerReplica = o.WorkerAPI.MaxReplicas, s.MessagesPerReplica
		t.Scaler = &monitoring.ScalerTarget{Namespace: cluster.KedaNamespace, Deployment: cluster.KedaOperatorDeployment}
	}
	return t
}
