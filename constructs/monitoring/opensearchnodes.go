package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// openSearchNodes alarms on the domain's node count, heap old generation,
// thread-pool rejections, shard count, KMS key and dedicated manager
// (master) nodes, with AWS's recommended statistics, periods and thresholds
// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cloudwatch-alarms.html)
// except the rejections, which page when they last EvaluationPeriods 5-minute
// periods: OpenCTI workers retry rejected bulk writes, so a single rejected
// minute is not an incident.
func (m *monitoring) openSearchNodes() {
	o := m.r.OpenSearch
	if o == nil {
		return
	}
	n := m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("OpenSearchNodes"))
	dims := map[string]*string{"DomainName": o.DomainName, "ClientId": awscdk.Stack_Of(m.Construct).Account()}
	os := func(name, stat string, period float64) awscloudwatch.Metric {
		return metric("AWS/ES", name, stat, period, dims)
	}
	oldGen := os("OldGenJVMMemoryPressure", "Maximum", 60)
	writeRejected := os("ThreadpoolWriteRejected", "Sum", 300)
	searchRejected := os("ThreadpoolSearchRejected", "Sum", 300)
	shards := os("Shards.active", "Maximum", 60)
	nodes := os("Nodes", "Minimum", 86400)
	widgets := []awscloudwatch.IWidget{
		header("## OpenSearch nodes\nOld-generation heap, thread-pool rejections, shards and the dedicated manager nodes."),
		graph("Old-generation JVM pressure (%)", oldGen),
		graph("Write / search rejections", writeRejected, searchRejected),
		graph("Active shards", shards),
	}

	m.alarm(scope, alarmSpec{id: "OldGenJvmMemoryPressure", name: "opensearch-old-gen-jvm-pressure", metric: oldGen, op: gte, threshold: OpenSearchOldGenPercent, periods: 3, missing: nobreak,
		meaning: "A data node's old-generation heap stays at or above 80% (OldGenJVMMemoryPressure): garbage collection cannot free memory, and the node heads for circuit-breaker rejections and an out-of-memory restart.",
		check:   "GET _nodes/stats/jvm,breaker; heavy OpenCTI aggregations (dashboards, large exports) and the field data cache; scale to a larger instance type."})
	m.alarm(scope, alarmSpec{id: "WriteRejected", name: "opensearch-write-rejections", metric: writeRejected, op: gte, threshold: 1, periods: n, missing: nobreak,
		meaning: "OpenSearch rejected write (bulk) requests for several periods (ThreadpoolWriteRejected): OpenCTI workers' imports fail and are retried, the RabbitMQ backlog grows.",
		check:   "GET _cat/thread_pool/write?v, CPU and JVM pressure of the data nodes; lower the worker count or add data nodes."})
	m.alarm(scope, alarmSpec{id: "SearchRejected", name: "opensearch-search-rejections", metric: searchRejected, op: gte, threshold: 1, periods: n, missing: nobreak,
		meaning: "OpenSearch rejected search requests for several periods (ThreadpoolSearchRejected): OpenCTI pages and API calls fail.",
		check:   "GET _cat/thread_pool/search?v and the slow log; expensive OpenCTI queries (wide filters, large exports); add data nodes or a larger instance type."})
	m.alarm(scope, alarmSpec{id: "ShardsActive", name: "opensearch-shards-high", metric: shards, op: gte, threshold: OpenSearchMaxShards, missing: nobreak,
		meaning: "The domain holds at least 30,000 active shards (Shards.active): cluster-state updates slow down and new indices fail near the per-node shard limit.",
		check:   "GET _cat/indices?s=index (OpenCTI's index rollover settings ELASTICSEARCH__MAX_PRIMARY_SHARD_SIZE) and leftover restored indices; delete what is not needed."})
	for _, k := range []struct{ id, name, what string }{
		{"KmsKeyError", "KMSKeyError", "disabled"},
		{"KmsKeyInaccessible", "KMSKeyInaccessible", "inaccessible (deleted or its grants revoked)"},
	} {
		m.alarm(scope, alarmSpec{id: k.id, name: "opensearch-" + kebab(k.id), metric: os(k.name, "Maximum", 60), op: gte, threshold: 1, missing: nobreak,
			meaning: "The KMS key that encrypts the OpenSearch domain at rest is " + k.what + " (" + k.name + "; published only when the key has a problem): the domain cannot read or write its data.",
			check:   "the key's state and policy in the KMS console (the Data stack's OpenSearch key); re-enable the key or cancel its deletion, then check the cluster health."})
	}
	if total := o.DataNodes + o.MasterNodes; total > 0 {
		m.alarm(scope, alarmSpec{id: "NodesMissing", name: "opensearch-nodes-missing", metric: nodes, op: lt, threshold: float64(total), missing: nobreak,
			meaning: fmt.Sprintf("Fewer than the %d nodes (%d data + %d manager) of the domain were in the cluster for a whole day (Nodes minimum): AWS could not replace a failed node.", total, o.DataNodes, o.MasterNodes),
			check:   "the domain's Cluster health and Instance health tabs; open an AWS Support case."})
	}
	if o.MasterNodes > 0 {
		mcpu := os("MasterCPUUtilization", "Maximum", 900)
		mjvm := os("MasterJVMMemoryPressure", "Maximum", 60)
		mold := os("MasterOldGenJVMMemoryPressure", "Maximum", 60)
		m.alarm(scope, alarmSpec{id: "MasterCpu", name: "opensearch-master-cpu-high", metric: mcpu, op: gte, threshold: 50, periods: 3, missing: nobreak,
			meaning: "The busiest dedicated manager node's CPU stayed at or above 50% for 45 minutes (MasterCPUUtilization): cluster-state updates (index creation, mapping changes, shard moves) slow down and the cluster can become unstable.",
			check:   "GET _cluster/pending_tasks and the shard count; a larger manager instance type (data.opensearch.masterNodeInstanceType)."})
		m.alarm(scope, alarmSpec{id: "MasterJvmMemoryPressure", name: "opensearch-master-jvm-pressure", metric: mjvm, op: gte, threshold: 95, periods: 3, missing: nobreak,
			meaning: "A dedicated manager node's heap stays at or above 95% (MasterJVMMemoryPressure): it may fail with an out-of-memory error and the cluster loses its manager.",
			check:   "the shard and index count (cluster state size); a larger manager instance type (data.opensearch.masterNodeInstanceType)."})
		m.alarm(scope, alarmSpec{id: "MasterOldGenJvmMemoryPressure", name: "opensearch-master-old-gen-jvm-pressure", metric: mold, op: gte, threshold: OpenSearchOldGenPercent, periods: 3, missing: nobreak,
			meaning: "A dedicated manager node's old-generation heap stays at or above 80% (MasterOldGenJVMMemoryPressure): garbage collection cannot keep up with the cluster state.",
			check:   "the shard and index count; a larger manager instance type (data.opensearch.masterNodeInstanceType)."})
		widgets = append(widgets, graph("Manager nodes: CPU / JVM / old gen (%)", mcpu, mjvm, mold))
	}
	widgets = append(widgets, graph("Nodes (minimum, daily)", nodes))
	m.rows = append(m.rows, widgets)
}

// AWS's recommended OpenSearch thresholds.
const (
	// OpenSearchOldGenPercent is the old-generation heap pressure (%) that
	// alarms, on data and manager nodes.
	OpenSearchOldGenPercent = 80
	// OpenSearchMaxShards is the active shard count that alarms.
	OpenSearchMaxShards = 30000
)
