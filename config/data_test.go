package config

import (
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/broker/brokerspec"
	"github.com/opencti-ha/opencti-ha/constructs/objectstore/objectstorespec"
)

func TestDataDefaultsPerEnvironment(t *testing.T) {
	dev, prod := defaultData("dev"), defaultData("prod")
	if o := prod.OpenSearch; o.DataNodes != 3 || o.MasterNodes != 3 || o.ZoneAwareness != 3 {
		t.Errorf("prod opensearch must be 3 data nodes, 3 masters over 3 AZs: %+v", o)
	}
	if o := dev.OpenSearch; o.DataNodes != 1 || o.MasterNodes != 0 || o.ZoneAwareness != 1 {
		t.Errorf("dev opensearch must be a single node: %+v", o)
	}
	if r := prod.Redis; r.Replicas != 2 || !r.MultiAz || r.Engine != "valkey" {
		t.Errorf("prod redis must be valkey, primary + 2 replicas, Multi-AZ: %+v", r)
	}
	if r := dev.Redis; r.Replicas != 0 || r.MultiAz {
		t.Errorf("dev redis must be one node: %+v", r)
	}
	if b := prod.Broker; b.DeploymentMode != "CLUSTER_MULTI_AZ" || b.InstanceType != "mq.m5.large" || b.EngineVersion != "3.13" || b.LogRetentionDays != 365 {
		t.Errorf("prod broker: %+v", b)
	}
	if b := dev.Broker; b.DeploymentMode != "SINGLE_INSTANCE" || b.InstanceType != "mq.t3.micro" || b.LogRetentionDays != 30 {
		t.Errorf("dev broker: %+v", b)
	}
	if k := prod.Backup; k.DailyRetentionDays != 35 || k.WeeklyRetentionDays != 90 || k.MonthlyRetentionDays != 365 {
		t.Errorf("prod backup: %+v", k)
	}
}

// dataProblems validates only the data section of env's defaults after mutate.
func dataProblems(env string, mutate func(d *Data)) []string {
	cfg := &Config{Environment: env, AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, Data: defaultData(env)}
	mutate(&cfg.Data)
	p := &Problems{}
	cfg.Data.validate(cfg, p)
	if err := p.Err(); err != nil {
		return strings.Split(err.Error(), "\n")
	}
	return nil
}

func TestDataDefaultsValidate(t *testing.T) {
	for _, env := range Environments {
		if got := dataProblems(env, func(*Data) {}); got != nil {
			t.Errorf("%s defaults: %v", env, got)
		}
	}
}

func TestDataValidationMessages(t *testing.T) {
	cases := []struct {
		name   string
		env    string
		mutate func(d *Data)
		want   []string
	}{
		{
			name: "the HA mistakes, all reported at once",
			env:  "prod",
			mutate: func(d *Data) {
				d.OpenSearch.DataNodes = 4
				d.OpenSearch.MasterNodes = 2
				d.Redis.MultiAz = false
				d.Broker.EngineVersion = "3.12"
			},
			want: []string{
				`data.opensearch.dataNodes: got 4, want a multiple of data.opensearch.zoneAwareness (3), so every zone holds the same number of nodes`,
				`data.opensearch.masterNodes: got 2, want 0, 3 or 5 (dedicated masters need an odd quorum)`,
				`data.redis.multiAz: got false, want true when data.redis.replicas is 2 (replicas exist to take over from the primary)`,
				`data.broker.engineVersion: got "3.12", want at least 3.13 (the oldest Amazon MQ for RabbitMQ version still supported)`,
			},
		},
		{
			name: "prod must stay highly available",
			env:  "prod",
			mutate: func(d *Data) {
				d.OpenSearch.ZoneAwareness, d.OpenSearch.DataNodes, d.OpenSearch.MasterNodes = 1, 1, 0
				d.Redis.Replicas, d.Redis.MultiAz, d.Redis.SnapshotRetentionDays = 0, false, 0
				d.Broker.DeploymentMode, d.Broker.InstanceType = "SINGLE_INSTANCE", "mq.t3.micro"
			},
			want: []string{
				`data.opensearch.zoneAwareness: got 1, want 2 or 3 in prod (the domain must survive the loss of a zone)`,
				`data.opensearch.masterNodes: got 0, want 3 or 5 in prod (dedicated cluster manager nodes)`,
				`data.redis.multiAz: got false, want true in prod, with data.redis.replicas of at least 1`,
				`data.redis.snapshotRetentionDays: got 0, want 1 to 35 in prod`,
				`data.broker.deploymentMode: got "SINGLE_INSTANCE", want "CLUSTER_MULTI_AZ" in prod`,
			},
		},
		{
			name: "versions and types",
			env:  "dev",
			mutate: func(d *Data) {
				d.OpenSearch.EngineVersion = "OpenSearch_2.7"
				d.OpenSearch.DataNodeInstanceType = "r7g.large"
				d.Redis.Engine, d.Redis.EngineVersion = "redis", "7.0"
				d.Redis.NodeType = "r7g.large"
				d.Broker.EngineVersion = "3.13.2"
				d.Broker.InstanceType = "mq.m4.large"
			},
			want: []string{
				`data.opensearch.engineVersion: got "OpenSearch_2.7", want at least OpenSearch_2.9 (OpenCTI's minimum)`,
				`data.opensearch.dataNodeInstanceType: got "r7g.large", want an OpenSearch instance type such as "r7g.large.search"`,
				`data.redis.engineVersion: got "7.0", want at least 7.1 for redis (OpenCTI needs Redis >= 7.1)`,
				`data.redis.nodeType: got "r7g.large", want a cache node type such as "cache.r7g.large"`,
				`data.broker.engineVersion: got "3.13.2", want a pinned "<major>.<minor>" RabbitMQ version, at least 3.13`,
				`data.broker.instanceType: got "mq.m4.large", want an Amazon MQ for RabbitMQ instance type: mq.t3.micro, mq.m5.large..4xlarge or mq.m7g.medium..16xlarge`,
			},
		},
		{
			name: "ranges and combinations",
			env:  "dev",
			mutate: func(d *Data) {
				d.OpenSearch.ZoneAwareness = 4
				d.OpenSearch.VolumeSizeGiB = 5
				d.OpenSearch.LogRetentionDays = 10
				d.Redis.Replicas = 0
				d.Redis.MultiAz = true
				d.Redis.Engine = "memcached"
				d.Broker.DeploymentMode = "CLUSTER_MULTI_AZ"
				d.Broker.MaintenanceWindow = brokerspec.MaintenanceWindow{DayOfWeek: "Sunday", TimeOfDay: "3:00", TimeZone: "CET+1"}
				d.Broker.LogRetentionDays = 0
				d.Backup = objectstorespec.BackupRetention{DailyRetentionDays: 0, WeeklyRetentionDays: 3, MonthlyRetentionDays: 2}
				d.ObjectStore.NoncurrentVersionExpirationDays = 0
			},
			want: []string{
				`data.opensearch.zoneAwareness: got 4, want 1, 2 or 3 (availability zones)`,
				`data.opensearch.volumeSizeGiB: got 5, want at least 10`,
				`data.opensearch.logRetentionDays: got 10, want a CloudWatch Logs retention in days, one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`,
				`data.redis.engine: got "memcached", want "valkey" or "redis"`,
				`data.redis.multiAz: got true, want false when data.redis.replicas is 0 (Multi-AZ fails over to a replica)`,
				`data.broker.instanceType: got "mq.t3.micro", want mq.m5.large, mq.m7g.large or larger with CLUSTER_MULTI_AZ`,
				`data.broker.maintenanceWindow.dayOfWeek: got "Sunday", want one of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY`,
				`data.broker.maintenanceWindow.timeOfDay: got "3:00", want "HH:MM" (24 h)`,
				`data.broker.maintenanceWindow.timeZone: got "CET+1", want "UTC" or an IANA time zone such as "Europe/Paris"`,
				`data.broker.logRetentionDays: got 0, want a CloudWatch Logs retention in days, one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`,
				`data.backup.dailyRetentionDays: got 0, want 1 to 36500`,
				`data.backup.monthlyRetentionDays: got 2, want 0 or at least data.backup.weeklyRetentionDays (3)`,
				`data.objectStore.noncurrentVersionExpirationDays: got 0, want at least 1`,
			},
		},
		{
			name:   "rabbitmq 4 needs m7g",
			env:    "prod",
			mutate: func(d *Data) { d.Broker.EngineVersion = "4.2" },
			want:   []string{`data.broker.instanceType: got "mq.m5.large", want an mq.m7g instance type (RabbitMQ 4 runs only on mq.m7g)`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := dataProblems(tc.env, tc.mutate)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestDataReportedThroughConfigValidate(t *testing.T) {
	c, err := Default("prod")
	if err != nil {
		t.Fatal(err)
	}
	c.Data.OpenSearch.DataNodes = 5
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "data.opensearch.dataNodes: got 5") {
		t.Errorf("Config.Validate must report data problems, got %v", err)
	}
}
