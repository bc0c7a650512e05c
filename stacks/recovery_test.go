package stacks

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/recovery"
)

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

func propsOf(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// drResources lists, per kind, what disaster recovery adds to a deployment's
// stacks: replication rules, backup copy actions, secret replicas, the
// snapshot schedule, the restore and the recovery alarms.
func drResources(t *testing.T, f *fixture) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	add := func(kind, what string) { out[kind] = append(out[kind], what) }
	for _, stack := range f.App.stacks() {
		tpl := f.TemplateJSON(t, stack)
		res, _ := tpl["Resources"].(map[string]any)
		for id, r := range res {
			m := r.(map[string]any)
			p := propsOf(m)
			switch m["Type"] {
			case "AWS::S3::Bucket":
				if rc, ok := p["ReplicationConfiguration"].(map[string]any); ok {
					for _, rule := range rc["Rules"].([]any) {
						add("replication", rule.(map[string]any)["Id"].(string))
					}
				}
			case "AWS::Backup::BackupPlan":
				for _, rule := range p["BackupPlan"].(map[string]any)["BackupPlanRule"].([]any) {
					if c, ok := rule.(map[string]any)["CopyActions"]; ok {
						add("copy", rule.(map[string]any)["RuleName"].(string)+" "+jsonText(c))
					}
				}
			case "AWS::SecretsManager::Secret":
				if r, ok := p["ReplicaRegions"]; ok {
					add("replica", p["Name"].(string)+" "+jsonText(r))
				}
			case recovery.SnapshotScheduleResourceType, recovery.RestoreResourceType:
				add(m["Type"].(string), id)
			case "AWS::CloudWatch::Alarm":
				if name, _ := p["AlarmName"].(string); strings.Contains(name, "-dr-") {
					add("alarm", name)
				}
			}
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// TestNothingOfDisasterRecoveryWithoutIt: the dev profile (dr off) has no
// replication rule, copy action, secret replica, snapshot schedule,
// restore, recovery alarm or recovery stack.
func TestNothingOfDisasterRecoveryWithoutIt(t *testing.T) {
	f := fixtureFor(t, "dev")
	if got := drResources(t, f); len(got) != 0 {
		t.Errorf("dev: %v", got)
	}
	if f.App.Recovery != nil || f.App.RecoveryVault != nil || f.App.Data.Recovery != nil || f.App.OpenCTI.Restore != nil {
		t.Error("dev has disaster recovery stacks or constructs")
	}
	for _, b := range f.Resources(t, f.App.Data.Stack, "AWS::S3::Bucket") {
		if strings.Contains(jsonText(b), "SnapshotBucket") && propsOf(b)["VersioningConfiguration"] != nil {
			t.Error("dev snapshot bucket is versioned")
		}
	}
}

// TestProdCopiesEverythingToTheRecoveryRegion: prod's default dr section
// replicates the snapshot prefix and the file bucket, copies every backup
// rule's recovery points into the recovery vault, replicates the three
// OpenCTI secrets with the recovery region's key, schedules the snapshots
// and alarms on the copies' age, with no restore.
func TestProdCopiesEverythingToTheRecoveryRegion(t *testing.T) {
	f := fixtureFor(t, "prod")
	got := drResources(t, f)
	if w := "DisasterRecoveryFiles DisasterRecoverySnapshots"; strings.Join(got["replication"], " ") != w {
		t.Errorf("replication rules %v, want %s", got["replication"], w)
	}
	if len(got["copy"]) != 3 {
		t.Errorf("copy actions %v, want one per rule (daily, weekly, monthly)", got["copy"])
	}
	for _, c := range got["copy"] {
		if !strings.Contains(c, `"arn:aws:backup:eu-central-1:",{"Ref":"AWS::AccountId"},":backup-vault:opencti-prod-dr-vault"`) {
			t.Errorf("copy action %s, want the recovery vault", c)
		}
	}
	for _, want := range []string{"Daily", "Weekly", "Monthly"} {
		if !strings.Contains(strings.Join(got["copy"], " "), want+` [{"DestinationBackupVaultArn"`) {
			t.Errorf("no copy action on the %s rule", want)
		}
	}
	wantReplicas := []string{
		`opencti/prod/admin [{"KmsKeyId":"alias/opencti-prod-dr-secrets","Region":"eu-central-1"}]`,
		`opencti/prod/encryption-key [{"KmsKeyId":"alias/opencti-prod-dr-secrets","Region":"eu-central-1"}]`,
		`opencti/prod/health-access-key [{"KmsKeyId":"alias/opencti-prod-dr-secrets","Region":"eu-central-1"}]`,
	}
	if strings.Join(got["replica"], "\n") != strings.Join(wantReplicas, "\n") {
		t.Errorf("secret replicas\n%s\nwant\n%s", strings.Join(got["replica"], "\n"), strings.Join(wantReplicas, "\n"))
	}
	if len(got[recovery.SnapshotScheduleResourceType]) != 1 || len(got[recovery.RestoreResourceType]) != 0 {
		t.Errorf("schedules %v, restores %v", got[recovery.SnapshotScheduleResourceType], got[recovery.RestoreResourceType])
	}
	// First deployment: the schedule calls the domain once its security
	// plugin answers (the audit logging resource waits for that) and writes
	// the first snapshot after the replication role exists.
	for _, s := range f.Resources(t, f.App.Data.Stack, recovery.SnapshotScheduleResourceType) {
		deps := jsonText(s["DependsOn"])
		if !strings.Contains(deps, "OpenSearchAuditLogging") || !strings.Contains(deps, "SnapshotReplicationRole") {
			t.Errorf("snapshot schedule depends on %s", deps)
		}
	}
	wantAlarms := "opencti-prod-dr-backup-copy-missing opencti-prod-dr-replication-failed-files opencti-prod-dr-replication-failed-snapshots " +
		"opencti-prod-dr-replication-latency-files opencti-prod-dr-replication-latency-snapshots opencti-prod-dr-snapshot-age opencti-prod-dr-snapshot-probe-errors"
	if strings.Join(got["alarm"], " ") != wantAlarms {
		t.Errorf("alarms %v, want %s", got["alarm"], wantAlarms)
	}
	// The recovery stack is in the recovery region, this account (agnostic
	// here), retained with termination protection.
	rs := f.App.Recovery.Stack
	if *rs.Region() != "eu-central-1" || *rs.StackName() != "opencti-prod-Recovery" || !*rs.TerminationProtection() {
		t.Errorf("recovery stack %s in %s, termination protection %v", *rs.StackName(), *rs.Region(), *rs.TerminationProtection())
	}
	buckets := map[string]bool{}
	for _, b := range f.Resources(t, rs, "AWS::S3::Bucket") {
		if n, ok := propsOf(b)["BucketName"]; ok {
			buckets[jsonText(n)] = true
		}
	}
	for _, n := range []string{"opencti-prod-dr-snapshots-", "opencti-prod-dr-files-"} {
		want := `{"Fn::Join":["",["` + n + `",{"Ref":"AWS::AccountId"},"-eu-central-1"]]}`
		if !buckets[want] {
			t.Errorf("no replica bucket %s in %v", want, buckets)
		}
	}
	f.requireNoErrors(t, rs)
}

// TestRPOAlarmThresholds: the snapshot age alarm fires past the RPO less
// the snapshot and replication allowances (90 - 10 - 15 = 65 minutes), with
// missing data breaching; replication latency past the RTC allowance; the
// backup copy alarm after 30 hours without a completed copy.
func TestRPOAlarmThresholds(t *testing.T) {
	f := fixtureFor(t, "prod")
	alarms := map[string]map[string]any{}
	for _, a := range f.Resources(t, f.App.Monitoring.Stack, "AWS::CloudWatch::Alarm") {
		alarms[propsOf(a)["AlarmName"].(string)] = propsOf(a)
	}
	age := alarms["opencti-prod-dr-snapshot-age"]
	if age["Threshold"] != float64(3900) || age["TreatMissingData"] != "breaching" || age["MetricName"] != "LastSuccessfulSnapshotAgeSeconds" ||
		age["Namespace"] != "OpenCTI/DisasterRecovery" || !strings.Contains(jsonText(age["Dimensions"]), `{"Name":"Repository","Value":"dr-snapshots"}`) {
		t.Errorf("snapshot age alarm %s", jsonText(age))
	}
	lat := alarms["opencti-prod-dr-replication-latency-snapshots"]
	if lat["Threshold"] != float64(900) || lat["MetricName"] != "ReplicationLatency" || !strings.Contains(jsonText(lat["Dimensions"]), `"Name":"RuleId","Value":"DisasterRecoverySnapshots"`) {
		t.Errorf("replication latency alarm %s", jsonText(lat))
	}
	cp := alarms["opencti-prod-dr-backup-copy-missing"]
	if cp["Period"] != float64(21600) || cp["EvaluationPeriods"] != float64(5) || cp["TreatMissingData"] != "breaching" {
		t.Errorf("backup copy alarm %s", jsonText(cp))
	}
	rules := f.Resources(t, f.App.Monitoring.Stack, "AWS::Events::Rule")
	var copyRule bool
	for _, r := range rules {
		if strings.Contains(jsonText(propsOf(r)["EventPattern"]), `"Copy Job State Change"`) {
			copyRule = true
		}
	}
	if !copyRule {
		t.Error("no rule sends failed copy jobs to the topic")
	}
}

// TestBackupAccountVariant (examples/dr.yaml): the vault in its own stack
// of the backup account, admitting this account; the recovery stack without
// one; the copy actions to that account's vault; 9 stacks, nag-clean.
func TestBackupAccountVariant(t *testing.T) {
	f := fixtureFor(t, "dr")
	if f.App.RecoveryVault == nil {
		t.Fatal("no RecoveryVault stack")
	}
	vs := f.App.RecoveryVault.Stack
	if *vs.Account() != "731946208517" || *vs.Region() != "eu-central-1" {
		t.Errorf("vault stack in %s/%s", *vs.Account(), *vs.Region())
	}
	if n := len(f.Resources(t, f.App.Recovery.Stack, "AWS::Backup::BackupVault")); n != 0 {
		t.Errorf("recovery stack holds %d vaults with a backup account", n)
	}
	for _, c := range drResources(t, f)["copy"] {
		if !strings.Contains(c, "arn:aws:backup:eu-central-1:731946208517:backup-vault:opencti-prod-dr-vault") {
			t.Errorf("copy action %s, want the backup account's vault", c)
		}
	}
	sched := f.Resources(t, f.App.Data.Stack, recovery.SnapshotScheduleResourceType)
	for _, s := range sched {
		if propsOf(s)["Schedule"] != "*/30 * * * *" || propsOf(s)["MaxAge"] != "14d" {
			t.Errorf("schedule %s", jsonText(propsOf(s)))
		}
	}
	if len(f.App.stacks()) != 9 {
		t.Errorf("%d stacks, want 9", len(f.App.stacks()))
	}
	deps := dependencies(f.App)
	if strings.Join(deps[DataStackID], ",") != "Network,Recovery,RecoveryVault" {
		t.Errorf("Data depends on %v", deps[DataStackID])
	}
	for _, s := range f.App.stacks() {
		f.requireNoErrors(t, s)
	}
}

// TestFailover (examples/dr-failover.yaml): in the recovery region the
// Data stack creates no OpenCTI secrets and no file bucket (it reads the
// replicas, keys found by alias), and the OpenCTI stack restores the newest
// replicated snapshot, after the pre-upgrade snapshot resource and before
// every manifest.
func TestFailover(t *testing.T) {
	f := fixtureFor(t, "failover")
	if f.App.Recovery != nil || f.App.Data.Recovery == nil || f.App.Data.Recovery.Schedule != nil || f.App.Data.Recovery.FileReplicaKey == nil {
		t.Fatal("a failover with dr.enabled false has no recovery stack and no schedule, but key look-ups")
	}
	for _, s := range f.Resources(t, f.App.Data.Stack, "AWS::SecretsManager::Secret") {
		if n := jsonText(propsOf(s)["Name"]); strings.Contains(n, "/admin") || strings.Contains(n, "encryption-key") || strings.Contains(n, "health-access-key") {
			t.Errorf("the failover creates %s, which exists as a replica", n)
		}
	}
	for _, b := range f.Resources(t, f.App.Data.Stack, "AWS::S3::Bucket") {
		if propsOf(b)["VersioningConfiguration"] != nil && !strings.Contains(jsonText(b), "SnapshotBucket") {
			t.Errorf("the failover creates a file bucket: %s", jsonText(propsOf(b))[:200])
		}
	}
	if got := len(f.Resources(t, f.App.Data.Stack, "Custom::KmsKeyByAlias")); got != 2 {
		t.Errorf("%d key look-ups, want the file and snapshot replica keys", got)
	}
	var selection string
	for _, s := range f.Resources(t, f.App.Data.Stack, "AWS::Backup::BackupSelection") {
		selection = jsonText(propsOf(s))
	}
	if !strings.Contains(selection, "arn:aws:s3:::opencti-prod-dr-files-527316480924-eu-central-1") {
		t.Errorf("backup selection %s, want the file replica", selection)
	}
	restore := f.Resources(t, f.App.OpenCTI.Stack, recovery.RestoreResourceType)
	if len(restore) != 1 {
		t.Fatalf("%d restores", len(restore))
	}
	var restoreID string
	for id, r := range restore {
		restoreID = id
		p := propsOf(r)
		if p["RepositoryName"] != "dr-replica" || p["BucketName"] != "opencti-prod-dr-snapshots-527316480924-eu-central-1" || p["Snapshot"] != "latest" || p["Overwrite"] != "false" {
			t.Errorf("restore %s", jsonText(p))
		}
		if !strings.Contains(jsonText(r["DependsOn"]), "PreUpgradeSnapshot") {
			t.Errorf("restore depends on %v, want the pre-upgrade snapshot first", r["DependsOn"])
		}
	}
	manifests := f.Resources(t, f.App.OpenCTI.Stack, "Custom::AWSCDK-EKS-KubernetesResource")
	for id, m := range manifests {
		if !strings.Contains(jsonText(m["DependsOn"]), restoreID) {
			t.Errorf("manifest %s does not wait for the restore", id)
		}
	}
	for _, s := range f.App.stacks() {
		f.requireNoErrors(t, s)
	}
}

// TestFailback (examples/dr-failback.yaml): the primary keeps its secrets
// and file bucket (and their replication) and restores, over its own
// indices, the newest snapshot the failover replicated into this region.
func TestFailback(t *testing.T) {
	f := fixtureFor(t, "failback")
	got := drResources(t, f)
	if len(got["replica"]) != 3 || strings.Join(got["replication"], " ") != "DisasterRecoveryFiles DisasterRecoverySnapshots" {
		t.Errorf("the primary's secrets and replication rules: %v", got)
	}
	if f.App.Data.Recovery.FileReplicaKey != nil || f.App.Data.Recovery.SnapshotReplicaKey == nil {
		t.Error("a fail back looks up the snapshot replica's key only")
	}
	for _, r := range f.Resources(t, f.App.OpenCTI.Stack, recovery.RestoreResourceType) {
		p := propsOf(r)
		if p["RepositoryName"] != "dr-replica" || p["BucketName"] != "opencti-prod-dr-snapshots-527316480924-eu-west-1" || p["Overwrite"] != "true" {
			t.Errorf("fail back restore %s", jsonText(p))
		}
	}
	f.requireNoErrors(t, f.App.Data.Stack)
	f.requireNoErrors(t, f.App.OpenCTI.Stack)
}

// TestRollbackInPlace (examples/dr-rollback.yaml): the pre-upgrade
// repository of the same domain, overwrite, no replica.
func TestRollbackInPlace(t *testing.T) {
	f := fixtureFor(t, "rollback")
	for _, r := range f.Resources(t, f.App.OpenCTI.Stack, recovery.RestoreResourceType) {
		p := propsOf(r)
		if p["RepositoryName"] != "manual-snapshots" || p["BucketName"] != nil || p["Overwrite"] != "true" ||
			p["Snapshot"] != "pre-upgrade-7.260817.0-to-7.260901.0-20261201t101500z-3f9c2a1e" {
			t.Errorf("rollback restore %s", jsonText(p))
		}
	}
	if f.App.OpenCTI.Restore == nil {
		t.Fatal("no restore")
	}
	f.requireNoErrors(t, f.App.OpenCTI.Stack)
}
