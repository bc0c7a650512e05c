package monitoring

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// TestIngestionBacklogGrowingAtMaxAlarm: the backlog alarm fires only when
// the worker-api tier runs at its maximum (6 pods) and the ready messages
// grew in 6 of the last 7 five-minute periods (30 minutes by default).
func TestIngestionBacklogGrowingAtMaxAlarm(t *testing.T) {
	a := alarmByName(t, "opencti-test-ingestion-backlog-growing-at-max")
	r := returned(t, a)
	if r["Expression"] != "IF(pods >= 5.5, 1, 0) * IF(DIFF(ready) > 0, 1, 0)" {
		t.Errorf("expression %v", r["Expression"])
	}
	if a["Threshold"] != 1.0 || a["ComparisonOperator"] != gteOp || a["EvaluationPeriods"] != 7.0 ||
		a["DatapointsToAlarm"] != 6.0 || a["TreatMissingData"] != "notBreaching" {
		t.Errorf("condition %v %v, %v of %v periods, missing %v", a["ComparisonOperator"], a["Threshold"],
			a["DatapointsToAlarm"], a["EvaluationPeriods"], a["TreatMissingData"])
	}
	ms := metricsOf(a)
	if ms["pods"]["Expression"] != "samples * 60 / PERIOD(samples)" {
		t.Errorf("pods: %v", ms["pods"])
	}
	ns, name, st, period, dims := stat(ms["samples"])
	if ns != "ContainerInsights" || name != "pod_status_ready" || st != "SampleCount" || period != 300 ||
		!reflect.DeepEqual(dims, map[string]any{"ClusterName": "opencti-cluster", "Namespace": "opencti", "PodName": "opencti-worker-api"}) {
		t.Errorf("samples: %s %s %s %v %v", ns, name, st, period, dims)
	}
	ns, name, st, period, dims = stat(ms["ready"])
	if ns != "AWS/AmazonMQ" || name != "MessageReadyCount" || st != "Maximum" || period != 300 ||
		!reflect.DeepEqual(dims, map[string]any{"Broker": "opencti-broker"}) {
		t.Errorf("ready: %s %s %s %v %v", ns, name, st, period, dims)
	}
	desc := a["AlarmDescription"].(string)
	for _, want := range []string{"maximum of 6 worker-api pods (18 workers)", "6 5-minute periods of the last 7", "opencti.workerApi.maxReplicas"} {
		if !strings.Contains(desc, want) {
			t.Errorf("description lacks %q: %s", want, desc)
		}
	}
	if !reflect.DeepEqual(a["AlarmActions"], topicRef(t)) {
		t.Errorf("actions %v", a["AlarmActions"])
	}
}

func TestIngestionScalerDownAlarm(t *testing.T) {
	a := alarmByName(t, "opencti-test-ingestion-scaler-down")
	if r := returned(t, a); r["Expression"] != "ready * 60 / PERIOD(ready)" {
		t.Errorf("expression %v", r["Expression"])
	}
	ns, name, st, period, dims := stat(metricsOf(a)["ready"])
	if ns != "ContainerInsights" || name != "pod_status_ready" || st != "Sum" || period != 300 ||
		!reflect.DeepEqual(dims, map[string]any{"ClusterName": "opencti-cluster", "Namespace": "keda", "PodName": "keda-operator"}) {
		t.Errorf("ready: %s %s %s %v %v", ns, name, st, period, dims)
	}
	if a["ComparisonOperator"] != ltOp || a["Threshold"] != 1.0 || a["TreatMissingData"] != "breaching" || a["EvaluationPeriods"] != 3.0 {
		t.Errorf("condition %v %v x%v missing %v", a["ComparisonOperator"], a["Threshold"], a["EvaluationPeriods"], a["TreatMissingData"])
	}
}

// TestIngestionScalingRow: queue depth, consumers, worker-api pods and
// workers with the bounds marked.
func TestIngestionScalingRow(t *testing.T) {
	body := flatten(resources[ofType(resources, "AWS::CloudWatch::Dashboard")[0]].Properties["DashboardBody"])
	start := strings.Index(body, "## Ingestion scaling")
	if start < 0 {
		t.Fatal("no Ingestion scaling row")
	}
	row := body[start:]
	if end := strings.Index(row[1:], "## "); end > 0 {
		row = row[:end]
	}
	for _, want := range []string{
		"2 to 6 pods, 6 to 18 workers",
		`"title":"Waiting messages (all queues)"`, `"MessageReadyCount"`, `"label":"6 pods from here","value":60000`,
		`"title":"Consumers"`, `"ConsumerCount"`,
		`"title":"worker-api pods / workers"`, `"expression":"3 * pods"`, `"label":"workers"`,
		`"label":"min 2 pods","value":2`, `"label":"max 6 pods","value":6`, `"label":"max 18 workers","value":18`,
		`"title":"Backlog growing at maximum scale"`,
	} {
		if !strings.Contains(row, want) {
			t.Errorf("the row lacks %s", want)
		}
	}
}

func TestInvalidIngestionScalingTarget(t *testing.T) {
	bad := testProps()
	bad.IngestionScaling = &IngestionScalingTarget{Namespace: "Opencti", Deployment: "-x", MinReplicas: 3, MaxReplicas: 2,
		WorkersPerPlatform: 5, MessagesPerReplica: -1, Scaler: &ScalerTarget{Namespace: "KEDA"}}
	th := DefaultThresholds()
	th.IngestionBacklogGrowthMinutes = 32
	bad.Thresholds = &th
	scratch := testutil.NewApp() // the panic leaves an empty stack behind: not in the synthesized app
	msg := panicMessage(func() {
		NewMonitoring(awscdk.NewStack(scratch, jsii.String("InvalidIngestion"), nil), "Monitoring", bad)
	})
	for _, want := range []string{
		"Thresholds.IngestionBacklogGrowthMinutes: got 32, want a multiple of 5 from 15 to 360 (minutes of 5-minute periods)",
		"IngestionScaling.ClusterName: got nil, want the EKS cluster's name",
		`IngestionScaling.Namespace: got "Opencti", want a Kubernetes namespace name`,
		`IngestionScaling.Deployment: got "-x", want a Kubernetes Deployment name`,
		"IngestionScaling.BrokerName: got nil, want the broker's name",
		"IngestionScaling.MaxReplicas: got 2, want at least MinReplicas (3)",
		"IngestionScaling.WorkersPerPlatform: got 5, want 1 to 4",
		"IngestionScaling.MessagesPerReplica: got -1, want 0 (no mark) or more",
		`IngestionScaling.Scaler.Namespace: got "KEDA", want a Kubernetes namespace name`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic message lacks %q:\n%s", want, msg)
		}
	}
}
