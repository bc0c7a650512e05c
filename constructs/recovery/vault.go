package recovery

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/objectstore/objectstorespec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// RecoveryVaultProps configures NewRecoveryVault.
type RecoveryVaultProps struct {
	// Name is the deployment's name: the vault is "<Name>-dr-vault" and its
	// key's alias "alias/<Name>-dr-vault", which the primary region's backup
	// plan names (recoveryspec.VaultName, recoveryspec.KeyAlias). Required.
	Name *string
	// MinRetentionDays locks the vault (governance mode): no recovery point
	// can be deleted before this many days, like the primary vault. At
	// least 1. Default: the shortest retention of the default backup plan
	// (objectstorespec.DefaultBackupRetention: 35).
	MinRetentionDays *int
	// SourceAccounts may copy recovery points into the vault
	// (backup:CopyIntoBackupVault) and use its key through AWS Backup: the
	// primary accounts when this is a separate backup account.
	// Default: none (copies from this account only).
	SourceAccounts []string
	// RemovalPolicy of the vault and its key. AWS refuses to delete a vault
	// that holds recovery points and the lock keeps them, so DESTROY would
	// only make a stack deletion fail. Default:
	// awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE.
	RemovalPolicy awscdk.RemovalPolicy
}

// RecoveryVault is the locked backup vault of the recovery region.
type RecoveryVault interface {
	constructs.Construct
	// Vault receives the copies of the primary region's recovery points.
	Vault() awsbackup.IBackupVault
	// Key encrypts the vault.
	Key() awskms.IKey
	// KeyAlias names Key in this region ("alias/<name>-dr-vault").
	KeyAlias() awskms.IAlias
}

type recoveryVault struct {
	constructs.Construct
	vault awsbackup.IBackupVault
	key   awskms.IKey
	alias awskms.IAlias
}

func (v *recoveryVault) Vault() awsbackup.IBackupVault { return v.vault }
func (v *recoveryVault) Key() awskms.IKey              { return v.key }
func (v *recoveryVault) KeyAlias() awskms.IAlias       { return v.alias }

type vaultResolved struct {
	RecoveryVaultProps
	minDays int
}

func (p *RecoveryVaultProps) withDefaults() vaultResolved {
	r := vaultResolved{}
	if p != nil {
		r.RecoveryVaultProps = *p
	}
	r.minDays = defaults.Of(r.MinRetentionDays, objectstorespec.DefaultBackupRetention().MinRetentionDays())
	defaults.Slice(&r.SourceAccounts, nil)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	return r
}

func (r vaultResolved) validate() error {
	const f = "recovery.RecoveryVaultProps."
	pr := &problems.List{}
	checkName(pr, f+"Name", r.Name)
	if r.minDays < 1 || r.minDays > objectstorespec.MaxBackupRetentionDays {
		pr.Add(f+"MinRetentionDays", r.minDays, fmt.Sprintf("1 to %d", objectstorespec.MaxBackupRetentionDays))
	}
	for i, a := range r.SourceAccounts {
		if !isToken(a) && !accountRe.MatchString(a) {
			pr.Add(fmt.Sprintf(f+"SourceAccounts[%d]", i), a, "a 12-digit AWS account ID")
		}
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	return pr.Err()
}

// NewRecoveryVault creates the key (with its alias) and the locked backup
// vault that receive the AWS Backup copies of the file bucket. It panics
// with an *problems.InvalidProps, listing every invalid prop, before
// creating anything.
func NewRecoveryVault(scope constructs.Construct, id string, props *RecoveryVaultProps) RecoveryVault {
	p := props.withDefaults()
	problems.PanicIfInvalid("recovery.NewRecoveryVault", id, p.validate())
	v := &recoveryVault{}
	constructs.NewConstruct_Override(v, scope, jsii.String(id))
	removal := awsutil.DataRemovalPolicy(p.RemovalPolicy)
	name := *p.Name
	v.key = secrets.NewKey(v, "Key", &secrets.KeyProps{
		Description:   jsii.String("Disaster recovery: AWS Backup copies of the OpenCTI file bucket (" + name + ")"),
		RemovalPolicy: removal,
	})
	v.alias = awskms.NewAlias(v, jsii.String("KeyAlias"), &awskms.AliasProps{
		AliasName: jsii.String(recoveryspec.KeyAlias(name, recoveryspec.PurposeVault)),
		TargetKey: v.key,
	})
	vault := awsbackup.NewBackupVault(v, jsii.String("Resource"), &awsbackup.BackupVaultProps{
		BackupVaultName:            jsii.String(recoveryspec.VaultName(name)),
		EncryptionKey:              v.key,
		BlockRecoveryPointDeletion: jsii.Bool(true),
		LockConfiguration:          &awsbackup.LockConfiguration{MinRetention: awscdk.Duration_Days(jsii.Number(float64(p.minDays)))},
		RemovalPolicy:              removal,
	})
	for _, account := range p.SourceAccounts {
		principal := awsiam.NewAccountPrincipal(jsii.String(account))
		vault.AddToAccessPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("CopyFrom" + account),
			Actions:    jsii.Strings("backup:CopyIntoBackupVault"),
			Principals: &[]awsiam.IPrincipal{principal},
			Resources:  jsii.Strings("*"),
		}))
		v.key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("CopiesFrom" + account),
			Actions:    jsii.Strings("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"),
			Principals: &[]awsiam.IPrincipal{principal},
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"kms:ViaService": "backup." + *awscdk.Stack_Of(v).Region() + ".amazonaws.com",
			}},
		}), jsii.Bool(false))
	}
	v.vault = vault
	return v
}
