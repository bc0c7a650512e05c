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
	// Bucket, when set, is OpenCTI's file bucket instead of a new one (bring
	// your own: versioned, SSE-KMS with EncryptionKey; e.g. the recovery
	// region's file replica that a failover takes over). The store backs it
	// up and grants access to it but changes nothing on it:
	// NoncurrentVersionExpirationDays and RemovalPolicy do not apply to it.
	// Default: a new bucket.
	Bucket awss3.IBucket
	// EncryptionKey encrypts the bucket (SSE-KMS with an S3 bucket key).
	// Required with Bucket. Default: a new customer managed key with rotation.
	EncryptionKey awskms.IKey
	// NoncurrentVersionExpirationDays is how long an overwritten or deleted
	// object version is kept before S3 expires it (>= 1).
	// Default: objectstorespec.DefaultNoncurrentVersionExpirationDays (90).
	NoncurrentVersionExpirationDays *int
	// AccessLogsBucket receives the bucket's server access logs (prefix
	// "opencti-files/"). Default: a new bucket from NewAccessLogsBucket;
	// none with Bucket (a bucket brought along keeps its own logging).
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
	// CopyTo copies every recovery point, as each rule makes it, to a vault
	// in another region or account, kept there as long as in this vault.
	// Default: no copies.
	CopyTo *BackupCopy
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

// BackupCopy is where BackupProps.CopyTo copies the recovery points.
type BackupCopy struct {
	// VaultArn is the destination vault's ARN
	// ("arn:aws:backup:<region>:<account>:backup-vault:<name>"). Required.
	VaultArn *string
	// KeyAlias is the alias ("alias/<name>") of the key that encrypts the
	// destination vault, in its region and account: the backup role may use
	// that key (and no other) for the copies. Default: no key statement.
	KeyAlias *string
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
	// AccessLogsBucket receives Bucket's server access logs; nil with
	// ObjectStoreProps.Bucket and no AccessLogsBucket.
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
	// brought is true when the bucket is ObjectStoreProps.Bucket.
	brought bool
}

func (o *objectStore) Bucket() awss3.IBucket               { return o.bucket }
func (o *objectStore) EncryptionKey() awskms.IKey          { return o.key }
func (o *objectStore) AccessLogsBucket() awss3.IBucket     { return o.logs }
func (o *objectStore) BackupVault() awsbackup.IBackupVault { return o.vault }
func (o *objectStore) BackupPlan() awsbackup.IBackupPlan   { return o.plan }
func (o *objectStore) BackupRole() awsiam.IRole            { return o.role }

func (o *objectStore) GrantReadWrite(role awsiam.IRole) {
	o.bucket.GrantReadWrite(role, nil)
	objects := map[string]any{"regex": "/^Resource::<.*Bucket.*\\.Arn>/\\*$/"}
	if o.brought {
		// A bucket brought by name (Bucket prop) has a literal ARN.
		objects = map[string]any{"regex": "/^Resource::arn:[^:]+:s3:::[a-z0-9.-]+\\/\\*$/"}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("OpenCTI stores files under arbitrary keys of its one bucket (bucket/*) and S3 object encryption needs kms:GenerateDataKey*/ReEncrypt* on the bucket's key only; no other bucket or key is named"),
		AppliesTo: &[]any{"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*", objects},
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
	if r.Bucket != nil && r.EncryptionKey == nil {
		pr.Add(f+"EncryptionKey", nil, "the key that encrypts Bucket (required with Bucket)")
	}
	if c := r.backup.CopyTo; c != nil && (c.VaultArn == nil || *c.VaultArn == "") {
		pr.Add(f+"Backup.CopyTo.VaultArn", c.VaultArn, "the destination vault's ARN")
	}
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
	if o.logs == nil && p.Bucket == nil {
		o.logs = NewAccessLogsBucket(o, "AccessLogsBucket", &AccessLogsBucketProps{RemovalPolicy: removal})
	}
	o.bucket, o.brought = p.Bucket, p.Bucket != nil
	if o.bucket == nil {
		o.bucket = o.newBucket(p, removal)
	}
	o.addBackup(p.backup, p.retention)
	return o
}

// newBucket creates the versioned, encrypted, access-logged file bucket.
func (o *objectStore) newBucket(p resolved, removal awscdk.RemovalPolicy) awss3.IBucket {
	return awss3.NewBucket(o, jsii.String("Bucket"), &awss3.BucketProps{
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
	var copyTo awsbackup.IBackupVault
	if b.CopyTo != nil {
		copyTo = awsbackup.BackupVault_FromBackupVaultArn(o, jsii.String("CopyDestination"), b.CopyTo.VaultArn)
	}
	var planRules []awsbackup.BackupPlanRule
	for _, r := range rules {
		if r.days == 0 {
			continue
		}
		keep := awscdk.Duration_Days(jsii.Number(float64(r.days)))
		props := &awsbackup.BackupPlanRuleProps{
			RuleName:           jsii.String(r.name),
			ScheduleExpression: awsevents.Schedule_Cron(r.cron),
			DeleteAfter:        keep,
		}
		if copyTo != nil {
			props.CopyActions = &[]*awsbackup.BackupPlanCopyActionProps{{DestinationBackupVault: copyTo, DeleteAfter: keep}}
		}
		planRules = append(planRules, awsbackup.NewBackupPlanRule(props))
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
	if c := b.CopyTo; c != nil {
		o.allowCopies(role, c)
	}
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

// allowCopies lets the backup role copy recovery points into the
// destination vault and use its key, found by alias in the vault's region
// and account (kms:ResourceAliases: a key ARN in another region is not
// known when this stack is synthesized).
func (o *objectStore) allowCopies(role awsiam.Role, c *BackupCopy) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("CopyIntoRecoveryVault"),
		Actions:   jsii.Strings("backup:CopyIntoBackupVault"),
		Resources: &[]*string{c.VaultArn},
	}))
	if c.KeyAlias == nil {
		return
	}
	vault := awscdk.Arn_Split(c.VaultArn, awscdk.ArnFormat_COLON_RESOURCE_NAME)
	keys := jsii.String("arn:" + *vault.Partition + ":kms:" + *vault.Region + ":" + *vault.Account + ":key/*")
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("UseRecoveryVaultKey"),
		Actions:    jsii.Strings("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"),
		Resources:  &[]*string{keys},
		Conditions: &map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": []*string{c.KeyAlias}}},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The recovery vault's key lives in another region (or account) and is known by its alias only: " +
			"the statement names every key of that account and region and the condition kms:ResourceAliases keeps the one key."),
		AppliesTo: &[]any{cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::arn:.+:kms:.+:key\\/\\*$/")}},
	}}, jsii.Bool(true))
}
