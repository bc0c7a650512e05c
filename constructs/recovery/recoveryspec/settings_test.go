package recoveryspec_test

import (
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
)

var limits = recoveryspec.Limits{Region: "eu-west-1", RegionField: "Region", Account: "", AccountField: "Account", Name: "opencti-prod", NameField: "Name"}

func check(s recoveryspec.Settings, l recoveryspec.Limits) []string {
	var p problems.List
	s.Check(&p, problems.GoNames("Settings."), l)
	if err := p.Err(); err != nil {
		return strings.Split(err.Error(), "\n")
	}
	return nil
}

func prod() recoveryspec.Settings {
	s := recoveryspec.DefaultSettings()
	s.Region = "eu-central-1"
	return s
}

func TestDefaultSettingsValidate(t *testing.T) {
	if got := check(prod(), limits); got != nil {
		t.Errorf("defaults: %v", got)
	}
	off := recoveryspec.DefaultSettings()
	off.Enabled = false
	if got := check(off, limits); got != nil {
		t.Errorf("disabled, no region: %v", got)
	}
}

// TestRulesNamedByGoField: the construct naming of every rule (the
// configuration's YAML naming is tested in config).
func TestRulesNamedByGoField(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *recoveryspec.Settings)
		l      func(l *recoveryspec.Limits)
		want   []string
	}{
		{"same region", func(s *recoveryspec.Settings) { s.Region = "eu-west-1" }, nil,
			[]string{`Settings.Region: got "eu-west-1", want a region other than Region ("eu-west-1"): the copies must survive the loss of the primary region`}},
		{"unknown region", func(s *recoveryspec.Settings) { s.Region = "eu-moon-1" }, nil,
			[]string{`Settings.Region: got "eu-moon-1", want a known AWS region such as eu-central-1`}},
		{"no region", func(s *recoveryspec.Settings) { s.Region = "" }, func(l *recoveryspec.Limits) { l.Region = "af-south-1" },
			[]string{`Settings.Region: got "", want a known AWS region other than Region ("af-south-1") when Settings.Enabled is true (af-south-1 has no default recovery region)`}},
		{"interval over the RPO", func(s *recoveryspec.Settings) { s.SnapshotIntervalMinutes = 120 }, nil,
			[]string{"Settings.SnapshotIntervalMinutes: got 120, want at most 65 so that interval + snapshot time (10) + replication lag (15 with ReplicationTimeControl) fits Settings.RPOMinutes (90)"}},
		{"interval over the RPO without RTC", func(s *recoveryspec.Settings) { s.ReplicationTimeControl = false }, nil,
			[]string{"Settings.SnapshotIntervalMinutes: got 60, want at most 20 so that interval + snapshot time (10) + replication lag (60 without ReplicationTimeControl) fits Settings.RPOMinutes (90)"}},
		{"interval not a cron step", func(s *recoveryspec.Settings) { s.SnapshotIntervalMinutes = 45 }, nil,
			[]string{"Settings.SnapshotIntervalMinutes: got 45, want 15, 30, 60, 120, 180, 240, 360, 480, 720 or 1440 (minutes that divide an hour, or hours that divide a day)"}},
		{"ranges", func(s *recoveryspec.Settings) {
			s.SnapshotRetentionDays, s.ReplicaNoncurrentDays, s.RPOMinutes, s.RestoreGeneration = 0, 400, 30, 0
		}, nil, []string{
			"Settings.SnapshotRetentionDays: got 0, want 1 to 35",
			"Settings.ReplicaNoncurrentDays: got 400, want 1 to 365",
			"Settings.RPOMinutes: got 30, want 40 to 10080",
			"Settings.RestoreGeneration: got 0, want 1 to 1000000",
		}},
		{"backup account", func(s *recoveryspec.Settings) { s.BackupAccount = "123" }, nil,
			[]string{`Settings.BackupAccount: got "123", want empty or a 12-digit AWS account ID other than Account`}},
		{"backup account is the account", func(s *recoveryspec.Settings) { s.BackupAccount = "111111111111" },
			func(l *recoveryspec.Limits) { l.Account = "111111111111" },
			[]string{`Settings.BackupAccount: got "111111111111", want empty or a 12-digit AWS account ID other than Account`}},
		{"backup account needs the account", func(s *recoveryspec.Settings) { s.BackupAccount = "222222222222" }, nil,
			[]string{`Account: got "", want a 12-digit AWS account ID when Settings.BackupAccount is set (its vault admits copies from this account only)`}},
		{"name too long for the bucket names", nil, func(l *recoveryspec.Limits) { l.Name = "opencti-production-platform" },
			[]string{`Name: got "opencti-production-platform", want at most 24 characters when Settings.Enabled is true: the replica buckets are named <name>-dr-snapshots-<account>-eu-central-1 and S3 allows 63`}},
		{"restore names", func(s *recoveryspec.Settings) { s.RestoreFrom, s.RestoreSource = "Latest", "s3" }, nil, []string{
			`Settings.RestoreFrom: got "Latest", want "" (no restore), "latest" or a snapshot name (lower-case letters, digits, ".", "_" and "-")`,
			`Settings.RestoreSource: got "s3", want replica, local or scheduled`,
		}},
		{"failover without a restore", func(s *recoveryspec.Settings) { s.Failover = true }, nil,
			[]string{"Settings.Failover: got true, want false unless Settings.RestoreFrom is set with Settings.RestoreSource replica (a failover restores the replicated snapshot)"}},
		{"overwrite without a restore", func(s *recoveryspec.Settings) { s.Overwrite = true }, nil,
			[]string{"Settings.Overwrite: got true, want false unless Settings.RestoreFrom is set"}},
		{"scheduled snapshots need DR", func(s *recoveryspec.Settings) {
			s.Enabled, s.RestoreFrom, s.RestoreSource = false, "latest", "scheduled"
		}, nil, []string{`Settings.RestoreSource: got "scheduled", want replica or local when Settings.Enabled is false (the scheduled snapshots exist only with disaster recovery)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, l := prod(), limits
			if c.mutate != nil {
				c.mutate(&s)
			}
			if c.l != nil {
				c.l(&l)
			}
			got := check(s, l)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestNamesFitS3(t *testing.T) {
	for _, region := range recoveryspec.Regions {
		n := recoveryspec.MaxNameLength(region)
		name := strings.Repeat("a", n)
		for _, b := range []string{recoveryspec.SnapshotReplicaBucket(name, "123456789012", region), recoveryspec.FileReplicaBucket(name, "123456789012", region)} {
			if len(b) > 63 {
				t.Errorf("%s: %d characters", b, len(b))
			}
		}
	}
	if got := recoveryspec.SnapshotReplicaBucket("OpenCTI-Prod", "123456789012", "eu-central-1"); got != "opencti-prod-dr-snapshots-123456789012-eu-central-1" {
		t.Errorf("bucket name %q: S3 names are lower case", got)
	}
	if got := recoveryspec.KeyAlias("opencti-prod", recoveryspec.PurposeFiles); got != "alias/opencti-prod-dr-files" {
		t.Errorf("alias %q", got)
	}
}

func TestPartnersAreKnownAndDistinct(t *testing.T) {
	for from, to := range recoveryspec.PartnerRegions {
		if !recoveryspec.KnownRegion(from) || !recoveryspec.KnownRegion(to) || from == to {
			t.Errorf("%s -> %s", from, to)
		}
		if from[:2] != to[:2] {
			t.Errorf("%s -> %s leaves the geography", from, to)
		}
	}
}

// TestRPO: the figures the README states per profile.
func TestRPO(t *testing.T) {
	p := prod()
	if got := p.OpenSearchRPOMinutes(); got != 85 {
		t.Errorf("prod OpenSearch RPO %d, want 60 + 10 + 15 = 85", got)
	}
	if got := p.SnapshotAgeAlarmMinutes(); got != 65 {
		t.Errorf("prod snapshot age alarm %d, want 90 - 10 - 15 = 65", got)
	}
	if got := p.FilesRPOMinutes(); got != 15 {
		t.Errorf("prod files RPO %d", got)
	}
	dev := p
	dev.SnapshotIntervalMinutes, dev.ReplicationTimeControl, dev.RPOMinutes = 1440, false, 1560
	if got := dev.OpenSearchRPOMinutes(); got != 1510 {
		t.Errorf("dev OpenSearch RPO %d, want 1440 + 10 + 60 = 1510", got)
	}
	if got := dev.SnapshotAgeAlarmMinutes(); got != 1490 {
		t.Errorf("dev snapshot age alarm %d, want 1560 - 10 - 60 = 1490", got)
	}
}

// TestRTO: the RTO table of the README (docs/disaster-recovery.md).
func TestRTO(t *testing.T) {
	for _, c := range []struct {
		gb    float64
		nodes int
		want  int
	}{{10, 3, 50}, {100, 3, 60}, {300, 3, 90}, {10, 1, 50}, {50, 1, 70}} {
		if got := recoveryspec.RTOMinutes(c.gb, c.nodes); got != c.want {
			t.Errorf("%g GB on %d nodes: RTO %d, want %d (restore %.1f min)", c.gb, c.nodes, got, c.want, recoveryspec.RestoreMinutes(c.gb, c.nodes))
		}
	}
}
