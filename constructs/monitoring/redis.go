package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// redis alarms on every node of the replication group. Node metrics carry
// CacheClusterId = the node's cache cluster ID and CacheNodeId = "0001"
// (cluster mode disabled: one cache node per member cluster). Missing data is
// not breaching: replication lag is published by replicas only, and a node
// being replaced publishes nothing for a while.
func (m *monitoring) redis() {
	rd := m.r.Redis
	if rd == nil {
		return
	}
	t, n := m.r.thresholds, m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("Redis"))
	var cpus, mems, conns, lags, evictions []awscloudwatch.IMetric
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
		cpus, mems, evictions, lags, conns = append(cpus, cpu), append(mems, mem), append(evictions, ev), append(lags, lag), append(conns, conn)

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
	})
}
