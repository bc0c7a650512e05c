package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/cache/cachespec"
)

// redis alarms on every node of the replication group. Node metrics carry
// CacheClusterId = the node's cache cluster ID and CacheNodeId = "0001"
// (cluster mode disabled: one cache node per member cluster). "heartbeat"
// treats missing data as breaching: every node publishes the host-level
// CPUUtilization every minute while it lives, so silence means the node is
// gone (deleted, replaced under a new ID, failed). Every other alarm treats
// it as not breaching: replication lag is published by replicas only, and
// one outage pages once. Host CPU and swap follow AWS's ElastiCache guidance
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.WhichShouldIMonitor.html):
// CPUUtilization at 90 / vCPUs for nodes of 2 vCPUs or fewer, SwapUsage
// above 50 MB.
func (m *monitoring) redis() {
	rd := m.r.Redis
	if rd == nil {
		return
	}
	t, n := m.r.thresholds, m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("Redis"))
	var cpus, mems, conns, lags, evictions, hosts, swaps []awscloudwatch.IMetric
	vcpus, vcpusKnown := cachespec.NodeVCPUs(rd.NodeType)
	for i, node := range rd.NodeIDs {
		dims := map[string]*string{"CacheClusterId": node, "CacheNodeId": jsii.String("0001")}
		ec := func(name, stat string, period float64) awscloudwatch.Metric {
			return metric("AWS/ElastiCache", name, stat, period, dims)
		}
		id := fmt.Sprintf("Node%d", i+1)
		name := fmt.Sprintf("redis-node%d-", i+1)
		ns := constructs.NewConstruct(scope, jsii.String(id))
		cpu := ec("EngineCPUUtilization", "Average", 300)
		mem := ec("DatabaseMemoryUsagePercentage", "Maximum", 300)
		ev := ec("Evictions", "Sum", 60)
		lag := ec("ReplicationLag", "Maximum", 60)
		conn := ec("CurrConnections", "Maximum", 300)
		host := ec("CPUUtilization", "Maximum", 300)
		swap := ec("SwapUsage", "Maximum", 300)
		cpus, mems, evictions, lags, conns = append(cpus, cpu), append(mems, mem), append(evictions, ev), append(lags, lag), append(conns, conn)
		hosts, swaps = append(hosts, host), append(swaps, swap)

		m.alarm(ns, alarmSpec{id: "Heartbeat", name: name + "heartbeat", metric: ec("CPUUtilization", "SampleCount", 300), op: lt, threshold: 1, periods: 2, missing: breach,
			meaning: "This Redis node published no CPUUtilization sample for 10 minutes: the node is down, being replaced or was deleted. OpenCTI platforms lose their locks, sessions and stream while the primary is gone.",
			check:   "the replication group's Events and node status in the ElastiCache console (failover, node replacement, maintenance); the platforms' logs for Redis connection errors."})
		m.alarm(ns, alarmSpec{id: "Swap", name: name + "swap-high", metric: swap, op: gt, threshold: RedisSwapBytes, periods: n, missing: nobreak,
			meaning: "This Redis node swaps more than 50 MB (SwapUsage): memory is short and every OpenCTI call on it slows down.",
			check:   "DatabaseMemoryUsagePercentage and the reserved-memory-percent of the parameter group; move to a larger node type."})
		if vcpusKnown && vcpus <= 2 {
			m.alarm(ns, alarmSpec{id: "HostCpu", name: name + "host-cpu-high", metric: host, op: gte, threshold: RedisHostCPUPercent(vcpus), periods: n, missing: nobreak,
				meaning: fmt.Sprintf("The host CPU of this %d-vCPU Redis node (%s) stays at or above 90/%d %%: on small nodes background work (snapshots, replication, TLS) competes with the engine thread.", vcpus, rd.NodeType, vcpus),
				check:   "EngineCPUUtilization and the snapshot window; SLOWLOG; move to a node type with more vCPUs (data.redis.nodeType)."})
		}

		m.alarm(ns, alarmSpec{id: "EngineCpu", name: name + "engine-cpu-high", metric: cpu, op: gte, threshold: float64(t.RedisEngineCPUPercent), periods: n, missing: nobreak,
			meaning: "The Redis engine thread of this node stays at or above the threshold (%): every OpenCTI platform waits on it (locks, sessions, streams).",
			check:   "the node's SLOWLOG (redis-cli SLOWLOG GET 20) and the command-type metrics; an oversized REDIS__TRIMMING stream; scale the node type up."})
		m.alarm(ns, alarmSpec{id: "Memory", name: name + "memory-high", metric: mem, op: gte, threshold: float64(t.RedisMemoryPercent), periods: n, missing: nobreak,
			meaning: "This Redis node uses the threshold share (%) of its maxmemory: at 100% it evicts keys or rejects writes and OpenCTI loses stream events.",
			check:   "INFO memory and the length of the OpenCTI stream (XLEN stream.opencti); lower REDIS__TRIMMING or move to a larger node type."})
		m.alarm(ns, alarmSpec{id: "Evictions", name: name + "evictions", metric: ev, op: gt, threshold: float64(t.RedisEvictions), missing: nobreak,
			meaning: "This Redis node evicted keys in the last minute: OpenCTI locks, sessions or stream entries were dropped.",
			check:   "DatabaseMemoryUsagePercentage of the node and the maxmemory-policy of the parameter group (OpenCTI needs noeviction or volatile-*); scale up."})
		m.alarm(ns, alarmSpec{id: "Connections", name: name + "connections-high", metric: conn, op: gte, threshold: float64(t.RedisConnections), periods: n, missing: nobreak,
			meaning: "This Redis node holds at least the threshold of client connections: a connection leak or a runaway scale-out of platforms.",
			check:   "CLIENT LIST grouped by addr (which pods), the HPA replica counts of the OpenCTI tiers and NewConnections."})
		if len(rd.NodeIDs) > 1 {
			m.alarm(ns, alarmSpec{id: "ReplicationLag", name: name + "replication-lag", metric: lag, op: gte, threshold: float64(t.RedisReplicationLagSeconds), periods: n, missing: nobreak,
				meaning: "This replica is at least the threshold (seconds) behind the primary: a failover now would lose recent OpenCTI writes.",
				check:   "the primary's write load and NetworkBytesOut, the replica's EngineCPUUtilization; a full resync after a node replacement."})
		}
	}
	m.rows = append(m.rows, []awscloudwatch.IWidget{
		header("## Redis (ElastiCache)\nOne line per node of the replication group."),
		graph("Engine CPU (%)", cpus...),
		graph("Memory used of maxmemory (%)", mems...),
		graph("Current connections", conns...),
		graph("Evictions / replication lag (s)", append(evictions, lags...)...),
		graph("Host CPU (%) / swap (bytes)", append(hosts, swaps...)...),
	})
}

// RedisSwapBytes is the SwapUsage above which a Redis node alarms (AWS: 50 MB).
const RedisSwapBytes = 50 * 1024 * 1024

// RedisHostCPUPercent is the host CPUUtilization threshold AWS recommends for
// a node of vcpus vCPUs: 90 / vcpus.
func RedisHostCPUPercent(vcpus int) float64 { return 90 / float64(vcpus) }
