// Package monitoringspec holds the rules and defaults of the OpenCTI alarms,
// shared by the construct (monitoring.NewMonitoring) and the configuration
// (monitoring.*). It depends on no AWS package.
package monitoringspec

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Thresholds are the values at or above which (at or below which for free
// space and free disk) an alarm fires, one per alarmed condition. Every field
// is set: start from DefaultThresholds() and change what differs.
type Thresholds struct {
	// OpenSearchFreeStorageMiB alarms when the data node with the least free
	// disk has at most this many MiB left (FreeStorageSpace, minimum); AWS
	// recommends 25% of a node's volume. OpenSearch blocks writes at 5%.
	// 0 derives it: 25% of the data node volume (data.opensearch.volumeSizeGiB
	// x 256 MiB). Otherwise at least 1 and below the data node volume (in MiB).
	// Default: 0.
	OpenSearchFreeStorageMiB int `yaml:"openSearchFreeStorageMiB"`
	// OpenSearchJvmMemoryPressurePercent alarms when a data node's JVM heap
	// pressure reaches this (JVMMemoryPressure, maximum; at 92% OpenSearch
	// rejects writes), 50 to 99. Default: 85.
	OpenSearchJvmMemoryPressurePercent int `yaml:"openSearchJvmMemoryPressurePercent"`
	// OpenSearchCPUPercent alarms when a data node's CPU reaches this
	// (CPUUtilization, maximum), 10 to 100. Default: 80.
	OpenSearchCPUPercent int `yaml:"openSearchCpuPercent"`
	// RedisEngineCPUPercent alarms when a Redis node's engine thread reaches
	// this (EngineCPUUtilization, average), 10 to 100. Default: 90.
	RedisEngineCPUPercent int `yaml:"redisEngineCpuPercent"`
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
	// 1 to 100,000,000. Default: 500000.
	BrokerQueueDepth int `yaml:"brokerQueueDepth"`
	// BrokerConnections alarms when the broker holds this many client
	// connections (ConnectionCount, maximum), 1 to 100,000. Default: 2000.
	BrokerConnections int `yaml:"brokerConnections"`
	// BrokerCPUPercent alarms when a RabbitMQ node's CPU reaches this
	// (SystemCpuUtilization of the busiest node), 10 to 100. Default: 85.
	BrokerCPUPercent int `yaml:"brokerCpuPercent"`
	// IngestionBacklogGrowthMinutes alarms when the ingestion tier has run at
	// its maximum number of worker-api pods while the waiting messages grew
	// (MessageReadyCount, maximum, 5-minute periods) for this long: feeds
	// publish faster than the most workers the deployment allows can import.
	// A multiple of 5, 15 to 360. Default: 30.
	IngestionBacklogGrowthMinutes int `yaml:"ingestionBacklogGrowthMinutes"`
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
	// PodsNotReady alarms when this many of one tier's pods are not Ready
	// (Container Insights pod_status_ready, average over 5-minute periods) and
	// when this many of a platform Deployment's replicas are missing
	// (replicas_desired or its minimum, less status_replicas_available),
	// 1 to 100. Default: 1.
	PodsNotReady int `yaml:"podsNotReady"`
	// FailedNodes alarms when this many cluster nodes are not Ready (Container
	// Insights cluster_failed_node_count, maximum), 1 to 100. Default: 1.
	FailedNodes int `yaml:"failedNodes"`
}

// DefaultThresholds are the production thresholds (free storage: derived,
// 25% of the data node volume).
func DefaultThresholds() Thresholds {
	return Thresholds{
		OpenSearchFreeStorageMiB:           0,
		OpenSearchJvmMemoryPressurePercent: 85,
		OpenSearchCPUPercent:               80,
		RedisEngineCPUPercent:              90,
		RedisMemoryPercent:                 80,
		RedisEvictions:                     0,
		RedisReplicationLagSeconds:         30,
		RedisConnections:                   5000,
		BrokerMemoryPercent:                80,
		BrokerDiskFreeRatio:                2,
		BrokerQueueDepth:                   500000,
		BrokerConnections:                  2000,
		BrokerCPUPercent:                   85,
		IngestionBacklogGrowthMinutes:      30,
		AlbTarget5xxPerMinute:              10,
		AlbP95LatencySeconds:               3,
		AlbUnhealthyHosts:                  1,
		PodRestarts:                        3,
		PodsNotReady:                       1,
		FailedNodes:                        1,
	}
}

// Limits are what the deployment adds to the thresholds' own ranges.
type Limits struct {
	// OpenSearchVolumeGiB is the data node volume: OpenSearchFreeStorageMiB
	// must stay below it. 0: not checked.
	OpenSearchVolumeGiB int
	// OpenSearchVolumeField names where OpenSearchVolumeGiB comes from in the
	// report, e.g. "data.opensearch.volumeSizeGiB".
	OpenSearchVolumeField string
}

// Check reports every threshold out of its range to p, naming fields with name.
func (t Thresholds) Check(p *problems.List, name problems.Names, limits Limits) {
	f := func(goName, yamlName string) string { return name.Of(problems.Field{Go: goName, YAML: yamlName}) }
	if volume := limits.OpenSearchVolumeGiB * 1024; volume > 0 && t.OpenSearchFreeStorageMiB >= volume {
		p.Add(f("OpenSearchFreeStorageMiB", "openSearchFreeStorageMiB"), t.OpenSearchFreeStorageMiB,
			fmt.Sprintf("less than the data node volume (%s = %d GiB = %d MiB); AWS recommends 25%%", limits.OpenSearchVolumeField, volume/1024, volume))
	} else if t.OpenSearchFreeStorageMiB != 0 {
		intRange(p, f("OpenSearchFreeStorageMiB", "openSearchFreeStorageMiB"), t.OpenSearchFreeStorageMiB, 1, 10_000_000)
	}
	intRange(p, f("OpenSearchJvmMemoryPressurePercent", "openSearchJvmMemoryPressurePercent"), t.OpenSearchJvmMemoryPressurePercent, 50, 99)
	intRange(p, f("OpenSearchCPUPercent", "openSearchCpuPercent"), t.OpenSearchCPUPercent, 10, 100)
	intRange(p, f("RedisEngineCPUPercent", "redisEngineCpuPercent"), t.RedisEngineCPUPercent, 10, 100)
	intRange(p, f("RedisMemoryPercent", "redisMemoryPercent"), t.RedisMemoryPercent, 10, 100)
	intRange(p, f("RedisEvictions", "redisEvictions"), t.RedisEvictions, 0, 1_000_000)
	intRange(p, f("RedisReplicationLagSeconds", "redisReplicationLagSeconds"), t.RedisReplicationLagSeconds, 1, 3600)
	intRange(p, f("RedisConnections", "redisConnections"), t.RedisConnections, 1, 65_000)
	intRange(p, f("BrokerMemoryPercent", "brokerMemoryPercent"), t.BrokerMemoryPercent, 10, 100)
	floatRange(p, f("BrokerDiskFreeRatio", "brokerDiskFreeRatio"), t.BrokerDiskFreeRatio, 1.1, 100)
	intRange(p, f("BrokerQueueDepth", "brokerQueueDepth"), t.BrokerQueueDepth, 1, 100_000_000)
	intRange(p, f("BrokerConnections", "brokerConnections"), t.BrokerConnections, 1, 100_000)
	intRange(p, f("BrokerCPUPercent", "brokerCpuPercent"), t.BrokerCPUPercent, 10, 100)
	if m := t.IngestionBacklogGrowthMinutes; m < 15 || m > 360 || m%5 != 0 {
		p.Add(f("IngestionBacklogGrowthMinutes", "ingestionBacklogGrowthMinutes"), m, "a multiple of 5 from 15 to 360 (minutes of 5-minute periods)")
	}
	intRange(p, f("AlbTarget5xxPerMinute", "albTarget5xxPerMinute"), t.AlbTarget5xxPerMinute, 1, 1_000_000)
	floatRange(p, f("AlbP95LatencySeconds", "albP95LatencySeconds"), t.AlbP95LatencySeconds, 0.05, 60)
	intRange(p, f("AlbUnhealthyHosts", "albUnhealthyHosts"), t.AlbUnhealthyHosts, 1, 100)
	intRange(p, f("PodRestarts", "podRestarts"), t.PodRestarts, 1, 1000)
	intRange(p, f("PodsNotReady", "podsNotReady"), t.PodsNotReady, 1, 100)
	intRange(p, f("FailedNodes", "failedNodes"), t.FailedNodes, 1, 100)
}

// DefaultEvaluationPeriods is how many consecutive periods a sustained
// condition must hold before its alarm fires, by default.
const DefaultEvaluationPeriods = 3

// CheckEvaluationPeriods reports n to p, as field, unless it is 1 to 60.
func CheckEvaluationPeriods(p *problems.List, field string, n int) {
	intRange(p, field, n, 1, 60)
}

// CheckAlarmEmails reports to p every address SNS e-mail subscriptions do not
// take (a bare local@domain, the domain with a dot) and every repeated one;
// field(i) names the i-th address.
func CheckAlarmEmails(p *problems.List, field func(i int) string, emails []string) {
	seen := map[string]bool{}
	for i, e := range emails {
		switch {
		case !validEmail(e):
			p.Add(field(i), e, "an e-mail address such as ops@example.com (no display name)")
		case seen[strings.ToLower(e)]:
			p.Add(field(i), e, "each address once")
		}
		seen[strings.ToLower(e)] = true
	}
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndex(s, "@")
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func intRange(p *problems.List, field string, v, lo, hi int) {
	if v < lo || v > hi {
		p.Add(field, v, fmt.Sprintf("an integer from %d to %d", lo, hi))
	}
}

func floatRange(p *problems.List, field string, v, lo, hi float64) {
	if v < lo || v > hi {
		p.Add(field, v, fmt.Sprintf("a number from %g to %g", lo, hi))
	}
}

// FreeStorageMiB is the free storage threshold in MiB: t.OpenSearchFreeStorageMiB,
// or 25% of a volumeGiB data node volume when it is 0 (0 when both are 0).
func (t Thresholds) FreeStorageMiB(volumeGiB int) int {
	if t.OpenSearchFreeStorageMiB != 0 {
		return t.OpenSearchFreeStorageMiB
	}
	return volumeGiB * 1024 / 4
}
