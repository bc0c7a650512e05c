// Package recovery provides disaster recovery for an opencti-ha deployment:
// the recovery region's keys, replica buckets and locked backup vault
// (NewRecoveryRegion, NewRecoveryVault), S3 replication of a primary bucket
// into it (NewReplication), scheduled OpenSearch snapshots into the
// replicated prefix of the snapshot bucket with an age probe
// (NewSnapshotSchedule), the restore of the OpenCTI indices before the
// OpenCTI tiers start (NewRestore) and the deploy-time look-up of a key by
// alias (NewKeyLookup). Rules, names and the RPO/RTO figures live in
// recoveryspec; design and runbooks in docs/disaster-recovery.md.
package recovery

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/objectstore"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// RecoveryRegionProps configures NewRecoveryRegion.
type RecoveryRegionProps struct {
	// Name is the deployment's name: the buckets are
	// "<name>-dr-snapshots-<account>-<region>" and
	// "<name>-dr-files-<account>-<region>" (lower case), the keys' aliases
	// "alias/<name>-dr-{snapshots,files,secrets}": the names the primary
	// region's replication rules and secret replicas use. Required.
	Name *string
	// ReplicaNoncurrentDays keeps overwritten and deleted versions in the
	// replica buckets this long, 1 to 365. Default:
	// recoveryspec.DefaultReplicaNoncurrentDays (14).
	ReplicaNoncurrentDays *int
	// Vault creates the locked backup vault for the file bucket's copies
	// here (NewRecoveryVault with these props; Name is filled in). Set
	// NoVault when the copies go to a backup account's vault instead.
	// Default: a vault with NewRecoveryVault's defaults.
	Vault *RecoveryVaultProps
	// NoVault leaves the vault out. Default: false.
	NoVault *bool
	// AccessLogsBucket receives the replica buckets' server access logs.
	// Default: a new access logs bucket (objectstore.NewAccessLogsBucket).
	AccessLogsBucket awss3.IBucket
	// RemovalPolicy of the keys and replica buckets (DESTROY also empties
	// the buckets); SNAPSHOT is treated as RETAIN_ON_UPDATE_OR_DELETE.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// RecoveryRegion is what the recovery region holds. Every resource it
// creates is reachable from it.
type RecoveryRegion interface {
	constructs.Construct
	// SnapshotReplica receives the replicated DR repository prefix of the
	// primary snapshot bucket.
	SnapshotReplica() awss3.IBucket
	// FileReplica receives the replicated OpenCTI file bucket.
	FileReplica() awss3.IBucket
	// SnapshotKey, FileKey and SecretsKey encrypt the snapshot replica, the
	// file replica and the secret replicas; each has the alias
	// recoveryspec.KeyAlias(name, purpose).
	SnapshotKey() awskms.IKey
	FileKey() awskms.IKey
	SecretsKey() awskms.IKey
	// Vault is the backup vault of the copies; nil with NoVault.
	Vault() RecoveryVault
	// AccessLogsBucket receives the replicas' server access logs.
	AccessLogsBucket() awss3.IBucket
}

type recoveryRegion struct {
	constructs.Construct
	snapshots, files, logs           awss3.IBucket
	snapshotKey, fileKey, secretsKey awskms.IKey
	vault                            RecoveryVault
}

func (r *recoveryRegion) SnapshotReplica() awss3.IBucket  { return r.snapshots }
func (r *recoveryRegion) FileReplica() awss3.IBucket      { return r.files }
func (r *recoveryRegion) SnapshotKey() awskms.IKey        { return r.snapshotKey }
func (r *recoveryRegion) FileKey() awskms.IKey            { return r.fileKey }
func (r *recoveryRegion) SecretsKey() awskms.IKey         { return r.secretsKey }
func (r *recoveryRegion) Vault() RecoveryVault            { return r.vault }
func (r *recoveryRegion) AccessLogsBucket() awss3.IBucket { return r.logs }

type regionResolved struct {
	RecoveryRegionProps
	noncurrentDays int
}

func (p *RecoveryRegionProps) withDefaults() regionResolved {
	r := regionResolved{}
	if p != nil {
		r.RecoveryRegionProps = *p
	}
	r.noncurrentDays = defaults.Of(r.ReplicaNoncurrentDays, recoveryspec.DefaultReplicaNoncurrentDays)
	defaults.Set(&r.NoVault, false)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	return r
}

func (r regionResolved) validate(region string) error {
	const f = "recovery.RecoveryRegionProps."
	pr := &problems.List{}
	checkName(pr, f+"Name", r.Name)
	recoveryspec.CheckReplicaNoncurrentDays(pr, f+"ReplicaNoncurrentDays", r.noncurrentDays)
	if *r.NoVault && r.Vault != nil {
		pr.Add(f+"Vault", problems.Raw("vault props"), "nil with NoVault")
	}
	if isToken(region) {
		pr.Add(f[:len(f)-len("RecoveryRegionProps.")]+"NewRecoveryRegion", problems.Raw("a stack without a region"),
			"a stack with an explicit region (env.region): the bucket names include it")
	} else if r.Name != nil && !isToken(*r.Name) && len(*r.Name) > recoveryspec.MaxNameLength(region) {
		pr.Add(f+"Name", r.Name, fmt.Sprintf("at most %d characters in %s (S3 bucket names have at most 63)", recoveryspec.MaxNameLength(region), region))
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	return pr.Err()
}

// NewRecoveryRegion creates, in the stack's region (the recovery region),
// one KMS key with a fixed alias per replicated copy (snapshots, files,
// secrets), the two replica buckets (versioned, SSE-KMS with bucket keys,
// TLS-only, private, access-logged, noncurrent versions expired) and, unless
// NoVault, the locked backup vault (NewRecoveryVault). It panics with an
// *problems.InvalidProps, listing every invalid prop, before creating
// anything.
func NewRecoveryRegion(scope constructs.Construct, id string, props *RecoveryRegionProps) RecoveryRegion {
	p := props.withDefaults()
	stack := awscdk.Stack_Of(scope)
	problems.PanicIfInvalid("recovery.NewRecoveryRegion", id, p.validate(*stack.Region()))
	r := &recoveryRegion{}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	removal := awsutil.DataRemovalPolicy(p.RemovalPolicy)
	name, account, region := *p.Name, *stack.Account(), *stack.Region()

	newKey := func(id, purpose, description string, secretsManager bool) awskms.IKey {
		key := secrets.NewKey(r, id, &secrets.KeyProps{
			Description:                  jsii.String("Disaster recovery (" + name + "): " + description),
			RemovalPolicy:                removal,
			AllowSecretsManagerInAccount: jsii.Bool(secretsManager),
		})
		awskms.NewAlias(r, jsii.String(id+"Alias"), &awskms.AliasProps{
			AliasName: jsii.String(recoveryspec.KeyAlias(name, purpose)),
			TargetKey: key,
		})
		return key
	}
	r.snapshotKey = newKey("SnapshotKey", recoveryspec.PurposeSnapshots, "replica of the OpenSearch snapshots", false)
	r.fileKey = newKey("FileKey", recoveryspec.PurposeFiles, "replica of the OpenCTI file bucket", false)
	// Secret replicas are read through Secrets Manager by the restored
	// cluster's External Secrets Operator, which names no key.
	r.secretsKey = newKey("SecretsKey", recoveryspec.PurposeSecrets, "replicas of the OpenCTI secrets", true)

	r.logs = p.AccessLogsBucket
	if r.logs == nil {
		r.logs = objectstore.NewAccessLogsBucket(r, "AccessLogsBucket", &objectstore.AccessLogsBucketProps{RemovalPolicy: removal})
	}
	newReplica := func(id, bucketName, logPrefix string, key awskms.IKey) awss3.IBucket {
		return awss3.NewBucket(r, jsii.String(id), &awss3.BucketProps{
			BucketName:             jsii.String(bucketName),
			Encryption:             awss3.BucketEncryption_KMS,
			EncryptionKey:          key,
			BucketKeyEnabled:       jsii.Bool(true),
			Versioned:              jsii.Bool(true),
			BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
			EnforceSSL:             jsii.Bool(true),
			MinimumTLSVersion:      jsii.Number(1.2),
			ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
			ServerAccessLogsBucket: r.logs,
			ServerAccessLogsPrefix: jsii.String(logPrefix),
			LifecycleRules: &[]*awss3.LifecycleRule{{
				Id:                                  jsii.String("ExpireNoncurrentVersions"),
				NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(float64(p.noncurrentDays))),
				ExpiredObjectDeleteMarker:           jsii.Bool(true),
				AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
			}},
			RemovalPolicy:     removal,
			AutoDeleteObjects: jsii.Bool(removal == awscdk.RemovalPolicy_DESTROY),
		})
	}
	r.snapshots = newReplica("SnapshotReplica", recoveryspec.SnapshotReplicaBucket(name, account, region), "dr-snapshots/", r.snapshotKey)
	r.files = newReplica("FileReplica", recoveryspec.FileReplicaBucket(name, account, region), "dr-files/", r.fileKey)

	if !*p.NoVault {
		vp := defaults.Of(p.Vault, RecoveryVaultProps{})
		vp.Name = p.Name
		r.vault = NewRecoveryVault(r, "Vault", &vp)
	}
	return r
}
