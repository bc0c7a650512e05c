package objectstore_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/objectstore"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

const vault = "arn:aws:backup:eu-central-1:222222222222:backup-vault:opencti-prod-dr-vault"

var (
	copyFixture *testutil.Fixture
	copyStore   objectstore.ObjectStore
	copyBucket  awss3.IBucket
)

// buildCopyFixture adds, before the app's first synth (TestMain), a store
// on a bucket brought by name whose recovery points are copied.
func buildCopyFixture() {
	f := testutil.NewFixture(app, "Failover")
	key := awskms.Key_FromKeyArn(f.Stack, jsii.String("ReplicaKey"), jsii.String("arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
	copyBucket = awss3.Bucket_FromBucketAttributes(f.Stack, jsii.String("Replica"), &awss3.BucketAttributes{
		BucketName: jsii.String("opencti-prod-dr-files-111111111111-eu-west-1"), EncryptionKey: key,
	})
	copyStore = objectstore.NewObjectStore(f.Stack, "ObjectStore", &objectstore.ObjectStoreProps{
		Bucket:        copyBucket,
		EncryptionKey: key,
		Backup: &objectstore.BackupProps{CopyTo: &objectstore.BackupCopy{
			VaultArn: jsii.String(vault), KeyAlias: jsii.String("alias/opencti-prod-dr-vault"),
		}},
	})
	copyFixture = f
}

// TestCopiesAndABucketBroughtByName: CopyTo adds a copy action to every
// rule, kept as long as the rule keeps its recovery points, and lets the
// backup role copy into that vault and use its key (by alias); a Bucket
// given by name is backed up and granted, never created or changed.
func TestCopiesAndABucketBroughtByName(t *testing.T) {
	f, store, bucket := copyFixture, copyStore, copyBucket
	f.Synth()
	for id := range testutil.Resources(f.JSON, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "ObjectStoreBucket") {
			t.Errorf("a bucket brought by name was created: %s", id)
		}
	}
	for _, p := range testutil.Resources(f.JSON, "AWS::Backup::BackupPlan") {
		rules := p["Properties"].(map[string]any)["BackupPlan"].(map[string]any)["BackupPlanRule"].([]any)
		if len(rules) != 3 {
			t.Fatalf("%d rules", len(rules))
		}
		for _, r := range rules {
			rule := r.(map[string]any)
			want := `[{"DestinationBackupVaultArn":"` + vault + `","Lifecycle":` + jsonOf(rule["Lifecycle"]) + `}]`
			if got := jsonOf(rule["CopyActions"]); got != want {
				t.Errorf("%s: copy actions %s, want %s", rule["RuleName"], got, want)
			}
		}
	}
	for _, s := range testutil.Resources(f.JSON, "AWS::Backup::BackupSelection") {
		if got := jsonOf(s["Properties"].(map[string]any)["BackupSelection"].(map[string]any)["Resources"]); got != `[{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::opencti-prod-dr-files-111111111111-eu-west-1"]]}]` {
			t.Errorf("selection %s", got)
		}
	}
	var policy string
	for id, p := range testutil.Resources(f.JSON, "AWS::IAM::Policy") {
		if strings.HasPrefix(id, "ObjectStoreBackupRole") {
			policy = jsonOf(p["Properties"])
		}
	}
	for _, s := range []string{
		`{"Action":"backup:CopyIntoBackupVault","Effect":"Allow","Resource":"` + vault + `","Sid":"CopyIntoRecoveryVault"}`,
		`"Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":["alias/opencti-prod-dr-vault"]}},"Effect":"Allow","Resource":"arn:aws:kms:eu-central-1:222222222222:key/*"`,
		`"Resource":"arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab","Sid":"UseBucketKey"`,
	} {
		if !strings.Contains(policy, s) {
			t.Errorf("backup role policy lacks %s:\n%s", s, policy)
		}
	}
	if jsonOf(f.Stack.Resolve(store.Bucket().BucketName())) != `"opencti-prod-dr-files-111111111111-eu-west-1"` {
		t.Error("Bucket() is not the bucket given")
	}
	testutil.RequireNoNagErrors(t, f.Stack)

	got := testutil.PanicMessage(func() {
		objectstore.NewObjectStore(f.Stack, "Invalid", &objectstore.ObjectStoreProps{
			Bucket: bucket, Backup: &objectstore.BackupProps{CopyTo: &objectstore.BackupCopy{}},
		})
	})
	want := "objectstore.NewObjectStore \"Invalid\": invalid props:\n" +
		"objectstore.ObjectStoreProps.EncryptionKey: got nil, want the key that encrypts Bucket (required with Bucket)\n" +
		"objectstore.ObjectStoreProps.Backup.CopyTo.VaultArn: got nil, want the destination vault's ARN"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
