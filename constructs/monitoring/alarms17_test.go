package monitoring

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The alarms issue 17 added or changed: namespace, metric, statistic,
// period, dimensions, threshold, evaluation periods and missing-data
// treatment of each single-metric alarm.
func TestServiceAndTierAlarms(t *testing.T) {
	osd := map[string]any{"DomainName": "opencti-search", "ClientId": testAccount}
	node := func(i string) map[string]any {
		return map[string]any{"CacheClusterId": "opencti-cache-00" + i, "CacheNodeId": "0001"}
	}
	mq := map[string]any{"Broker": "opencti-broker"}
	cl := map[string]any{"ClusterName": "opencti-cluster"}
	w := []wantAlarm{
		{"opensearch-old-gen-jvm-pressure", "AWS/ES", "OldGenJVMMemoryPressure", "Maximum", osd, 60, 80, gteOp, 3, "notBreaching"},
		{"opensearch-master-cpu-high", "AWS/ES", "MasterCPUUtilization", "Maximum", osd, 900, 50, gteOp, 3, "notBreaching"},
		{"opensearch-master-jvm-pressure", "AWS/ES", "MasterJVMMemoryPressure", "Maximum", osd, 60, 95, gteOp, 3, "notBreaching"},
		{"opensearch-master-old-gen-jvm-pressure", "AWS/ES", "MasterOldGenJVMMemoryPressure", "Maximum", osd, 60, 80, gteOp, 3, "notBreaching"},
		{"opensearch-kms-key-error", "AWS/ES", "KMSKeyError", "Maximum", osd, 60, 1, gteOp, 1, "notBreaching"},
		{"opensearch-kms-key-inaccessible", "AWS/ES", "KMSKeyInaccessible", "Maximum", osd, 60, 1, gteOp, 1, "notBreaching"},
		{"opensearch-write-rejections", "AWS/ES", "ThreadpoolWriteRejected", "Sum", osd, 300, 1, gteOp, 3, "notBreaching"},
		{"opensearch-search-rejections", "AWS/ES", "ThreadpoolSearchRejected", "Sum", osd, 300, 1, gteOp, 3, "notBreaching"},
		{"opensearch-shards-high", "AWS/ES", "Shards.active", "Maximum", osd, 60, 30000, gteOp, 1, "notBreaching"},
		// 3 data + 3 manager nodes.
		{"opensearch-nodes-missing", "AWS/ES", "Nodes", "Minimum", osd, 86400, 6, ltOp, 1, "notBreaching"},
		{"opensearch-master-unreachable", "AWS/ES", "MasterReachableFromNode", "Maximum", osd, 86400, 1, ltOp, 1, "notBreaching"},
		// 25% of the 200 GiB data node volume.
		{"opensearch-free-storage-low", "AWS/ES", "FreeStorageSpace", "Minimum", osd, 300, 51200, lteOp, 1, "notBreaching"},
		{"rabbitmq-heartbeat", "AWS/AmazonMQ", "SystemCpuUtilization", "SampleCount", mq, 300, 1, ltOp, 2, "breaching"},
		{"eks-node-filesystem-high", "ContainerInsights", "node_filesystem_utilization", "Maximum", cl, 300, 80, gteOp, 3, "notBreaching"},
		{"backup-missing", "AWS/Backup", "NumberOfBackupJobsCompleted", "Sum", map[string]any{"ResourceType": "S3"}, 21600, 1, ltOp, 5, "breaching"},
	}
	for _, i := range []string{"1", "2", "3"} {
		p := "redis-node" + i + "-"
		w = append(w,
			wantAlarm{p + "heartbeat", "AWS/ElastiCache", "CPUUtilization", "SampleCount", node(i), 300, 1, ltOp, 2, "breaching"},
			wantAlarm{p + "swap-high", "AWS/ElastiCache", "SwapUsage", "Maximum", node(i), 300, 50 * 1024 * 1024, gtOp, 3, "notBreaching"},
			// cache.t4g.small: 2 vCPUs, 90 / 2.
			wantAlarm{p + "host-cpu-high", "AWS/ElastiCache", "CPUUtilization", "Maximum", node(i), 300, 45, gteOp, 3, "notBreaching"})
	}
	for _, deploy := range []string{"opencti-ui", "opencti-connector-api", "opencti-worker-api"} {
		w = append(w, wantAlarm{deploy + "-crash-loop", "ContainerInsights", "pod_container_status_waiting_reason_crash_loop_back_off", "Maximum",
			map[string]any{"ClusterName": "opencti-cluster", "Namespace": "opencti", "PodName": deploy}, 300, 1, gteOp, 3, "notBreaching"})
	}
	for _, lb := range []string{"ui", "api"} {
		a := alarmByName(t, "opencti-test-alb-"+lb+"-elb-5xx")
		b := alarmByName(t, "opencti-test-alb-"+lb+"-target-connection-errors")
		if a["MetricName"] != "HTTPCode_ELB_5XX_Count" || b["MetricName"] != "TargetConnectionErrorCount" ||
			a["Statistic"] != "Sum" || b["Statistic"] != "Sum" || a["Period"] != 60.0 || b["Period"] != 60.0 ||
			a["Threshold"] != 10.0 || b["Threshold"] != 10.0 || a["TreatMissingData"] != "notBreaching" || b["TreatMissingData"] != "notBreaching" {
			t.Errorf("alb %s: %s\n%s", lb, jsonOf(a), jsonOf(b))
		}
	}
	for _, c := range w {
		a := alarmByName(t, "opencti-test-"+c.name)
		got := map[string]any{
			"Namespace": a["Namespace"], "MetricName": a["MetricName"], "Statistic": a["Statistic"],
			"Dimensions": dimsOf(a["Dimensions"]), "Period": a["Period"], "Threshold": a["Threshold"],
			"ComparisonOperator": a["ComparisonOperator"], "EvaluationPeriods": a["EvaluationPeriods"], "TreatMissingData": a["TreatMissingData"],
		}
		want := map[string]any{
			"Namespace": c.namespace, "MetricName": c.metric, "Statistic": c.stat, "Dimensions": c.dims, "Period": c.period,
			"Threshold": c.threshold, "ComparisonOperator": c.op, "EvaluationPeriods": c.periods, "TreatMissingData": c.missing,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("alarm %s:\n got %s\nwant %s", c.name, jsonOf(got), jsonOf(want))
		}
	}
}

// A Deployment that is deleted publishes no replica count (missing data
// breaches); one scaled below its minimum is short by the difference.
func TestReplicasMissingAlarms(t *testing.T) {
	for deploy, minimum := range map[string]string{"opencti-ui": "2", "opencti-connector-api": "1", "opencti-worker-api": "1"} {
		a := alarmByName(t, "opencti-test-"+deploy+"-replicas-missing")
		if r := returned(t, a); r["Expression"] != "IF(desired > "+minimum+", desired, "+minimum+") - available" {
			t.Errorf("%s: expression %v", deploy, r["Expression"])
		}
		dims := map[string]any{"ClusterName": "opencti-cluster", "Namespace": "opencti", "PodName": deploy}
		ms := metricsOf(a)
		for id, want := range map[string][2]string{"desired": {"replicas_desired", "Maximum"}, "available": {"status_replicas_available", "Minimum"}} {
			ns, name, st, period, d := stat(ms[id])
			if ns != "ContainerInsights" || name != want[0] || st != want[1] || period != 300 || !reflect.DeepEqual(d, dims) {
				t.Errorf("%s input %s: %s %s %s %v %v", deploy, id, ns, name, st, period, d)
			}
		}
		if a["Threshold"] != 1.0 || a["ComparisonOperator"] != gteOp || a["EvaluationPeriods"] != 3.0 || a["TreatMissingData"] != "breaching" {
			t.Errorf("%s: %v %v x%v %v", deploy, a["ComparisonOperator"], a["Threshold"], a["EvaluationPeriods"], a["TreatMissingData"])
		}
	}
	// Connectors keep their own per-connector alarms only.
	for _, id := range ofType(resources, "AWS::CloudWatch::Alarm") {
		if n := resources[id].Properties["AlarmName"]; n == "opencti-test-opencti-connector-import-document-replicas-missing" {
			t.Errorf("connector %v got a tier alarm", n)
		}
	}
}

// Per node: the worst node's memory and disk against the per-node limit,
// its CPU; consumers below the workers while messages wait.
func TestBrokerNodeAndConsumerAlarms(t *testing.T) {
	cpu := alarmByName(t, "opencti-test-rabbitmq-cpu-high")
	if r := returned(t, cpu); r["Expression"] != BrokerNodeQuery("MAX", "SystemCpuUtilization", "opencti-broker") || r["Period"] != 300.0 ||
		cpu["Threshold"] != 85.0 || cpu["EvaluationPeriods"] != 3.0 || cpu["TreatMissingData"] != "notBreaching" {
		t.Errorf("cpu: %s", jsonOf(cpu))
	}
	c := alarmByName(t, "opencti-test-rabbitmq-consumers-missing")
	if r := returned(t, c); r["Expression"] != "IF(ready > 0 AND consumers < 6, 1, 0)" {
		t.Errorf("consumers: expression %v", r["Expression"])
	}
	ms := metricsOf(c)
	for id, want := range map[string][2]string{"ready": {"MessageReadyCount", "Minimum"}, "consumers": {"ConsumerCount", "Minimum"}} {
		ns, name, st, period, d := stat(ms[id])
		if ns != "AWS/AmazonMQ" || name != want[0] || st != want[1] || period != 300 || !reflect.DeepEqual(d, map[string]any{"Broker": "opencti-broker"}) {
			t.Errorf("consumers input %s: %s %s %s %v %v", id, ns, name, st, period, d)
		}
	}
	if c["Threshold"] != 1.0 || c["ComparisonOperator"] != gteOp || c["TreatMissingData"] != "notBreaching" {
		t.Errorf("consumers: %s", jsonOf(c))
	}
}

// Backup jobs that completed with issues reach the topic; daily widgets
// show two weeks.
func TestBackupIssuesRuleAndDailyWidgets(t *testing.T) {
	id := logicalID(t, resources, "AWS::Events::Rule", "MonitoringStorageBackupJobCompletedWithIssues")
	p := resources[id].Properties["EventPattern"].(map[string]any)
	d := p["detail"].(map[string]any)
	if !reflect.DeepEqual(d["state"], []any{"COMPLETED"}) || !reflect.DeepEqual(d["statusMessage"], []any{map[string]any{"anything-but": []any{""}}}) ||
		!reflect.DeepEqual(d["backupVaultName"], []any{"opencti-vault"}) || !reflect.DeepEqual(p["detail-type"], []any{"Backup Job State Change"}) {
		t.Errorf("pattern: %s", jsonOf(p))
	}
	if mon.BackupIssuesRule() == nil {
		t.Error("BackupIssuesRule() is nil")
	}
	body := dashboardBody(t)
	for _, title := range []string{"Bucket size (bytes)", "Objects", "Backup jobs (account-wide)", "Backup jobs completed (S3)"} {
		w := widgetByTitle(t, body, title)
		if props := w["properties"].(map[string]any); props["start"] != DailyRange || props["period"] != 86400.0 {
			t.Errorf("%s: start %v period %v, want %s and 86400", title, props["start"], props["period"], DailyRange)
		}
	}
}

// dashboardBody is the dashboard's widgets, decoded (tokens read "<token>").
func dashboardBody(t *testing.T) []map[string]any {
	t.Helper()
	var body struct {
		Widgets []map[string]any `json:"widgets"`
	}
	raw := flatten(resources[ofType(resources, "AWS::CloudWatch::Dashboard")[0]].Properties["DashboardBody"])
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		t.Fatalf("dashboard body: %v", err)
	}
	return body.Widgets
}

func widgetByTitle(t *testing.T, widgets []map[string]any, title string) map[string]any {
	t.Helper()
	for _, w := range widgets {
		if p, ok := w["properties"].(map[string]any); ok && p["title"] == title {
			return w
		}
	}
	t.Fatalf("no widget %q", title)
	return nil
}

// A scheme change re-creates the load balancer under a new ID: the scheme is
// a property of the look-up, so the look-up runs again.
func TestLookupFollowsTheScheme(t *testing.T) {
	ui := logicalID(t, resources, "Custom::LoadBalancerLookup", "MonitoringLoadBalancersUILookup")
	api := logicalID(t, resources, "Custom::LoadBalancerLookup", "MonitoringLoadBalancersAPILookup")
	if got := resources[ui].Properties["Scheme"]; got != "internet-facing" {
		t.Errorf("ui look-up Scheme %v, want internet-facing", got)
	}
	if got, ok := resources[api].Properties["Scheme"]; ok {
		t.Errorf("api look-up without a scheme got Scheme %v", got)
	}
}
