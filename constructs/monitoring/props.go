package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
)

// MonitoringProps configures NewMonitoring. Every target is optional: a nil
// target (or an empty list) creates no alarm and no dashboard row for it, so
// the construct also serves a deployment that brings only some services.
// Names may be CloudFormation tokens (cross-stack references).
type MonitoringProps struct {
	// AlarmEmails are subscribed to the alarm topic (each must confirm).
	// Default: none.
	AlarmEmails []string
	// AlarmNamePrefix starts every alarm name ("<prefix>-opensearch-cluster-red").
	// Default: the stack name.
	AlarmNamePrefix *string
	// Thresholds of the alarms. Default: DefaultThresholds().
	Thresholds *Thresholds
	// EvaluationPeriods is how many consecutive periods a sustained condition
	// (capacity, latency, backlog) must hold before its alarm fires, 1 to 60.
	// Availability alarms fire on the first breaching period.
	// Default: monitoringspec.DefaultEvaluationPeriods (3).
	EvaluationPeriods *int
	// EncryptionKey encrypts the alarm topic and the log groups this construct
	// creates; its policy must let CloudWatch, EventBridge and CloudWatch Logs
	// use it. Default: a new customer managed key with rotation, with those grants.
	EncryptionKey awskms.IKey
	// LogRetention of the log groups this construct creates (the load balancer
	// look-up functions). Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy of the key and the log groups this construct creates
	// (RETAIN keeps them with the stack's deletion). Default: awscdk.RemovalPolicy_DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
	// DashboardName names the CloudWatch dashboard. Default: a name
	// CloudFormation generates.
	DashboardName *string

	// OpenSearch alarms on the domain. Default: none.
	OpenSearch *OpenSearchTarget
	// Redis alarms on each node of the replication group. Default: none.
	Redis *RedisTarget
	// Broker alarms on the Amazon MQ for RabbitMQ broker. Default: none.
	Broker *BrokerTarget
	// LoadBalancers alarms on each public Application Load Balancer.
	// Default: none.
	LoadBalancers []LoadBalancerTarget
	// LoadBalancerLookupRevision is a property of the load balancer look-ups:
	// change it to make the next deployment resolve the load balancers again
	// (after an Ingress was deleted and re-created). Default: "1".
	LoadBalancerLookupRevision *string
	// DimensionCheckMinutes is how long the deploy-time alarm dimension check
	// (Custom::AlarmDimensionCheck) waits for every alarm on AWS/ES,
	// AWS/ElastiCache, AWS/AmazonMQ and cluster-level ContainerInsights to
	// match a metric published in the past 3 hours before it fails the
	// deployment, 0 to MaxDimensionCheckMinutes (50). 0 turns the deploy-time
	// check off (the hourly check and its alarm stay).
	// Default: DefaultDimensionCheckMinutes (30).
	DimensionCheckMinutes *int
	// Kubernetes alarms on the EKS cluster and the OpenCTI workloads through
	// Container Insights. Default: none.
	Kubernetes *KubernetesTarget
	// Connectors alarms on every connector Deployment with two Metrics
	// Insights alarms grouped by Deployment (one contributor per connector)
	// and adds the "Tier connectors" row (connectors.go); the template's
	// size does not depend on the number of connectors. Leave connectors out
	// of Kubernetes.Workloads then. Default: none.
	Connectors *ConnectorsTarget
	// Storage puts the S3 bucket and the AWS Backup vault on the dashboard and
	// alerts on failed backup jobs. Default: none.
	Storage *StorageTarget
	// IngestionScaling alarms when the queue backlog keeps growing while the
	// ingestion tier runs at its maximum (and when its queue scaler is down),
	// and adds the "Ingestion scaling" row: waiting messages, consumers,
	// worker-api pods and workers. Default: none.
	IngestionScaling *IngestionScalingTarget
	// Recovery alarms when the disaster recovery copies fall behind the RPO
	// (recovery.go). Default: none.
	Recovery *RecoveryTarget
}

// OpenSearchTarget names the OpenSearch Service domain (namespace AWS/ES,
// dimensions DomainName and ClientId = the stack's account).
type OpenSearchTarget struct {
	// DomainName of the domain. Required.
	DomainName *string
	// AlarmOnYellow alarms when the cluster stays yellow (replica shards
	// unassigned). Turn it off for single-node domains whose indices ask for
	// replicas that can never be placed. Default: true.
	AlarmOnYellow *bool
	// DataNodes and MasterNodes are the domain's node counts: "opensearch-nodes-missing"
	// fires below their sum, and the dedicated master alarms exist only with
	// MasterNodes > 0. Default: 0 (no node-count alarm, no master alarms).
	DataNodes, MasterNodes int
	// VolumeSizeGiB is each data node's EBS volume: with
	// Thresholds.OpenSearchFreeStorageMiB = 0 the free storage alarm fires at
	// 25% of it (AWS's recommendation). Default: 0 (the threshold must be set).
	VolumeSizeGiB int
}

// RedisTarget names the ElastiCache replication group (cluster mode
// disabled). Node metrics use dimensions CacheClusterId = node ID and
// CacheNodeId = "0001".
type RedisTarget struct {
	// ReplicationGroupID labels the dashboard. Required.
	ReplicationGroupID *string
	// NodeIDs are the member cache cluster IDs ("<replicationGroupId>-001", ...).
	// Required: at least one. With more than one node, replication lag is
	// alarmed on every node (only replicas publish it, so a failover moves it).
	NodeIDs []*string
	// NodeType is the cache node type ("cache.t4g.small"): nodes with 2 vCPUs
	// or fewer (cachespec.NodeVCPUs) also alarm on the host's CPUUtilization
	// at 90 / vCPUs %, as AWS recommends. Default: "" (no host CPU alarm).
	NodeType string
	// EventTopicArn is the group's ElastiCache event topic
	// (NotificationTopicArn, cache.ReplicationGroup.EventTopic()): its
	// failover and node-replacement events are forwarded to the alarm topic
	// (cacheevents.go). Default: nil (not forwarded).
	EventTopicArn *string
}

// BrokerTarget names the Amazon MQ for RabbitMQ broker (namespace
// AWS/AmazonMQ, dimension Broker; node metrics add Node).
type BrokerTarget struct {
	// BrokerName is the broker's name (not its ID). Required.
	BrokerName *string
	// ExpectedConsumers is the fewest consumers the deployment keeps on the
	// broker (its workers at minimum scale): "rabbitmq-consumers-missing"
	// fires when messages wait while fewer consumers are connected.
	// Default: 0 (no such alarm).
	ExpectedConsumers int
}

// LoadBalancerTarget names one Application Load Balancer that the EKS load
// balancer controller creates from an Ingress. Its CloudWatch dimension
// ("app/<name>/<id>") is resolved at deploy time by name; see the README.
type LoadBalancerTarget struct {
	// ID is a stable PascalCase construct ID and alarm name part ("UI", "API").
	// Required.
	ID string
	// Label names the row on the dashboard ("ui", "api"). Default: ID.
	Label string
	// LoadBalancerName is the name from the Ingress annotation
	// alb.ingress.kubernetes.io/load-balancer-name. Required.
	LoadBalancerName string
	// Scheme is the Ingress's alb.ingress.kubernetes.io/scheme
	// ("internet-facing" or "internal"): the look-up runs again when it
	// changes (the controller re-creates the load balancer under a new ID)
	// and waits for a load balancer of that scheme. Default: "" (any scheme,
	// looked up again only with LoadBalancerLookupRevision or the name).
	Scheme string
}

// KubernetesTarget names the EKS cluster and the OpenCTI Deployments whose
// Container Insights metrics (namespace ContainerInsights, dimensions
// ClusterName, Namespace, PodName = the Deployment name) are alarmed.
// The amazon-cloudwatch-observability add-on must run on the cluster: see
// NewObservabilityAddon.
type KubernetesTarget struct {
	// ClusterName of the EKS cluster. Required.
	ClusterName *string
	// Namespace of the OpenCTI workloads. Required.
	Namespace string
	// Workloads are the Deployments to alarm on, grouped into dashboard rows by
	// Tier in the order tiers first appear. Required: at least one.
	Workloads []Workload
}

// Workload is one Deployment of one OpenCTI tier.
type Workload struct {
	// Tier groups workloads on the dashboard ("ui", "connector-api",
	// "worker-api", "workers", "connectors").
	Tier string
	// Name is the Deployment name, which Container Insights publishes as PodName.
	Name string
	// MinReplicas is the fewest replicas the Deployment must have available:
	// "<name>-replicas-missing" fires when fewer are available than this or
	// than the Deployment's desired count (platform tiers, not "connectors").
	// Default: 1.
	MinReplicas int
}

// StorageTarget names the OpenCTI file bucket and the AWS Backup vault that
// protects it.
type StorageTarget struct {
	// BucketName of the S3 bucket (daily storage metrics). Required.
	BucketName *string
	// BackupVaultName of the AWS Backup vault: failed, aborted or expired
	// backup jobs into it are sent to the alarm topic. Default: no backup alert.
	BackupVaultName *string
}

// Thresholds are the values at or above which (at or below which for free
// space) an alarm fires (monitoringspec.Thresholds, which the configuration's
// monitoring.thresholds section reuses).
type Thresholds = monitoringspec.Thresholds

// DefaultThresholds are the production thresholds.
func DefaultThresholds() Thresholds { return monitoringspec.DefaultThresholds() }
