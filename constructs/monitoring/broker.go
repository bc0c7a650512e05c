package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// broker alarms on the Amazon MQ for RabbitMQ broker (namespace AWS/AmazonMQ,
// dimension Broker = broker name). For a cluster broker the memory and disk
// metrics at this dimension are the sums over its three nodes, so the ratios
// are broker-wide. Missing data is not breaching: the broker publishes every
// minute while it runs; an outage shows in the platforms' health first.
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
	memUsed, memLimit := mq("RabbitMQMemUsed", "Average"), mq("RabbitMQMemLimit", "Average")
	diskFree, diskLimit := mq("RabbitMQDiskFree", "Average"), mq("RabbitMQDiskFreeLimit", "Average")
	ready := mq("MessageReadyCount", "Maximum")
	unacked := mq("MessageUnacknowledgedCount", "Maximum")
	conns := mq("ConnectionCount", "Maximum")
	consumers := mq("ConsumerCount", "Maximum")
	memPct := expression("100 * used / lim", "Memory used of the high watermark (%)", 300,
		map[string]awscloudwatch.IMetric{"used": memUsed, "lim": memLimit})
	diskRatio := expression("free / lim", "Free disk / free-disk limit", 300,
		map[string]awscloudwatch.IMetric{"free": diskFree, "lim": diskLimit})

	m.alarm(scope, alarmSpec{id: "Memory", name: "rabbitmq-memory-high", metric: memPct, op: gte, threshold: float64(t.BrokerMemoryPercent), periods: n, missing: nobreak,
		meaning: "RabbitMQ uses the threshold share (%) of its memory high watermark (RabbitMQMemUsed / RabbitMQMemLimit). At 100% it blocks every publisher: OpenCTI stops accepting imports and connector results.",
		check:   "MessageReadyCount (a backlog the workers do not drain) and the queues with most messages in the RabbitMQ management console; scale workers or the broker instance type."})
	m.alarm(scope, alarmSpec{id: "DiskFree", name: "rabbitmq-disk-free-low", metric: diskRatio, op: lte, threshold: t.BrokerDiskFreeRatio, periods: n, missing: nobreak,
		meaning: "RabbitMQ free disk is at or below the threshold multiple of its free-disk limit (RabbitMQDiskFree / RabbitMQDiskFreeLimit). At 1 it blocks every publisher.",
		check:   "MessageCount and the largest queues (persistent backlog on disk); drain or purge dead connector queues; a larger broker instance type has a larger disk."})
	m.alarm(scope, alarmSpec{id: "QueueBacklog", name: "rabbitmq-backlog", metric: ready, op: gte, threshold: float64(t.BrokerQueueDepth), periods: n, missing: nobreak,
		meaning: "At least the threshold of messages wait for delivery across all queues (MessageReadyCount): workers or connectors are not keeping up, so new intelligence shows up late.",
		check:   "the workers' pods (restarts, not ready) and the worker-api tier; the per-queue view in the RabbitMQ console (push_<connector> queues); scale the workers."})
	m.alarm(scope, alarmSpec{id: "Connections", name: "rabbitmq-connections-high", metric: conns, op: gte, threshold: float64(t.BrokerConnections), periods: n, missing: nobreak,
		meaning: "The broker holds at least the threshold of connections (ConnectionCount): a connection leak or a runaway scale-out; the instance type caps connections.",
		check:   "the Connections tab of the RabbitMQ console grouped by client host (which pods), and the replica counts of the workers and connectors."})

	m.rows = append(m.rows, []awscloudwatch.IWidget{
		header("## RabbitMQ (Amazon MQ)\nBroker-wide memory, disk, backlog and clients."),
		graph("Memory used of high watermark (%)", memPct),
		graph("Free disk / limit", diskRatio),
		graph("Messages ready / unacknowledged", ready, unacked),
		graph("Connections / consumers", conns, consumers),
	})
}
