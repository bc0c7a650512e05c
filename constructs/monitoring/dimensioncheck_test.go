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

func TestDimensionCheckRunsAfterEveryAlarm(t *testing.T) {
	ids := ofType(resources, "Custom::AlarmDimensionCheck")
	if len(ids) != 1 {
		t.Fatalf("want one Custom::AlarmDimensionCheck, got %v", ids)
	}
	cr := resources[ids[0]]
	p := cr.Properties
	if p["AlarmNamePrefix"] != "opencti-test-" || p["WaitSeconds"] != "1800" {
		t.Errorf("prefix %v, wait %v; want opencti-test- and 1800 (30 minutes)", p["AlarmNamePrefix"], p["WaitSeconds"])
	}
	if !reflect.DeepEqual(p["TopicArn"], topicRef(t)[0]) {
		t.Errorf("TopicArn %v, want the alarm topic (the check reads only alarms notifying it)", p["TopicArn"])
	}
	// Every name an alarm dimension is made of: a change of any re-runs the check.
	want := []any{"opencti-search", "opencti-cache-001", "opencti-cache-002", "opencti-cache-003", "opencti-broker", "opencti-cluster"}
	if !reflect.DeepEqual(p["Targets"], want) {
		t.Errorf("Targets %v, want %v", p["Targets"], want)
	}
	alarms := ofType(resources, "AWS::CloudWatch::Alarm")
	if names, _ := p["Alarms"].([]any); len(names) != len(alarms) {
		t.Errorf("Alarms lists %d names, want all %d", len(names), len(alarms))
	}
	deps := map[string]bool{}
	if d, ok := cr.DependsOn.([]any); ok {
		for _, x := range d {
			deps[x.(string)] = true
		}
	}
	for _, id := range alarms {
		if !deps[id] {
			t.Errorf("the check does not wait for alarm %s", id)
		}
	}
	if mon.DimensionCheck() == nil {
		t.Error("DimensionCheck() is nil")
	}
}

func TestDimensionCheckFunctionsAndWaiter(t *testing.T) {
	handlers := map[string]float64{}
	for _, id := range ofType(resources, "AWS::Lambda::Function") {
		if !strings.HasPrefix(id, "MonitoringDimensionCheck") || strings.Contains(id, "Provider") {
			continue
		}
		p := resources[id].Properties
		code := p["Code"].(map[string]any)["ZipFile"].(string)
		if !strings.Contains(code, "ListMetricsCommand") || p["Runtime"] != "nodejs24.x" {
			t.Errorf("%s: not the inline dimension check on Node.js 24", id)
		}
		handlers[p["Handler"].(string)] = p["Timeout"].(float64)
	}
	if want := map[string]float64{"index.onEvent": 60, "index.isComplete": 300, "index.handler": 300}; !reflect.DeepEqual(handlers, want) {
		t.Errorf("functions %v, want %v", handlers, want)
	}
	// The waiter polls every minute for at most 35 minutes: longer than the
	// check's own 30, so that its message fails the deployment.
	sm := logicalID(t, resources, "AWS::StepFunctions::StateMachine", "MonitoringDimensionCheckProvider")
	def := jsonOf(resources[sm].Properties["DefinitionString"])
	if !strings.Contains(def, `\"IntervalSeconds\":60`) || !strings.Contains(def, `\"MaxAttempts\":35`) {
		t.Errorf("waiter definition %s: want 60 s interval and 35 attempts", def)
	}
	if lc := jsonOf(resources[sm].Properties["LoggingConfiguration"]); !strings.Contains(lc, `"Level":"ALL"`) {
		t.Errorf("waiter logging %s: want level ALL", lc)
	}
}

func TestDimensionCheckRoleOnlyReads(t *testing.T) {
	role := logicalID(t, resources, "AWS::IAM::Role", "MonitoringDimensionCheckRole")
	statements, actions := roleStatements(resources, role)
	for _, st := range statements {
		if jsonOf(st["Action"]) == `"cloudwatch:PutMetricData"` && jsonOf(st["Condition"]) != `{"StringEquals":{"cloudwatch:namespace":"OpenCTI/Monitoring"}}` {
			t.Errorf("PutMetricData not limited to OpenCTI/Monitoring: %s", jsonOf(st["Condition"]))
		}
	}
	want := []string{"cloudwatch:DescribeAlarms", "cloudwatch:ListMetrics", "cloudwatch:PutMetricData", "logs:CreateLogStream", "logs:PutLogEvents"}
	if !reflect.DeepEqual(actions, want) {
		t.Errorf("role actions %v, want %v", actions, want)
	}
}

func TestHourlyStaleDimensionsAlarm(t *testing.T) {
	a := alarmByName(t, "opencti-test-monitoring-stale-dimensions")
	if a["Namespace"] != "OpenCTI/Monitoring" || a["MetricName"] != "StaleAlarmDimensions" || a["Statistic"] != "Maximum" ||
		a["Period"] != 3600.0 || a["EvaluationPeriods"] != 2.0 || a["Threshold"] != 1.0 || a["ComparisonOperator"] != gteOp ||
		a["TreatMissingData"] != "breaching" {
		t.Errorf("stale dimensions alarm: %s", jsonOf(a))
	}
	if d := jsonOf(a["Dimensions"]); d != `[{"Name":"Deployment","Value":"opencti-test-"}]` {
		t.Errorf("dimensions %s", d)
	}
	rules := 0
	for _, id := range ofType(resources, "AWS::Events::Rule") {
		p := resources[id].Properties
		if p["ScheduleExpression"] == "rate(1 hour)" && strings.HasPrefix(id, "MonitoringDimensionCheckHourly") {
			rules++
			if !strings.Contains(jsonOf(p["Targets"]), "MonitoringDimensionCheckHourlyFunction") {
				t.Errorf("hourly rule targets %s", jsonOf(p["Targets"]))
			}
		}
	}
	if rules != 1 {
		t.Errorf("want one hourly rule, got %d", rules)
	}
}

func TestDimensionCheckMinutes(t *testing.T) {
	off := 0
	props := testProps()
	props.DimensionCheckMinutes = &off
	// Its own app: the shared one is synthesized already.
	s := awscdk.NewStack(testutil.NewApp(), jsii.String("NoDimensionCheck"), nil)
	m := NewMonitoring(s, "Monitoring", props)
	if m.DimensionCheck() != nil {
		t.Error("DimensionCheckMinutes 0 must create no deploy-time check")
	}
	res, err := decode(assertions.Template_FromStack(s, nil))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ofType(res, "Custom::AlarmDimensionCheck")); n != 0 {
		t.Errorf("%d checks with DimensionCheckMinutes 0", n)
	}
	if n := len(ofType(res, "AWS::Events::Rule")); n < 1 {
		t.Error("the hourly check stays")
	}
	for _, bad := range []int{-1, 51} {
		props := testProps()
		props.DimensionCheckMinutes = &bad
		msg := panicMessage(func() { NewMonitoring(awscdk.NewStack(testutil.NewApp(), nil, nil), "Monitoring", props) })
		if want := "monitoring.MonitoringProps.DimensionCheckMinutes: got " + jsonOf(bad) + ", want 0 (no deploy-time check) to 50 minutes"; !strings.Contains(msg, want) {
			t.Errorf("panic lacks %q:\n%s", want, msg)
		}
	}
}
