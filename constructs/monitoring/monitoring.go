// Package monitoring provides the alarms and the dashboard of an OpenCTI
// deployment: a KMS-encrypted SNS topic, CloudWatch alarms with actionable
// descriptions for OpenSearch, ElastiCache Redis, Amazon MQ for RabbitMQ, the
// public Application Load Balancers and the EKS workloads (Container
// Insights), alerts on failed AWS Backup jobs, and one dashboard row per
// OpenCTI tier and per data service. AddObservabilityAddon installs the
// Container Insights agent the Kubernetes alarms read.
package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Monitoring is the alarm topic, the alarms and the dashboard.
type Monitoring interface {
	constructs.IConstruct
	// Topic receives every alarm and OK transition; subscribe paging or chat
	// integrations to it.
	Topic() awssns.ITopic
	// EncryptionKey encrypts the topic and the construct's log groups.
	EncryptionKey() awskms.IKey
	// Alarms are every alarm created, in creation order.
	Alarms() []awscloudwatch.IAlarm
	// Dashboard is the CloudWatch dashboard.
	Dashboard() awscloudwatch.Dashboard
}

type monitoring struct {
	constructs.Construct
	r         resolved
	key       awskms.IKey
	topic     awssns.ITopic
	alarms    []awscloudwatch.IAlarm
	dashboard awscloudwatch.Dashboard
	rows      [][]awscloudwatch.IWidget
	prefix    string
	lookup    *albLookup
}

func (m *monitoring) Topic() awssns.ITopic               { return m.topic }
func (m *monitoring) EncryptionKey() awskms.IKey         { return m.key }
func (m *monitoring) Alarms() []awscloudwatch.IAlarm     { return m.alarms }
func (m *monitoring) Dashboard() awscloudwatch.Dashboard { return m.dashboard }

// NewMonitoring creates the topic, the alarms of every target in props and
// the dashboard. It panics with every invalid prop listed before creating
// anything.
func NewMonitoring(scope constructs.Construct, id string, props *MonitoringProps) Monitoring {
	r := withDefaults(props)
	if err := r.validate(); err != nil {
		panic(fmt.Errorf("monitoring.NewMonitoring %q: invalid props:\n%w", id, err))
	}
	m := &monitoring{Construct: constructs.NewConstruct(scope, jsii.String(id)), r: r}
	m.prefix = *awscdk.Stack_Of(m.Construct).StackName()
	if r.AlarmNamePrefix != nil {
		m.prefix = *r.AlarmNamePrefix
	}
	m.newTopic()
	m.rows = append(m.rows, nil) // the alarm status row, filled in last
	m.kubernetes()
	m.openSearch()
	m.redis()
	m.broker()
	m.storage()
	m.loadBalancers()
	m.newDashboard()
	m.suppressNagFindings()
	return m
}
