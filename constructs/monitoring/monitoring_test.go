package monitoring

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// wantAlarm is what one single-metric alarm must be.
type wantAlarm struct {
	name, namespace, metric, stat string
	dims                          map[string]any
	period, threshold             float64
	op                            string
	periods                       float64
	missing                       string
}

const (
	gteOp = "GreaterThanOrEqualToThreshold"
	gtOp  = "GreaterThanThreshold"
	lteOp = "LessThanOrEqualToThreshold"
	ltOp  = "LessThanThreshold"
)

func singleMetricAlarms() []wantAlarm {
	th := DefaultThresholds()
	osd := map[string]any{"DomainName": "opencti-search", "ClientId": testAccount}
	node := func(i string) map[string]any {
		return map[string]any{"CacheClusterId": "opencti-cache-00" + i, "CacheNodeId": "0001"}
	}
	mq := map[string]any{"Broker": "opencti-broker"}
	cl := map[string]any{"ClusterName": "opencti-cluster"}
	pod := func(name string) map[string]any {
		return map[string]any{"ClusterName": "opencti-cluster", "Namespace": "opencti", "PodName": name}
	}
	w := []wantAlarm{
		{"opensearch-cluster-red", "AWS/ES", "ClusterStatus.red", "Maximum", osd, 60, 1, gteOp, 1, "breaching"},
		{"opensearch-cluster-yellow", "AWS/ES", "ClusterStatus.yellow", "Maximum", osd, 300, 1, gteOp, 3, "notBreaching"},
		{"opensearch-free-storage-low", "AWS/ES", "FreeStorageSpace", "Minimum", osd, 300, float64(th.FreeStorageMiB(200)), lteOp, 1, "notBreaching"},
		{"opensearch-jvm-memory-pressure", "AWS/ES", "JVMMemoryPressure", "Maximum", osd, 300, 85, gteOp, 3, "notBreaching"},
		{"opensearch-cpu-high", "AWS/ES", "CPUUtilization", "Maximum", osd, 300, 80, gteOp, 3, "notBreaching"},
		{"opensearch-master-unreachable", "AWS/ES", "MasterReachableFromNode", "Maximum", osd, 86400, 1, ltOp, 1, "notBreaching"},
		{"opensearch-automated-snapshot-failed", "AWS/ES", "AutomatedSnapshotFailure", "Maximum", osd, 300, 1, gteOp, 1, "notBreaching"},
		{"opensearch-writes-blocked", "AWS/ES", "ClusterIndexWritesBlocked", "Maximum", osd, 300, 1, gteOp, 1, "notBreaching"},
		{"rabbitmq-backlog", "AWS/AmazonMQ", "MessageReadyCount", "Maximum", mq, 300, float64(th.BrokerQueueDepth), gteOp, 3, "notBreaching"},
		{"rabbitmq-connections-high", "AWS/AmazonMQ", "ConnectionCount", "Maximum", mq, 300, float64(th.BrokerConnections), gteOp, 3, "notBreaching"},
		{"eks-failed-nodes", "ContainerInsights", "cluster_failed_node_count", "Maximum", cl, 300, 1, gteOp, 3, "notBreaching"},
		{"eks-container-insights-missing", "ContainerInsights", "cluster_node_count", "Maximum", cl, 300, 1, ltOp, 3, "breaching"},
	}
	for _, i := range []string{"1", "2", "3"} {
		p := "redis-node" + i + "-"
		w = append(w,
			wantAlarm{p + "engine-cpu-high", "AWS/ElastiCache", "EngineCPUUtilization", "Average", node(i), 300, 90, gteOp, 3, "notBreaching"},
			wantAlarm{p + "memory-high", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Maximum", node(i), 300, 80, gteOp, 3, "notBreaching"},
			wantAlarm{p + "evictions", "AWS/ElastiCache", "Evictions", "Sum", node(i), 60, 0, gtOp, 1, "notBreaching"},
			wantAlarm{p + "replication-lag", "AWS/ElastiCache", "ReplicationLag", "Maximum", node(i), 60, 30, gteOp, 3, "notBreaching"},
			wantAlarm{p + "connections-high", "AWS/ElastiCache", "CurrConnections", "Maximum", node(i), 300, 5000, gteOp, 3, "notBreaching"},
		)
	}
	for _, name := range []string{"opencti-ui", "opencti-connector-api", "opencti-worker-api",
		"opencti-connector-export-file-stix", "opencti-connector-import-document"} {
		w = append(w, wantAlarm{name + "-restarts", "ContainerInsights", "pod_number_of_container_restarts", "Sum", pod(name), 300, 3, gteOp, 1, "notBreaching"})
	}
	return w
}

func dimsOf(v any) map[string]any {
	out := map[string]any{}
	list, _ := v.([]any)
	for _, d := range list {
		m := d.(map[string]any)
		out[m["Name"].(string)] = m["Value"]
	}
	return out
}

func topicRef(t *testing.T) []any {
	return []any{map[string]any{"Ref": logicalID(t, resources, "AWS::SNS::Topic", "MonitoringTopic")}}
}

func TestSingleMetricAlarms(t *testing.T) {
	for _, w := range singleMetricAlarms() {
		t.Run(w.name, func(t *testing.T) {
			a := alarmByName(t, "opencti-test-"+w.name)
			got := map[string]any{
				"Namespace": a["Namespace"], "MetricName": a["MetricName"], "Statistic": a["Statistic"],
				"Dimensions": dimsOf(a["Dimensions"]), "Period": a["Period"], "Threshold": a["Threshold"],
				"ComparisonOperator": a["ComparisonOperator"], "EvaluationPeriods": a["EvaluationPeriods"],
				"DatapointsToAlarm": a["DatapointsToAlarm"], "TreatMissingData": a["TreatMissingData"],
				"AlarmActions": a["AlarmActions"], "OKActions": a["OKActions"],
			}
			want := map[string]any{
				"Namespace": w.namespace, "MetricName": w.metric, "Statistic": w.stat,
				"Dimensions": w.dims, "Period": w.period, "Threshold": w.threshold,
				"ComparisonOperator": w.op, "EvaluationPeriods": w.periods,
				"DatapointsToAlarm": w.periods, "TreatMissingData": w.missing,
				"AlarmActions": topicRef(t), "OKActions": topicRef(t),
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("alarm %s:\n got %s\nwant %s", w.name, jsonOf(got), jsonOf(want))
			}
		})
	}
}

// metricsOf indexes an alarm's Metrics (math alarms) by Id.
func metricsOf(a map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, m := range a["Metrics"].([]any) {
		mm := m.(map[string]any)
		out[mm["Id"].(string)] = mm
	}
	return out
}

// returned is the metric data query whose value the alarm compares.
func returned(t *testing.T, a map[string]any) map[string]any {
	t.Helper()
	for _, m := range metricsOf(a) {
		if m["ReturnData"] != false {
			return m
		}
	}
	t.Fatalf("alarm %v returns nothing", a["AlarmName"])
	return nil
}

func stat(m map[string]any) (namespace, name, statistic string, period float64, dims map[string]any) {
	ms := m["MetricStat"].(map[string]any)
	met := ms["Metric"].(map[string]any)
	return met["Namespace"].(string), met["MetricName"].(string), ms["Stat"].(string), ms["Period"].(float64), dimsOf(met["Dimensions"])
}

func TestBrokerRatioAlarms(t *testing.T) {
	node := func(fn, name string) string {
		return `SELECT ` + fn + `(` + name + `) FROM SCHEMA("AWS/AmazonMQ", Broker, Node) WHERE Broker = 'opencti-broker'`
	}
	for _, c := range []struct {
		name, expr, op string
		threshold      float64
		inputs         map[string]string
	}{
		{"rabbitmq-memory-high", "100 * used / lim", gteOp, 80, map[string]string{"used": node("MAX", "RabbitMQMemUsed"), "lim": node("MIN", "RabbitMQMemLimit")}},
		{"rabbitmq-disk-free-low", "free / lim", lteOp, 2, map[string]string{"free": node("MIN", "RabbitMQDiskFree"), "lim": node("MAX", "RabbitMQDiskFreeLimit")}},
	} {
		a := alarmByName(t, "opencti-test-"+c.name)
		r := returned(t, a)
		if r["Expression"] != c.expr || a["Threshold"] != c.threshold || a["ComparisonOperator"] != c.op || a["EvaluationPeriods"] != 3.0 || a["TreatMissingData"] != "notBreaching" {
			t.Errorf("%s: got expression %v %v %v over %v periods", c.name, r["Expression"], a["ComparisonOperator"], a["Threshold"], a["EvaluationPeriods"])
		}
		ms := metricsOf(a)
		for id, query := range c.inputs {
			if ms[id]["Expression"] != query || ms[id]["Period"] != 300.0 {
				t.Errorf("%s input %s: got %v period %v, want %s period 300", c.name, id, ms[id]["Expression"], ms[id]["Period"], query)
			}
		}
		if !reflect.DeepEqual(a["AlarmActions"], topicRef(t)) || !reflect.DeepEqual(a["OKActions"], topicRef(t)) {
			t.Errorf("%s: actions %v / %v", c.name, a["AlarmActions"], a["OKActions"])
		}
	}
}

func TestPodsNotReadyAlarms(t *testing.T) {
	a := alarmByName(t, "opencti-test-opencti-ui-pods-not-ready")
	if r := returned(t, a); r["Expression"] != "(samples - ready) * 60 / PERIOD(ready)" {
		t.Errorf("expression: %v", r["Expression"])
	}
	ms := metricsOf(a)
	want := map[string]any{"ClusterName": "opencti-cluster", "Namespace": "opencti", "PodName": "opencti-ui"}
	for id, st := range map[string]string{"samples": "SampleCount", "ready": "Sum"} {
		ns, name, s, period, dims := stat(ms[id])
		if ns != "ContainerInsights" || name != "pod_status_ready" || s != st || period != 300 || !reflect.DeepEqual(dims, want) {
			t.Errorf("input %s: %s %s %s %v %v", id, ns, name, s, period, dims)
		}
	}
	if a["Threshold"] != 1.0 || a["ComparisonOperator"] != gteOp || a["EvaluationPeriods"] != 3.0 || a["TreatMissingData"] != "notBreaching" {
		t.Errorf("condition: %v %v x%v %v", a["ComparisonOperator"], a["Threshold"], a["EvaluationPeriods"], a["TreatMissingData"])
	}
}

func TestLoadBalancerAlarms(t *testing.T) {
	for _, lb := range []struct{ label, id, name string }{{"ui", "UI", "opencti-test-ui"}, {"api", "API", "opencti-test-api"}} {
		lookup := logicalID(t, resources, "Custom::LoadBalancerLookup", "MonitoringLoadBalancers"+lb.id+"Lookup")
		if got := resources[lookup].Properties["LoadBalancerName"]; got != lb.name {
			t.Errorf("%s lookup: LoadBalancerName %v", lb.label, got)
		}
		dim := map[string]any{"LoadBalancer": map[string]any{"Fn::GetAtt": []any{lookup, "Dimension"}}}
		p := "opencti-test-alb-" + lb.label + "-"
		for _, c := range []struct {
			suffix, metric, op string
			threshold          float64
			extended           string
		}{
			{"target-5xx", "HTTPCode_Target_5XX_Count", gteOp, 10, ""},
			{"latency-p95", "TargetResponseTime", gteOp, 3, "p95"},
		} {
			a := alarmByName(t, p+c.suffix)
			if a["Namespace"] != "AWS/ApplicationELB" || a["MetricName"] != c.metric || a["Period"] != 60.0 ||
				a["Threshold"] != c.threshold || a["ComparisonOperator"] != c.op || !reflect.DeepEqual(dimsOf(a["Dimensions"]), dim) {
				t.Errorf("%s: %s", p+c.suffix, jsonOf(a))
			}
			if c.extended != "" && a["ExtendedStatistic"] != c.extended {
				t.Errorf("%s: ExtendedStatistic %v", p+c.suffix, a["ExtendedStatistic"])
			}
			if c.extended == "" && a["Statistic"] != "Sum" {
				t.Errorf("%s: Statistic %v", p+c.suffix, a["Statistic"])
			}
		}
		for _, c := range []struct {
			suffix, fn, metric, op, missing string
			threshold                       float64
		}{
			{"unhealthy-targets", "MAX", "UnHealthyHostCount", gteOp, "notBreaching", 1},
			// Idle load balancers publish nothing: silence must not page.
			{"no-healthy-targets", "MIN", "HealthyHostCount", ltOp, "notBreaching", 1},
		} {
			a := alarmByName(t, p+c.suffix)
			r := returned(t, a)
			q := flatten(r["Expression"])
			want := `SELECT ` + c.fn + `(` + c.metric + `) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, TargetGroup) WHERE LoadBalancer = '<token>'`
			if q != want || r["Period"] != 60.0 {
				t.Errorf("%s: query %q period %v, want %q period 60", p+c.suffix, q, r["Period"], want)
			}
			if a["ComparisonOperator"] != c.op || a["Threshold"] != c.threshold || a["TreatMissingData"] != c.missing {
				t.Errorf("%s: %v %v %v", p+c.suffix, a["ComparisonOperator"], a["Threshold"], a["TreatMissingData"])
			}
		}
	}
}

func TestEveryAlarmNotifiesTheTopic(t *testing.T) {
	ids := ofType(resources, "AWS::CloudWatch::Alarm")
	// 19 OpenSearch + 3x8 Redis + 7 RabbitMQ + 2x6 load balancers + 3 cluster
	// + 5x2 workloads + 3x2 platform tiers + 2 ingestion + 1 backup + 1 stale
	// dimensions.
	if len(ids) != 84 || len(mon.Alarms()) != len(ids) {
		t.Errorf("got %d alarms (%d recorded), want 84", len(ids), len(mon.Alarms()))
	}
	for _, id := range ids {
		a := resources[id].Properties
		if !reflect.DeepEqual(a["AlarmActions"], topicRef(t)) || !reflect.DeepEqual(a["OKActions"], topicRef(t)) {
			t.Errorf("%s: alarm actions %v, OK actions %v, want the topic", a["AlarmName"], a["AlarmActions"], a["OKActions"])
		}
		if d, _ := a["AlarmDescription"].(string); !strings.Contains(d, " First check: ") || len(d) < 80 {
			t.Errorf("%s: description %q is not actionable", a["AlarmName"], d)
		}
		if a["TreatMissingData"] == nil {
			t.Errorf("%s: no deliberate TreatMissingData", a["AlarmName"])
		}
	}
}

func TestTopicIsEncryptedAndTLSOnly(t *testing.T) {
	topic := logicalID(t, resources, "AWS::SNS::Topic", "MonitoringTopic")
	key := logicalID(t, resources, "AWS::KMS::Key", "MonitoringKey")
	if got := resources[topic].Properties["KmsMasterKeyId"]; !reflect.DeepEqual(got, map[string]any{"Fn::GetAtt": []any{key, "Arn"}}) {
		t.Errorf("topic KmsMasterKeyId: %v", got)
	}
	if resources[key].Properties["EnableKeyRotation"] != true {
		t.Error("key rotation is off")
	}
	policy := jsonOf(resources[key].Properties["KeyPolicy"])
	for _, want := range []string{`"cloudwatch.amazonaws.com"`, `"events.amazonaws.com"`, `"logs.eu-west-1.amazonaws.com"`} {
		if !strings.Contains(policy, want) {
			t.Errorf("key policy does not admit %s: %s", want, policy)
		}
	}
	testutil.Assert(t, func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Deny",
				"Action":    "sns:Publish",
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			})})},
		})
		tmpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Allow",
				"Action":    "sns:Publish",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": testAccount},
					"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*"},
				},
			})})},
		})
		// Two e-mail subscriptions, and the ElastiCache event forwarder's
		// subscription to the cache's event topic.
		tmpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(3))
		tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "email", "Endpoint": "ops@example.com", "TopicArn": map[string]any{"Ref": topic},
		})
	})
}

func TestDashboardHasARowPerTierAndService(t *testing.T) {
	ids := ofType(resources, "AWS::CloudWatch::Dashboard")
	if len(ids) != 1 {
		t.Fatalf("dashboards: %v", ids)
	}
	body := flatten(resources[ids[0]].Properties["DashboardBody"])
	for _, row := range []string{"## Tier ui", "## Tier connector-api", "## Tier worker-api", "## Tier connectors", "## Ingestion scaling",
		"## EKS cluster", "## OpenSearch", "## Redis (ElastiCache)", "## RabbitMQ (Amazon MQ)", "## S3 and AWS Backup",
		"## Load balancer ui (opencti-test-ui)", "## Load balancer api (opencti-test-api)"} {
		if !strings.Contains(body, row) {
			t.Errorf("dashboard has no row %q", row)
		}
	}
	if !strings.Contains(body, `"type":"alarm"`) {
		t.Error("dashboard has no alarm status widget")
	}
}

func TestEveryLogGroupHasRetentionAndKey(t *testing.T) {
	for name, res := range map[string]map[string]resource{"monitoring": resources, "add-on": addonRes} {
		ids := ofType(res, "AWS::Logs::LogGroup")
		if len(ids) == 0 {
			t.Errorf("%s: no log group", name)
		}
		for _, id := range ids {
			p := res[id].Properties
			if p["RetentionInDays"] == nil || p["KmsKeyId"] == nil {
				t.Errorf("%s %s: RetentionInDays %v, KmsKeyId %v", name, id, p["RetentionInDays"], p["KmsKeyId"])
			}
		}
	}
	for _, id := range ofType(resources, "AWS::Logs::LogGroup") {
		if resources[id].Properties["RetentionInDays"] != 365.0 {
			t.Errorf("%s: retention %v, want the configured 365", id, resources[id].Properties["RetentionInDays"])
		}
	}
	// Every function writes to a log group of ours, none to an implicit one.
	for _, id := range ofType(resources, "AWS::Lambda::Function") {
		if lc, _ := resources[id].Properties["LoggingConfig"].(map[string]any); lc == nil || lc["LogGroup"] == nil {
			t.Errorf("function %s: no explicit log group", id)
		}
	}
}

func TestLookupRoleIsReadOnly(t *testing.T) {
	role := logicalID(t, resources, "AWS::IAM::Role", "MonitoringLoadBalancersLookupRole")
	var actions []string
	for _, id := range ofType(resources, "AWS::IAM::Policy") {
		p := resources[id].Properties
		if !strings.Contains(jsonOf(p["Roles"]), role) {
			continue
		}
		for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			switch a := st["Action"].(type) {
			case string:
				actions = append(actions, a)
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
		}
	}
	want := []string{"logs:CreateLogStream", "logs:PutLogEvents", "elasticloadbalancing:DescribeLoadBalancers"}
	if !reflect.DeepEqual(actions, want) {
		t.Errorf("look-up role actions: got %v, want %v", actions, want)
	}
}

func TestBackupFailuresReachTheTopic(t *testing.T) {
	testutil.Assert(t, func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventPattern": map[string]any{
				"source":      []any{"aws.backup"},
				"detail-type": []any{"Backup Job State Change"},
				"detail":      map[string]any{"state": []any{"FAILED", "ABORTED", "EXPIRED"}, "backupVaultName": []any{"opencti-vault"}},
			},
			"Targets": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Arn": map[string]any{"Ref": logicalID(t, resources, "AWS::SNS::Topic", "MonitoringTopic")},
			})}),
		})
	})
}

func TestObservabilityAddon(t *testing.T) {
	addon := logicalID(t, addonRes, "AWS::EKS::Addon", "CloudWatchObservability")
	p := addonRes[addon].Properties
	if p["AddonName"] != "amazon-cloudwatch-observability" || p["AddonVersion"] != ObservabilityAddonVersion || p["ClusterName"] != "opencti-cluster" {
		t.Errorf("add-on: %s", jsonOf(p))
	}
	if cfg := p["ConfigurationValues"].(string); !strings.Contains(cfg, `"enhanced_container_insights":true`) {
		t.Errorf("configuration: %s", cfg)
	}
	role := logicalID(t, addonRes, "AWS::IAM::Role", "CloudWatchObservabilityAgentRole")
	wantPI := []any{map[string]any{"ServiceAccount": "cloudwatch-agent", "RoleArn": map[string]any{"Fn::GetAtt": []any{role, "Arn"}}}}
	if !reflect.DeepEqual(p["PodIdentityAssociations"], wantPI) {
		t.Errorf("pod identity: %s", jsonOf(p["PodIdentityAssociations"]))
	}
	var names []string
	for _, id := range ofType(addonRes, "AWS::Logs::LogGroup") {
		names = append(names, addonRes[id].Properties["LogGroupName"].(string))
		if addonRes[id].Properties["RetentionInDays"] != 90.0 {
			t.Errorf("%s: retention %v", id, addonRes[id].Properties["RetentionInDays"])
		}
	}
	want := []string{"/aws/containerinsights/opencti-cluster/application", "/aws/containerinsights/opencti-cluster/dataplane",
		"/aws/containerinsights/opencti-cluster/host", "/aws/containerinsights/opencti-cluster/performance"}
	if !reflect.DeepEqual(sortedCopy(names), want) {
		t.Errorf("log groups: %v", names)
	}
	if deps := jsonOf(addonRes[addon].DependsOn); strings.Count(deps, "CloudWatchObservability") != 4 {
		t.Errorf("add-on must wait for its log groups: DependsOn %s", deps)
	}
}

func TestNoUnsuppressedNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, stack)
	testutil.RequireNoNagErrors(t, addonStack)
}

func TestInvalidPropsAreAllReported(t *testing.T) {
	bad := testProps()
	bad.AlarmEmails = []string{"not-an-address"}
	zero := 0
	bad.EvaluationPeriods = &zero
	bad.Thresholds = &Thresholds{}
	bad.LoadBalancers = []LoadBalancerTarget{{ID: "ui", LoadBalancerName: "-bad-"}}
	bad.Kubernetes.Workloads = nil
	msg := panicMessage(func() { NewMonitoring(awscdk.NewStack(app, jsii.String("Invalid"), nil), "Monitoring", bad) })
	for _, want := range []string{
		`AlarmEmails[0]: got "not-an-address", want an e-mail address`,
		"EvaluationPeriods: got 0, want an integer from 1 to 60",
		"Thresholds.OpenSearchCPUPercent: got 0, want an integer from 10 to 100",
		`LoadBalancers[0].ID: got "ui", want a PascalCase construct ID`,
		`LoadBalancers[0].LoadBalancerName: got "-bad-", want an ALB name`,
		"Kubernetes.Workloads: got [], want at least one Deployment",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "Thresholds.RedisEvictions") {
		t.Errorf("RedisEvictions 0 is allowed:\n%s", msg)
	}
	msg = panicMessage(func() {
		NewObservabilityAddon(awscdk.NewStack(app, jsii.String("InvalidAddon"), nil), "CloudWatchObservability",
			&ObservabilityAddonProps{AddonVersion: jsii.String("v6.2.0-eksbuild.1")})
	})
	for _, want := range []string{"Cluster: got nil", `AddonVersion: got "v6.2.0-eksbuild.1", want a version below v6.2.0`} {
		if !strings.Contains(msg, want) {
			t.Errorf("add-on panic message lacks %q:\n%s", want, msg)
		}
	}
}

func panicMessage(fn func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = strings.TrimSpace(strings.ReplaceAll(jsonOf(r), `\n`, "\n"))
			if err, ok := r.(error); ok {
				msg = err.Error()
			}
		}
	}()
	fn()
	return "no panic"
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
