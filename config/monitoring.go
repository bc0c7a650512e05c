package config

import (
	"fmt"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Monitoring configures the Monitoring stack: who receives the alarms, how
// long its logs are kept, how long a condition must last before it alarms and
// each alarm's threshold.
type Monitoring struct {
	// AlarmEmails are e-mail addresses subscribed to the alarm topic; each
	// recipient must confirm the subscription from the e-mail AWS sends. Other
	// subscribers (chat, paging) can be added to the topic outside this app.
	// Default: [] (no subscription).
	AlarmEmails []string `yaml:"alarmEmails"`
	// LogRetentionDays keeps the logs this long (a CloudWatch Logs retention
	// value): the Container Insights log groups (pod, node and cluster logs and
	// performance events) and the logs of the Lambda functions of the
	// Monitoring stack and of the pre-upgrade snapshot. Default: 30 in dev,
	// 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
	// EvaluationPeriods is how many consecutive periods a sustained condition
	// (CPU, memory, latency, 5xx, backlog, pods not ready) must hold before its
	// alarm fires, 1 to 60 (constructs/monitoring/README.md gives each alarm's
	// period). Alarms on events fire on the first breaching period: OpenSearch
	// red, manager unreachable, snapshot failure, writes blocked, free storage,
	// Redis evictions, pod restarts, no healthy load balancer target. Default: 3.
	EvaluationPeriods int `yaml:"evaluationPeriods"`
	// LoadBalancerLookupRevision is passed to the deploy-time look-up of the
	// ui and api load balancers' CloudWatch dimension: increase it after an
	// Ingress (and so its load balancer) was deleted and re-created, so that the
	// next deployment of the Monitoring stack resolves the new load balancers.
	// 1 to 1,000,000. Default: 1.
	LoadBalancerLookupRevision int `yaml:"loadBalancerLookupRevision"`
	// DimensionCheckMinutes is how long the deployment of the Monitoring stack
	// waits, at most, for every alarm on OpenSearch, Redis, Amazon MQ and the
	// EKS cluster to watch a dimension that matches a metric published in
	// the past 3 hours (CloudWatch ListMetrics) before it fails, naming each
	// alarm that matches none (constructs/monitoring/README.md, "Alarm
	// dimension check"). A brand-new resource publishes within minutes. 0
	// turns the deploy-time check off: only to deploy while a watched
	// resource is down on purpose (the hourly check and its alarm stay).
	// 0 to 50. Default: 30.
	DimensionCheckMinutes int `yaml:"dimensionCheckMinutes"`
	// Thresholds of the alarms, one per alarmed condition (the construct's
	// Thresholds, constructs/monitoring/monitoringspec). Default: each
	// threshold's own default below (openSearchFreeStorageMiB 0: 25% of
	// data.opensearch.volumeSizeGiB); dev lowers brokerQueueDepth to 100000.
	Thresholds monitoringspec.Thresholds `yaml:"thresholds"`
}

func defaultMonitoring(env string) Monitoring {
	m := Monitoring{
		AlarmEmails:                []string{},
		LogRetentionDays:           365,
		EvaluationPeriods:          monitoringspec.DefaultEvaluationPeriods,
		LoadBalancerLookupRevision: 1,
		DimensionCheckMinutes:      monitoringspec.DefaultDimensionCheckMinutes,
		Thresholds:                 monitoringspec.DefaultThresholds(),
	}
	if env != "prod" {
		m.LogRetentionDays = 30
		m.Thresholds.BrokerQueueDepth = 100000
	}
	return m
}

// validate checks the monitoring section with the construct's own rules
// (monitoringspec); the free storage threshold must also stay below the
// configured OpenSearch volume.
func (m *Monitoring) validate(c *Config, p *Problems) {
	monitoringspec.CheckAlarmEmails(p, func(i int) string { return fmt.Sprintf("monitoring.alarmEmails[%d]", i) }, m.AlarmEmails)
	ValidateLogRetention(p, "monitoring.logRetentionDays", m.LogRetentionDays)
	monitoringspec.CheckEvaluationPeriods(p, "monitoring.evaluationPeriods", m.EvaluationPeriods)
	if n := m.LoadBalancerLookupRevision; n < 1 || n > 1_000_000 {
		p.Add("monitoring.loadBalancerLookupRevision", n, "an integer from 1 to 1000000")
	}
	if n := m.DimensionCheckMinutes; n < 0 || n > monitoringspec.MaxDimensionCheckMinutes {
		p.Add("monitoring.dimensionCheckMinutes", n, fmt.Sprintf("0 (no deploy-time check) to %d minutes", monitoringspec.MaxDimensionCheckMinutes))
	}
	m.Thresholds.Check(p, problems.YAMLNames("monitoring.thresholds."), monitoringspec.Limits{
		OpenSearchVolumeGiB:   c.Data.OpenSearch.VolumeSizeGiB,
		OpenSearchVolumeField: "data.opensearch.volumeSizeGiB",
	})
}
