// Package recoveryspec holds the rules, defaults, names and derived figures
// (RPO, RTO, alarm thresholds) of disaster recovery, shared by the
// constructs of constructs/recovery and the configuration's dr section. It
// depends on no AWS package, so that the configuration and `make render`
// never load aws-cdk-lib.
package recoveryspec

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Settings is disaster recovery of one deployment: where the copies go, how
// often OpenSearch is snapshotted, how long copies are kept, the recovery
// point objective the schedule must meet, and a restore to run on the next
// deployment. Start from DefaultSettings() and change what differs.
type Settings struct {
	// Enabled keeps copies of everything OpenCTI needs in a second region:
	// scheduled OpenSearch snapshots replicated with their bucket prefix,
	// the file bucket replicated and its AWS Backup recovery points copied,
	// the OpenCTI secrets replicated, each copy under a KMS key of that
	// region (stack <name>-Recovery, deployed there first).
	// Default: true in prod, false in dev.
	Enabled bool `yaml:"enabled"`
	// Region is the recovery region: a known AWS region other than region,
	// bootstrapped for the CDK (cdk bootstrap aws://<account>/<region>).
	// Default: the region's partner in the same geography when it has one
	// (eu-west-1 -> eu-central-1, eu-central-1 -> eu-west-1, us-east-1 ->
	// us-west-2, ...: recoveryspec.PartnerRegions), else none (set it).
	Region string `yaml:"region"`
	// BackupAccount, when set, receives the AWS Backup copies of the file
	// bucket in a vault of its own (stack <name>-RecoveryVault in that
	// account and the recovery region), so that the credentials of this
	// account cannot delete them; account must then be set too. The S3
	// replicas and the secret replicas stay in this account (Secrets
	// Manager replicates within an account only). Default: "" (this account).
	BackupAccount string `yaml:"backupAccount"`
	// SnapshotIntervalMinutes is how often the OpenSearch snapshot
	// management policy snapshots the OpenCTI indices into the DR
	// repository: 15, 30, 60, 120, 180, 240, 360, 480, 720 or 1440. It must
	// fit rpoMinutes with the snapshot and replication allowances.
	// Default: 60 in prod, 1440 in dev.
	SnapshotIntervalMinutes int `yaml:"snapshotIntervalMinutes"`
	// SnapshotRetentionDays keeps the scheduled snapshots this long (the
	// policy's max_age; at least a day's worth are always kept), 1 to 35.
	// Default: 7.
	SnapshotRetentionDays int `yaml:"snapshotRetentionDays"`
	// ReplicationTimeControl turns on S3 Replication Time Control for both
	// replication rules: 99.99% of objects replicated within 15 minutes
	// (an SLA, at extra cost), with replication metrics. Without it there is
	// no bound; 60 minutes is the planning allowance. Default: true in
	// prod, false in dev.
	ReplicationTimeControl bool `yaml:"replicationTimeControl"`
	// ReplicaNoncurrentDays keeps overwritten and deleted versions in the
	// replica buckets, and in the primary snapshot bucket (versioned for
	// replication), this long: the window to undo a deletion that
	// replicated, 1 to 365. Default: 14 in prod, 7 in dev.
	ReplicaNoncurrentDays int `yaml:"replicaNoncurrentDays"`
	// RPOMinutes is the stated recovery point objective of the OpenCTI
	// data: snapshotIntervalMinutes + the snapshot allowance (10) + the
	// replication allowance (15 with replicationTimeControl, else 60) must
	// fit it, and the snapshot-age alarm fires when the newest snapshot is
	// older than it allows. 40 to 10080. Default: 90 in prod, 1560 in dev.
	RPOMinutes int `yaml:"rpoMinutes"`
	// Failover runs this deployment on the copies another deployment of the
	// same name keeps in this region (its recovery region): the file
	// replica is the OpenCTI file bucket and the secret replicas are the
	// OpenCTI secrets (read, never created). It needs RestoreFrom with
	// RestoreSource "replica", and stays set while the deployment runs
	// there. Default: false.
	Failover bool `yaml:"failover"`
	// RestoreFrom restores the OpenCTI indices on this deployment, before
	// any OpenCTI tier starts: "latest" (the newest successful snapshot the
	// repository can read) or a snapshot name, such as a pre-upgrade
	// snapshot. A restore runs once per RestoreFrom, RestoreSource and
	// RestoreGeneration: later deployments with the same values restore
	// nothing. Default: "" (no restore).
	RestoreFrom string `yaml:"restoreFrom"`
	// RestoreSource is where RestoreFrom is read: "replica" (the snapshot
	// replica in this deployment's region, registered read-only: a
	// failover, or a fail back into the primary's own domain), "local" (this
	// domain's manual-snapshots repository: the pre-upgrade snapshots, in
	// place) or "scheduled" (this domain's own DR repository, in place;
	// needs enabled). Default: "replica".
	RestoreSource string `yaml:"restoreSource"`
	// Overwrite lets a restore delete the OpenCTI indices the domain
	// already holds (stop OpenCTI first); without it such a restore is
	// refused with a message naming them. Only with RestoreFrom.
	// Default: false.
	Overwrite bool `yaml:"overwrite"`
	// RestoreGeneration identifies one restore: raise it to run the same
	// restore again (same RestoreFrom and RestoreSource), 1 to 1000000.
	// Default: 1.
	RestoreGeneration int `yaml:"restoreGeneration"`
}

// Restore sources.
const (
	SourceReplica   = "replica"
	SourceLocal     = "local"
	SourceScheduled = "scheduled"
)

// RestoreSources are the values RestoreSource takes, in the order messages
// list them.
var RestoreSources = []string{SourceReplica, SourceLocal, SourceScheduled}

// Defaults of the construct-level values (the profiles state only what
// they set differently).
const (
	DefaultSnapshotIntervalMinutes = 60
	DefaultSnapshotRetentionDays   = 7
	DefaultReplicaNoncurrentDays   = 14
	DefaultRPOMinutes              = 90
	DefaultRestoreGeneration       = 1
)

// DefaultSettings is disaster recovery as prod runs it: enabled, hourly
// snapshots kept 7 days, Replication Time Control, replica versions kept
// 14 days, an RPO of 90 minutes. Region is left empty: the configuration
// derives it from its own region (PartnerRegion).
func DefaultSettings() Settings {
	return Settings{
		Enabled:                 true,
		SnapshotIntervalMinutes: DefaultSnapshotIntervalMinutes,
		SnapshotRetentionDays:   DefaultSnapshotRetentionDays,
		ReplicationTimeControl:  true,
		ReplicaNoncurrentDays:   DefaultReplicaNoncurrentDays,
		RPOMinutes:              DefaultRPOMinutes,
		RestoreSource:           SourceReplica,
		RestoreGeneration:       DefaultRestoreGeneration,
	}
}

// Fields of Settings, for reports.
var (
	FieldEnabled                 = problems.Field{Go: "Enabled", YAML: "enabled"}
	FieldRegion                  = problems.Field{Go: "Region", YAML: "region"}
	FieldBackupAccount           = problems.Field{Go: "BackupAccount", YAML: "backupAccount"}
	FieldSnapshotIntervalMinutes = problems.Field{Go: "SnapshotIntervalMinutes", YAML: "snapshotIntervalMinutes"}
	FieldSnapshotRetentionDays   = problems.Field{Go: "SnapshotRetentionDays", YAML: "snapshotRetentionDays"}
	FieldReplicaNoncurrentDays   = problems.Field{Go: "ReplicaNoncurrentDays", YAML: "replicaNoncurrentDays"}
	FieldRPOMinutes              = problems.Field{Go: "RPOMinutes", YAML: "rpoMinutes"}
	FieldFailover                = problems.Field{Go: "Failover", YAML: "failover"}
	FieldRestoreFrom             = problems.Field{Go: "RestoreFrom", YAML: "restoreFrom"}
	FieldRestoreSource           = problems.Field{Go: "RestoreSource", YAML: "restoreSource"}
	FieldOverwrite               = problems.Field{Go: "Overwrite", YAML: "overwrite"}
	FieldRestoreGeneration       = problems.Field{Go: "RestoreGeneration", YAML: "restoreGeneration"}
)

// Limits are what the deployment adds to the settings' own rules.
type Limits struct {
	// Region is the deployment's (primary) region; Settings.Region must
	// differ from it. Named RegionField in reports.
	Region      string
	RegionField string
	// Account is the deployment's account ("" = account-agnostic), named
	// AccountField in reports.
	Account      string
	AccountField string
	// Name is the deployment's name (stack prefix), named NameField in
	// reports: the recovery buckets' names start with it.
	Name      string
	NameField string
}

var accountRe = regexp.MustCompile(`^[0-9]{12}$`)

// Check reports every problem of s to p, naming fields with name.
func (s Settings) Check(p *problems.List, name problems.Names, l Limits) {
	f := name.Of
	if s.Enabled {
		switch {
		case s.Region == "":
			want := fmt.Sprintf("a known AWS region other than %s (%q) when %s is true", l.RegionField, l.Region, f(FieldEnabled))
			p.Add(f(FieldRegion), s.Region, want+fmt.Sprintf(" (%s has no default recovery region)", l.Region))
		case s.Region == l.Region:
			p.Add(f(FieldRegion), s.Region, fmt.Sprintf("a region other than %s (%q): the copies must survive the loss of the primary region", l.RegionField, l.Region))
		case !KnownRegion(s.Region):
			p.Add(f(FieldRegion), s.Region, "a known AWS region such as eu-central-1")
		}
		if n := MaxNameLength(s.Region); l.Name != "" && len(l.Name) > n && s.Region != "" {
			p.Add(l.NameField, l.Name, fmt.Sprintf("at most %d characters when %s is true: the replica buckets are named %s and S3 allows 63",
				n, f(FieldEnabled), SnapshotReplicaBucket("<name>", "<account>", s.Region)))
		}
	}
	switch {
	case s.BackupAccount == "":
	case !accountRe.MatchString(s.BackupAccount) || s.BackupAccount == l.Account:
		p.Add(f(FieldBackupAccount), s.BackupAccount, fmt.Sprintf("empty or a 12-digit AWS account ID other than %s", l.AccountField))
	case l.Account == "":
		p.Add(l.AccountField, l.Account, fmt.Sprintf("a 12-digit AWS account ID when %s is set (its vault admits copies from this account only)", f(FieldBackupAccount)))
	}
	CheckSnapshotInterval(p, f(FieldSnapshotIntervalMinutes), s.SnapshotIntervalMinutes)
	CheckSnapshotRetentionDays(p, f(FieldSnapshotRetentionDays), s.SnapshotRetentionDays)
	CheckReplicaNoncurrentDays(p, f(FieldReplicaNoncurrentDays), s.ReplicaNoncurrentDays)
	if r := s.RPOMinutes; r < MinRPOMinutes || r > MaxRPOMinutes {
		p.Add(f(FieldRPOMinutes), r, fmt.Sprintf("%d to %d", MinRPOMinutes, MaxRPOMinutes))
	} else if s.Enabled && validInterval(s.SnapshotIntervalMinutes) {
		lag := ReplicationLagMinutes(s.ReplicationTimeControl)
		if most := r - SnapshotAllowanceMinutes - lag; s.SnapshotIntervalMinutes > most {
			p.Add(f(FieldSnapshotIntervalMinutes), s.SnapshotIntervalMinutes, fmt.Sprintf(
				"at most %d so that interval + snapshot time (%d) + replication lag (%d %s) fits %s (%d)",
				most, SnapshotAllowanceMinutes, lag, rtcWords(s.ReplicationTimeControl, name), f(FieldRPOMinutes), r))
		}
	}
	CheckRestoreFrom(p, f(FieldRestoreFrom), s.RestoreFrom)
	switch {
	case !slices.Contains(RestoreSources, s.RestoreSource):
		p.Add(f(FieldRestoreSource), s.RestoreSource, strings.Join(RestoreSources[:2], ", ")+" or "+RestoreSources[2])
	case s.RestoreSource == SourceScheduled && !s.Enabled:
		p.Add(f(FieldRestoreSource), s.RestoreSource, fmt.Sprintf("replica or local when %s is false (the scheduled snapshots exist only with disaster recovery)", f(FieldEnabled)))
	}
	if s.Failover && !s.RestoresFromReplica() {
		p.Add(f(FieldFailover), s.Failover, fmt.Sprintf("false unless %s is set with %s replica (a failover restores the replicated snapshot)",
			f(FieldRestoreFrom), f(FieldRestoreSource)))
	}
	if s.Overwrite && s.RestoreFrom == "" {
		p.Add(f(FieldOverwrite), s.Overwrite, fmt.Sprintf("false unless %s is set", f(FieldRestoreFrom)))
	}
	CheckRestoreGeneration(p, f(FieldRestoreGeneration), s.RestoreGeneration)
}

func rtcWords(rtc bool, name problems.Names) string {
	field := name.Short(problems.Field{Go: "ReplicationTimeControl", YAML: "replicationTimeControl"})
	if rtc {
		return "with " + field
	}
	return "without " + field
}

// Restoring reports whether a restore is configured.
func (s Settings) Restoring() bool { return s.RestoreFrom != "" }

// RestoresFromReplica reports whether the restore reads the snapshot
// replica of the deployment's region (a failover or a fail back).
func (s Settings) RestoresFromReplica() bool {
	return s.Restoring() && s.RestoreSource == SourceReplica
}

// Intervals are the snapshot intervals a cron schedule repeats evenly:
// minutes that divide an hour, hours that divide a day.
var Intervals = []int{15, 30, 60, 120, 180, 240, 360, 480, 720, 1440}

func validInterval(n int) bool { return slices.Contains(Intervals, n) }

// CheckSnapshotInterval reports n to p, as field, unless it is one of Intervals.
func CheckSnapshotInterval(p *problems.List, field string, n int) {
	if !validInterval(n) {
		s := make([]string, len(Intervals))
		for i, v := range Intervals {
			s[i] = strconv.Itoa(v)
		}
		p.Add(field, n, strings.Join(s[:len(s)-1], ", ")+" or "+s[len(s)-1]+" (minutes that divide an hour, or hours that divide a day)")
	}
}

// CheckSnapshotRetentionDays reports n to p, as field, unless it is 1 to 35.
func CheckSnapshotRetentionDays(p *problems.List, field string, n int) {
	if n < 1 || n > 35 {
		p.Add(field, n, "1 to 35")
	}
}

// CheckReplicaNoncurrentDays reports n to p, as field, unless it is 1 to 365.
func CheckReplicaNoncurrentDays(p *problems.List, field string, n int) {
	if n < 1 || n > 365 {
		p.Add(field, n, "1 to 365")
	}
}

// CheckRestoreGeneration reports n to p, as field, unless it is 1 to 1000000.
func CheckRestoreGeneration(p *problems.List, field string, n int) {
	if n < 1 || n > 1_000_000 {
		p.Add(field, n, "1 to 1000000")
	}
}

// snapshotNameRe is what OpenSearch accepts as a snapshot name and the
// restore handler checks (lower case, no spaces or special characters).
var snapshotNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,254}$`)

// CheckRestoreFrom reports s to p, as field, unless it is "", "latest" or a
// snapshot name.
func CheckRestoreFrom(p *problems.List, field, s string) {
	if s != "" && s != Latest && !snapshotNameRe.MatchString(s) {
		p.Add(field, s, `"" (no restore), "latest" or a snapshot name (lower-case letters, digits, ".", "_" and "-")`)
	}
}

// Latest restores the newest successful snapshot the repository can read.
const Latest = "latest"
