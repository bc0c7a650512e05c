package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// broker alarms on the Amazon MQ for RabbitMQ broker (namespace AWS/AmazonMQ).
// Memory, disk and CPU are read per node (dimensions Broker and Node, "RabbitMQ
// node metrics" of
// https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-logging-monitoring.html):
// at the Broker dimension a cluster's values are the sums over its three
// nodes, while one node over its watermark blocks publishers for the whole
// cluster. Node names are known only at run time, so a Metrics Insights
// query takes the worst node (metric math may use a query's result: the
// MetricDataQuery Expression of the CloudWatch API). The broker-wide queue
// and client metrics keep the Broker dimension. "rabbitmq-heartbeat" treats
// missing data as breaching: the broker publishes every minute while it
// runs, so silence means it (or its metrics) is gone; every other alarm
// treats it as not breaching so that one outage pages once.
func (m *monitoring) broker() {
	b := m.r.Broker
	if b == nil {
		return
	}
	t, n := m.r.thresholds, m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("Broker"))
	mq := func(name, stat string) awscloudwatch.Metric {
		return metric("AWS/AmazonMQ", name, stat, 300, map[string]*string{"Broker": b.BrokerName})
	}
	perNode := func(fn, name, label string) awscloudwatch.MathExpression {
		return expression(BrokerNodeQuery(fn, name, *b.BrokerName), label, 300, nil)
	}
	memUsed, memLimit := perNode("MAX", "RabbitMQMemUsed", "memory used (most used node)"), perNode("MIN", "RabbitMQMemLimit", "memory limit (per node)")
	diskFree, diskLimit := perNode("MIN", "RabbitMQDiskFree", "free disk (least free node)"), perNode("MAX", "RabbitMQDiskFreeLimit", "free-disk limit (per node)")
	cpu := perNode("MAX", "SystemCpuUtilization", "CPU (%, busiest node)")
	fds := perNode("MAX", "RabbitMQFdUsed", "file descriptors used (most used node)")
	ready := mq("MessageReadyCount", "Maximum")
	unacked := mq("MessageUnacknowledgedCount", "Maximum")
	conns := mq("ConnectionCount", "Maximum")
	consumers := mq("ConsumerCount", "Maximum")
	minConsumers := mq("ConsumerCount", "Minimum")
	heartbeat := mq("SystemCpuUtilization", "SampleCount")
	memPct := expression("100 * used / lim", "Memory used of the high watermark (%, most used node)", 300,
		map[string]awscloudwatch.IMetric{"used": memUsed, "lim": memLimit})
	diskRatio := expression("free / lim", "Free disk / free-disk limit (least free node)", 300,
		map[string]awscloudwatch.IMetric{"free": diskFree, "lim": diskLimit})

	m.alarm(scope, alarmSpec{id: "Heartbeat", name: "rabbitmq-heartbeat", metric: heartbeat, op: lt, threshold: 1, periods: 2, missing: breach,
		meaning: "The broker published no SystemCpuUtilization sample for 10 minutes: the broker is down, being replaced or its metrics stopped. OpenCTI cannot queue imports or connector work.",
		check:   "the broker's status in the Amazon MQ console (Running? REBOOT_IN_PROGRESS? CRITICAL_ACTION_REQUIRED?) and its Events; the platforms' logs for AMQP connection errors."})
	m.alarm(scope, alarmSpec{id: "Memory", name: "rabbitmq-memory-high", metric: memPct, op: gte, threshold: float64(t.BrokerMemoryPercent), periods: n, missing: nobreak,
		meaning: "A RabbitMQ node uses the threshold share (%) of its memory high watermark (RabbitMQMemUsed / RabbitMQMemLimit of the most used node). At 100% on any node RabbitMQ blocks every publisher of the cluster: OpenCTI stops accepting imports and connector results.",
		check:   "the node's Memory details in the RabbitMQ management console, MessageReadyCount (a backlog the workers do not drain) and the queues with most messages; scale workers or the broker instance type."})
	m.alarm(scope, alarmSpec{id: "DiskFree", name: "rabbitmq-disk-free-low", metric: diskRatio, op: lte, threshold: t.BrokerDiskFreeRatio, periods: n, missing: nobreak,
		meaning: "A RabbitMQ node's free disk is at or below the threshold multiple of its free-disk limit (RabbitMQDiskFree / RabbitMQDiskFreeLimit of the least free node). At 1 on any node RabbitMQ blocks every publisher of the cluster.",
		check:   "MessageCount and the largest queues (persistent backlog on disk); drain or purge dead connector queues; a larger broker instance type has a larger disk."})
	m.alarm(scope, alarmSpec{id: "Cpu", name: "rabbitmq-cpu-high", metric: cpu, op: gte, threshold: float64(t.BrokerCPUPercent), periods: n, missing: nobreak,
		meaning: "A RabbitMQ node's CPU (SystemCpuUtilization of the busiest node) stays at or above the threshold (%): message delivery slows and publishers are throttled by flow control.",
		check:   "PublishRate / AckRate and the connection and channel counts (connection churn costs CPU); the queue count; move to a larger broker instance type."})
	m.alarm(scope, alarmSpec{id: "QueueBacklog", name: "rabbitmq-backlog", metric: ready, op: gte, threshold: float64(t.BrokerQueueDepth), periods: n, missing: nobreak,
		meaning: "At least the threshold of messages wait for delivery across all queues (MessageReadyCount): workers or connectors are not keeping up, so new intelligence shows up late.",
		check:   "the workers' pods (restarts, not ready) and the worker-api tier; the per-queue view in the RabbitMQ console (push_<connector> queues); scale the workers."})
	m.alarm(scope, alarmSpec{id: "Connections", name: "rabbitmq-connections-high", metric: conns, op: gte, threshold: float64(t.BrokerConnections), periods: n, missing: nobreak,
		meaning: "The broker holds at least the threshold of connections (ConnectionCount): a connection leak or a runaway scale-out; the instance type caps connections.",
		check:   "the Connections tab of the RabbitMQ console grouped by client host (which pods), and the replica counts of the workers and connectors."})
	if b.ExpectedConsumers > 0 {
		starved := expression(fmt.Sprintf("IF(ready > 0 AND consumers < %d, 1, 0)", b.ExpectedConsumers), "messages wait with fewer consumers than workers", 300,
			map[string]awscloudwatch.IMetric{"ready": mq("MessageReadyCount", "Minimum"), "consumers": minConsumers})
		m.alarm(scope, alarmSpec{id: "ConsumersMissing", name: "rabbitmq-consumers-missing", metric: starved, op: gte, threshold: 1, periods: n, missing: nobreak,
			meaning: fmt.Sprintf("Messages waited while the broker had fewer consumers than the %d workers the deployment runs at least (ConsumerCount minimum, all queues): workers are down or disconnected, so imports stall.", b.ExpectedConsumers),
			check:   "kubectl get pods of the worker-api tier (each pod runs the workers) and the workers' logs for AMQP errors; the Consumers column of the push_ queues in the RabbitMQ console."})
	}

	m.rows = append(m.rows, []awscloudwatch.IWidget{
		header("## RabbitMQ (Amazon MQ)\nPer-node memory, disk, CPU and file descriptors (worst node); broker-wide backlog and clients."),
		graph("Memory used of high watermark (%, most used node)", memPct),
		graph("Free disk / limit (least free node)", diskRatio),
		graph("CPU (%) / file descriptors (worst node)", cpu, fds),
		graph("Messages ready / unacknowledged", ready, unacked),
		graph("Connections / consumers", conns, consumers),
	})
}

// BrokerNodeQuery is the Metrics Insights query of metric name over every node
// of the broker, aggregated by fn (MAX, MIN, AVG, SUM, COUNT): one time series
// whose value is the worst node's.
func BrokerNodeQuery(fn, name, broker string) string {
	return `SELECT ` + fn + `(` + name + `) FROM SCHEMA("AWS/AmazonMQ", Broker, Node) WHERE Broker = '` + broker + `'`
}
