package config

import (
	"strings"
	"testing"
)

func TestDRDefaultsPerProfile(t *testing.T) {
	dev, _ := Default("dev")
	prod, _ := Default("prod")
	if dev.DR.Enabled || dev.DR.SnapshotIntervalMinutes != 1440 || dev.DR.ReplicationTimeControl || dev.DR.RPOMinutes != 1560 {
		t.Errorf("dev dr: %+v, want off (daily, no RTC, RPO 26 h when turned on)", dev.DR)
	}
	if d := prod.DR; !d.Enabled || d.Region != "eu-central-1" || d.SnapshotIntervalMinutes != 60 || !d.ReplicationTimeControl ||
		d.RPOMinutes != 90 || d.SnapshotRetentionDays != 7 || d.RestoreFrom != "" || d.RestoreSource != "replica" {
		t.Errorf("prod dr: %+v, want hourly to eu-central-1 with RTC, RPO 90", d)
	}
	if th := prod.RecoveryThresholds(); th.SnapshotAgeMinutes != 65 || th.ReplicationLatencyMinutes != 15 || th.BackupCopyAgeHours != 30 {
		t.Errorf("prod recovery thresholds %+v", th)
	}
}

// TestRecoveryRegionFollowsTheFile: dr.region is derived from the file's
// region (its partner in the same geography) unless the file sets it.
func TestRecoveryRegionFollowsTheFile(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"environment: prod\nregion: us-east-1\navailabilityZones: [us-east-1a, us-east-1b, us-east-1c]\n", "us-west-2"},
		{"environment: prod\nregion: eu-central-1\navailabilityZones: [eu-central-1a, eu-central-1b, eu-central-1c]\n", "eu-west-1"},
		{"environment: prod\ndr:\n  region: eu-north-1\n", "eu-north-1"},
	} {
		c, err := Parse([]byte(tc.yaml), "")
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		if c.DR.Region != tc.want {
			t.Errorf("%s: dr.region %q, want %q", tc.yaml, c.DR.Region, tc.want)
		}
	}
}

// TestDRValidationMessages: the configuration's names for the recovery
// rules, each problem with its exact text.
func TestDRValidationMessages(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"same region", "environment: prod\ndr:\n  region: eu-west-1\n",
			[]string{`dr.region: got "eu-west-1", want a region other than region ("eu-west-1"): the copies must survive the loss of the primary region`}},
		{"unknown region", "environment: prod\ndr:\n  region: eu-moon-1\n",
			[]string{`dr.region: got "eu-moon-1", want a known AWS region such as eu-central-1`}},
		{"no partner region", "environment: prod\nregion: af-south-1\navailabilityZones: [af-south-1a, af-south-1b, af-south-1c]\n",
			[]string{`dr.region: got "", want a known AWS region other than region ("af-south-1") when dr.enabled is true (af-south-1 has no default recovery region)`}},
		{"interval larger than the stated RPO", "environment: prod\ndr:\n  snapshotIntervalMinutes: 120\n",
			[]string{"dr.snapshotIntervalMinutes: got 120, want at most 65 so that interval + snapshot time (10) + replication lag (15 with replicationTimeControl) fits dr.rpoMinutes (90)"}},
		{"dev turned on keeps its RPO", "environment: dev\ndr:\n  enabled: true\n  rpoMinutes: 1440\n",
			[]string{"dr.snapshotIntervalMinutes: got 1440, want at most 1370 so that interval + snapshot time (10) + replication lag (60 without replicationTimeControl) fits dr.rpoMinutes (1440)"}},
		{"interval off the cron grid", "environment: prod\ndr:\n  snapshotIntervalMinutes: 45\n",
			[]string{"dr.snapshotIntervalMinutes: got 45, want 15, 30, 60, 120, 180, 240, 360, 480, 720 or 1440 (minutes that divide an hour, or hours that divide a day)"}},
		{"backup account", "environment: prod\naccount: \"111111111111\"\ndr:\n  backupAccount: \"111111111111\"\n",
			[]string{`dr.backupAccount: got "111111111111", want empty or a 12-digit AWS account ID other than account`}},
		{"backup account needs the account", "environment: prod\ndr:\n  backupAccount: \"222222222222\"\n",
			[]string{`account: got "", want a 12-digit AWS account ID when dr.backupAccount is set (its vault admits copies from this account only)`}},
		{"name too long", "environment: prod\nname: opencti-production-platform\n",
			[]string{`name: got "opencti-production-platform", want at most 24 characters when dr.enabled is true: the replica buckets are named <name>-dr-snapshots-<account>-eu-central-1 and S3 allows 63`}},
		{"restore settings", "environment: prod\ndr:\n  restoreFrom: Latest\n  restoreSource: s3\n  restoreGeneration: 0\n", []string{
			`dr.restoreFrom: got "Latest", want "" (no restore), "latest" or a snapshot name (lower-case letters, digits, ".", "_" and "-")`,
			`dr.restoreSource: got "s3", want replica, local or scheduled`,
			"dr.restoreGeneration: got 0, want 1 to 1000000",
		}},
		{"overwrite without a restore", "environment: prod\ndr:\n  overwrite: true\n",
			[]string{"dr.overwrite: got true, want false unless dr.restoreFrom is set"}},
		{"failover without a restore from the replica", "environment: prod\ndr:\n  failover: true\n  restoreFrom: latest\n  restoreSource: local\n",
			[]string{"dr.failover: got true, want false unless dr.restoreFrom is set with dr.restoreSource replica (a failover restores the replicated snapshot)"}},
		{"scheduled snapshots need dr", "environment: dev\ndr:\n  restoreFrom: latest\n  restoreSource: scheduled\n",
			[]string{`dr.restoreSource: got "scheduled", want replica or local when dr.enabled is false (the scheduled snapshots exist only with disaster recovery)`}},
		{"retentions", "environment: prod\ndr:\n  snapshotRetentionDays: 36\n  replicaNoncurrentDays: 0\n  rpoMinutes: 20000\n", []string{
			"dr.snapshotRetentionDays: got 36, want 1 to 35",
			"dr.replicaNoncurrentDays: got 0, want 1 to 365",
			"dr.rpoMinutes: got 20000, want 40 to 10080",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml), "")
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestDRRestoreProfiles: a failover in the recovery region and an in-place
// restore after a bad upgrade are valid configurations.
func TestDRRestoreProfiles(t *testing.T) {
	for _, y := range []string{
		"environment: prod\nregion: eu-central-1\navailabilityZones: [eu-central-1a, eu-central-1b, eu-central-1c]\ndr:\n  enabled: false\n  failover: true\n  restoreFrom: latest\n",
		"environment: prod\ndr:\n  restoreFrom: latest\n  restoreSource: replica\n  overwrite: true\n",
		"environment: prod\ndr:\n  restoreFrom: pre-upgrade-7.260817.0-to-7.260901.0-20261201t101500z-abcd1234\n  restoreSource: local\n  overwrite: true\n",
		"environment: dev\ndr:\n  restoreFrom: latest\n  restoreSource: local\n  overwrite: true\n",
	} {
		c, err := Parse([]byte(y), "")
		if err != nil {
			t.Errorf("%s: %v", y, err)
			continue
		}
		if !c.DR.Restoring() {
			t.Errorf("%s: no restore", y)
		}
	}
}

func TestDRWarnings(t *testing.T) {
	has := func(ws []string, s string) bool {
		for _, w := range ws {
			if strings.Contains(w, s) {
				return true
			}
		}
		return false
	}
	off, _ := Parse([]byte("environment: prod\ndr:\n  enabled: false\n"), "")
	if !has(off.Warnings(), "dr.enabled is false in prod") {
		t.Errorf("prod without dr: %v", off.Warnings())
	}
	withSecrets, err := Parse([]byte("environment: prod\nopencti:\n  connectors:\n  - name: feed\n    type: EXTERNAL_IMPORT\n"+
		"    secretEnv:\n      FEED_KEY:\n        secret: opencti/prod/connectors/feed\n        property: key\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := withSecrets.OperatorSecrets(); strings.Join(got, ",") != "opencti/prod/connectors/feed" {
		t.Errorf("operator secrets %v", got)
	}
	if !has(withSecrets.Warnings(), "replicate opencti/prod/connectors/feed to eu-central-1 yourself") {
		t.Errorf("operator secrets not named: %v", withSecrets.Warnings())
	}
	failover, err := Parse([]byte("environment: prod\nregion: eu-central-1\navailabilityZones: [eu-central-1a, eu-central-1b, eu-central-1c]\ndr:\n  failover: true\n  restoreFrom: latest\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if !has(failover.Warnings(), "they are not replicated to eu-west-1") {
		t.Errorf("failover with dr: %v", failover.Warnings())
	}
}
