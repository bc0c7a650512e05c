package monitoring

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// recoveryProps alarm on disaster recovery only: a prod-like RPO of 90
// minutes (snapshot age 65), both replication rules and the backup copies.
func recoveryProps() *MonitoringProps {
	th := monitoringspec.RecoveryThresholds{SnapshotAgeMinutes: 65, ReplicationLatencyMinutes: 15, BackupCopyAgeHours: 30}
	return &MonitoringProps{
		AlarmNamePrefix: jsii.String("opencti-test"),
		Recovery: &RecoveryTarget{
			Deployment:        jsii.String("opencti-test"),
			ProbeFunctionName: jsii.String("opencti-test-probe"),
			Replications: []ReplicationTarget{
				{ID: "Snapshots", SourceBucketName: jsii.String("snapshots"), DestinationBucketName: jsii.String("snapshots-replica"), RuleID: jsii.String("DisasterRecoverySnapshots")},
				{ID: "Files", SourceBucketName: jsii.String("files"), DestinationBucketName: jsii.String("files-replica"), RuleID: jsii.String("DisasterRecoveryFiles")},
			},
			BackupVaultArn: jsii.String("arn:aws:backup:eu-west-1:123456789012:backup-vault:opencti-vault"),
			Thresholds:     &th,
		},
	}
}

var (
	recoveryStack awscdk.Stack
	recoveryMon   Monitoring
	recoveryTmpl  assertions.Template
	// recoveryNagErrors are read in TestMain, before tests add stacks.
	recoveryNagErrors []string
)

// buildRecoveryStack adds, before the app's synth (TestMain), a stack with
// the recovery alarms only.
func buildRecoveryStack(env *awscdk.Environment) {
	recoveryStack = awscdk.NewStack(app, jsii.String("RecoveryMonitoring"), &awscdk.StackProps{Env: env})
	recoveryMon = NewMonitoring(recoveryStack, "Monitoring", recoveryProps())
}

// TestRecoveryAlarms: the copies' age against the RPO (missing data
// breaching for the snapshot age and the backup copies), the probe's
// errors, each replication rule's latency and failures, the failed copy
// jobs' rule, and a dashboard row.
func TestRecoveryAlarms(t *testing.T) {
	m, tpl := recoveryMon, recoveryTmpl
	raw, _ := json.Marshal(tpl.ToJSON())
	var doc struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	alarms := map[string]map[string]any{}
	for _, r := range doc.Resources {
		if r.Type == "AWS::CloudWatch::Alarm" {
			alarms[r.Properties["AlarmName"].(string)] = r.Properties
		}
	}
	want := map[string]struct {
		metric, op, missing string
		threshold, periods  float64
	}{
		"opencti-test-dr-snapshot-age":                  {"LastSuccessfulSnapshotAgeSeconds", "GreaterThanThreshold", "breaching", 3900, 2},
		"opencti-test-dr-snapshot-probe-errors":         {"Errors", "GreaterThanOrEqualToThreshold", "notBreaching", 1, 3},
		"opencti-test-dr-replication-latency-snapshots": {"ReplicationLatency", "GreaterThanThreshold", "notBreaching", 900, 3},
		"opencti-test-dr-replication-failed-snapshots":  {"OperationsFailedReplication", "GreaterThanOrEqualToThreshold", "notBreaching", 1, 1},
		"opencti-test-dr-replication-latency-files":     {"ReplicationLatency", "GreaterThanThreshold", "notBreaching", 900, 3},
		"opencti-test-dr-replication-failed-files":      {"OperationsFailedReplication", "GreaterThanOrEqualToThreshold", "notBreaching", 1, 1},
		"opencti-test-dr-backup-copy-missing":           {"NumberOfCopyJobsCompleted", "LessThanThreshold", "breaching", 1, 5},
	}
	if len(alarms) != len(want) {
		t.Errorf("%d alarms, want %d", len(alarms), len(want))
	}
	for name, w := range want {
		a, ok := alarms[name]
		if !ok {
			t.Errorf("no alarm %s", name)
			continue
		}
		if a["MetricName"] != w.metric || a["ComparisonOperator"] != w.op || a["TreatMissingData"] != w.missing ||
			a["Threshold"] != w.threshold || a["EvaluationPeriods"] != w.periods {
			t.Errorf("%s: %s %s %v (%v periods, missing %s)", name, a["MetricName"], a["ComparisonOperator"], a["Threshold"], a["EvaluationPeriods"], a["TreatMissingData"])
		}
		if len(a["AlarmActions"].([]any)) != 1 || len(a["OKActions"].([]any)) != 1 {
			t.Errorf("%s: alarm and OK actions %v %v", name, a["AlarmActions"], a["OKActions"])
		}
	}
	dims, _ := json.Marshal(alarms["opencti-test-dr-replication-latency-files"]["Dimensions"])
	for _, d := range []string{`{"Name":"DestinationBucket","Value":"files-replica"}`, `{"Name":"RuleId","Value":"DisasterRecoveryFiles"}`, `{"Name":"SourceBucket","Value":"files"}`} {
		if !strings.Contains(string(dims), d) {
			t.Errorf("replication latency dimensions %s lack %s", dims, d)
		}
	}
	if m.CopyJobRule() == nil {
		t.Fatal("no copy job rule")
	}
	testutil.Assert(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventPattern": map[string]any{
				"source":      []any{"aws.backup"},
				"detail-type": []any{"Copy Job State Change"},
				"detail": map[string]any{
					"state":                []any{"FAILED", "ABORTED", "EXPIRED"},
					"sourceBackupVaultArn": []any{"arn:aws:backup:eu-west-1:123456789012:backup-vault:opencti-vault"},
				},
			},
		})
	})
	var dash string
	for _, r := range doc.Resources {
		if r.Type == "AWS::CloudWatch::Dashboard" {
			b, _ := json.Marshal(r.Properties["DashboardBody"])
			dash = string(b)
		}
	}
	if !strings.Contains(dash, "Disaster recovery") || !strings.Contains(dash, "Replication latency") {
		t.Error("no disaster recovery row on the dashboard")
	}
	if len(recoveryNagErrors) > 0 {
		t.Errorf("%d unsuppressed cdk-nag errors:\n%s", len(recoveryNagErrors), strings.Join(recoveryNagErrors, "\n"))
	}
}

func TestRecoveryTargetProblems(t *testing.T) {
	p := recoveryProps()
	p.Recovery.Deployment = nil
	p.Recovery.Replications = append(p.Recovery.Replications, ReplicationTarget{ID: "Files"})
	p.Recovery.Thresholds = &monitoringspec.RecoveryThresholds{SnapshotAgeMinutes: 5, ReplicationLatencyMinutes: 15, BackupCopyAgeHours: 30}
	got := testutil.PanicMessage(func() { NewMonitoring(stack, "BadRecovery", p) })
	want := `monitoring.NewMonitoring "BadRecovery": invalid props:
monitoring.MonitoringProps.Recovery.Deployment: got nil, want the snapshot age metric's Deployment dimension
monitoring.MonitoringProps.Recovery.Replications[2].ID: got "Files", want a PascalCase construct ID of up to 31 letters and digits, used once
monitoring.MonitoringProps.Recovery.Replications[2].SourceBucketName: got nil, want the replication metric's dimension
monitoring.MonitoringProps.Recovery.Replications[2].DestinationBucketName: got nil, want the replication metric's dimension
monitoring.MonitoringProps.Recovery.Replications[2].RuleID: got nil, want the replication metric's dimension
monitoring.MonitoringProps.Recovery.Thresholds.SnapshotAgeMinutes: got 5, want an integer from 15 to 10080`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
