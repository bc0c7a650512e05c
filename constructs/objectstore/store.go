// Package objectstore provides the S3 bucket that holds OpenCTI's files
// (imports, exports, attachments): versioned, encrypted with a customer managed
// key, private, TLS-only, access-logged, with noncurrent versions expired, and
// backed up by AWS Backup into a locked, KMS-encrypted vault.
package objectstore

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/objectstore/objectstorespec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// ObjectStoreProps configures NewObjectStore.
type ObjectStoreProps struct {
	// EncryptionKey encrypts the bucket (SSE-KMS with an S3 bucket key).
	// Default: a new customer managed key with rotation.
	EncryptionKey awskms.IKey
	// NoncurrentVersionExpirationDays is how long an overwritten or deleted
	// object version is kept before S3 expires it (>= 1).
	// Default: objectstorespec.DefaultNoncurrentVersionExpirationDays (90).
	NoncurrentVersionExpirationDays *int
	// AccessLogsBucket receives the bucket's server access logs (prefix
	// "opencti-files/"). Default: a new bucket from NewAccessLogsBucket.
	AccessLogsBucket awss3.IBucket
	// Backup configures the AWS Backup plan of the bucket.
	// Default: daily backups kept 35 days, weekly 90 days, monthly 365 days.
	Backup *BackupProps
	// RemovalPolicy applies to the bucket, its key and the default access logs
	// bucket; SNAPSHOT is treated as RETAIN_ON_UPDATE_OR_DELETE (see
	// awsutil.DataRemovalPolicy), and the access logs bucket is always RETAINed
	// unless DESTROY (see AccessLogsBucketProps). DESTROY also empties the
	// buckets on deletion (autoDeleteObjects is never used on retained buckets).
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// BackupRetention sets how long AWS Backup keeps the recovery points of each
// rule (objectstorespec.BackupRetention, which the configuration's
// data.backup section reuses). Each rule runs at 03:00 UTC; a retention of 0
// leaves that rule out.
type BackupRetention = objectstorespec.BackupRetention

// DefaultBackupRetention keeps daily recovery points 35 days, weekly 90 days
// and monthly 365 days.
func DefaultBackupRetention() BackupRetention { return objectstorespec.DefaultBackupRetention() }

// BackupProps configures the AWS Backup plan of the object store.
type BackupProps struct {
	// Retention of the daily, weekly and monthly rules; start from
	// DefaultBackupRetention() and change what differs.
	// Default: DefaultBackupRetention() (35, 90 and 365 days).
	Retention *BackupRetention
	// VaultKey encrypts the backup vault. Default: a new dedicated customer
	// managed key (separate from the bucket key), retained like the vault.
	VaultKey awskms.IKey
	// VaultRemovalPolicy applies to the vault and its default key. AWS refuses
	// to delete a vault that holds recovery points, and the vault lock keeps
	// them for at least the shortest retention, so DESTROY would only make stack
	// deletion fail. The vault has a fixed name (derived from the construct
	// path): with plain RETAIN a rolled-back first creation would leave it
	// behind and the retry would fail on "already exists".
	// Default: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (kept on stack
	// deletion and replacement, deleted, still empty, when the operation that
	// created it rolls back).
	VaultRemovalPolicy awscdk.RemovalPolicy
}

// ObjectStore is OpenCTI's file store and its backups. Every resource it
// creates is reachable from it.
type ObjectStore interface {
	constructs.Construct
	// Bucket holds OpenCTI's files (MINIO__BUCKET_NAME).
	Bucket() awss3.IBucket
	// EncryptionKey encrypts Bucket; readers and writers need kms:Decrypt and
	// kms:GenerateDataKey on it (Bucket().GrantReadWrite grants both).
	EncryptionKey() awskms.IKey
	// AccessLogsBucket receives Bucket's server access logs.
	AccessLogsBucket() awss3.IBucket
	// BackupVault holds Bucket's recovery points.
	BackupVault() awsbackup.IBackupVault
	// BackupPlan schedules the backups.
	BackupPlan() awsbackup.IBackupPlan
	// BackupRole is the role AWS Backup uses to back up and restore Bucket.
	BackupRole() awsiam.IRole
	// GrantReadWrite lets role (the OpenCTI platform pods' role) read, write
	// and delete objects of Bucket and use its key, nothing else, and records
	// on role why cdk-nag may accept the wildcards that needs.
	GrantReadWrite(role awsiam.IRole)
}

type objectStore struct {
	constructs.Construct
	bucket, logs awss3.IBucket
	key          awskms.IKey
	vault        awsbackup.IBackupVault
	plan         awsbackup.IBackupPlan
	role         awsiam.IRole
}

func (o *objectStore) Bucket() awss3.IBucket               { return o.bucket }
func (o *objectStore) EncryptionKey() awskms.IKey          { return o.key }
func (o *objectStore) AccessLogsBucket() awss3.IBucket     { return o.logs }
func (o *objectStore) BackupVault() awsbackup.IBackupVault { return o.vault }
func (o *objectStore) BackupPlan() awsbackup.IBackupPlan   { return o.plan }
func (o *objectStore) BackupRole() awsiam.IRole            { return o.role }

func (o *objectStore) GrantReadWrite(role awsiam.IRole) {
	o.bucket.GrantReadWrite(role, nil)
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("OpenCTI stores files under arbitrary keys of its one bucket (bucket/*) and S3 object encryption needs kms:GenerateDataKey*/ReEncrypt* on the bucket's key only; no other bucket or key is named"),
		AppliesTo: &[]any{"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*", map[string]any{"regex": "/^Resource::<.*Bucket.*\\.Arn>/\\*$/"}},
	}}, jsii.Bool(true))
}

// resolved is ObjectStoreProps with every default filled in (a copy: the
// caller's props are never changed).
type resolved struct {
	ObjectStoreProps
	backup    BackupProps
	retention BackupRetention
}

func (p *ObjectStoreProps) withDefaults() resolved {
	r := resolved{}
	if p != nil {
		r.ObjectStoreProps = *p
	}
	defaults.Set(&r.NoncurrentVersionExpirationDays, objectstorespec.DefaultNoncurrentVersionExpirationDays)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	r.backup = defaults.Of(r.Backup, BackupProps{})
	r.retention = defaults.Of(r.backup.Retention, DefaultBackupRetention())
	defaults.Zero(&r.backup.VaultRemovalPolicy, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	return r
}

func (r resolved) validate() error {
	const f = "objectstore.ObjectStoreProps."
	pr := &problems.List{}
	objectstorespec.CheckNoncurrentVersionExpirationDays(pr, f+"NoncurrentVersionExpirationDays", *r.NoncurrentVersionExpirationDays)
	r.retention.Check(pr, problems.GoNames(f+"Backup.Retention."))
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	awsutil.CheckRemovalPolicy(pr, f+"Backup.VaultRemovalPolicy", r.backup.VaultRemovalPolicy)
	return pr.Err()
}

// NewObjectStore creates the bucket, its access logs bucket (unless given),
// the backup vault, plan, selection and role. It panics with an
// *problems.InvalidProps, listing every invalid prop, before creating
// anything.
func NewObjectStore(scope constructs.Construct, id string, props *ObjectStoreProps) ObjectStore {
	p := props.withDefaults()
	problems.PanicIfInvalid("objectstore.NewObjectStore", id, p.validate())
	o := &objectStore{}
	constructs.NewConstruct_Override(o, scope, jsii.String(id))
	removal := awsutil.DataRemovalPolicy(p.RemovalPolicy)

	o.key = secrets.KeyOrNew(p.EncryptionKey, o, "Key", &secrets.KeyProps{
		Description:   jsii.String("OpenCTI file store bucket"),
		RemovalPolicy: removal,
	})
	o.logs = p.AccessLogsBucket
	if o.logs == nil {
		o.logs = NewAccessLogsBucket(o, "AccessLogsBucket", &AccessLogsBucketProps{RemovalPolicy: removal})
	}
	o.bucket = awss3.NewBucket(o, jsii.String("Bucket"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          o.key,
		BucketKeyEnabled:       jsii.Bool(true),
		Versioned:              jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: o.logs,
		ServerAccessLogsPrefix: jsii.String("opencti-files/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireNoncurrentVersions"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(float64(*p.NoncurrentVersionExpirationDays))),
			ExpiredObjectDeleteMarker:           jsii.Bool(true),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
		RemovalPolicy:     removal,
		AutoDeleteObjects: jsii.Bool(removal == awscdk.RemovalPolicy_DESTROY),
	})
	o.addBackup(p.backup, p.retention)
	return o
}

func (o *objectStore) addBackup(b BackupProps, retention BackupRetention) {
	vaultRemoval := awsutil.DataRemovalPolicy(b.VaultRemovalPolicy)
	vaultKey := secrets.KeyOrNew(b.VaultKey, o, "BackupVaultKey", &secrets.KeyProps{
		Description:   jsii.String("OpenCTI file store backup vault"),
		RemovalPolicy: vaultRemoval,
	})
	type rule struct {
		name string
		days int
		cron *awsevents.CronOptions
	}
	rules := []rule{
		{"Daily", retention.DailyRetentionDays, &awsevents.CronOptions{Minute: jsii.String("0"), Hour: jsii.String("3")}},
		{"Weekly", retention.WeeklyRetentionDays, &awsevents.CronOptions{Minute: jsii.String("0"), Hour: jsii.String("3"), WeekDay: jsii.String("SUN")}},
		{"Monthly", retention.MonthlyRetentionDays, &awsevents.CronOptions{Minute: jsii.String("0"), Hour: jsii.String("3"), Day: jsii.String("1")}},
	}
	minDays := retention.MinRetentionDays()
	var planRules []awsbackup.BackupPlanRule
	for _, r := range rules {
		if r.days == 0 {
			continue
		}
		planRules = append(planRules, awsbackup.NewBackupPlanRule(&awsbackup.BackupPlanRuleProps{
			RuleName:           jsii.String(r.name),
			ScheduleExpression: awsevents.Schedule_Cron(r.cron),
			DeleteAfter:        awscdk.Duration_Days(jsii.Number(float64(r.days))),
		}))
	}
	vault := awsbackup.NewBackupVault(o, jsii.String("BackupVault"), &awsbackup.BackupVaultProps{
		EncryptionKey: vaultKey,
		// Deny DeleteRecoveryPoint/UpdateRecoveryPointLifecycle to everyone, and
		// lock the vault (governance mode) so no recovery point can be deleted
		// before the shortest retention of the plan.
		BlockRecoveryPointDeletion: jsii.Bool(true),
		LockConfiguration:          &awsbackup.LockConfiguration{MinRetention: awscdk.Duration_Days(jsii.Number(float64(minDays)))},
		RemovalPolicy:              vaultRemoval,
	})
	o.vault = vault
	plan := awsbackup.NewBackupPlan(o, jsii.String("BackupPlan"), &awsbackup.BackupPlanProps{
		BackupVault:     vault,
		BackupPlanRules: &planRules,
	})
	o.plan = plan

	role := awsiam.NewRole(o, jsii.String("BackupRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("backup.amazonaws.com"), nil),
		Description: jsii.String("AWS Backup: back up and restore the OpenCTI file store bucket"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AWSBackupServiceRolePolicyForS3Backup")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AWSBackupServiceRolePolicyForS3Restore")),
		},
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("UseBucketKey"),
		Actions:   jsii.Strings("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
		Resources: &[]*string{o.key.KeyArn()},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("UseVaultKey"),
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"),
		Resources:  &[]*string{vaultKey.KeyArn()},
		Conditions: &map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("AWS Backup documents AWSBackupServiceRolePolicyForS3Backup and ...ForS3Restore as the " +
			"permissions its role needs for S3; AWS maintains them as the service's needs change."),
		AppliesTo: &[]any{cdknag.RegexAppliesTo{
			Regex: jsii.String("/^Policy::arn:.+:iam::aws:policy\\/AWSBackupServiceRolePolicyForS3(Backup|Restore)$/"),
		}},
	}}, jsii.Bool(true))
	o.role = role
	plan.AddSelection(jsii.String("Bucket"), &awsbackup.BackupSelectionOptions{
		Resources:                  &[]awsbackup.BackupResource{awsbackup.BackupResource_FromArn(o.bucket.BucketArn())},
		Role:                       role,
		DisableDefaultBackupPolicy: jsii.Bool(true),
	})
}
