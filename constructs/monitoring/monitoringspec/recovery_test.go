package monitoringspec_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestRecoveryThresholds(t *testing.T) {
	var p problems.List
	monitoringspec.DefaultRecoveryThresholds().Check(&p, problems.GoNames(""))
	if err := p.Err(); err != nil {
		t.Error(err)
	}
	p = problems.List{}
	monitoringspec.RecoveryThresholds{SnapshotAgeMinutes: 5, ReplicationLatencyMinutes: 0, BackupCopyAgeHours: 25}.
		Check(&p, problems.GoNames("Recovery.Thresholds."))
	want := "Recovery.Thresholds.SnapshotAgeMinutes: got 5, want an integer from 15 to 10080\n" +
		"Recovery.Thresholds.ReplicationLatencyMinutes: got 0, want an integer from 1 to 1440\n" +
		"Recovery.Thresholds.BackupCopyAgeHours: got 25, want a multiple of 6 from 6 to 168"
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
