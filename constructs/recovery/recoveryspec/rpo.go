package recoveryspec

import "math"

// The allowances the recovery point objective is derived from
// (docs/disaster-recovery.md, "RPO derivation").
const (
	// SnapshotAllowanceMinutes is the time an incremental snapshot of a busy
	// OpenCTI takes, at most, in the plan (the policy's time limit is an
	// hour; the age probe measures the real one).
	SnapshotAllowanceMinutes = 10
	// RTCLagMinutes is the replication lag with S3 Replication Time Control
	// (its SLA: 99.99% of objects within 15 minutes).
	RTCLagMinutes = 15
	// LagMinutes is the planning allowance without it (S3 gives no bound).
	LagMinutes = 60
	// MinRPOMinutes and MaxRPOMinutes bound RPOMinutes: the shortest
	// schedule with Replication Time Control, and a week.
	MinRPOMinutes = 15 + SnapshotAllowanceMinutes + RTCLagMinutes
	MaxRPOMinutes = 7 * 24 * 60
	// BackupCopyHours is how old the newest AWS Backup copy of the files may
	// be: the daily rule (03:00 UTC) plus the time a backup and its copy take.
	BackupCopyHours = 24 + 6
)

// ReplicationLagMinutes is the replication allowance with or without
// Replication Time Control.
func ReplicationLagMinutes(rtc bool) int {
	if rtc {
		return RTCLagMinutes
	}
	return LagMinutes
}

// OpenSearchRPOMinutes is the worst-case loss of OpenCTI data when the
// primary region is lost: a write just after a snapshot starts is in the
// next one (interval), which completes (snapshot allowance) and replicates
// (lag).
func (s Settings) OpenSearchRPOMinutes() int {
	return s.SnapshotIntervalMinutes + SnapshotAllowanceMinutes + ReplicationLagMinutes(s.ReplicationTimeControl)
}

// FilesRPOMinutes is the worst-case loss of files: the replication lag.
func (s Settings) FilesRPOMinutes() int { return ReplicationLagMinutes(s.ReplicationTimeControl) }

// SnapshotAgeAlarmMinutes is the age of the newest successful snapshot at
// which the recovery point objective is missed: what is left of RPOMinutes
// once the snapshot and replication allowances are taken off. The
// configuration's rule (interval + allowances <= RPO) keeps it at least
// the interval.
func (s Settings) SnapshotAgeAlarmMinutes() int {
	return s.RPOMinutes - SnapshotAllowanceMinutes - ReplicationLagMinutes(s.ReplicationTimeControl)
}

// The stack creation times the recovery time objective is derived from
// (upper bounds, minutes; README "Deploy critical path", DESIGN.md service
// times).
const (
	NetworkMinutes  = 5  // VPC, NAT gateways, endpoints, certificate validation
	DataMinutes     = 25 // OpenSearch and Amazon MQ (15-25), in parallel with the cluster
	ClusterMinutes  = 20 // EKS control plane, add-ons, node pools
	OpenCTIMinutes  = 10 // manifests, existing-platform start (mappings refresh, no migration)
	DNSMinutes      = 5  // records, TTL 60 s
	RecoveryMBPerS  = 40 // indices.recovery.max_bytes_per_sec per data node (OpenSearch default)
	RestoreWaitMins = 55 // the restore resource's wait; larger restores need `cdk deploy` again
)

// RestoreMinutes is the time to restore primaryGB of primary shards onto
// dataNodes data nodes at RecoveryMBPerS each (replicas copy afterwards,
// with the domain usable).
func RestoreMinutes(primaryGB float64, dataNodes int) float64 {
	if dataNodes < 1 {
		dataNodes = 1
	}
	return primaryGB * 1024 / float64(RecoveryMBPerS*dataNodes) / 60
}

// RTOMinutes is the recovery time objective of a failover: the stacks in
// order (Network, then the longer of Data and Cluster, then the restore,
// the OpenCTI start and the DNS records), rounded up to 5 minutes.
func RTOMinutes(primaryGB float64, dataNodes int) int {
	total := float64(NetworkMinutes+max(DataMinutes, ClusterMinutes)+OpenCTIMinutes+DNSMinutes) + RestoreMinutes(primaryGB, dataNodes)
	return int(math.Ceil(total/5) * 5)
}
