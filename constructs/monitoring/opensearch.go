package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// openSearch alarms on the domain's cluster health, capacity and snapshots.
// Namespace AWS/ES, dimensions DomainName and ClientId (the account).
// ClusterStatus.red treats missing data as breaching: the domain publishes it
// every minute, so silence means the domain (or its metrics) is gone. Every
// other alarm treats it as not breaching so that one outage pages once (the
// KMS key metrics exist only once the key has a problem). Statistics,
// periods and thresholds of the manager-node, old-generation, KMS, shard,
// node-count and manager-reachability alarms are AWS's recommendations:
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cloudwatch-alarms.html
// ("Recommended CloudWatch alarms for Amazon OpenSearch Service").
func (m *monitoring) openSearch() {
	o := m.r.OpenSearch
	if o == nil {
		return
	}
	t, n := m.r.thresholds, m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("OpenSearch"))
	dims := map[string]*string{"DomainName": o.DomainName, "ClientId": awscdk.Stack_Of(m.Construct).Account()}
	os := func(name, stat string, period float64) awscloudwatch.Metric {
		return metric("AWS/ES", name, stat, period, dims)
	}
	red := os("ClusterStatus.red", "Maximum", 60)
	yellow := os("ClusterStatus.yellow", "Maximum", 300)
	storage := os("FreeStorageSpace", "Minimum", 300)
	jvm := os("JVMMemoryPressure", "Maximum", 300)
	cpu := os("CPUUtilization", "Maximum", 300)
	master := os("MasterReachableFromNode", "Maximum", 86400)
	snapshot := os("AutomatedSnapshotFailure", "Maximum", 300)
	blocked := os("ClusterIndexWritesBlocked", "Maximum", 300)

	m.alarm(scope, alarmSpec{id: "ClusterRed", name: "opensearch-cluster-red", metric: red, op: gte, threshold: 1, missing: breach,
		meaning: "OpenSearch has at least one primary shard unassigned (or stopped publishing metrics): some OpenCTI indices are unreadable and writes to them fail.",
		check:   "GET _cluster/health and GET _cluster/allocation/explain with the master user; the domain's Cluster health tab and recent configuration changes or node failures."})
	if *o.AlarmOnYellow {
		m.alarm(scope, alarmSpec{id: "ClusterYellow", name: "opensearch-cluster-yellow", metric: yellow, op: gte, threshold: 1, periods: n, missing: nobreak,
			meaning: "OpenSearch has replica shards unassigned for several periods: the next node failure can lose data availability.",
			check:   "GET _cat/shards?h=index,shard,prirep,state,unassigned.reason | grep UNASSIGNED; a blue/green change or node replacement in progress; free storage."})
	}
	m.alarm(scope, alarmSpec{id: "FreeStorage", name: "opensearch-free-storage-low", metric: storage, op: lte, threshold: float64(t.FreeStorageMiB(o.VolumeSizeGiB)), missing: nobreak,
		meaning: "The OpenSearch data node with the least free disk is at or below the threshold (MiB). At 5% free OpenSearch blocks writes and OpenCTI ingestion stops.",
		check:   "GET _cat/allocation?v and _cat/indices?s=store.size:desc; delete old snapshot-restored indices or raise the EBS volume size (data.opensearch in the configuration)."})
	m.alarm(scope, alarmSpec{id: "JvmMemoryPressure", name: "opensearch-jvm-memory-pressure", metric: jvm, op: gte, threshold: float64(t.OpenSearchJvmMemoryPressurePercent), periods: n, missing: nobreak,
		meaning: "A data node's JVM heap stays at or above the threshold (%). At 92% OpenSearch rejects requests; sustained pressure ends in out-of-memory node restarts.",
		check:   "GET _nodes/stats/breaker and _cat/thread_pool; heavy OpenCTI searches or aggregations (worker bursts); scale to a larger instance type."})
	m.alarm(scope, alarmSpec{id: "Cpu", name: "opensearch-cpu-high", metric: cpu, op: gte, threshold: float64(t.OpenSearchCPUPercent), periods: n, missing: nobreak,
		meaning: "A data node's CPU stays at or above the threshold (%): searches and indexing slow down and OpenCTI workers back up.",
		check:   "GET _nodes/hot_threads; the RabbitMQ backlog (workers ingesting a large feed); add data nodes or a larger instance type."})
	m.alarm(scope, alarmSpec{id: "MasterUnreachable", name: "opensearch-master-unreachable", metric: master, op: lt, threshold: 1, missing: nobreak,
		meaning: "No node reached the cluster manager during a whole day (MasterReachableFromNode maximum < 1, AWS's recommendation; short blips during blue/green changes do not page): the cluster is partitioned or its manager nodes are down.",
		check:   "the domain's Cluster health tab (manager node CPU/JVM), a service software update or blue/green deployment in progress; open an AWS Support case if it persists."})
	m.alarm(scope, alarmSpec{id: "AutomatedSnapshotFailure", name: "opensearch-automated-snapshot-failed", metric: snapshot, op: gte, threshold: 1, missing: nobreak,
		meaning: "The hourly automated snapshot of the domain failed: point-in-time recovery by AWS is not protecting the latest data.",
		check:   "the cluster status (a red cluster cannot be snapshotted) and GET _snapshot/cs-automated/_all; take a manual snapshot into the snapshot bucket (constructs/upgradesnapshot README)."})
	m.alarm(scope, alarmSpec{id: "WritesBlocked", name: "opensearch-writes-blocked", metric: blocked, op: gte, threshold: 1, missing: nobreak,
		meaning: "OpenSearch blocks writes (disk watermark or JVM pressure): OpenCTI cannot index anything and the RabbitMQ backlog grows.",
		check:   "FreeStorageSpace and JVMMemoryPressure of the data nodes; after freeing space clear the block with PUT _all/_settings {\"index.blocks.read_only_allow_delete\": null}."})

	m.rows = append(m.rows, []awscloudwatch.IWidget{
		header("## OpenSearch\nCluster health, capacity and snapshots of the OpenCTI indices."),
		graph("Cluster status (red / yellow)", red, yellow),
		graph("Free storage (MiB, least node)", storage),
		graph("JVM memory pressure (%)", jvm),
		graph("CPU (%) / manager reachable", cpu, master),
		graph("Automated snapshot failure / writes blocked", snapshot, blocked),
		graph("Indexing and search rate", os("IndexingRate", "Average", 300), os("SearchRate", "Average", 300)),
	})
}
