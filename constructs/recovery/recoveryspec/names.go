package recoveryspec

import (
	"slices"
	"strings"
)

// Regions are the AWS commercial regions a recovery region may be (the
// opt-in ones must be enabled in the account before the first deployment).
var Regions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
	"eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
	"me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
	"us-west-2",
}

// KnownRegion reports whether r is one of Regions.
func KnownRegion(r string) bool { return slices.Contains(Regions, r) }

// PartnerRegions is the default recovery region of a primary region: a
// region of the same country or geography (data that must stay in the EU,
// the US, Canada, Japan, India or Australia stays there). A region without
// a partner has no default: the configuration must name one.
var PartnerRegions = map[string]string{
	"us-east-1": "us-west-2", "us-east-2": "us-west-2", "us-west-1": "us-east-1", "us-west-2": "us-east-1",
	"ca-central-1": "ca-west-1", "ca-west-1": "ca-central-1",
	"eu-west-1": "eu-central-1", "eu-central-1": "eu-west-1", "eu-west-2": "eu-west-1", "eu-west-3": "eu-central-1",
	"eu-north-1": "eu-central-1", "eu-south-1": "eu-central-1", "eu-south-2": "eu-west-3", "eu-central-2": "eu-central-1",
	"ap-northeast-1": "ap-northeast-3", "ap-northeast-3": "ap-northeast-1",
	"ap-south-1": "ap-south-2", "ap-south-2": "ap-south-1",
	"ap-southeast-2": "ap-southeast-4", "ap-southeast-4": "ap-southeast-2",
}

// PartnerRegion is region's default recovery region, or "" when it has none.
func PartnerRegion(region string) string { return PartnerRegions[region] }

// What the recovery region holds, by purpose: the alias of each KMS key is
// "alias/<name>-dr-<purpose>".
const (
	PurposeSnapshots = "snapshots"
	PurposeFiles     = "files"
	PurposeSecrets   = "secrets"
	PurposeVault     = "vault"
)

// Repository and policy names inside the OpenSearch domain.
const (
	// RepositoryName is the primary domain's writable DR repository: base
	// path BasePath of the snapshot bucket.
	RepositoryName = "dr-snapshots"
	// BasePath is the prefix of the snapshot bucket the DR repository
	// writes and S3 replication copies (only blobs written after the rule
	// exists are replicated, so the repository starts empty under it).
	BasePath = "dr"
	// ReplicaRepositoryName is the read-only repository a failover
	// registers on the snapshot replica.
	ReplicaRepositoryName = "dr-replica"
	// PolicyName is the snapshot management policy; its snapshots are
	// named "<PolicyName>-<yyyy-MM-dd-HH-mm>-<random>".
	PolicyName = "opencti-dr"
	// IndexPrefix is OpenCTI's ELASTICSEARCH__INDEX_PREFIX (its default,
	// which the charts do not change): the indices are "<prefix>_*".
	IndexPrefix = "opencti"
	// MetricNamespace holds what the snapshot age probe publishes, with
	// dimensions Deployment and Repository.
	MetricNamespace = "OpenCTI/DisasterRecovery"
	// SnapshotAgeMetric is the age in seconds of the newest successful
	// snapshot of the repository (absent while there is none).
	SnapshotAgeMetric = "LastSuccessfulSnapshotAgeSeconds"
	// SuccessfulSnapshotsMetric is the number of successful snapshots kept.
	SuccessfulSnapshotsMetric = "SuccessfulSnapshots"
)

// bucketName is "<name>-dr-<purpose>-<account>-<region>" in lower case (S3
// bucket names are lower case; the deployment name may not be).
func bucketName(name, purpose, account, region string) string {
	return strings.ToLower(name) + "-dr-" + purpose + "-" + account + "-" + region
}

// SnapshotReplicaBucket is the name of the snapshot replica bucket in region.
func SnapshotReplicaBucket(name, account, region string) string {
	return bucketName(name, PurposeSnapshots, account, region)
}

// FileReplicaBucket is the name of the file replica bucket in region.
func FileReplicaBucket(name, account, region string) string {
	return bucketName(name, PurposeFiles, account, region)
}

// KeyAlias is the alias of the recovery-region key for purpose.
func KeyAlias(name, purpose string) string { return "alias/" + name + "-dr-" + purpose }

// VaultName is the recovery-region backup vault's name.
func VaultName(name string) string { return name + "-dr-vault" }

// MaxNameLength is the longest deployment name whose replica bucket names
// fit S3's 63 characters in region (the account ID has 12 digits, given or
// resolved at deployment).
func MaxNameLength(region string) int {
	return 63 - len(SnapshotReplicaBucket("", "123456789012", region))
}
