package monitoring

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

var connectorStacks = map[int]awscdk.Stack{}

func connectorsProps(count int) *MonitoringProps {
	return &MonitoringProps{
		AlarmNamePrefix: jsii.String("opencti-test"),
		Connectors: &ConnectorsTarget{
			ClusterName:   jsii.String("opencti-cluster"),
			Namespace:     "opencti",
			NotConnectors: []string{"opencti-ui", "opencti-connector-api", "opencti-worker-api", "opencti-identities-0123456789"},
			Count:         count,
		},
	}
}

// buildConnectorsStacks adds, before the app's synth (TestMain), two stacks
// with the connector alarms only: 5 and 300 connectors.
func buildConnectorsStacks(env *awscdk.Environment) {
	for _, n := range []int{5, 300} {
		s := awscdk.NewStack(app, jsii.String("Connectors"+map[int]string{5: "Few", 300: "Many"}[n]), &awscdk.StackProps{Env: env})
		NewMonitoring(s, "Monitoring", connectorsProps(n))
		connectorStacks[n] = s
	}
}

func connectorTemplate(t *testing.T, n int) (string, map[string]resource) {
	t.Helper()
	raw, err := json.Marshal(assertions.Template_FromStack(connectorStacks[n], nil).ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return string(raw), doc.Resources
}

const connectorsWhereClause = "WHERE ClusterName = 'opencti-cluster' AND Namespace = 'opencti' AND PodName != 'opencti-ui' AND PodName != 'opencti-connector-api' AND PodName != 'opencti-worker-api' AND PodName != 'opencti-identities-0123456789' GROUP BY PodName"

// TestConnectorAlarmsCoverEveryConnector: two Metrics Insights alarms
// grouped by Deployment watch every connector (one contributor each), the
// platform tiers and the identities Job left out; the template is the same
// for 5 and for 300 connectors but for the count on the dashboard.
func TestConnectorAlarmsCoverEveryConnector(t *testing.T) {
	few, res := connectorTemplate(t, 5)
	many, _ := connectorTemplate(t, 300)
	alarms := map[string]map[string]any{}
	for _, r := range res {
		if r.Type == "AWS::CloudWatch::Alarm" {
			alarms[r.Properties["AlarmName"].(string)] = r.Properties
		}
	}
	if len(alarms) != 2 {
		t.Fatalf("%d alarms, want 2: %v", len(alarms), alarms)
	}
	want := map[string]struct {
		query, op string
		threshold float64
		periods   float64
	}{
		"opencti-test-connectors-restarts":  {"SELECT SUM(pod_number_of_container_restarts) FROM SCHEMA(ContainerInsights, ClusterName, Namespace, PodName) " + connectorsWhereClause, gteOp, 3, 1},
		"opencti-test-connectors-not-ready": {"SELECT AVG(pod_status_ready) FROM SCHEMA(ContainerInsights, ClusterName, Namespace, PodName) " + connectorsWhereClause, "LessThanThreshold", 1, 3},
	}
	for name, w := range want {
		a, ok := alarms[name]
		if !ok {
			t.Errorf("no alarm %s", name)
			continue
		}
		r := returned(t, a)
		if r["Expression"] != w.query || r["Period"] != 300.0 {
			t.Errorf("%s: query %v period %v, want %s", name, r["Expression"], r["Period"], w.query)
		}
		if a["ComparisonOperator"] != w.op || a["Threshold"] != w.threshold || a["EvaluationPeriods"] != w.periods || a["TreatMissingData"] != "notBreaching" {
			t.Errorf("%s: %v %v over %v periods, missing %v", name, a["ComparisonOperator"], a["Threshold"], a["EvaluationPeriods"], a["TreatMissingData"])
		}
		if d := a["AlarmDescription"].(string); !strings.Contains(d, "each connector Deployment (PodName opencti-connector-<name>) is a contributor") {
			t.Errorf("%s: the description does not say how to find the connector: %s", name, d)
		}
	}
	for _, widget := range []string{
		"SELECT MAX(pod_cpu_utilization_over_pod_limit) FROM SCHEMA(ContainerInsights, ClusterName, Namespace, PodName) " + connectorsWhereClause + " ORDER BY MAX() DESC LIMIT 20",
		"SELECT AVG(pod_status_ready) FROM SCHEMA(ContainerInsights, ClusterName, Namespace, PodName) " + connectorsWhereClause + " ORDER BY AVG() ASC LIMIT 20",
	} {
		if !strings.Contains(few, strings.ReplaceAll(widget, "'", `\'`)) && !strings.Contains(few, widget) {
			t.Errorf("the dashboard lacks the graph %s", widget)
		}
	}
	if d := len(many) - len(few); d < 0 || d > 4 {
		t.Errorf("300 connectors: template %d bytes, 5 connectors: %d bytes; want the same but for the count", len(many), len(few))
	}
	if strings.Replace(many, "300 connectors", "5 connectors", 1) != few {
		t.Errorf("the templates for 5 and 300 connectors differ by more than the count")
	}
}

func TestConnectorsTargetValidation(t *testing.T) {
	p := connectorsProps(501)
	p.Connectors.ClusterName = nil
	p.Connectors.Namespace = "Open CTI"
	p.Connectors.NotConnectors = []string{"opencti-ui", "UI"}
	p.Connectors.Top = -1
	err := withDefaults(p).validate()
	want := strings.Join([]string{
		`monitoring.MonitoringProps.Connectors.ClusterName: got nil, want the EKS cluster's name`,
		`monitoring.MonitoringProps.Connectors.Namespace: got "Open CTI", want a Kubernetes namespace name`,
		`monitoring.MonitoringProps.Connectors.NotConnectors[1]: got "UI", want a Kubernetes workload name`,
		`monitoring.MonitoringProps.Connectors.Count: got 501, want 1 to 500 (the time series one Metrics Insights alarm evaluates)`,
		`monitoring.MonitoringProps.Connectors.Top: got -1, want 0 (the default, 20) to 500`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("validate:\n%v\nwant:\n%s", err, want)
	}
}
