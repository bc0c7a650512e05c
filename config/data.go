package config

import (
	"github.com/opencti-ha/opencti-ha/constructs/broker/brokerspec"
	"github.com/opencti-ha/opencti-ha/constructs/cache/cachespec"
	"github.com/opencti-ha/opencti-ha/constructs/objectstore/objectstorespec"
	"github.com/opencti-ha/opencti-ha/constructs/opensearch/opensearchspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
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
	Backup objectstorespec.BackupRetention `yaml:"backup"`
	// ObjectStore configures the S3 bucket that holds OpenCTI's files.
	ObjectStore ObjectStoreData `yaml:"objectStore"`
}

// OpenSearchData sizes the OpenSearch domain: the construct's Sizing
// (constructs/opensearch/opensearchspec) and the retention of its logs.
type OpenSearchData struct {
	opensearchspec.Sizing `yaml:",inline"`
	// LogRetentionDays keeps the slow search, slow index, application and audit
	// logs this long (a CloudWatch Logs retention value). Default: 30 in dev,
	// 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
}

// RedisData sizes the ElastiCache replication group: the construct's
// Settings (constructs/cache/cachespec) and the retention of its logs.
// Cluster mode is always disabled: OpenCTI then uses REDIS__MODE=single
// against the primary endpoint, which ElastiCache moves to a replica on
// failover.
type RedisData struct {
	cachespec.Settings `yaml:",inline"`
	// LogRetentionDays keeps the slow log and engine log this long (a
	// CloudWatch Logs retention value). Default: 30 in dev, 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
}

// BrokerData sizes the Amazon MQ for RabbitMQ broker: the construct's
// Settings (constructs/broker/brokerspec) and the retention of its logs.
type BrokerData struct {
	brokerspec.Settings `yaml:",inline"`
	// LogRetentionDays keeps the broker's general log (the log group Amazon MQ
	// creates, /aws/amazonmq/broker/<broker ID>/general) this long (a
	// CloudWatch Logs retention value). Default: 30 in dev, 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
}

// ObjectStoreData configures the S3 bucket of OpenCTI's files.
type ObjectStoreData struct {
	// NoncurrentVersionExpirationDays is how long S3 keeps an overwritten or
	// deleted file's old version before expiring it, at least 1.
	// Default: 30 in dev, 90 in prod.
	NoncurrentVersionExpirationDays int `yaml:"noncurrentVersionExpirationDays"`
}

// defaultData returns the data services' sizes of env: "prod" is the
// constructs' highly available defaults over 3 AZs with larger OpenSearch
// volumes and a year of logs; "dev" is single-node and single-AZ everywhere.
func defaultData(env string) Data {
	d := Data{
		OpenSearch:  OpenSearchData{Sizing: opensearchspec.DefaultSizing(), LogRetentionDays: 365},
		Redis:       RedisData{Settings: cachespec.DefaultSettings(), LogRetentionDays: 365},
		Broker:      BrokerData{Settings: brokerspec.DefaultSettings(), LogRetentionDays: 365},
		Backup:      objectstorespec.DefaultBackupRetention(),
		ObjectStore: ObjectStoreData{NoncurrentVersionExpirationDays: objectstorespec.DefaultNoncurrentVersionExpirationDays},
	}
	d.OpenSearch.VolumeSizeGiB = 200
	if env == "prod" {
		return d
	}
	o := &d.OpenSearch
	o.DataNodes, o.DataNodeInstanceType, o.MasterNodes, o.VolumeSizeGiB, o.ZoneAwareness, o.LogRetentionDays = 1, "m7g.large.search", 0, 20, 1, 30
	r := &d.Redis
	r.NodeType, r.Replicas, r.MultiAz, r.SnapshotRetentionDays, r.LogRetentionDays = "cache.t4g.small", 0, false, 1, 30
	b := &d.Broker
	b.InstanceType, b.DeploymentMode, b.LogRetentionDays = "mq.t3.micro", brokerspec.DeploymentModeSingleInstance, 30
	d.Backup = objectstorespec.BackupRetention{DailyRetentionDays: 7}
	d.ObjectStore.NoncurrentVersionExpirationDays = 30
	return d
}

// validate checks the data services with the constructs' own rules
// (opensearchspec, cachespec, brokerspec, objectstorespec), with prod's
// demands and the configured zones on top.
func (d *Data) validate(c *Config, p *Problems) {
	prod := c.Environment == "prod"
	azs := len(c.AvailabilityZones)
	if azs == 0 {
		azs = 3
	}
	d.OpenSearch.Sizing.Check(p, problems.YAMLNames("data.opensearch."), opensearchspec.Limits{AvailabilityZones: azs, Production: prod})
	ValidateLogRetention(p, "data.opensearch.logRetentionDays", d.OpenSearch.LogRetentionDays)
	d.Redis.Settings.Check(p, problems.YAMLNames("data.redis."), cachespec.Limits{Production: prod})
	ValidateLogRetention(p, "data.redis.logRetentionDays", d.Redis.LogRetentionDays)
	d.Broker.Settings.Check(p, problems.YAMLNames("data.broker."), brokerspec.Limits{Production: prod})
	ValidateLogRetention(p, "data.broker.logRetentionDays", d.Broker.LogRetentionDays)
	d.Backup.Check(p, problems.YAMLNames("data.backup."))
	objectstorespec.CheckNoncurrentVersionExpirationDays(p, "data.objectStore.noncurrentVersionExpirationDays", d.ObjectStore.NoncurrentVersionExpirationDays)
}
