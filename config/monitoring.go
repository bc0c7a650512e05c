package config

import (
	"fmt"
	"net/mail"
	"strings"
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
	// Thresholds of the alarms, one per alarmed condition. Default: each
	// threshold's own default below.
	Thresholds MonitoringThresholds `yaml:"thresholds"`
}

// MonitoringThresholds are the values at or above which (below which for free
// space) an alarm fires.
type MonitoringThresholds struct {
	// OpenSearchFreeStorageMiB alarms when the data node with the least free
	// disk has at most this many MiB left (FreeStorageSpace, minimum); AWS
	// recommends 25% of a node's volume. OpenSearch blocks writes at 5%.
	// At least 1 and below data.opensearch.volumeSizeGiB (in MiB).
	// Default: 5120 in dev, 51200 in prod (25% of the default volumes).
	OpenSearchFreeStorageMiB int `yaml:"openSearchFreeStorageMiB"`
	// OpenSearchJvmMemoryPressurePercent alarms when a data node's JVM heap
	// pressure reaches this (JVMMemoryPressure, maximum; at 92% OpenSearch
	// rejects writes), 50 to 99. Default: 85.
	OpenSearchJvmMemoryPressurePercent int `yaml:"openSearchJvmMemoryPressurePercent"`
	// OpenSearchCpuPercent alarms when a data node's CPU reaches this
	// (CPUUtilization, maximum), 10 to 100. Default: 80.
	OpenSearchCpuPercent int `yaml:"openSearchCpuPercent"`
	// RedisEngineCpuPercent alarms when a Redis node's engine thread reaches
	// this (EngineCPUUtilization, average), 10 to 100. Default: 90.
	RedisEngineCpuPercent int `yaml:"redisEngineCpuPercent"`
	// RedisMemoryPercent alarms when a Redis node uses this share of its
	// maxmemory (DatabaseMemoryUsagePercentage, maximum), 10 to 100. Default: 80.
	RedisMemoryPercent int `yaml:"redisMemoryPercent"`
	// RedisEvictions alarms when a Redis node evicts more keys than this in one
	// minute (Evictions, sum). OpenCTI keeps its streams and locks in Redis, so
	// any eviction loses work. 0 to 1,000,000. Default: 0.
	RedisEvictions int `yaml:"redisEvictions"`
	// RedisReplicationLagSeconds alarms when a replica is this many seconds
	// behind the primary (ReplicationLag, maximum), 1 to 3600. Default: 30.
	RedisReplicationLagSeconds int `yaml:"redisReplicationLagSeconds"`
	// RedisConnections alarms when a Redis node holds this many client
	// connections (CurrConnections, maximum; the engine limit is 65,000),
	// 1 to 65,000. Default: 5000.
	RedisConnections int `yaml:"redisConnections"`
	// BrokerMemoryPercent alarms when a RabbitMQ node uses this share of its
	// memory high watermark (100 * RabbitMQMemUsed / RabbitMQMemLimit; at 100
	// RabbitMQ blocks every publisher), 10 to 100. Default: 80.
	BrokerMemoryPercent int `yaml:"brokerMemoryPercent"`
	// BrokerDiskFreeRatio alarms when a RabbitMQ node's free disk falls below
	// this multiple of its free-disk limit (RabbitMQDiskFree /
	// RabbitMQDiskFreeLimit; at 1 RabbitMQ blocks every publisher), 1.1 to 100.
	// Default: 2.
	BrokerDiskFreeRatio float64 `yaml:"brokerDiskFreeRatio"`
	// BrokerQueueDepth alarms when the broker holds this many messages ready
	// for delivery across all queues (MessageReadyCount, maximum, 5-minute
	// periods): a backlog the workers or connectors do not drain.
	// 1 to 100,000,000. Default: 100000 in dev, 500000 in prod.
	BrokerQueueDepth int `yaml:"brokerQueueDepth"`
	// BrokerConnections alarms when the broker holds this many client
	// connections (ConnectionCount, maximum), 1 to 100,000. Default: 2000.
	BrokerConnections int `yaml:"brokerConnections"`
	// AlbTarget5xxPerMinute alarms when the pods behind a public load balancer
	// (ui or api) answer this many 5xx responses in one minute
	// (HTTPCode_Target_5XX_Count, sum), 1 to 1,000,000. Default: 10.
	AlbTarget5xxPerMinute int `yaml:"albTarget5xxPerMinute"`
	// AlbP95LatencySeconds alarms when the 95th percentile of a public load
	// balancer's target response time reaches this many seconds
	// (TargetResponseTime, p95), 0.05 to 60. Default: 3.
	AlbP95LatencySeconds float64 `yaml:"albP95LatencySeconds"`
	// AlbUnhealthyHosts alarms when this many targets of a public load balancer
	// fail their health check (UnHealthyHostCount, maximum), 1 to 100.
	// Default: 1.
	AlbUnhealthyHosts int `yaml:"albUnhealthyHosts"`
	// PodRestarts alarms when the containers of one OpenCTI tier restart this
	// many times in 5 minutes (Container Insights
	// pod_number_of_container_restarts, sum), 1 to 1000. Default: 3.
	PodRestarts int `yaml:"podRestarts"`
	// PodsNotReady alarms when this many of one tier's desired pods are not
	// available (Container Insights kube_deployment_status_replicas_unavailable,
	// maximum, 5-minute periods), 1 to 100. Default: 1.
	PodsNotReady int `yaml:"podsNotReady"`
	// FailedNodes alarms when this many cluster nodes are not Ready (Container
	// Insights cluster_failed_node_count, maximum), 1 to 100. Default: 1.
	FailedNodes int `yaml:"failedNodes"`
}

func defaultMonitoring(env string) Monitoring {
	m := Monitoring{
		AlarmEmails:                []string{},
		LogRetentionDays:           30,
		EvaluationPeriods:          3,
		LoadBalancerLookupRevision: 1,
		Thresholds: MonitoringThresholds{
			OpenSearchFreeStorageMiB:           5120,
			OpenSearchJvmMemoryPressurePercent: 85,
			OpenSearchCpuPercent:               80,
			RedisEngineCpuPercent:              90,
			RedisMemoryPercent:                 80,
			RedisEvictions:                     0,
			RedisReplicationLagSeconds:         30,
			RedisConnections:                   5000,
			BrokerMemoryPercent:                80,
			BrokerDiskFreeRatio:                2,
			BrokerQueueDepth:                   100000,
			BrokerConnections:                  2000,
			AlbTarget5xxPerMinute:              10,
			AlbP95LatencySeconds:               3,
			AlbUnhealthyHosts:                  1,
			PodRestarts:                        3,
			PodsNotReady:                       1,
			FailedNodes:                        1,
		},
	}
	if env == "prod" {
		m.LogRetentionDays = 365
		m.Thresholds.OpenSearchFreeStorageMiB = 51200
		m.Thresholds.BrokerQueueDepth = 500000
	}
	return m
}

func (m *Monitoring) validate(c *Config, p *Problems) {
	seen := map[string]bool{}
	for i, e := range m.AlarmEmails {
		field := fmt.Sprintf("monitoring.alarmEmails[%d]", i)
		switch {
		case !isMonitoringEmail(e):
			p.Add(field, e, "an e-mail address such as ops@example.com (no display name)")
		case seen[strings.ToLower(e)]:
			p.Add(field, e, "each address once")
		}
		seen[strings.ToLower(e)] = true
	}
	ValidateLogRetention(p, "monitoring.logRetentionDays", m.LogRetentionDays)
	monIntRange(p, "monitoring.evaluationPeriods", m.EvaluationPeriods, 1, 60)
	monIntRange(p, "monitoring.loadBalancerLookupRevision", m.LoadBalancerLookupRevision, 1, 1_000_000)

	t := m.Thresholds
	const f = "monitoring.thresholds."
	if volume := c.Data.OpenSearch.VolumeSizeGiB * 1024; volume > 0 && t.OpenSearchFreeStorageMiB >= volume {
		p.Add(f+"openSearchFreeStorageMiB", t.OpenSearchFreeStorageMiB,
			fmt.Sprintf("less than the data node volume (data.opensearch.volumeSizeGiB = %d GiB = %d MiB); AWS recommends 25%%", volume/1024, volume))
	} else {
		monIntRange(p, f+"openSearchFreeStorageMiB", t.OpenSearchFreeStorageMiB, 1, 10_000_000)
	}
	monIntRange(p, f+"openSearchJvmMemoryPressurePercent", t.OpenSearchJvmMemoryPressurePercent, 50, 99)
	monIntRange(p, f+"openSearchCpuPercent", t.OpenSearchCpuPercent, 10, 100)
	monIntRange(p, f+"redisEngineCpuPercent", t.RedisEngineCpuPercent, 10, 100)
	monIntRange(p, f+"redisMemoryPercent", t.RedisMemoryPercent, 10, 100)
	monIntRange(p, f+"redisEvictions", t.RedisEvictions, 0, 1_000_000)
	monIntRange(p, f+"redisReplicationLagSeconds", t.RedisReplicationLagSeconds, 1, 3600)
	monIntRange(p, f+"redisConnections", t.RedisConnections, 1, 65_000)
	monIntRange(p, f+"brokerMemoryPercent", t.BrokerMemoryPercent, 10, 100)
	monFloatRange(p, f+"brokerDiskFreeRatio", t.BrokerDiskFreeRatio, 1.1, 100)
	monIntRange(p, f+"brokerQueueDepth", t.BrokerQueueDepth, 1, 100_000_000)
	monIntRange(p, f+"brokerConnections", t.BrokerConnections, 1, 100_000)
	monIntRange(p, f+"albTarget5xxPerMinute", t.AlbTarget5xxPerMinute, 1, 1_000_000)
	monFloatRange(p, f+"albP95LatencySeconds", t.AlbP95LatencySeconds, 0.05, 60)
	monIntRange(p, f+"albUnhealthyHosts", t.AlbUnhealthyHosts, 1, 100)
	monIntRange(p, f+"podRestarts", t.PodRestarts, 1, 1000)
	monIntRange(p, f+"podsNotReady", t.PodsNotReady, 1, 100)
	monIntRange(p, f+"failedNodes", t.FailedNodes, 1, 100)
}

// isMonitoringEmail accepts a bare address (local@domain, the domain with a dot), the
// form SNS e-mail subscriptions take.
func isMonitoringEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndex(s, "@")
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func monIntRange(p *Problems, field string, v, lo, hi int) {
	if v < lo || v > hi {
		p.Add(field, v, fmt.Sprintf("an integer from %d to %d", lo, hi))
	}
}

func monFloatRange(p *Problems, field string, v, lo, hi float64) {
	if v < lo || v > hi {
		p.Add(field, v, fmt.Sprintf("a number from %g to %g", lo, hi))
	}
}
