package monitoringspec

import (
	"fmt"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// RecoveryThresholds are the disaster recovery alarms' limits: how old the
// newest copy of each kind may be before the recovery point objective is
// missed. The configuration derives them from its dr section
// (recoveryspec.Settings); every field is set: start from
// DefaultRecoveryThresholds() and change what differs.
type RecoveryThresholds struct {
	// SnapshotAgeMinutes alarms when the newest successful scheduled
	// snapshot is older than this (the RPO less the snapshot and
	// replication allowances), 15 to 10080. Default: 65 (prod: RPO 90 -
	// snapshot 10 - replication 15).
	SnapshotAgeMinutes int
	// ReplicationLatencyMinutes alarms when S3 replication of either bucket
	// lags more than this (ReplicationLatency, maximum), 1 to 1440.
	// Default: 15 (the Replication Time Control SLA).
	ReplicationLatencyMinutes int
	// BackupCopyAgeHours alarms when no AWS Backup copy of the file bucket
	// completed for this long (the daily rule plus its run time), 6 to 168
	// in steps of 6. Default: 30.
	BackupCopyAgeHours int
}

// DefaultRecoveryThresholds are the thresholds of the prod profile.
func DefaultRecoveryThresholds() RecoveryThresholds {
	return RecoveryThresholds{SnapshotAgeMinutes: 65, ReplicationLatencyMinutes: 15, BackupCopyAgeHours: 30}
}

// BackupCopyPeriodHours is the period of the backup copy alarm's metric:
// BackupCopyAgeHours is a whole number of them.
const BackupCopyPeriodHours = 6

// Check reports every threshold out of its range to p, naming fields with name.
func (t RecoveryThresholds) Check(p *problems.List, name problems.Names) {
	f := func(goName, yamlName string) string { return name.Of(problems.Field{Go: goName, YAML: yamlName}) }
	intRange(p, f("SnapshotAgeMinutes", "snapshotAgeMinutes"), t.SnapshotAgeMinutes, 15, 10080)
	intRange(p, f("ReplicationLatencyMinutes", "replicationLatencyMinutes"), t.ReplicationLatencyMinutes, 1, 1440)
	if h := t.BackupCopyAgeHours; h < BackupCopyPeriodHours || h > 168 || h%BackupCopyPeriodHours != 0 {
		p.Add(f("BackupCopyAgeHours", "backupCopyAgeHours"), h, fmt.Sprintf("a multiple of %d from %d to 168", BackupCopyPeriodHours, BackupCopyPeriodHours))
	}
}
