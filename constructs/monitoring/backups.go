package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// BackupMissingHours is how long no AWS Backup job of an S3 resource may
// complete before "backup-missing" fires: the daily rule plus its run time,
// in BackupMissingPeriodHours periods.
const (
	BackupMissingHours       = 30
	BackupMissingPeriodHours = 6
)

// DailyRange is the time range of the dashboard widgets of daily metrics
// (S3 storage, AWS Backup jobs): with the dashboard's 6-hour default they
// would show at most one point, or none.
const DailyRange = "-P14D"

// backups alarms when no backup job of the OpenCTI bucket completed for
// BackupMissingHours (AWS/Backup NumberOfBackupJobsCompleted, dimension
// ResourceType = S3, Sum; missing data is breaching: AWS Backup publishes
// nothing when no job ran, which is the failure this alarm exists for), and,
// with a vault, sends backup jobs that completed with issues to the topic.
// AWS documents "Completed with issues" as a console status: "monitor
// COMPLETED jobs that have a status message"
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html).
func (m *monitoring) backups(scope constructs.Construct, widgets *[]awscloudwatch.IWidget) {
	s := m.r.Storage
	if s.BackupVaultName == nil {
		return
	}
	completed := metric("AWS/Backup", "NumberOfBackupJobsCompleted", "Sum", BackupMissingPeriodHours*3600,
		map[string]*string{"ResourceType": jsii.String("S3")})
	m.alarm(scope, alarmSpec{id: "BackupMissing", name: "backup-missing", metric: completed, op: lt, threshold: 1, periods: BackupMissingHours / BackupMissingPeriodHours, missing: breach,
		meaning: fmt.Sprintf("No AWS Backup job of an S3 resource completed in %d hours: the OpenCTI files have no recent recovery point (the daily backup plan did not run or never finishes).", BackupMissingHours),
		check:   "AWS Backup > Jobs (state and status message) and the backup plan's rule and selection; the backup role's access to the bucket and its KMS key; run an on-demand backup."})
	*widgets = append(*widgets, dailyGraph("Backup jobs completed (S3)", completed))
	rule := awsevents.NewRule(scope, jsii.String("BackupJobCompletedWithIssues"), &awsevents.RuleProps{
		Description: jsii.String("Sends AWS Backup jobs of the OpenCTI vault that completed with issues (COMPLETED with a status message) to the alarm topic"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.backup"),
			DetailType: jsii.Strings("Backup Job State Change"),
			Detail: &map[string]any{
				"state":           []string{"COMPLETED"},
				"backupVaultName": []*string{s.BackupVaultName},
				"statusMessage":   []any{map[string]any{"anything-but": []string{""}}},
			},
		},
	})
	m.issuesRule = rule
	rule.AddTarget(awseventstargets.NewSnsTopic(m.topic, &awseventstargets.SnsTopicProps{
		Message: awsevents.RuleTargetInput_FromText(jsii.String(
			"AWS Backup job " + *awsevents.EventField_FromPath(jsii.String("$.detail.backupJobId")) +
				" of " + *awsevents.EventField_FromPath(jsii.String("$.detail.resourceArn")) +
				" completed with issues: " + *awsevents.EventField_FromPath(jsii.String("$.detail.statusMessage")) +
				". The recovery point may miss objects. First check: the job's status message in the AWS Backup console (Jobs) " +
				"and objects the backup role cannot read (KMS keys, object ownership); then run an on-demand backup.")),
	}))
}

// dailyGraph is a dashboard line graph of daily metrics over DailyRange.
func dailyGraph(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title:  jsii.String(title),
		Left:   &metrics,
		Width:  jsii.Number(6),
		Height: jsii.Number(6),
		Start:  jsii.String(DailyRange),
		Period: awscdk.Duration_Days(jsii.Number(1)),
	})
}
