package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/recovery"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
)

// Stack construct IDs of disaster recovery (stack names
// "<name>-Recovery", "<name>-RecoveryVault").
const (
	RecoveryStackID      = "Recovery"
	RecoveryVaultStackID = "RecoveryVault"
)

// RecoveryStackProps configures the Recovery stack.
type RecoveryStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration; Name, DR and RetainData are read.
	Config *config.Config
}

// RecoveryStack holds, in the recovery region (dr.region) of this
// deployment's account, what the copies need there: a KMS key per copy
// under a fixed alias, the snapshot and file replica buckets, and (without
// dr.backupAccount) the locked backup vault. It depends on nothing and the
// Data stack depends on it: S3 accepts a replication rule only towards a
// versioned bucket that exists. Deleting it deletes no bucket, key or vault
// in prod (RetainExceptOnCreate).
type RecoveryStack struct {
	awscdk.Stack
	// Region is the construct with every resource.
	Region recovery.RecoveryRegion
}

// NewRecoveryStack creates the Recovery stack. props.Env must name the
// recovery region.
func NewRecoveryStack(scope constructs.Construct, id string, props *RecoveryStackProps) *RecoveryStack {
	cfg := props.Config
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	dr := cfg.DR
	return &RecoveryStack{Stack: stack, Region: recovery.NewRecoveryRegion(stack, "RecoveryRegion", &recovery.RecoveryRegionProps{
		Name:                  jsii.String(cfg.Name),
		ReplicaNoncurrentDays: &dr.ReplicaNoncurrentDays,
		Vault:                 vaultProps(cfg),
		NoVault:               jsii.Bool(dr.BackupAccount != ""),
		RemovalPolicy:         removalPolicy(cfg),
	})}
}

// vaultProps are the recovery vault's props: locked like the primary vault
// (the shortest retention of data.backup); nil in a backup account's stack.
func vaultProps(cfg *config.Config) *recovery.RecoveryVaultProps {
	if cfg.DR.BackupAccount != "" {
		return nil
	}
	days := cfg.Data.Backup.MinRetentionDays()
	return &recovery.RecoveryVaultProps{MinRetentionDays: &days}
}

// RecoveryVaultStack holds the recovery vault in dr.backupAccount (and
// dr.region), which admits copies from this deployment's account.
type RecoveryVaultStack struct {
	awscdk.Stack
	// Vault is the construct with the vault and its key.
	Vault recovery.RecoveryVault
}

// NewRecoveryVaultStack creates the RecoveryVault stack. props.Env must
// name the backup account and the recovery region.
func NewRecoveryVaultStack(scope constructs.Construct, id string, props *RecoveryStackProps) *RecoveryVaultStack {
	cfg := props.Config
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	days := cfg.Data.Backup.MinRetentionDays()
	return &RecoveryVaultStack{Stack: stack, Vault: recovery.NewRecoveryVault(stack, "RecoveryVault", &recovery.RecoveryVaultProps{
		Name:             jsii.String(cfg.Name),
		MinRetentionDays: &days,
		SourceAccounts:   []string{cfg.Account},
	})}
}

// recoveryVaultArn is the ARN of the vault the file bucket's recovery
// points are copied to, built from names (the vault is in another region,
// perhaps another account: no CloudFormation reference reaches it).
func recoveryVaultArn(stack awscdk.Stack, cfg *config.Config) string {
	account := cfg.DR.BackupAccount
	if account == "" {
		account = *stack.Account()
	}
	return "arn:" + *stack.Partition() + ":backup:" + cfg.DR.Region + ":" + account + ":backup-vault:" + recoveryspec.VaultName(cfg.Name)
}
