package objectstore_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/objectstore"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

var (
	app           awscdk.App
	dev, prd, rty *testutil.Fixture
)

func TestMain(m *testing.M) {
	app = testutil.NewApp()
	testutil.AddNag(app)
	dev, prd = testutil.NewFixture(app, "Dev"), testutil.NewFixture(app, "Prod")
	objectstore.NewObjectStore(dev.Stack, "ObjectStore", &objectstore.ObjectStoreProps{
		NoncurrentVersionExpirationDays: new(30),
		Backup:                          &objectstore.BackupProps{Retention: &objectstore.BackupRetention{DailyRetentionDays: 7}},
		RemovalPolicy:                   awscdk.RemovalPolicy_DESTROY,
	})
	objectstore.NewObjectStore(prd.Stack, "ObjectStore", nil)
	// As the prod profile deploys it: retained, except when the first
	// creation rolls back.
	rty = testutil.NewFixture(app, "Retry")
	objectstore.NewObjectStore(rty.Stack, "ObjectStore", &objectstore.ObjectStoreProps{RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT})
	buildCopyFixture() // copy_test.go
	dev.Synth()
	prd.Synth()
	rty.Synth()
	testmain.Run(m)
}

// dataBucket returns the bucket that is not the access logs bucket.
func dataBucket(t *testing.T, f *testutil.Fixture) (string, map[string]any) {
	t.Helper()
	for id, b := range testutil.Resources(f.JSON, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "ObjectStoreBucket") {
			return id, b
		}
	}
	t.Fatal("no data bucket")
	return "", nil
}

func TestBucketIsVersionedEncryptedPrivateAndLogged(t *testing.T) {
	for name, f := range map[string]*testutil.Fixture{"dev": dev, "prod": prd} {
		t.Run(name, func(t *testing.T) {
			testutil.Assert(t, func() {
				f.Template.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
					"VersioningConfiguration": map[string]any{"Status": "Enabled"},
					"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
						"BucketKeyEnabled": true,
						"ServerSideEncryptionByDefault": map[string]any{
							"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})},
						},
					}}},
					"PublicAccessBlockConfiguration": map[string]any{
						"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
					},
					"LoggingConfiguration": map[string]any{
						"DestinationBucketName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ObjectStoreAccessLogsBucket"))},
						"LogFilePrefix":         "opencti-files/",
					},
				})
				f.Template.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
			})
		})
	}
}

func TestNoncurrentVersionsExpire(t *testing.T) {
	for name, tc := range map[string]struct {
		f    *testutil.Fixture
		days int
	}{"dev": {dev, 30}, "prod": {prd, 90}} {
		t.Run(name, func(t *testing.T) {
			testutil.Assert(t, func() {
				tc.f.Template.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
					"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{
							"Id": "ExpireNoncurrentVersions", "Status": "Enabled",
							"NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": tc.days},
						}),
					})},
				})
			})
		})
	}
}

func TestBucketsRequireTLS(t *testing.T) {
	for id, pol := range testutil.Resources(prd.JSON, "AWS::S3::BucketPolicy") {
		doc, _ := json.Marshal(pol["Properties"].(map[string]any)["PolicyDocument"])
		if !strings.Contains(string(doc), `"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny"`) {
			t.Errorf("%s has no SSL-only statement: %s", id, doc)
		}
		if !strings.Contains(string(doc), `"s3:TlsVersion":1.2`) {
			t.Errorf("%s does not require TLS 1.2: %s", id, doc)
		}
	}
	if n := len(testutil.Resources(prd.JSON, "AWS::S3::BucketPolicy")); n != 2 {
		t.Errorf("bucket policies: got %d, want 2 (data and access logs)", n)
	}
}

func TestAccessLogDeliveryUsesBucketPolicy(t *testing.T) {
	for id, b := range testutil.Resources(prd.JSON, "AWS::S3::Bucket") {
		if _, acl := b["Properties"].(map[string]any)["AccessControl"]; acl {
			t.Errorf("%s uses an ACL", id)
		}
	}
	found := false
	for _, pol := range testutil.Resources(prd.JSON, "AWS::S3::BucketPolicy") {
		doc, _ := json.Marshal(pol["Properties"].(map[string]any)["PolicyDocument"])
		found = found || strings.Contains(string(doc), `"Service":"logging.s3.amazonaws.com"`)
	}
	if !found {
		t.Error("no bucket policy grants logging.s3.amazonaws.com")
	}
}

func TestBackupPlanRules(t *testing.T) {
	for name, tc := range map[string]struct {
		f    *testutil.Fixture
		want map[string]float64
		lock float64
	}{
		"dev":  {dev, map[string]float64{"Daily": 7}, 7},
		"prod": {prd, map[string]float64{"Daily": 35, "Weekly": 90, "Monthly": 365}, 35},
	} {
		t.Run(name, func(t *testing.T) {
			plans := testutil.Resources(tc.f.JSON, "AWS::Backup::BackupPlan")
			if len(plans) != 1 {
				t.Fatalf("plans: %d", len(plans))
			}
			got := map[string]float64{}
			for _, p := range plans {
				for _, r := range p["Properties"].(map[string]any)["BackupPlan"].(map[string]any)["BackupPlanRule"].([]any) {
					rule := r.(map[string]any)
					got[rule["RuleName"].(string)] = rule["Lifecycle"].(map[string]any)["DeleteAfterDays"].(float64)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("rules: got %v, want %v", got, tc.want)
			}
			testutil.Assert(t, func() {
				tc.f.Template.HasResourceProperties(jsii.String("AWS::Backup::BackupVault"), map[string]any{
					"EncryptionKeyArn":  map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})},
					"LockConfiguration": map[string]any{"MinRetentionDays": tc.lock},
					"AccessPolicy": map[string]any{"Statement": []any{map[string]any{
						"Effect": "Deny", "Principal": map[string]any{"AWS": "*"},
						"Action": []any{"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"}, "Resource": "*",
					}}},
				})
				tc.f.Template.HasResourceProperties(jsii.String("AWS::Backup::BackupSelection"), map[string]any{
					"BackupSelection": assertions.Match_ObjectLike(&map[string]any{
						"Resources": []any{map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})}},
					}),
				})
			})
		})
	}
}

func TestBackupRoleUsesTheS3ManagedPolicies(t *testing.T) {
	testutil.Assert(t, func() {
		prd.Template.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "backup.amazonaws.com"},
			}}},
			"ManagedPolicyArns": []any{
				map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"}}},
				map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"}}},
			},
		})
	})
}

func TestRemovalPolicies(t *testing.T) {
	// "DeletionPolicy/UpdateReplacePolicy" per resource.
	const (
		deleted  = "Delete/Delete"
		retained = "Retain/Retain"
		except   = "RetainExceptOnCreate/Retain"
	)
	for name, tc := range map[string]struct {
		f                      *testutil.Fixture
		data, logs, vault, key string
		autoDelete             bool
	}{
		"dev":  {dev, deleted, deleted, except, deleted, true},
		"prod": {prd, retained, retained, except, retained, false},
		// SNAPSHOT: nothing CloudFormation can snapshot here, so the bucket and
		// its key are kept except on a rolled-back first creation; the access
		// logs bucket, which receives logs while the stack is being created
		// (a rollback could not delete it), stays RETAIN.
		"snapshot": {rty, except, retained, except, except, false},
	} {
		t.Run(name, func(t *testing.T) {
			policy := func(r map[string]any) string {
				return fmt.Sprintf("%v/%v", r["DeletionPolicy"], r["UpdateReplacePolicy"])
			}
			for id, r := range testutil.Resources(tc.f.JSON, "AWS::S3::Bucket") {
				want := tc.data
				if strings.Contains(id, "AccessLogs") {
					want = tc.logs
				}
				if got := policy(r); got != want {
					t.Errorf("bucket %s: %s, want %s", id, got, want)
				}
			}
			for id, r := range testutil.Resources(tc.f.JSON, "AWS::KMS::Key") {
				want := tc.key
				if strings.Contains(id, "BackupVaultKey") {
					want = tc.vault
				}
				if got := policy(r); got != want {
					t.Errorf("key %s: %s, want %s", id, got, want)
				}
			}
			// The vault has a fixed name: a plain Retain would make the retry
			// of a failed first creation fail on "already exists".
			for id, r := range testutil.Resources(tc.f.JSON, "AWS::Backup::BackupVault") {
				if got := policy(r); got != tc.vault {
					t.Errorf("vault %s: %s, want %s", id, got, tc.vault)
				}
			}
			if got := len(testutil.Resources(tc.f.JSON, "Custom::S3AutoDeleteObjects")) > 0; got != tc.autoDelete {
				t.Errorf("auto-delete objects: got %v, want %v", got, tc.autoDelete)
			}
		})
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, dev.Stack)
	testutil.RequireNoNagErrors(t, prd.Stack)
	testutil.RequireNoNagErrors(t, rty.Stack)
}

func TestInvalidProps(t *testing.T) {
	got := testutil.PanicMessage(func() {
		objectstore.NewObjectStore(prd.Stack, "Invalid", &objectstore.ObjectStoreProps{
			NoncurrentVersionExpirationDays: new(0),
			Backup: &objectstore.BackupProps{Retention: &objectstore.BackupRetention{
				DailyRetentionDays: 0, WeeklyRetentionDays: -1, MonthlyRetentionDays: 365,
			}},
		})
	})
	want := "objectstore.NewObjectStore \"Invalid\": invalid props:\n" +
		"objectstore.ObjectStoreProps.NoncurrentVersionExpirationDays: got 0, want at least 1\n" +
		"objectstore.ObjectStoreProps.Backup.Retention.DailyRetentionDays: got 0, want 1 to 36500\n" +
		"objectstore.ObjectStoreProps.Backup.Retention.WeeklyRetentionDays: got -1, want 0 (no weekly backups) or 1 to 36500"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
