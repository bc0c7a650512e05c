package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// BackupJobFailureStates are the AWS Backup job states that reach the alarm
// topic (EventBridge "Backup Job State Change" events).
var BackupJobFailureStates = []string{"FAILED", "ABORTED", "EXPIRED"}

// storage puts the OpenCTI bucket and its backups on the dashboard and sends
// failed backup jobs of the vault to the topic. A backup job is an event, not
// a metric with known dimensions, so an EventBridge rule (not an alarm)
// forwards it.
func (m *monitoring) storage() {
	s := m.r.Storage
	if s == nil {
		return
	}
	scope := constructs.NewConstruct(m.Construct, jsii.String("Storage"))
	s3 := func(name, storageType string) awscloudwatch.Metric {
		return metric("AWS/S3", name, "Average", 86400, map[string]*string{"BucketName": s.BucketName, "StorageType": jsii.String(storageType)})
	}
	widgets := []awscloudwatch.IWidget{
		header("## S3 and AWS Backup\nOpenCTI files (daily storage metrics) and their backup jobs. Restore runbook: constructs/monitoring/README.md."),
		dailyGraph("Bucket size (bytes)", s3("BucketSizeBytes", "StandardStorage")),
		dailyGraph("Objects", s3("NumberOfObjects", "AllStorageTypes")),
		dailyGraph("Backup jobs (account-wide)",
			expression(`SEARCH('{AWS/Backup} MetricName="NumberOfBackupJobsCompleted"', 'Sum', 86400)`, "completed", 86400, nil),
			expression(`SEARCH('{AWS/Backup} MetricName="NumberOfBackupJobsFailed"', 'Sum', 86400)`, "failed", 86400, nil)),
	}
	m.backups(scope, &widgets)
	m.rows = append(m.rows, widgets)
	if s.BackupVaultName == nil {
		return
	}
	rule := awsevents.NewRule(scope, jsii.String("BackupJobFailed"), &awsevents.RuleProps{
		Description: jsii.String("Sends failed, aborted or expired AWS Backup jobs of the OpenCTI vault to the alarm topic"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.backup"),
			DetailType: jsii.Strings("Backup Job State Change"),
			Detail: &map[string]any{
				"state":           BackupJobFailureStates,
				"backupVaultName": []*string{s.BackupVaultName},
			},
		},
	})
	m.backupRule = rule
	rule.AddTarget(awseventstargets.NewSnsTopic(m.topic, &awseventstargets.SnsTopicProps{
		Message: awsevents.RuleTargetInput_FromText(jsii.String(
			"AWS Backup job " + *awsevents.EventField_FromPath(jsii.String("$.detail.backupJobId")) +
				" of " + *awsevents.EventField_FromPath(jsii.String("$.detail.resourceArn")) +
				" ended " + *awsevents.EventField_FromPath(jsii.String("$.detail.state")) +
				": " + *awsevents.EventField_FromPath(jsii.String("$.detail.statusMessage")) +
				". First check: the job in the AWS Backup console (Jobs) and the backup role's access to the bucket and its KMS key; " +
				"then run an on-demand backup. Restore runbook: constructs/monitoring/README.md.")),
	}))
}
