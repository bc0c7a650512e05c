package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/broker"
	"github.com/opencti-ha/opencti-ha/constructs/cache"
	"github.com/opencti-ha/opencti-ha/constructs/objectstore"
	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/constructs/recovery"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// JSON property names inside the Data stack's secrets (for ExternalSecret
// remoteRef.property).
const (
	// OpenSearchUserSecretUsernameField / ...PasswordField: ELASTICSEARCH__USERNAME / ELASTICSEARCH__PASSWORD.
	OpenSearchUserSecretUsernameField = opensearch.MasterUserSecretUsernameField
	OpenSearchUserSecretPasswordField = opensearch.MasterUserSecretPasswordField
	// RedisAuthSecretPasswordField: REDIS__PASSWORD (the AUTH token).
	RedisAuthSecretPasswordField = cache.AuthSecretPasswordField
	// RabbitMQSecretUsernameField / ...PasswordField: RABBITMQ__USERNAME / RABBITMQ__PASSWORD.
	RabbitMQSecretUsernameField = broker.UserSecretUsernameField
	RabbitMQSecretPasswordField = broker.UserSecretPasswordField
	// AdminSecretPasswordField / AdminSecretTokenField: APP__ADMIN__PASSWORD / APP__ADMIN__TOKEN (UUIDv4).
	AdminSecretPasswordField = secrets.AdminSecretPasswordField
	AdminSecretTokenField    = secrets.AdminSecretTokenField
	// HealthAccessKeySecretField: APP__HEALTH_ACCESS_KEY.
	HealthAccessKeySecretField = secrets.HealthAccessKeySecretField
	// EncryptionKeySecretField: APP__ENCRYPTION_KEY (base64 of 32 bytes).
	EncryptionKeySecretField = secrets.EncryptionKeySecretField
)

// Names of the Data stack's secrets below Config.SecretsPrefix: the secret is
// DataSecretName(cfg, <suffix>), e.g. "opencti/prod/opensearch". They are the
// names the charts' ExternalSecrets read (charts.SecretsFor).
const (
	OpenSearchUserSecretSuffix  = charts.SecretSuffixOpenSearch
	RedisAuthSecretSuffix       = charts.SecretSuffixRedis
	RabbitMQSecretSuffix        = charts.SecretSuffixRabbitMQ
	AdminSecretSuffix           = charts.SecretSuffixAdmin
	HealthAccessKeySecretSuffix = charts.SecretSuffixHealthAccessKey
	EncryptionKeySecretSuffix   = charts.SecretSuffixEncryptionKey
)

// DataSecretName is the full name of the Data stack secret with suffix.
func DataSecretName(cfg *config.Config, suffix string) string {
	return cfg.SecretsPrefix + "/" + suffix
}

// DataStackProps configures the Data stack.
type DataStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration; Data, SecretsPrefix, RetainData,
	// Environment and Name are read.
	Config *config.Config
	// Network provides the VPC, the data (isolated) subnets and the workload
	// security group, the only source the data services admit.
	Network *NetworkStack
}

// DataOutputs is everything the OpenCTI workloads need from the Data stack:
// endpoints and references to secrets, never a secret value.
type DataOutputs struct {
	// OpenSearchURL is ELASTICSEARCH__URL: "https://<VPC endpoint>".
	OpenSearchURL *string
	// OpenSearchUserSecret holds OpenSearchUserSecretUsernameField and
	// OpenSearchUserSecretPasswordField (the fine-grained access control
	// internal master user; OpenCTI cannot use IAM auth).
	OpenSearchUserSecret awssecretsmanager.ISecret
	// RedisHostname is REDIS__HOSTNAME: the primary endpoint, which follows failover.
	RedisHostname *string
	// RedisPort is REDIS__PORT (6379).
	RedisPort int
	// RedisMode is REDIS__MODE: "single". The replication group runs with
	// cluster mode disabled (one shard, replicas for failover), so OpenCTI must
	// talk to its primary endpoint as a single server, not as a Redis Cluster.
	// TLS is required: REDIS__USE_SSL=true.
	RedisMode string
	// RedisAuthSecret holds RedisAuthSecretPasswordField (REDIS__PASSWORD).
	RedisAuthSecret awssecretsmanager.ISecret
	// RabbitMQHostname is RABBITMQ__HOSTNAME, the AMQPS endpoint host.
	RabbitMQHostname *string
	// RabbitMQPort is RABBITMQ__PORT (5671, AMQPS: RABBITMQ__USE_SSL=true).
	RabbitMQPort int
	// RabbitMQManagementHostname is RABBITMQ__HOSTNAME_MANAGEMENT.
	RabbitMQManagementHostname *string
	// RabbitMQManagementPort is RABBITMQ__PORT_MANAGEMENT (443, HTTPS:
	// RABBITMQ__MANAGEMENT_SSL=true).
	RabbitMQManagementPort int
	// RabbitMQVHost is RABBITMQ__VHOST ("/").
	RabbitMQVHost string
	// RabbitMQSecret holds RabbitMQSecretUsernameField and RabbitMQSecretPasswordField.
	RabbitMQSecret awssecretsmanager.ISecret
	// Bucket is MINIO__BUCKET_NAME's bucket; grant the platforms' pod role
	// Bucket.GrantReadWrite (it includes BucketKey).
	Bucket awss3.IBucket
	// BucketKey encrypts Bucket (SSE-KMS).
	BucketKey awskms.IKey
	// BucketRegion is MINIO__BUCKET_REGION.
	BucketRegion *string
	// AdminSecret holds AdminSecretPasswordField and AdminSecretTokenField (UUIDv4).
	AdminSecret awssecretsmanager.ISecret
	// HealthAccessKeySecret holds HealthAccessKeySecretField.
	HealthAccessKeySecret awssecretsmanager.ISecret
	// EncryptionKeySecret holds EncryptionKeySecretField (base64 of 32 bytes).
	EncryptionKeySecret awssecretsmanager.ISecret
	// SecretsKey encrypts every secret above; readers need kms:Decrypt on it
	// through Secrets Manager (kms:ViaService).
	SecretsKey awskms.IKey
}

// DataStack holds OpenCTI's data services, keys and secrets. It depends on the
// Network stack only, so it deploys in parallel with the Cluster stack.
type DataStack struct {
	awscdk.Stack
	// Outputs is what the OpenCTI workloads stack consumes.
	Outputs DataOutputs
	// The constructs, for the Monitoring stack's alarms and dashboards.
	OpenSearch  opensearch.Domain
	Redis       cache.ReplicationGroup
	RabbitMQ    broker.Broker
	ObjectStore objectstore.ObjectStore
	Secrets     secrets.OpenCTISecrets
	// AuditLogging turns on the security plugin's audit logging inside the
	// OpenSearch domain at deploy time (its AUDIT_LOGS log group stays empty
	// otherwise).
	AuditLogging opensearch.AuditLogging
	// Recovery is what disaster recovery adds; nil without dr.enabled,
	// dr.failover and a restore from the replica.
	Recovery *DataRecovery
}

// DataRecovery is what disaster recovery adds to the Data stack.
type DataRecovery struct {
	// Schedule snapshots the OpenCTI indices into the replicated prefix of
	// the snapshot bucket; nil without dr.enabled.
	Schedule recovery.SnapshotSchedule
	// SnapshotReplication and FileReplication copy the snapshot prefix and
	// the file bucket to the recovery region; nil without dr.enabled
	// (FileReplication also in a failover, whose file bucket is the
	// recovery region's replica of another deployment).
	SnapshotReplication, FileReplication recovery.Replication
	// SnapshotReplicaKey encrypts the snapshot replica in this region, found
	// by alias at deployment; nil unless the restore reads the replica.
	SnapshotReplicaKey awskms.IKey
	// FileReplicaKey encrypts the file replica this failover uses as its
	// file bucket; nil unless this deployment is a failover.
	FileReplicaKey awskms.IKey
}

// NewDataStack creates the Data stack from props.Config.Data.
func NewDataStack(scope constructs.Construct, id string, props *DataStackProps) *DataStack {
	cfg := props.Config
	d := cfg.Data
	net := props.Network
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	removal := removalPolicy(cfg)
	clients := []awsec2.ISecurityGroup{net.WorkloadSecurityGroup}
	name := func(suffix string) *string { return jsii.String(DataSecretName(cfg, suffix)) }

	// One key encrypts every secret; each data service has its own key (created
	// by its construct), so a key policy or a disabled key affects one service.
	secretsKey := secrets.NewKey(stack, "SecretsKey", &secrets.KeyProps{
		Description:   jsii.String(cfg.Name + " Secrets Manager secrets (" + cfg.SecretsPrefix + "/*)"),
		RemovalPolicy: removal,
	})
	// Disaster recovery (docs/disaster-recovery.md): with dr.enabled the
	// secrets are replicated, the backups copied and the snapshot prefix and
	// file bucket replicated to the recovery region; a failover reads the
	// secret replicas of this region and uses its file replica as the file
	// bucket; a restore from the replica (failover or fail back) reads the
	// snapshot replica. Replica keys are found by alias.
	dr := cfg.DR
	failover := dr.Failover
	var rec *DataRecovery
	if dr.Enabled || failover || dr.RestoresFromReplica() {
		rec = &DataRecovery{}
	}
	secretProps := &secrets.OpenCTISecretsProps{
		NamePrefix:    jsii.String(cfg.SecretsPrefix),
		EncryptionKey: secretsKey,
		RemovalPolicy: removal,
		Existing:      jsii.Bool(failover),
	}
	if dr.Enabled && !failover {
		secretProps.Replicas = []secrets.SecretReplica{{Region: dr.Region, KmsKeyID: recoveryspec.KeyAlias(cfg.Name, recoveryspec.PurposeSecrets)}}
	}
	appSecrets := secrets.NewOpenCTISecrets(stack, "OpenCTISecrets", secretProps)

	backup := &objectstore.BackupProps{Retention: &d.Backup}
	if dr.Enabled {
		backup.CopyTo = &objectstore.BackupCopy{
			VaultArn: jsii.String(recoveryVaultArn(stack, cfg)),
			KeyAlias: jsii.String(recoveryspec.KeyAlias(cfg.Name, recoveryspec.PurposeVault)),
		}
	}
	storeProps := &objectstore.ObjectStoreProps{
		NoncurrentVersionExpirationDays: &d.ObjectStore.NoncurrentVersionExpirationDays,
		Backup:                          backup,
		RemovalPolicy:                   removal,
	}
	if dr.RestoresFromReplica() {
		rec.SnapshotReplicaKey = recovery.NewKeyLookup(stack, "SnapshotReplicaKey", &recovery.KeyLookupProps{
			Alias: jsii.String(recoveryspec.KeyAlias(cfg.Name, recoveryspec.PurposeSnapshots)),
		}).Key()
	}
	if failover {
		rec.FileReplicaKey = recovery.NewKeyLookup(stack, "FileReplicaKey", &recovery.KeyLookupProps{
			Alias: jsii.String(recoveryspec.KeyAlias(cfg.Name, recoveryspec.PurposeFiles)),
		}).Key()
		storeProps.Bucket = awss3.Bucket_FromBucketAttributes(stack, jsii.String("FileReplica"), &awss3.BucketAttributes{
			BucketName:    jsii.String(recoveryspec.FileReplicaBucket(cfg.Name, *stack.Account(), cfg.Region)),
			EncryptionKey: rec.FileReplicaKey,
		})
		storeProps.EncryptionKey = rec.FileReplicaKey
	}
	store := objectstore.NewObjectStore(stack, "ObjectStore", storeProps)

	var snapshotNoncurrentDays *int
	if dr.Enabled {
		snapshotNoncurrentDays = &dr.ReplicaNoncurrentDays
	}
	search := opensearch.NewDomain(stack, "OpenSearch", &opensearch.DomainProps{
		Vpc:                  net.Vpc,
		VpcSubnets:           &net.DataSubnets,
		ClientSecurityGroups: clients,
		Sizing:               &d.OpenSearch.Sizing,
		LogRetention:         awsutil.LogRetention(d.OpenSearch.LogRetentionDays),
		MasterUserSecretName: name(OpenSearchUserSecretSuffix),
		SecretEncryptionKey:  secretsKey,
		AccessLogsBucket:     store.AccessLogsBucket(),
		RemovalPolicy:        removal,
		// Versioned for replication; replicaNoncurrentDays is also the undo
		// window of deleted snapshot files here.
		SnapshotBucketNoncurrentDays: snapshotNoncurrentDays,
	})

	// The domain publishes AUDIT_LOGS to CloudWatch Logs; the security
	// plugin writes nothing there until its audit logging is turned on
	// inside the domain, which this custom resource does at deploy time
	// (functions in the workload subnets with the workload security group,
	// which the domain admits).
	auditLogging := opensearch.NewAuditLogging(stack, "OpenSearchAuditLogging", &opensearch.AuditLoggingProps{
		Domain:        search,
		Vpc:           net.Vpc,
		Subnets:       &net.WorkloadSubnets,
		SecurityGroup: net.WorkloadSecurityGroup,
		LogRetention:  awsutil.LogRetention(cfg.Monitoring.LogRetentionDays),
		RemovalPolicy: removal,
	})

	redis := cache.NewReplicationGroup(stack, "Redis", &cache.ReplicationGroupProps{
		Vpc:                  net.Vpc,
		VpcSubnets:           &net.DataSubnets,
		ClientSecurityGroups: clients,
		Settings:             &d.Redis.Settings,
		AuthSecretName:       name(RedisAuthSecretSuffix),
		SecretEncryptionKey:  secretsKey,
		LogRetention:         awsutil.LogRetention(d.Redis.LogRetentionDays),
		// ElastiCache takes a final snapshot before deleting a retained group.
		RemovalPolicy: awsutil.SnapshotOrDestroy(cfg.RetainData),
	})

	mq := broker.NewBroker(stack, "RabbitMQ", &broker.BrokerProps{
		Vpc:                  net.Vpc,
		VpcSubnets:           &net.DataSubnets,
		ClientSecurityGroups: clients,
		Settings:             &d.Broker.Settings,
		UserSecretName:       name(RabbitMQSecretSuffix),
		SecretEncryptionKey:  secretsKey,
		RemovalPolicy:        removal,
		LogRetention:         awsutil.LogRetention(d.Broker.LogRetentionDays),
	})

	if dr.Enabled {
		replicate := func(id, purpose, prefix string, bucket awss3.IBucket, key awskms.IKey, destination string) recovery.Replication {
			return recovery.NewReplication(stack, id, &recovery.ReplicationProps{
				Bucket:                 bucket,
				BucketKey:              key,
				Prefix:                 jsii.String(prefix),
				RuleID:                 jsii.String(recovery.ReplicaRuleID(purpose)),
				DestinationBucketName:  jsii.String(destination),
				DestinationRegion:      jsii.String(dr.Region),
				DestinationKeyAlias:    jsii.String(recoveryspec.KeyAlias(cfg.Name, purpose)),
				ReplicationTimeControl: jsii.Bool(dr.ReplicationTimeControl),
			})
		}
		rec.SnapshotReplication = replicate("SnapshotReplication", recoveryspec.PurposeSnapshots, recoveryspec.BasePath+"/",
			search.SnapshotBucket(), search.EncryptionKey(), recoveryspec.SnapshotReplicaBucket(cfg.Name, *stack.Account(), dr.Region))
		if !failover {
			rec.FileReplication = replicate("FileReplication", recoveryspec.PurposeFiles, "",
				store.Bucket(), store.EncryptionKey(), recoveryspec.FileReplicaBucket(cfg.Name, *stack.Account(), dr.Region))
		}
		// Scheduled snapshots of the OpenCTI indices into the replicated
		// prefix, written only once its replication rule and role exist.
		rec.Schedule = recovery.NewSnapshotSchedule(stack, "SnapshotSchedule", &recovery.SnapshotScheduleProps{
			Domain:          search,
			Vpc:             net.Vpc,
			Subnets:         &net.WorkloadSubnets,
			SecurityGroup:   net.WorkloadSecurityGroup,
			IntervalMinutes: &dr.SnapshotIntervalMinutes,
			RetentionDays:   &dr.SnapshotRetentionDays,
			Deployment:      jsii.String(cfg.Name),
			LogRetention:    awsutil.LogRetention(cfg.Monitoring.LogRetentionDays),
			RemovalPolicy:   removal,
		})
		// And once the domain's security plugin answers, which the audit
		// logging resource waits for on a new domain (the schedule has no
		// isComplete to wait with).
		rec.Schedule.Node().AddDependency(rec.SnapshotReplication, auditLogging)
	}

	ds := &DataStack{
		Stack:        stack,
		Recovery:     rec,
		OpenSearch:   search,
		Redis:        redis,
		RabbitMQ:     mq,
		ObjectStore:  store,
		Secrets:      appSecrets,
		AuditLogging: auditLogging,
		Outputs: DataOutputs{
			OpenSearchURL:              search.URL(),
			OpenSearchUserSecret:       search.MasterUserSecret(),
			RedisHostname:              redis.Hostname(),
			RedisPort:                  redis.Port(),
			RedisMode:                  redis.Mode(),
			RedisAuthSecret:            redis.AuthSecret(),
			RabbitMQHostname:           mq.Hostname(),
			RabbitMQPort:               mq.Port(),
			RabbitMQManagementHostname: mq.ManagementHostname(),
			RabbitMQManagementPort:     mq.ManagementPort(),
			RabbitMQVHost:              mq.VHost(),
			RabbitMQSecret:             mq.UserSecret(),
			Bucket:                     store.Bucket(),
			BucketKey:                  store.EncryptionKey(),
			BucketRegion:               stack.Region(),
			AdminSecret:                appSecrets.AdminSecret(),
			HealthAccessKeySecret:      appSecrets.HealthAccessKeySecret(),
			EncryptionKeySecret:        appSecrets.EncryptionKeySecret(),
			SecretsKey:                 secretsKey,
		},
	}
	// Endpoints for operators and for `make render` (config "render" section);
	// no secret values.
	for _, out := range []struct {
		id, description string
		value           *string
	}{
		{"OpenSearchUrl", "ELASTICSEARCH__URL (render.openSearchUrl)", ds.Outputs.OpenSearchURL},
		{"RedisHostname", "REDIS__HOSTNAME (render.redisHostname)", ds.Outputs.RedisHostname},
		{"RabbitMQHostname", "RABBITMQ__HOSTNAME (render.rabbitmqHostname)", ds.Outputs.RabbitMQHostname},
		{"BucketName", "MINIO__BUCKET_NAME (render.bucketName)", ds.Outputs.Bucket.BucketName()},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(out.id), &awscdk.CfnOutputProps{Value: out.value, Description: jsii.String(out.description)})
	}
	return ds
}
