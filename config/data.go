package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Data sizes the data services of the Data stack: Amazon OpenSearch Service,
// ElastiCache (Valkey/Redis), Amazon MQ for RabbitMQ, the S3 file store and its
// AWS Backup plan.
type Data struct {
	// OpenSearch sizes the OpenSearch domain OpenCTI indexes into.
	OpenSearch OpenSearchData `yaml:"opensearch"`
	// Redis sizes the ElastiCache replication group (cluster mode disabled).
	Redis RedisData `yaml:"redis"`
	// Broker sizes the Amazon MQ for RabbitMQ broker.
	Broker BrokerData `yaml:"broker"`
	// Backup sets the retention of the S3 file store's AWS Backup plan.
	Backup BackupData `yaml:"backup"`
	// ObjectStore configures the S3 bucket that holds OpenCTI's files.
	ObjectStore ObjectStoreData `yaml:"objectStore"`
}

// OpenSearchData sizes the OpenSearch domain.
type OpenSearchData struct {
	// EngineVersion is "OpenSearch_<major>.<minor>", at least OpenSearch_2.9
	// (OpenCTI's minimum); raising it upgrades the domain in place.
	// Default: "OpenSearch_2.19".
	EngineVersion string `yaml:"engineVersion"`
	// DataNodes is the number of data nodes; with zoneAwareness 2 or 3 it must
	// be a multiple of it. Default: 1 in dev, 3 in prod (one per AZ).
	DataNodes int `yaml:"dataNodes"`
	// DataNodeInstanceType of the data nodes (an instance type ending in
	// ".search"; OpenCTI asks for >= 8 GiB per node). Default: "m7g.large.search"
	// (8 GiB) in dev, "r7g.large.search" (16 GiB) in prod.
	DataNodeInstanceType string `yaml:"dataNodeInstanceType"`
	// MasterNodes is the number of dedicated cluster manager nodes: 0 (none), 3
	// or 5; prod needs 3 or 5. Default: 0 in dev, 3 in prod.
	MasterNodes int `yaml:"masterNodes"`
	// MasterNodeInstanceType of the dedicated masters (ignored with
	// masterNodes 0). Default: "m7g.large.search".
	MasterNodeInstanceType string `yaml:"masterNodeInstanceType"`
	// VolumeSizeGiB is the gp3 EBS volume of each data node, at least 10.
	// Default: 20 in dev, 200 in prod.
	VolumeSizeGiB int `yaml:"volumeSizeGiB"`
	// ZoneAwareness is the number of AZs data nodes and replica shards spread
	// over: 1 (off), 2 or 3, at most the number of availabilityZones; prod needs
	// at least 2. Default: 1 in dev, 3 in prod.
	ZoneAwareness int `yaml:"zoneAwareness"`
	// LogRetentionDays keeps the slow search, slow index, application and audit
	// logs this long (a CloudWatch Logs retention value). Default: 30 in dev,
	// 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
}

// RedisData sizes the ElastiCache replication group. Cluster mode is always
// disabled: OpenCTI then uses REDIS__MODE=single against the primary
// endpoint, which ElastiCache moves to a replica on failover.
type RedisData struct {
	// Engine is "valkey" or "redis" (Redis OSS). Default: "valkey".
	Engine string `yaml:"engine"`
	// EngineVersion is "<major>.<minor>": valkey 7.2 or later, redis 7.1 or
	// later (OpenCTI needs Redis >= 7.1). Default: "8.0".
	EngineVersion string `yaml:"engineVersion"`
	// NodeType is the cache node type (OpenCTI needs >= 1 GiB of memory).
	// Default: "cache.t4g.small" in dev, "cache.r7g.large" in prod.
	NodeType string `yaml:"nodeType"`
	// Replicas is the number of read replicas of the primary, 0 to 5; replicas
	// exist to take over, so replicas > 0 requires multiAz. Default: 0 in dev,
	// 2 in prod (primary + 2 replicas over 3 AZs).
	Replicas int `yaml:"replicas"`
	// MultiAz turns on Multi-AZ with automatic failover; it needs replicas >= 1
	// and is required in prod. Default: false in dev, true in prod.
	MultiAz bool `yaml:"multiAz"`
	// SnapshotRetentionDays keeps daily automatic snapshots this long, 0 to 35
	// (at least 1 in prod). Default: 1 in dev, 7 in prod.
	SnapshotRetentionDays int `yaml:"snapshotRetentionDays"`
	// LogRetentionDays keeps the slow log and engine log this long (a
	// CloudWatch Logs retention value). Default: 30 in dev, 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
}

// BrokerData sizes the Amazon MQ for RabbitMQ broker.
type BrokerData struct {
	// EngineVersion is the pinned "<major>.<minor>" RabbitMQ version, at least
	// 3.13 (Amazon MQ applies patch releases itself in the maintenance window);
	// 4.x runs only on mq.m7g instance types. Default: "3.13".
	EngineVersion string `yaml:"engineVersion"`
	// InstanceType of the broker nodes: mq.t3.micro, mq.m5.* or mq.m7g.*; a
	// cluster needs mq.m5.large, mq.m7g.large or larger.
	// Default: "mq.t3.micro" in dev, "mq.m5.large" in prod.
	InstanceType string `yaml:"instanceType"`
	// DeploymentMode is "SINGLE_INSTANCE" or "CLUSTER_MULTI_AZ" (three nodes
	// over three AZs behind one endpoint; required in prod).
	// Default: "SINGLE_INSTANCE" in dev, "CLUSTER_MULTI_AZ" in prod.
	DeploymentMode string `yaml:"deploymentMode"`
	// MaintenanceWindow is when Amazon MQ patches the broker and applies
	// configuration changes (a single instance is unavailable meanwhile).
	MaintenanceWindow MaintenanceWindow `yaml:"maintenanceWindow"`
	// LogRetentionDays keeps the broker's general log (the log group Amazon MQ
	// creates, /aws/amazonmq/broker/<broker ID>/general) this long (a
	// CloudWatch Logs retention value). Default: 30 in dev, 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
}

// MaintenanceWindow is the start of a weekly maintenance window.
type MaintenanceWindow struct {
	// DayOfWeek is MONDAY to SUNDAY. Default: "SUNDAY".
	DayOfWeek string `yaml:"dayOfWeek"`
	// TimeOfDay is "HH:MM" (24 h). Default: "03:00".
	TimeOfDay string `yaml:"timeOfDay"`
	// TimeZone is "UTC" or an IANA time zone such as "Europe/Paris".
	// Default: "UTC".
	TimeZone string `yaml:"timeZone"`
}

// BackupData sets how long AWS Backup keeps recovery points of the S3 file
// store. Every rule runs at 03:00 UTC; the vault lock keeps each recovery point
// at least the shortest of these retentions.
type BackupData struct {
	// DailyRetentionDays keeps daily recovery points this long, 1 to 36500.
	// Default: 7 in dev, 35 in prod.
	DailyRetentionDays int `yaml:"dailyRetentionDays"`
	// WeeklyRetentionDays keeps Sunday recovery points this long; 0 means no
	// weekly rule, otherwise at least dailyRetentionDays. Default: 0 in dev, 90
	// in prod.
	WeeklyRetentionDays int `yaml:"weeklyRetentionDays"`
	// MonthlyRetentionDays keeps recovery points of each month's first day this
	// long; 0 means no monthly rule, otherwise at least weeklyRetentionDays
	// (or dailyRetentionDays). Default: 0 in dev, 365 in prod.
	MonthlyRetentionDays int `yaml:"monthlyRetentionDays"`
}

// ObjectStoreData configures the S3 bucket of OpenCTI's files.
type ObjectStoreData struct {
	// NoncurrentVersionExpirationDays is how long S3 keeps an overwritten or
	// deleted file's old version before expiring it, at least 1.
	// Default: 30 in dev, 90 in prod.
	NoncurrentVersionExpirationDays int `yaml:"noncurrentVersionExpirationDays"`
}

// defaultData returns the data services' sizes of env: "dev" is single-node
// and single-AZ everywhere, "prod" is highly available over 3 AZs.
func defaultData(env string) Data {
	window := MaintenanceWindow{DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC"}
	if env == "prod" {
		return Data{
			OpenSearch: OpenSearchData{
				EngineVersion: "OpenSearch_2.19", DataNodes: 3, DataNodeInstanceType: "r7g.large.search",
				MasterNodes: 3, MasterNodeInstanceType: "m7g.large.search", VolumeSizeGiB: 200,
				ZoneAwareness: 3, LogRetentionDays: 365,
			},
			Redis: RedisData{
				Engine: "valkey", EngineVersion: "8.0", NodeType: "cache.r7g.large",
				Replicas: 2, MultiAz: true, SnapshotRetentionDays: 7, LogRetentionDays: 365,
			},
			Broker: BrokerData{
				EngineVersion: "3.13", InstanceType: "mq.m5.large", DeploymentMode: "CLUSTER_MULTI_AZ",
				MaintenanceWindow: window, LogRetentionDays: 365,
			},
			Backup:      BackupData{DailyRetentionDays: 35, WeeklyRetentionDays: 90, MonthlyRetentionDays: 365},
			ObjectStore: ObjectStoreData{NoncurrentVersionExpirationDays: 90},
		}
	}
	return Data{
		OpenSearch: OpenSearchData{
			EngineVersion: "OpenSearch_2.19", DataNodes: 1, DataNodeInstanceType: "m7g.large.search",
			MasterNodes: 0, MasterNodeInstanceType: "m7g.large.search", VolumeSizeGiB: 20,
			ZoneAwareness: 1, LogRetentionDays: 30,
		},
		Redis: RedisData{
			Engine: "valkey", EngineVersion: "8.0", NodeType: "cache.t4g.small",
			Replicas: 0, MultiAz: false, SnapshotRetentionDays: 1, LogRetentionDays: 30,
		},
		Broker: BrokerData{
			EngineVersion: "3.13", InstanceType: "mq.t3.micro", DeploymentMode: "SINGLE_INSTANCE",
			MaintenanceWindow: window, LogRetentionDays: 30,
		},
		Backup:      BackupData{DailyRetentionDays: 7},
		ObjectStore: ObjectStoreData{NoncurrentVersionExpirationDays: 30},
	}
}

var (
	openSearchVersionRe = regexp.MustCompile(`^OpenSearch_(\d+)\.(\d+)$`)
	majorMinorRe        = regexp.MustCompile(`^(\d+)\.(\d+)$`)
	cacheNodeTypeRe     = regexp.MustCompile(`^cache\.[a-z0-9]+\.[a-z0-9]+$`)
	mqInstanceTypeRe    = regexp.MustCompile(`^mq\.(t3\.micro|m5\.(large|xlarge|2xlarge|4xlarge)|m7g\.(medium|large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge))$`)
	timeOfDayRe         = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	timeZoneRe          = regexp.MustCompile(`^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$`)
	weekdays            = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}
)

// maxBackupRetentionDays is AWS Backup's limit (100 years).
const maxBackupRetentionDays = 36500

// majorMinor parses "<major>.<minor>" (after trimming prefix matched by re).
func majorMinor(re *regexp.Regexp, v string) (major, minor int, ok bool) {
	m := re.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, true
}

func atLeast(major, minor, wantMajor, wantMinor int) bool {
	return major > wantMajor || (major == wantMajor && minor >= wantMinor)
}

func (d *Data) validate(c *Config, p *Problems) {
	prod := c.Environment == "prod"
	azs := len(c.AvailabilityZones)
	if azs == 0 {
		azs = 3
	}

	o := d.OpenSearch
	if major, minor, ok := majorMinor(openSearchVersionRe, o.EngineVersion); !ok {
		p.Add("data.opensearch.engineVersion", o.EngineVersion, `"OpenSearch_<major>.<minor>", at least OpenSearch_2.9`)
	} else if !atLeast(major, minor, 2, 9) {
		p.Add("data.opensearch.engineVersion", o.EngineVersion, "at least OpenSearch_2.9 (OpenCTI's minimum)")
	}
	zoneOK := true
	switch {
	case o.ZoneAwareness < 1 || o.ZoneAwareness > 3:
		p.Add("data.opensearch.zoneAwareness", o.ZoneAwareness, "1, 2 or 3 (availability zones)")
		zoneOK = false
	case o.ZoneAwareness > azs:
		p.Add("data.opensearch.zoneAwareness", o.ZoneAwareness, fmt.Sprintf("at most the number of availabilityZones (%d)", azs))
	case prod && o.ZoneAwareness < 2:
		p.Add("data.opensearch.zoneAwareness", o.ZoneAwareness, "2 or 3 in prod (the domain must survive the loss of a zone)")
	}
	switch {
	case o.DataNodes < 1:
		p.Add("data.opensearch.dataNodes", o.DataNodes, "at least 1")
	case zoneOK && o.ZoneAwareness > 1 && o.DataNodes%o.ZoneAwareness != 0:
		p.Add("data.opensearch.dataNodes", o.DataNodes, fmt.Sprintf("a multiple of data.opensearch.zoneAwareness (%d), so every zone holds the same number of nodes", o.ZoneAwareness))
	}
	switch {
	case o.MasterNodes != 0 && o.MasterNodes != 3 && o.MasterNodes != 5:
		p.Add("data.opensearch.masterNodes", o.MasterNodes, "0, 3 or 5 (dedicated masters need an odd quorum)")
	case prod && o.MasterNodes == 0:
		p.Add("data.opensearch.masterNodes", o.MasterNodes, "3 or 5 in prod (dedicated cluster manager nodes)")
	}
	for _, f := range []struct{ field, v string }{
		{"data.opensearch.dataNodeInstanceType", o.DataNodeInstanceType},
		{"data.opensearch.masterNodeInstanceType", o.MasterNodeInstanceType},
	} {
		if !strings.HasSuffix(f.v, ".search") || len(f.v) <= len(".search") {
			p.Add(f.field, f.v, `an OpenSearch instance type such as "r7g.large.search"`)
		}
	}
	if o.VolumeSizeGiB < 10 {
		p.Add("data.opensearch.volumeSizeGiB", o.VolumeSizeGiB, "at least 10")
	}
	ValidateLogRetention(p, "data.opensearch.logRetentionDays", o.LogRetentionDays)

	r := d.Redis
	minVersion := map[string][2]int{"valkey": {7, 2}, "redis": {7, 1}}
	engineMin, engineOK := minVersion[r.Engine]
	if !engineOK {
		p.Add("data.redis.engine", r.Engine, `"valkey" or "redis"`)
	}
	if major, minor, ok := majorMinor(majorMinorRe, r.EngineVersion); !ok {
		p.Add("data.redis.engineVersion", r.EngineVersion, `"<major>.<minor>", e.g. "8.0"`)
	} else if engineOK && !atLeast(major, minor, engineMin[0], engineMin[1]) {
		p.Add("data.redis.engineVersion", r.EngineVersion, fmt.Sprintf("at least %d.%d for %s (OpenCTI needs Redis >= 7.1)", engineMin[0], engineMin[1], r.Engine))
	}
	if !cacheNodeTypeRe.MatchString(r.NodeType) {
		p.Add("data.redis.nodeType", r.NodeType, `a cache node type such as "cache.r7g.large"`)
	}
	switch {
	case r.Replicas < 0 || r.Replicas > 5:
		p.Add("data.redis.replicas", r.Replicas, "0 to 5")
	case r.Replicas > 0 && !r.MultiAz:
		p.Add("data.redis.multiAz", r.MultiAz, fmt.Sprintf("true when data.redis.replicas is %d (replicas exist to take over from the primary)", r.Replicas))
	case r.Replicas == 0 && r.MultiAz:
		p.Add("data.redis.multiAz", r.MultiAz, "false when data.redis.replicas is 0 (Multi-AZ fails over to a replica)")
	case prod && !r.MultiAz:
		p.Add("data.redis.multiAz", r.MultiAz, "true in prod, with data.redis.replicas of at least 1")
	}
	switch {
	case r.SnapshotRetentionDays < 0 || r.SnapshotRetentionDays > 35:
		p.Add("data.redis.snapshotRetentionDays", r.SnapshotRetentionDays, "0 to 35")
	case prod && r.SnapshotRetentionDays < 1:
		p.Add("data.redis.snapshotRetentionDays", r.SnapshotRetentionDays, "1 to 35 in prod")
	}
	ValidateLogRetention(p, "data.redis.logRetentionDays", r.LogRetentionDays)

	b := d.Broker
	major, minor, versionOK := majorMinor(majorMinorRe, b.EngineVersion)
	switch {
	case !versionOK:
		p.Add("data.broker.engineVersion", b.EngineVersion, `a pinned "<major>.<minor>" RabbitMQ version, at least 3.13`)
	case !atLeast(major, minor, 3, 13):
		p.Add("data.broker.engineVersion", b.EngineVersion, "at least 3.13 (the oldest Amazon MQ for RabbitMQ version still supported)")
	}
	cluster := b.DeploymentMode == "CLUSTER_MULTI_AZ"
	switch {
	case !cluster && b.DeploymentMode != "SINGLE_INSTANCE":
		p.Add("data.broker.deploymentMode", b.DeploymentMode, `"SINGLE_INSTANCE" or "CLUSTER_MULTI_AZ"`)
	case prod && !cluster:
		p.Add("data.broker.deploymentMode", b.DeploymentMode, `"CLUSTER_MULTI_AZ" in prod`)
	}
	switch {
	case !mqInstanceTypeRe.MatchString(b.InstanceType):
		p.Add("data.broker.instanceType", b.InstanceType, "an Amazon MQ for RabbitMQ instance type: mq.t3.micro, mq.m5.large..4xlarge or mq.m7g.medium..16xlarge")
	case cluster && (b.InstanceType == "mq.t3.micro" || b.InstanceType == "mq.m7g.medium"):
		p.Add("data.broker.instanceType", b.InstanceType, "mq.m5.large, mq.m7g.large or larger with CLUSTER_MULTI_AZ")
	case versionOK && major >= 4 && !strings.HasPrefix(b.InstanceType, "mq.m7g."):
		p.Add("data.broker.instanceType", b.InstanceType, "an mq.m7g instance type (RabbitMQ 4 runs only on mq.m7g)")
	}
	w := b.MaintenanceWindow
	if !contains(weekdays, w.DayOfWeek) {
		p.Add("data.broker.maintenanceWindow.dayOfWeek", w.DayOfWeek, "one of "+strings.Join(weekdays, ", "))
	}
	if !timeOfDayRe.MatchString(w.TimeOfDay) {
		p.Add("data.broker.maintenanceWindow.timeOfDay", w.TimeOfDay, `"HH:MM" (24 h)`)
	}
	if !timeZoneRe.MatchString(w.TimeZone) {
		p.Add("data.broker.maintenanceWindow.timeZone", w.TimeZone, `"UTC" or an IANA time zone such as "Europe/Paris"`)
	}
	ValidateLogRetention(p, "data.broker.logRetentionDays", b.LogRetentionDays)

	k := d.Backup
	if k.DailyRetentionDays < 1 || k.DailyRetentionDays > maxBackupRetentionDays {
		p.Add("data.backup.dailyRetentionDays", k.DailyRetentionDays, fmt.Sprintf("1 to %d", maxBackupRetentionDays))
	}
	switch {
	case k.WeeklyRetentionDays < 0 || k.WeeklyRetentionDays > maxBackupRetentionDays:
		p.Add("data.backup.weeklyRetentionDays", k.WeeklyRetentionDays, fmt.Sprintf("0 (no weekly backups) or 1 to %d", maxBackupRetentionDays))
	case k.WeeklyRetentionDays > 0 && k.WeeklyRetentionDays < k.DailyRetentionDays:
		p.Add("data.backup.weeklyRetentionDays", k.WeeklyRetentionDays, fmt.Sprintf("0 or at least data.backup.dailyRetentionDays (%d)", k.DailyRetentionDays))
	}
	shorter, shorterField := k.DailyRetentionDays, "data.backup.dailyRetentionDays"
	if k.WeeklyRetentionDays > 0 {
		shorter, shorterField = k.WeeklyRetentionDays, "data.backup.weeklyRetentionDays"
	}
	switch {
	case k.MonthlyRetentionDays < 0 || k.MonthlyRetentionDays > maxBackupRetentionDays:
		p.Add("data.backup.monthlyRetentionDays", k.MonthlyRetentionDays, fmt.Sprintf("0 (no monthly backups) or 1 to %d", maxBackupRetentionDays))
	case k.MonthlyRetentionDays > 0 && k.MonthlyRetentionDays < shorter:
		p.Add("data.backup.monthlyRetentionDays", k.MonthlyRetentionDays, fmt.Sprintf("0 or at least %s (%d)", shorterField, shorter))
	}

	if n := d.ObjectStore.NoncurrentVersionExpirationDays; n < 1 {
		p.Add("data.objectStore.noncurrentVersionExpirationDays", n, "at least 1")
	}
}
