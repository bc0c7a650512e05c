package objectstorespec_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/objectstore/objectstorespec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestDefaultBackupRetention(t *testing.T) {
	b := objectstorespec.DefaultBackupRetention()
	var p problems.List
	b.Check(&p, problems.GoNames(""))
	if err := p.Err(); err != nil {
		t.Error(err)
	}
	if n := b.MinRetentionDays(); n != 35 {
		t.Errorf("vault lock minimum %d, want the daily 35", n)
	}
	if n := (objectstorespec.BackupRetention{DailyRetentionDays: 7}).MinRetentionDays(); n != 7 {
		t.Errorf("daily only: minimum %d, want 7", n)
	}
}

func TestLongerRulesKeepLonger(t *testing.T) {
	var p problems.List
	objectstorespec.BackupRetention{DailyRetentionDays: 30, WeeklyRetentionDays: 14, MonthlyRetentionDays: 10}.
		Check(&p, problems.GoNames("Backup.Retention."))
	want := "Backup.Retention.WeeklyRetentionDays: got 14, want 0 or at least Backup.Retention.DailyRetentionDays (30)\n" +
		"Backup.Retention.MonthlyRetentionDays: got 10, want 0 or at least Backup.Retention.WeeklyRetentionDays (14)"
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
