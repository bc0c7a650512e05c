// Package monitoring provides the alarms and the dashboard of an OpenCTI
// deployment: a KMS-encrypted SNS topic, CloudWatch alarms with actionable
// descriptions for OpenSearch, ElastiCache Redis, Amazon MQ for RabbitMQ, the
// public Application Load Balancers and the EKS workloads (Container
// Insights), alerts on failed AWS Backup jobs, the queue-depth scaling of
// the ingestion tier, and one dashboard row per OpenCTI tier and per data
// service. NewObservabilityAddon installs the
// Container Insights agent the Kubernetes alarms read.
package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Monitoring is the alarm topic, the alarms and the dashboard. Every
// resource it creates is reachable from it.
type Monitoring interface {
	constructs.Construct
	// Topic receives every alarm and OK transition; subscribe paging or chat
	// integrations to it.
	Topic() awssns.ITopic
	// EncryptionKey encrypts the topic and the construct's log groups.
	EncryptionKey() awskms.IKey
	// Alarms are every alarm created, in creation order.
	Alarms() []awscloudwatch.IAlarm
	// Dashboard is the CloudWatch dashboard.
	Dashboard() awscloudwatch.Dashboard
	// LoadBalancerLookup resolves the load balancers' CloudWatch dimension at
	// deploy time; nil without LoadBalancers.
	LoadBalancerLookup() LoadBalancerLookup
	// BackupJobRule sends failed, aborted or expired backup jobs to the
	// topic; nil without Storage.BackupVaultName.
	BackupJobRule() awsevents.Rule
	// CopyJobRule sends failed, aborted or expired backup copy jobs to the
	// topic; nil without Recovery.BackupVaultArn.
	CopyJobRule() awsevents.Rule
	// BackupIssuesRule sends backup jobs that completed with issues to the
	// topic; nil without Storage.BackupVaultName.
	BackupIssuesRule() awsevents.Rule
	// DimensionCheck is the Custom::AlarmDimensionCheck resource that fails
	// the deployment when an alarm watches a dimension matching no metric
	// (dimensioncheck.go); nil without alarms or with DimensionCheckMinutes 0.
	DimensionCheck() awscdk.CustomResource
	// RedisEventForwarder is the function that forwards ElastiCache failover
	// and node-replacement events to the topic; nil without
	// Redis.EventTopicArn.
	RedisEventForwarder() awslambda.IFunction
}

type monitoring struct {
	constructs.Construct
	r          resolved
	key        awskms.IKey
	topic      awssns.ITopic
	alarms     []awscloudwatch.IAlarm
	dashboard  awscloudwatch.Dashboard
	rows       [][]awscloudwatch.IWidget
	prefix     string
	lookup     *albLookup
	backupRule awsevents.Rule
	copyRule   awsevents.Rule
	issuesRule awsevents.Rule
	// The alarm dimension check (dimensioncheck.go).
	checkRole              awsiam.Role
	checkProvider          customresources.Provider
	dimensionCheckResource awscdk.CustomResource
	// The ElastiCache event forwarder (cacheevents.go).
	cacheEventsFunction awslambda.IFunction
}

func (m *monitoring) Topic() awssns.ITopic               { return m.topic }
func (m *monitoring) EncryptionKey() awskms.IKey         { return m.key }
func (m *monitoring) Alarms() []awscloudwatch.IAlarm     { return m.alarms }
func (m *monitoring) Dashboard() awscloudwatch.Dashboard { return m.dashboard }
func (m *monitoring) LoadBalancerLookup() LoadBalancerLookup {
	if m.lookup == nil {
		return nil
	}
	return &loadBalancerLookup{Construct: m.lookup.scope, l: m.lookup}
}
func (m *monitoring) BackupJobRule() awsevents.Rule            { return m.backupRule }
func (m *monitoring) CopyJobRule() awsevents.Rule              { return m.copyRule }
func (m *monitoring) BackupIssuesRule() awsevents.Rule         { return m.issuesRule }
func (m *monitoring) RedisEventForwarder() awslambda.IFunction { return m.cacheEventsFunction }
func (m *monitoring) DimensionCheck() awscdk.CustomResource {
	return m.dimensionCheckResource
}

// NewMonitoring creates the topic, the alarms of every target in props and
// the dashboard. It panics with an *problems.InvalidProps, listing every
// invalid prop, before creating anything.
func NewMonitoring(scope constructs.Construct, id string, props *MonitoringProps) Monitoring {
	r := withDefaults(props)
	problems.PanicIfInvalid("monitoring.NewMonitoring", id, r.validate())
	m := &monitoring{r: r}
	constructs.NewConstruct_Override(m, scope, jsii.String(id))
	m.prefix = *awscdk.Stack_Of(m.Construct).StackName()
	if r.AlarmNamePrefix != nil {
		m.prefix = *r.AlarmNamePrefix
	}
	m.newTopic()
	m.rows = append(m.rows, nil) // the alarm status row, filled in last
	m.kubernetes()
	m.tiers()
	m.connectors()
	m.openSearch()
	m.openSearchNodes()
	m.redis()
	m.cacheEvents()
	m.broker()
	m.ingestionScaling()
	m.storage()
	m.recovery()
	m.loadBalancers()
	m.dimensionCheck()
	m.newDashboard()
	m.suppressNagFindings()
	return m
}
