package recovery_test

// One app per test binary: TestMain builds the recovery region of a
// deployment, a backup account's vault, and a primary region with the
// domain, the replication of its DR prefix, the snapshot schedule and the
// two kinds of restore; every test reads the synthesized templates.

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/constructs/recovery"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

const account = "111111111111"

type resource struct {
	Type                string         `json:"Type"`
	Properties          map[string]any `json:"Properties"`
	DependsOn           []string       `json:"DependsOn"`
	DeletionPolicy      string         `json:"DeletionPolicy"`
	UpdateReplacePolicy string         `json:"UpdateReplacePolicy"`
}

var (
	app                                     awscdk.App
	recoveryStack, vaultStack, primaryStack awscdk.Stack
	schedule                                recovery.SnapshotSchedule
	recoveryRes, vaultRes, primaryRes       map[string]resource
)

func intp(n int) *int { return &n }

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		if app, err = cdkapp.New("", false); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		testutil.AddNag(app)
		build()
		asm := app.Synth(nil)
		for _, x := range []struct {
			s   awscdk.Stack
			dst *map[string]resource
		}{{recoveryStack, &recoveryRes}, {vaultStack, &vaultRes}, {primaryStack, &primaryRes}} {
			raw, _ := json.Marshal(asm.GetStackByName(x.s.StackName()).Template())
			var tpl struct{ Resources map[string]resource }
			if err := json.Unmarshal(raw, &tpl); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			*x.dst = tpl.Resources
		}
		return m.Run()
	}()
	os.Exit(code)
}

func env(acct, r string) *awscdk.StackProps {
	return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(acct), Region: jsii.String(r)}}
}

func build() {
	recoveryStack = awscdk.NewStack(app, jsii.String("Recovery"), env(account, "eu-central-1"))
	recovery.NewRecoveryRegion(recoveryStack, "RecoveryRegion", &recovery.RecoveryRegionProps{
		Name:                  jsii.String("opencti-prod"),
		ReplicaNoncurrentDays: intp(21),
		RemovalPolicy:         awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
	vaultStack = awscdk.NewStack(app, jsii.String("BackupAccount"), env("222222222222", "eu-central-1"))
	recovery.NewRecoveryVault(vaultStack, "RecoveryVault", &recovery.RecoveryVaultProps{
		Name: jsii.String("opencti-prod"), MinRetentionDays: intp(7), SourceAccounts: []string{account},
	})

	f := testutil.NewVPCFixture(app, "Primary")
	primaryStack = f.Stack
	isolated := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	domain := opensearch.NewDomain(f.Stack, "OpenSearch", &opensearch.DomainProps{
		Vpc:                          f.Vpc,
		ClientSecurityGroups:         []awsec2.ISecurityGroup{f.Client},
		SnapshotBucketNoncurrentDays: intp(14),
		RemovalPolicy:                awscdk.RemovalPolicy_DESTROY,
	})
	replication := recovery.NewReplication(f.Stack, "SnapshotReplication", &recovery.ReplicationProps{
		Bucket:                domain.SnapshotBucket(),
		BucketKey:             domain.EncryptionKey(),
		Prefix:                jsii.String(recoveryspec.BasePath + "/"),
		RuleID:                jsii.String(recovery.ReplicaRuleID(recoveryspec.PurposeSnapshots)),
		DestinationBucketName: jsii.String(recoveryspec.SnapshotReplicaBucket("opencti-prod", account, "eu-central-1")),
		DestinationRegion:     jsii.String("eu-central-1"),
		DestinationKeyAlias:   jsii.String(recoveryspec.KeyAlias("opencti-prod", recoveryspec.PurposeSnapshots)),
	})
	schedule = recovery.NewSnapshotSchedule(f.Stack, "SnapshotSchedule", &recovery.SnapshotScheduleProps{
		Domain:        domain,
		Vpc:           f.Vpc,
		Subnets:       isolated,
		SecurityGroup: f.Client,
		Deployment:    jsii.String("opencti-prod"),
	})
	schedule.Node().AddDependency(replication)
	key := recovery.NewKeyLookup(f.Stack, "SnapshotReplicaKey", &recovery.KeyLookupProps{
		Alias: jsii.String(recoveryspec.KeyAlias("opencti-prod", recoveryspec.PurposeSnapshots)),
	})
	recovery.NewRestore(f.Stack, "RestoreReplica", &recovery.RestoreProps{
		Domain:        domain,
		Vpc:           f.Vpc,
		Subnets:       isolated,
		SecurityGroup: f.Client,
		Snapshot:      jsii.String(recoveryspec.Latest),
		ReplicaBucket: awss3.Bucket_FromBucketName(f.Stack, jsii.String("SnapshotReplica"),
			jsii.String(recoveryspec.SnapshotReplicaBucket("opencti-prod", account, "eu-west-1"))),
		ReplicaKey: key.Key(),
	})
	recovery.NewRestore(f.Stack, "RestoreInPlace", &recovery.RestoreProps{
		Domain:     domain,
		Vpc:        f.Vpc,
		Subnets:    isolated,
		Snapshot:   jsii.String("pre-upgrade-7.260224.0-to-7.260817.0-20261201t101500z-3f9c2a1e"),
		Overwrite:  jsii.Bool(true),
		Generation: intp(2),
	})
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// ofType lists the resources of typ, by logical ID.
func ofType(res map[string]resource, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range res {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func one(t *testing.T, res map[string]resource, typ, idPart string) resource {
	t.Helper()
	var found []resource
	for id, r := range ofType(res, typ) {
		if strings.Contains(id, idPart) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s resources matching %q, want 1", len(found), typ, idPart)
	}
	return found[0]
}

// TestRecoveryRegionKeysAndReplicas: a rotated key per copy under the
// fixed aliases the primary region names, versioned SSE-KMS replica buckets
// under the fixed names, each with its own key, and nothing that holds data
// deleted by a stack deletion.
func TestRecoveryRegionKeysAndReplicas(t *testing.T) {
	keys := ofType(recoveryRes, "AWS::KMS::Key")
	if len(keys) != 4 {
		t.Errorf("%d keys, want one per copy: snapshots, files, secrets, vault", len(keys))
	}
	for id, k := range keys {
		if k.Properties["EnableKeyRotation"] != true || k.DeletionPolicy != "RetainExceptOnCreate" || k.UpdateReplacePolicy != "Retain" {
			t.Errorf("%s: rotation %v, deletion %s/%s", id, k.Properties["EnableKeyRotation"], k.DeletionPolicy, k.UpdateReplacePolicy)
		}
	}
	var aliases []string
	for _, a := range ofType(recoveryRes, "AWS::KMS::Alias") {
		aliases = append(aliases, a.Properties["AliasName"].(string))
	}
	want := "alias/opencti-prod-dr-files alias/opencti-prod-dr-secrets alias/opencti-prod-dr-snapshots alias/opencti-prod-dr-vault"
	if got := strings.Join(sorted(aliases), " "); got != want {
		t.Errorf("aliases %s, want %s", got, want)
	}
	secretsKey := one(t, recoveryRes, "AWS::KMS::Key", "SecretsKey")
	if !strings.Contains(jsonOf(secretsKey.Properties["KeyPolicy"]), `"kms:ViaService":"secretsmanager.eu-central-1.amazonaws.com"`) {
		t.Errorf("secrets key policy does not admit Secrets Manager of the recovery region: %s", jsonOf(secretsKey.Properties["KeyPolicy"]))
	}
	for _, c := range []struct{ id, name, key string }{
		{"SnapshotReplica", "opencti-prod-dr-snapshots-111111111111-eu-central-1", "SnapshotKey"},
		{"FileReplica", "opencti-prod-dr-files-111111111111-eu-central-1", "FileKey"},
	} {
		b := one(t, recoveryRes, "AWS::S3::Bucket", c.id)
		p := b.Properties
		if p["BucketName"] != c.name {
			t.Errorf("%s: name %v, want %s", c.id, p["BucketName"], c.name)
		}
		if jsonOf(p["VersioningConfiguration"]) != `{"Status":"Enabled"}` {
			t.Errorf("%s: not versioned (replication needs it)", c.id)
		}
		enc := jsonOf(p["BucketEncryption"])
		if !strings.Contains(enc, `"SSEAlgorithm":"aws:kms"`) || !strings.Contains(enc, c.key) || !strings.Contains(enc, `"BucketKeyEnabled":true`) {
			t.Errorf("%s: encryption %s, want SSE-KMS with the %s and a bucket key", c.id, enc, c.key)
		}
		if !strings.Contains(jsonOf(p["LifecycleConfiguration"]), `"NoncurrentVersionExpiration":{"NoncurrentDays":21}`) {
			t.Errorf("%s: lifecycle %s", c.id, jsonOf(p["LifecycleConfiguration"]))
		}
		if p["LoggingConfiguration"] == nil || b.DeletionPolicy != "RetainExceptOnCreate" {
			t.Errorf("%s: logging %v, deletion %s", c.id, p["LoggingConfiguration"], b.DeletionPolicy)
		}
	}
}

// TestVaultsAreLocked: the copies' vault is named, KMS-encrypted and locked
// like the primary vault; a backup account's admits the source account.
func TestVaultsAreLocked(t *testing.T) {
	for name, res := range map[string]map[string]resource{"recovery region": recoveryRes, "backup account": vaultRes} {
		v := one(t, res, "AWS::Backup::BackupVault", "")
		p := v.Properties
		if p["BackupVaultName"] != "opencti-prod-dr-vault" || p["EncryptionKeyArn"] == nil || v.DeletionPolicy != "RetainExceptOnCreate" {
			t.Errorf("%s: vault %s, deletion %s", name, jsonOf(p), v.DeletionPolicy)
		}
		if p["LockConfiguration"] == nil {
			t.Errorf("%s: no vault lock", name)
		}
		if !strings.Contains(jsonOf(p["AccessPolicy"]), "backup:DeleteRecoveryPoint") {
			t.Errorf("%s: recovery points can be deleted: %s", name, jsonOf(p["AccessPolicy"]))
		}
	}
	if got := jsonOf(one(t, recoveryRes, "AWS::Backup::BackupVault", "").Properties["LockConfiguration"]); got != `{"MinRetentionDays":35}` {
		t.Errorf("recovery vault lock %s, want the default plan's shortest retention (35 days)", got)
	}
	v := one(t, vaultRes, "AWS::Backup::BackupVault", "").Properties
	if got := jsonOf(v["LockConfiguration"]); got != `{"MinRetentionDays":7}` {
		t.Errorf("backup account vault lock %s", got)
	}
	if !strings.Contains(jsonOf(v["AccessPolicy"]), `"Action":"backup:CopyIntoBackupVault"`) || !strings.Contains(jsonOf(v["AccessPolicy"]), ":iam::111111111111:root") {
		t.Errorf("backup account vault does not admit copies from the source account: %s", jsonOf(v["AccessPolicy"]))
	}
	key := one(t, vaultRes, "AWS::KMS::Key", "").Properties["KeyPolicy"]
	if !strings.Contains(jsonOf(key), `"kms:ViaService":"backup.eu-central-1.amazonaws.com"`) {
		t.Errorf("backup account key policy: %s", jsonOf(key))
	}
}

// TestReplicationRule: the DR prefix only, SSE-KMS objects included,
// re-encrypted with the replica key (alias ARN of the recovery region),
// delete markers, Replication Time Control with its metrics; the role may
// use the replica key by alias only, through S3 of the recovery region.
func TestReplicationRule(t *testing.T) {
	b := one(t, primaryRes, "AWS::S3::Bucket", "OpenSearchSnapshotBucket")
	if jsonOf(b.Properties["VersioningConfiguration"]) != `{"Status":"Enabled"}` {
		t.Error("snapshot bucket not versioned")
	}
	rule := b.Properties["ReplicationConfiguration"].(map[string]any)["Rules"].([]any)[0].(map[string]any)
	want := map[string]string{
		"Id":                      `"DisasterRecoverySnapshots"`,
		"Status":                  `"Enabled"`,
		"Filter":                  `{"Prefix":"dr/"}`,
		"DeleteMarkerReplication": `{"Status":"Enabled"}`,
		"SourceSelectionCriteria": `{"SseKmsEncryptedObjects":{"Status":"Enabled"}}`,
	}
	for k, v := range want {
		if got := jsonOf(rule[k]); got != v {
			t.Errorf("rule %s = %s, want %s", k, got, v)
		}
	}
	dest := rule["Destination"].(map[string]any)
	for k, v := range map[string]string{
		"Bucket":                  `"arn:aws:s3:::opencti-prod-dr-snapshots-111111111111-eu-central-1"`,
		"EncryptionConfiguration": `{"ReplicaKmsKeyID":"arn:aws:kms:eu-central-1:111111111111:alias/opencti-prod-dr-snapshots"}`,
		"ReplicationTime":         `{"Status":"Enabled","Time":{"Minutes":15}}`,
		"Metrics":                 `{"EventThreshold":{"Minutes":15},"Status":"Enabled"}`,
	} {
		if got := jsonOf(dest[k]); got != v {
			t.Errorf("destination %s = %s, want %s", k, got, v)
		}
	}
	policy := jsonOf(one(t, primaryRes, "AWS::IAM::Policy", "SnapshotReplicationRole").Properties["PolicyDocument"])
	for _, s := range []string{
		`"Action":["kms:Encrypt","kms:GenerateDataKey"],"Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":["alias/opencti-prod-dr-snapshots"]},"StringEquals":{"kms:ViaService":"s3.eu-central-1.amazonaws.com"}}`,
		`"Resource":"arn:aws:kms:eu-central-1:111111111111:key/*"`,
		`"Action":["s3:ReplicateDelete","s3:ReplicateObject","s3:ReplicateTags"],"Effect":"Allow","Resource":"arn:aws:s3:::opencti-prod-dr-snapshots-111111111111-eu-central-1/*"`,
		`"Condition":{"StringEquals":{"kms:ViaService":"s3.eu-west-1.amazonaws.com"}}`,
		`/dr/*"]]}`,
	} {
		if !strings.Contains(policy, s) {
			t.Errorf("replication role policy lacks %s:\n%s", s, policy)
		}
	}
}

// TestSnapshotSchedule: the SM policy the custom resource keeps (hourly,
// 7 days, a day's worth kept, bounded count), the probe that may only read
// the snapshot API, run every 5 minutes, and the first snapshot written
// only after the replication rule's role exists.
func TestSnapshotSchedule(t *testing.T) {
	cr := one(t, primaryRes, recovery.SnapshotScheduleResourceType, "SnapshotSchedule")
	for k, v := range map[string]string{
		"RepositoryName": "dr-snapshots", "BasePath": "dr", "PolicyName": "opencti-dr", "Schedule": "0 * * * *",
		"DeletionSchedule": "30 1 * * *", "Indices": "opencti_*", "MaxAge": "7d", "MinCount": "24", "MaxCount": "192", "TimeLimit": "1h",
	} {
		if cr.Properties[k] != v {
			t.Errorf("%s = %v, want %s", k, cr.Properties[k], v)
		}
	}
	if !strings.Contains(jsonOf(cr.Properties["ProbeRoleArn"]), "SnapshotScheduleProbeRole") {
		t.Errorf("ProbeRoleArn %v: the probe's role must be mapped too", cr.Properties["ProbeRoleArn"])
	}
	if !strings.Contains(strings.Join(cr.DependsOn, " "), "SnapshotReplicationRole") {
		t.Errorf("schedule depends on %v, want the replication role (first snapshot replicated)", cr.DependsOn)
	}
	probe := one(t, primaryRes, "AWS::Lambda::Function", "SnapshotScheduleProbe")
	envs := jsonOf(probe.Properties["Environment"])
	for _, s := range []string{`"REPOSITORY":"dr-snapshots"`, `"METRIC_NAMESPACE":"OpenCTI/DisasterRecovery"`, `"DEPLOYMENT":"opencti-prod"`} {
		if !strings.Contains(envs, s) {
			t.Errorf("probe environment %s lacks %s", envs, s)
		}
	}
	if probe.Properties["Handler"] != "index.handler" || probe.Properties["VpcConfig"] == nil {
		t.Errorf("probe handler %v, VPC %v", probe.Properties["Handler"], probe.Properties["VpcConfig"])
	}
	rule := one(t, primaryRes, "AWS::Events::Rule", "ProbeSchedule")
	if rule.Properties["ScheduleExpression"] != "rate(5 minutes)" {
		t.Errorf("probe schedule %v", rule.Properties["ScheduleExpression"])
	}
	policy := jsonOf(one(t, primaryRes, "AWS::IAM::Policy", "SnapshotScheduleProbeRole").Properties["PolicyDocument"])
	if strings.Contains(policy, "ESHttpPut") || strings.Contains(policy, "secretsmanager") || !strings.Contains(policy, `"Action":"es:ESHttpGet"`) {
		t.Errorf("probe role may do more than read the snapshot API: %s", policy)
	}
	if schedule.Policy()["Schedule"] != "0 * * * *" || *schedule.Deployment() != "opencti-prod" {
		t.Errorf("Policy() %v", schedule.Policy())
	}
}

func TestCron(t *testing.T) {
	for interval, want := range map[int]string{15: "*/15 * * * *", 30: "*/30 * * * *", 60: "0 * * * *", 120: "0 */2 * * *", 720: "0 */12 * * *", 1440: "0 0 * * *"} {
		if got := recovery.Cron(interval); got != want {
			t.Errorf("Cron(%d) = %q, want %q", interval, got, want)
		}
	}
}

// TestRestoreFromReplica: the replica registered read-only with a role of
// its own that can only read it; latest, no overwrite, generation 1, and
// OpenCTI's ISM policy.
func TestRestoreFromReplica(t *testing.T) {
	cr := one(t, primaryRes, recovery.RestoreResourceType, "RestoreReplica")
	p := cr.Properties
	for k, v := range map[string]string{
		"RepositoryName": "dr-replica", "BucketName": "opencti-prod-dr-snapshots-111111111111-eu-west-1", "BasePath": "dr",
		"Snapshot": "latest", "Overwrite": "false", "Generation": "1", "IndexPrefix": "opencti", "IsmPolicyId": "opencti-ism-policy",
	} {
		if p[k] != v {
			t.Errorf("%s = %v, want %s", k, p[k], v)
		}
	}
	if !strings.Contains(jsonOf(p["SnapshotRoleArn"]), "RestoreReplicaReaderRole") {
		t.Errorf("SnapshotRoleArn %v", p["SnapshotRoleArn"])
	}
	reader := jsonOf(one(t, primaryRes, "AWS::IAM::Policy", "RestoreReplicaReaderRole").Properties["PolicyDocument"])
	for _, forbidden := range []string{"s3:PutObject", "s3:DeleteObject", "kms:GenerateDataKey", "kms:Encrypt"} {
		if strings.Contains(reader, forbidden) {
			t.Errorf("the replica reader may %s: %s", forbidden, reader)
		}
	}
	if !strings.Contains(reader, `"s3:GetObject"`) || !strings.Contains(reader, `"SnapshotReplicaKey`) {
		t.Errorf("reader policy %s", reader)
	}
	fn := jsonOf(one(t, primaryRes, "AWS::IAM::Policy", "RestoreReplicaRole").Properties["PolicyDocument"])
	if !strings.Contains(fn, `"Action":"iam:PassRole"`) || !strings.Contains(fn, "es:ESHttpPost") {
		t.Errorf("restore role policy %s", fn)
	}
	var ism map[string]any
	if err := json.Unmarshal([]byte(p["IsmPolicy"].(string)), &ism); err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(ism); got != `{"policy":{"default_state":"hot","description":"OpenCTI ISM Policy","ism_template":{"index_patterns":["opencti*"],"priority":100},"states":[{"actions":[{"rollover":{"min_doc_count":75000000,"min_primary_shard_size":"50gb"}}],"name":"hot","transitions":[]}]}}` {
		t.Errorf("ISM policy %s", got)
	}
}

// TestRestoreInPlace: the pre-upgrade repository of the domain, no bucket
// to register, overwrite and a raised generation as given.
func TestRestoreInPlace(t *testing.T) {
	p := one(t, primaryRes, recovery.RestoreResourceType, "RestoreInPlace").Properties
	if p["RepositoryName"] != "manual-snapshots" || p["BucketName"] != nil || p["Overwrite"] != "true" || p["Generation"] != "2" {
		t.Errorf("in-place restore properties %s", jsonOf(p))
	}
	if strings.Contains(jsonOf(one(t, primaryRes, "AWS::IAM::Policy", "RestoreInPlaceRole").Properties["PolicyDocument"]), "iam:PassRole") {
		t.Error("an in-place restore passes no role")
	}
}

// TestKeyLookup: kms:DescribeKey of the aliased key only.
func TestKeyLookup(t *testing.T) {
	cr := one(t, primaryRes, "Custom::KmsKeyByAlias", "SnapshotReplicaKey")
	if !strings.Contains(jsonOf(cr.Properties["Create"]), `\"action\":\"DescribeKey\"`) || !strings.Contains(jsonOf(cr.Properties["Create"]), `alias/opencti-prod-dr-snapshots`) {
		t.Errorf("look-up call %v", cr.Properties["Create"])
	}
	policy := jsonOf(one(t, primaryRes, "AWS::IAM::Policy", "SnapshotReplicaKeyCustomResourcePolicy").Properties["PolicyDocument"])
	if !strings.Contains(policy, `"Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":["alias/opencti-prod-dr-snapshots"]}}`) {
		t.Errorf("look-up policy %s", policy)
	}
}

func TestNoUnsuppressedNagErrors(t *testing.T) {
	for _, s := range []awscdk.Stack{recoveryStack, vaultStack, primaryStack} {
		testutil.RequireNoNagErrors(t, s)
	}
}

// TestInvalidPropsAreAllReported: every constructor reports every invalid
// prop at once, with its exact text, before creating anything.
func TestInvalidPropsAreAllReported(t *testing.T) {
	stack := awscdk.NewStack(app, jsii.String("Invalid"), env(account, "eu-central-1"))
	agnostic := awscdk.NewStack(app, jsii.String("NoRegion"), nil)
	cases := []struct {
		name string
		fn   func()
		want string
	}{
		{"region", func() {
			recovery.NewRecoveryRegion(stack, "R", &recovery.RecoveryRegionProps{Name: jsii.String("opencti-production-platform"), ReplicaNoncurrentDays: intp(0), NoVault: jsii.Bool(true), Vault: &recovery.RecoveryVaultProps{}})
		}, `recovery.NewRecoveryRegion "R": invalid props:
recovery.RecoveryRegionProps.ReplicaNoncurrentDays: got 0, want 1 to 365
recovery.RecoveryRegionProps.Vault: got vault props, want nil with NoVault
recovery.RecoveryRegionProps.Name: got "opencti-production-platform", want at most 24 characters in eu-central-1 (S3 bucket names have at most 63)`},
		{"region without a region", func() {
			recovery.NewRecoveryRegion(agnostic, "R", &recovery.RecoveryRegionProps{Name: jsii.String("opencti-prod")})
		}, `recovery.NewRecoveryRegion "R": invalid props:
recovery.NewRecoveryRegion: got a stack without a region, want a stack with an explicit region (env.region): the bucket names include it`},
		{"vault", func() {
			recovery.NewRecoveryVault(stack, "V", &recovery.RecoveryVaultProps{Name: jsii.String("1st"), MinRetentionDays: intp(0), SourceAccounts: []string{"12"}})
		}, `recovery.NewRecoveryVault "V": invalid props:
recovery.RecoveryVaultProps.Name: got "1st", want the deployment's name: 1-40 letters, digits or hyphens, starting with a letter
recovery.RecoveryVaultProps.MinRetentionDays: got 0, want 1 to 36500
recovery.RecoveryVaultProps.SourceAccounts[0]: got "12", want a 12-digit AWS account ID`},
		{"replication", func() {
			recovery.NewReplication(stack, "P", &recovery.ReplicationProps{
				Bucket: awss3.Bucket_FromBucketName(stack, jsii.String("Imported"), jsii.String("some-bucket")), DestinationRegion: jsii.String("moon"), DestinationKeyAlias: jsii.String("key"),
			})
		}, `recovery.NewReplication "P": invalid props:
recovery.ReplicationProps.Bucket: got an imported bucket, want a bucket this app creates (its replication configuration is a property of its resource)
recovery.ReplicationProps.BucketKey: got nil, want the key that encrypts Bucket
recovery.ReplicationProps.DestinationBucketName: got nil, want the replica bucket's name
recovery.ReplicationProps.DestinationRegion: got "moon", want the replica bucket's region, such as eu-central-1
recovery.ReplicationProps.DestinationKeyAlias: got "key", want the replica key's alias ("alias/<name>")`},
		{"schedule", func() {
			recovery.NewSnapshotSchedule(stack, "S", &recovery.SnapshotScheduleProps{IntervalMinutes: intp(45), RetentionDays: intp(36), RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT})
		}, `recovery.NewSnapshotSchedule "S": invalid props:
recovery.SnapshotScheduleProps.Domain: got nil, want the domain to snapshot (opensearch.NewDomain)
recovery.SnapshotScheduleProps.Vpc: got nil, want the VPC of the domain
recovery.SnapshotScheduleProps.IntervalMinutes: got 45, want 15, 30, 60, 120, 180, 240, 360, 480, 720 or 1440 (minutes that divide an hour, or hours that divide a day)
recovery.SnapshotScheduleProps.RetentionDays: got 36, want 1 to 35
recovery.SnapshotScheduleProps.RemovalPolicy: got "SNAPSHOT", want one of DESTROY, RETAIN, RETAIN_ON_UPDATE_OR_DELETE`},
		{"restore", func() {
			recovery.NewRestore(stack, "T", &recovery.RestoreProps{
				Snapshot: jsii.String("Latest"), ReplicaBucket: awss3.Bucket_FromBucketName(stack, jsii.String("Replica"), jsii.String("replica")),
				IndexPrefix: jsii.String("OpenCTI"), Generation: intp(0), Timeout: awscdk.Duration_Minutes(jsii.Number(90)),
			})
		}, `recovery.NewRestore "T": invalid props:
recovery.RestoreProps.Domain: got nil, want the domain to restore into (opensearch.NewDomain)
recovery.RestoreProps.Vpc: got nil, want the VPC of the domain
recovery.RestoreProps.Snapshot: got "Latest", want "" (no restore), "latest" or a snapshot name (lower-case letters, digits, ".", "_" and "-")
recovery.RestoreProps.ReplicaKey: got nil, want the key that encrypts ReplicaBucket (required with it)
recovery.RestoreProps.IndexPrefix: got "OpenCTI", want lower-case letters, digits, '_' and '-'
recovery.RestoreProps.Generation: got 0, want 1 to 1000000
recovery.RestoreProps.Timeout: got 90 minutes, want 5 to 60 minutes (a custom resource waits at most one hour)`},
		{"key lookup", func() {
			recovery.NewKeyLookup(stack, "K", &recovery.KeyLookupProps{Alias: jsii.String("opencti-prod-dr-files")})
		}, `recovery.NewKeyLookup "K": invalid props:
recovery.KeyLookupProps.Alias: got "opencti-prod-dr-files", want a key alias ("alias/<name>")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testutil.PanicMessage(c.fn); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
