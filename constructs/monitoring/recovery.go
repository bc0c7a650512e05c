package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
)

// CopyJobFailureStates are the AWS Backup copy job states that reach the
// alarm topic (EventBridge "Copy Job State Change" events).
var CopyJobFailureStates = []string{"FAILED", "ABORTED", "EXPIRED"}

// RecoveryTarget names what the disaster recovery alarms watch: the age of
// the newest scheduled OpenSearch snapshot, the probe that measures it, the
// S3 replication rules and the AWS Backup copies of the file bucket.
type RecoveryTarget struct {
	// Deployment is the snapshot age metric's Deployment dimension
	// (recovery.SnapshotSchedule.Deployment()). Required.
	Deployment *string
	// ProbeFunctionName is the age probe; its errors alarm.
	// Default: no probe alarm.
	ProbeFunctionName *string
	// Replications are the S3 replication rules whose latency and failed
	// operations alarm. Default: none.
	Replications []ReplicationTarget
	// BackupVaultArn is the vault whose recovery points are copied: copy
	// jobs from it that fail reach the topic, and no completed copy for
	// Thresholds.BackupCopyAgeHours alarms. Default: no backup copy alerts.
	BackupVaultArn *string
	// Thresholds of the recovery alarms, derived from the RPO.
	// Default: monitoringspec.DefaultRecoveryThresholds().
	Thresholds *monitoringspec.RecoveryThresholds
}

// ReplicationTarget is one S3 replication rule (its metrics need
// replication metrics on the rule, which recovery.NewReplication turns on).
type ReplicationTarget struct {
	// ID is a stable PascalCase construct ID and alarm name part
	// ("Snapshots", "Files"). Required.
	ID string
	// SourceBucketName, DestinationBucketName and RuleID are the metric's
	// dimensions SourceBucket, DestinationBucket and RuleId. Required.
	SourceBucketName, DestinationBucketName, RuleID *string
}

// validateRecovery reports the problems of the Recovery target.
func (r resolved) validateRecovery(pr *problems.List, f string) {
	t := r.Recovery
	if t == nil {
		return
	}
	if empty(t.Deployment) {
		pr.Add(f+"Recovery.Deployment", t.Deployment, "the snapshot age metric's Deployment dimension")
	}
	seen := map[string]bool{}
	for i, rt := range t.Replications {
		rf := fmt.Sprintf(f+"Recovery.Replications[%d]", i)
		if !pascalRe.MatchString(rt.ID) || seen[rt.ID] {
			pr.Add(rf+".ID", rt.ID, "a PascalCase construct ID of up to 31 letters and digits, used once")
		}
		seen[rt.ID] = true
		for _, d := range []struct {
			name  string
			value *string
		}{{"SourceBucketName", rt.SourceBucketName}, {"DestinationBucketName", rt.DestinationBucketName}, {"RuleID", rt.RuleID}} {
			if empty(d.value) {
				pr.Add(rf+"."+d.name, d.value, "the replication metric's dimension")
			}
		}
	}
	if t.Thresholds != nil {
		t.Thresholds.Check(pr, problems.GoNames(f+"Recovery.Thresholds."))
	}
}

// recovery alarms when the copies in the recovery region fall behind the
// RPO: the newest successful scheduled snapshot too old (missing data
// breaching: no snapshot, a failing probe or an unreachable domain all
// mean the RPO is not known to hold), the probe failing, S3 replication
// slower than its allowance or failing, and no AWS Backup copy for more
// than a day. They run in the primary region: they say whether the copies
// are fresh, not whether the recovery region is reachable.
func (m *monitoring) recovery() {
	t := m.r.Recovery
	if t == nil {
		return
	}
	th := monitoringspec.DefaultRecoveryThresholds()
	if t.Thresholds != nil {
		th = *t.Thresholds
	}
	n := m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("Recovery"))
	age := metric(recoveryspec.MetricNamespace, recoveryspec.SnapshotAgeMetric, "Maximum", 300,
		map[string]*string{"Deployment": t.Deployment, "Repository": jsii.String(recoveryspec.RepositoryName)})
	count := metric(recoveryspec.MetricNamespace, recoveryspec.SuccessfulSnapshotsMetric, "Maximum", 300,
		map[string]*string{"Deployment": t.Deployment, "Repository": jsii.String(recoveryspec.RepositoryName)})
	m.alarm(scope, alarmSpec{id: "SnapshotAge", name: "dr-snapshot-age", metric: age, op: gt, threshold: float64(th.SnapshotAgeMinutes * 60), periods: 2, missing: breach,
		meaning: fmt.Sprintf("The newest successful scheduled OpenSearch snapshot (repository %s) is older than %d minutes, or the age is not known: with the replication allowance, the recovery region's copy of the OpenCTI data no longer meets the stated RPO.", recoveryspec.RepositoryName, th.SnapshotAgeMinutes),
		check:   "the snapshot management policy: GET _plugins/_sm/policies/opencti-dr/_explain (failures, last run) and GET _snapshot/dr-snapshots/_all; the probe's logs; the cluster status (a red cluster cannot be snapshotted)."})
	widgets := []awscloudwatch.IWidget{
		header("## Disaster recovery\nAge of the newest scheduled snapshot, S3 replication to the recovery region and AWS Backup copies. Runbook: README, \"Disaster recovery\"."),
		graph("Newest successful snapshot age (s)", age),
		graph("Successful snapshots kept", count),
	}
	if t.ProbeFunctionName != nil {
		errs := metric("AWS/Lambda", "Errors", "Sum", 300, map[string]*string{"FunctionName": t.ProbeFunctionName})
		m.alarm(scope, alarmSpec{id: "SnapshotProbeErrors", name: "dr-snapshot-probe-errors", metric: errs, op: gte, threshold: 1, periods: 3, missing: nobreak,
			meaning: "The snapshot age probe fails: the age of the OpenCTI snapshots is not measured (the snapshot age alarm also fires on the missing data).",
			check:   "the probe's log group (repository missing, domain unreachable from the workload subnets, the probe role's manage_snapshots mapping)."})
	}
	var latency, failed []awscloudwatch.IMetric
	for _, rt := range t.Replications {
		dims := map[string]*string{"SourceBucket": rt.SourceBucketName, "DestinationBucket": rt.DestinationBucketName, "RuleId": rt.RuleID}
		lat := metric("AWS/S3", "ReplicationLatency", "Maximum", 300, dims)
		fail := metric("AWS/S3", "OperationsFailedReplication", "Sum", 300, dims)
		latency, failed = append(latency, lat), append(failed, fail)
		lower := kebab(rt.ID)
		m.alarm(scope, alarmSpec{id: "ReplicationLatency" + rt.ID, name: "dr-replication-latency-" + lower, metric: lat, op: gt, threshold: float64(th.ReplicationLatencyMinutes * 60), periods: n, missing: nobreak,
			meaning: fmt.Sprintf("S3 replication of the %s bucket to the recovery region lags more than %d minutes (ReplicationLatency): the copy there is older than the RPO allows.", lower, th.ReplicationLatencyMinutes),
			check:   "OperationsPendingReplication and BytesPendingReplication of the rule; the replication role's access to both keys; a burst of writes (large imports)."})
		m.alarm(scope, alarmSpec{id: "ReplicationFailed" + rt.ID, name: "dr-replication-failed-" + lower, metric: fail, op: gte, threshold: 1, missing: nobreak,
			meaning: fmt.Sprintf("Objects of the %s bucket failed to replicate to the recovery region (OperationsFailedReplication): they are missing from the copy and S3 does not retry them.", lower),
			check:   "S3 Event Notifications or the replication status of recent objects (x-amz-replication-status FAILED); fix the cause (keys, role, replica bucket), then an S3 Batch Replication job for the FAILED objects (docs/disaster-recovery.md)."})
	}
	if len(latency) > 0 {
		widgets = append(widgets, graph("Replication latency (s)", latency...), graph("Failed replication operations", failed...))
	}
	if t.BackupVaultArn != nil {
		periods := th.BackupCopyAgeHours / monitoringspec.BackupCopyPeriodHours
		copies := metric("AWS/Backup", "NumberOfCopyJobsCompleted", "Sum", float64(monitoringspec.BackupCopyPeriodHours*3600),
			map[string]*string{"ResourceType": jsii.String("S3")})
		m.alarm(scope, alarmSpec{id: "BackupCopyMissing", name: "dr-backup-copy-missing", metric: copies, op: lt, threshold: 1, periods: periods, missing: breach,
			meaning: fmt.Sprintf("No AWS Backup copy of an S3 recovery point completed in %d hours: the recovery region's point-in-time copies of the OpenCTI files are older than a day.", th.BackupCopyAgeHours),
			check:   "AWS Backup > Jobs > Copy jobs (state and status message); the backup plan's copy action and the recovery vault's access policy and key."})
		widgets = append(widgets, graph("AWS Backup copy jobs completed (S3)", copies))
		rule := awsevents.NewRule(scope, jsii.String("CopyJobFailed"), &awsevents.RuleProps{
			Description: jsii.String("Sends failed, aborted or expired AWS Backup copy jobs of the OpenCTI vault to the alarm topic"),
			EventPattern: &awsevents.EventPattern{
				Source:     jsii.Strings("aws.backup"),
				DetailType: jsii.Strings("Copy Job State Change"),
				Detail: &map[string]any{
					"state":                CopyJobFailureStates,
					"sourceBackupVaultArn": []*string{t.BackupVaultArn},
				},
			},
		})
		rule.AddTarget(awseventstargets.NewSnsTopic(m.topic, &awseventstargets.SnsTopicProps{
			Message: awsevents.RuleTargetInput_FromText(jsii.String(
				"AWS Backup copy job " + *awsevents.EventField_FromPath(jsii.String("$.detail.copyJobId")) +
					" of " + *awsevents.EventField_FromPath(jsii.String("$.detail.resourceArn")) +
					" to " + *awsevents.EventField_FromPath(jsii.String("$.detail.destinationBackupVaultArn")) +
					" ended " + *awsevents.EventField_FromPath(jsii.String("$.detail.state")) +
					": " + *awsevents.EventField_FromPath(jsii.String("$.detail.statusMessage")) +
					". First check: the recovery vault's access policy and key policy, the backup role's backup:CopyIntoBackupVault; " +
					"then copy the recovery point on demand (aws backup start-copy-job).")),
		}))
		m.copyRule = rule
	}
	m.rows = append(m.rows, widgets)
}

// kebab is a PascalCase ID in lower case with hyphens ("Snapshots" ->
// "snapshots", "FileBucket" -> "file-bucket").
func kebab(id string) string {
	out := make([]rune, 0, len(id)+4)
	for i, r := range id {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				out = append(out, '-')
			}
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}
