// Package cache provides the ElastiCache (Valkey or Redis OSS) replication
// group OpenCTI uses for sessions, locks, caching and its event streams:
// cluster mode disabled, Multi-AZ with automatic failover when it has replicas,
// TLS required, AUTH token from Secrets Manager, encrypted at rest with a
// customer managed key, snapshots kept, reachable only from given security groups.
package cache

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/opencti-ha/opencti-ha/internal/defaults"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/secrets"
)

// AuthSecretPasswordField is the JSON property of the AUTH token in AuthSecret
// (REDIS__PASSWORD).
const AuthSecretPasswordField = secrets.CredentialsPasswordField

// ModeSingle is the REDIS__MODE for a cluster-mode-disabled replication group:
// OpenCTI talks to the primary endpoint, which ElastiCache moves to the
// promoted replica on failover (see README for why not "cluster").
const ModeSingle = "single"

// ReplicationGroupProps configures NewReplicationGroup.
type ReplicationGroupProps struct {
	// Vpc holds the replication group. Required.
	Vpc awsec2.IVpc
	// VpcSubnets form the cache subnet group; nodes are spread over their
	// Availability Zones. Default: the VPC's isolated subnets.
	VpcSubnets *awsec2.SubnetSelection
	// ClientSecurityGroups may reach the nodes on Port; nothing else may.
	// Default: none (add peers later through SecurityGroup()).
	ClientSecurityGroups []awsec2.ISecurityGroup
	// Engine is "valkey" or "redis". Default: "valkey".
	Engine *string
	// EngineVersion is "<major>.<minor>": valkey >= 7.2, redis >= 7.1 (OpenCTI's
	// minimum). Default: "8.0".
	EngineVersion *string
	// NodeType is the cache node type. Default: "cache.r7g.large".
	NodeType *string
	// Replicas is the number of read replicas of the primary (0-5).
	// Default: 2 (primary + 2 replicas over 3 Availability Zones).
	Replicas *int
	// MultiAz enables Multi-AZ with automatic failover; requires Replicas >= 1.
	// Default: true.
	MultiAz *bool
	// SnapshotRetentionDays keeps daily automatic snapshots this many days (0-35).
	// Default: 7.
	SnapshotRetentionDays *int
	// SnapshotWindow is the daily UTC snapshot window. Default: "03:00-04:00".
	SnapshotWindow *string
	// MaintenanceWindow is the weekly UTC maintenance window.
	// Default: "sun:04:30-sun:05:30".
	MaintenanceWindow *string
	// Port is the TCP port of the endpoints. Default: 6379.
	Port *int
	// EncryptionKey encrypts data at rest and snapshots.
	// Default: a new customer managed key with rotation.
	EncryptionKey awskms.IKey
	// AuthSecretName names the AUTH token secret. Default: a name CloudFormation generates.
	AuthSecretName *string
	// SecretEncryptionKey encrypts the AUTH token secret.
	// Default: the AWS managed key aws/secretsmanager.
	SecretEncryptionKey awskms.IKey
	// LogRetention applies to the slow log and engine log groups.
	// Default: awslogs.RetentionDays_THREE_MONTHS.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy applies to the replication group: SNAPSHOT takes a final
	// snapshot before deletion or replacement. The key, secret and log groups
	// get RETAIN for SNAPSHOT. Default: awscdk.RemovalPolicy_SNAPSHOT.
	RemovalPolicy awscdk.RemovalPolicy
}

// ReplicationGroup is a cluster-mode-disabled Valkey/Redis replication group.
type ReplicationGroup interface {
	constructs.Construct
	// Resource is the L1 replication group.
	Resource() awselasticache.CfnReplicationGroup
	// Hostname is the primary endpoint (REDIS__HOSTNAME); it follows failover.
	Hostname() *string
	// ReaderHostname is the reader endpoint, balanced over the replicas.
	ReaderHostname() *string
	// Port is the TCP port (REDIS__PORT).
	Port() int
	// Mode is the REDIS__MODE OpenCTI must use: ModeSingle.
	Mode() string
	// AuthSecret holds the AUTH token under AuthSecretPasswordField (REDIS__PASSWORD).
	AuthSecret() awssecretsmanager.ISecret
	// EncryptionKey encrypts data at rest.
	EncryptionKey() awskms.IKey
	// SecurityGroup guards the nodes.
	SecurityGroup() awsec2.ISecurityGroup
}

type replicationGroup struct {
	constructs.Construct
	rg     awselasticache.CfnReplicationGroup
	port   int
	secret awssecretsmanager.ISecret
	key    awskms.IKey
	sg     awsec2.ISecurityGroup
}

func (r *replicationGroup) Resource() awselasticache.CfnReplicationGroup { return r.rg }
func (r *replicationGroup) Hostname() *string                            { return r.rg.AttrPrimaryEndPointAddress() }
func (r *replicationGroup) ReaderHostname() *string                      { return r.rg.AttrReaderEndPointAddress() }
func (r *replicationGroup) Port() int                                    { return r.port }
func (r *replicationGroup) Mode() string                                 { return ModeSingle }
func (r *replicationGroup) AuthSecret() awssecretsmanager.ISecret        { return r.secret }
func (r *replicationGroup) EncryptionKey() awskms.IKey                   { return r.key }
func (r *replicationGroup) SecurityGroup() awsec2.ISecurityGroup         { return r.sg }

var (
	versionPattern = regexp.MustCompile(`^(\d+)\.(\d+)$`)
	snapshotWindow = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$`)
	maintWindow    = regexp.MustCompile(`^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d$`)
	nodeType       = regexp.MustCompile(`^cache\.[a-z0-9]+\.[a-z0-9]+$`)
)

// MinEngineVersion is the lowest version accepted per engine.
var MinEngineVersion = map[string][2]int{"valkey": {7, 2}, "redis": {7, 1}}

func (p *ReplicationGroupProps) withDefaults() ReplicationGroupProps {
	out := ReplicationGroupProps{}
	if p != nil {
		out = *p
	}
	if out.VpcSubnets == nil {
		out.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	defaults.Set(&out.Engine, "valkey")
	defaults.Set(&out.EngineVersion, "8.0")
	defaults.Set(&out.NodeType, "cache.r7g.large")
	defaults.Set(&out.Replicas, 2)
	if out.MultiAz == nil {
		out.MultiAz = new(true)
	}
	defaults.Set(&out.SnapshotRetentionDays, 7)
	defaults.Set(&out.SnapshotWindow, "03:00-04:00")
	defaults.Set(&out.MaintenanceWindow, "sun:04:30-sun:05:30")
	defaults.Set(&out.Port, 6379)
	if out.LogRetention == "" {
		out.LogRetention = awslogs.RetentionDays_THREE_MONTHS
	}
	if out.RemovalPolicy == "" {
		out.RemovalPolicy = awscdk.RemovalPolicy_SNAPSHOT
	}
	return out
}

func (p ReplicationGroupProps) validate() error {
	var errs []error
	add := func(field string, got any, want string) {
		errs = append(errs, fmt.Errorf("cache.ReplicationGroupProps.%s: got %v, want %s", field, got, want))
	}
	if p.Vpc == nil {
		add("Vpc", "nil", "the VPC that holds the replication group")
	}
	minVersion, known := MinEngineVersion[*p.Engine]
	if !known {
		add("Engine", strconv.Quote(*p.Engine), `"valkey" or "redis"`)
	}
	if m := versionPattern.FindStringSubmatch(*p.EngineVersion); m == nil {
		add("EngineVersion", strconv.Quote(*p.EngineVersion), `"<major>.<minor>", e.g. "8.0"`)
	} else if known {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		if major < minVersion[0] || (major == minVersion[0] && minor < minVersion[1]) {
			add("EngineVersion", strconv.Quote(*p.EngineVersion), fmt.Sprintf("at least %d.%d for %s", minVersion[0], minVersion[1], *p.Engine))
		}
	}
	if !nodeType.MatchString(*p.NodeType) {
		add("NodeType", strconv.Quote(*p.NodeType), `a cache node type such as "cache.r7g.large"`)
	}
	if n := *p.Replicas; n < 0 || n > 5 {
		add("Replicas", n, "0..5")
	}
	if *p.MultiAz && *p.Replicas < 1 {
		add("MultiAz", true, "false when Replicas is 0 (Multi-AZ fails over to a replica)")
	}
	if n := *p.SnapshotRetentionDays; n < 0 || n > 35 {
		add("SnapshotRetentionDays", n, "0..35")
	}
	if !snapshotWindow.MatchString(*p.SnapshotWindow) {
		add("SnapshotWindow", strconv.Quote(*p.SnapshotWindow), `"hh:mm-hh:mm" (UTC)`)
	}
	if !maintWindow.MatchString(*p.MaintenanceWindow) {
		add("MaintenanceWindow", strconv.Quote(*p.MaintenanceWindow), `"ddd:hh:mm-ddd:hh:mm" (UTC, e.g. "sun:04:30-sun:05:30")`)
	}
	if n := *p.Port; n < 1024 || n > 65535 {
		add("Port", n, "1024..65535")
	}
	if err := secrets.ValidateRemovalPolicy("cache.ReplicationGroupProps.RemovalPolicy", p.RemovalPolicy); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// NewReplicationGroup creates the replication group with its subnet group,
// security group, AUTH token secret, log groups and (unless given) KMS key.
// It panics before creating anything if props are invalid.
func NewReplicationGroup(scope constructs.Construct, id string, props *ReplicationGroupProps) ReplicationGroup {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(err)
	}
	r := &replicationGroup{port: *p.Port}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	dataRemoval := secrets.DataRemovalPolicy(p.RemovalPolicy)

	r.key = p.EncryptionKey
	if r.key == nil {
		r.key = secrets.NewKey(r, "Key", &secrets.KeyProps{
			Description:   jsii.String("OpenCTI " + *p.Engine + " replication group at rest and snapshots"),
			RemovalPolicy: dataRemoval,
		})
	}
	r.secret = secrets.NewCredentials(r, "AuthToken", &secrets.CredentialsProps{
		SecretName:  p.AuthSecretName,
		Description: jsii.String("OpenCTI " + *p.Engine + " AUTH token (REDIS__PASSWORD)"),
		// AUTH tokens are 16-128 printable characters without / " @ or spaces;
		// 64 letters and digits satisfy that with 380 bits of entropy.
		PasswordLength:     new(64),
		ExcludePunctuation: jsii.Bool(true),
		EncryptionKey:      p.SecretEncryptionKey,
		RemovalPolicy:      dataRemoval,
		NoRotationReason: jsii.String("ElastiCache AUTH token rotation is a two-step ROTATE/SET change on the " +
			"replication group that CloudFormation cannot sequence with OpenCTI restarts; rotate with the documented runbook."),
	})

	selected := p.Vpc.SelectSubnets(p.VpcSubnets)
	subnetGroup := awselasticache.NewCfnSubnetGroup(r, jsii.String("SubnetGroup"), &awselasticache.CfnSubnetGroupProps{
		Description: jsii.String("OpenCTI " + *p.Engine + " data subnets"),
		SubnetIds:   toAny(*selected.SubnetIds),
	})
	sg := awsec2.NewSecurityGroup(r, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("OpenCTI " + *p.Engine + ": port " + strconv.Itoa(*p.Port) + " from OpenCTI workloads only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	for _, client := range p.ClientSecurityGroups {
		sg.AddIngressRule(client, awsec2.Port_Tcp(jsii.Number(float64(*p.Port))), jsii.String(*p.Engine+" from OpenCTI workloads"), jsii.Bool(false))
	}
	r.sg = sg

	logConfigs := []any{}
	for _, kind := range []struct{ id, logType string }{{"SlowLogs", "slow-log"}, {"EngineLogs", "engine-log"}} {
		lg := awslogs.NewLogGroup(r, jsii.String(kind.id), &awslogs.LogGroupProps{
			Retention:     p.LogRetention,
			RemovalPolicy: dataRemoval,
		})
		logConfigs = append(logConfigs, &awselasticache.CfnReplicationGroup_LogDeliveryConfigurationRequestProperty{
			DestinationType:    jsii.String("cloudwatch-logs"),
			DestinationDetails: &awselasticache.CfnReplicationGroup_DestinationDetailsProperty{CloudWatchLogsDetails: &awselasticache.CfnReplicationGroup_CloudWatchLogsDestinationDetailsProperty{LogGroup: lg.LogGroupName()}},
			LogFormat:          jsii.String("json"),
			LogType:            jsii.String(kind.logType),
		})
	}

	nodes := *p.Replicas + 1
	rg := awselasticache.NewCfnReplicationGroup(r, jsii.String("Resource"), &awselasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String("OpenCTI " + *p.Engine + " (cluster mode disabled)"),
		Engine:                      p.Engine,
		EngineVersion:               p.EngineVersion,
		CacheNodeType:               p.NodeType,
		ClusterMode:                 jsii.String("disabled"),
		NumCacheClusters:            jsii.Number(float64(nodes)),
		AutomaticFailoverEnabled:    jsii.Bool(*p.Replicas > 0),
		MultiAzEnabled:              p.MultiAz,
		PreferredCacheClusterAZs:    spreadAZs(selected.AvailabilityZones, nodes),
		CacheSubnetGroupName:        subnetGroup.Ref(),
		SecurityGroupIds:            &[]*string{sg.SecurityGroupId()},
		Port:                        jsii.Number(float64(*p.Port)),
		TransitEncryptionEnabled:    jsii.Bool(true),
		TransitEncryptionMode:       jsii.String("required"),
		AuthToken:                   r.secret.SecretValueFromJson(jsii.String(AuthSecretPasswordField)).UnsafeUnwrap(),
		AtRestEncryptionEnabled:     jsii.Bool(true),
		KmsKeyId:                    r.key.KeyArn(),
		SnapshotRetentionLimit:      jsii.Number(float64(*p.SnapshotRetentionDays)),
		SnapshotWindow:              p.SnapshotWindow,
		PreferredMaintenanceWindow:  p.MaintenanceWindow,
		AutoMinorVersionUpgrade:     jsii.Bool(true),
		LogDeliveryConfigurations:   &logConfigs,
	})
	rg.ApplyRemovalPolicy(p.RemovalPolicy, nil)
	// SNAPSHOT deletes the group after its final snapshot, so its network
	// resources can go too; a RETAINed group keeps using them.
	if p.RemovalPolicy == awscdk.RemovalPolicy_RETAIN || p.RemovalPolicy == awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE {
		sg.ApplyRemovalPolicy(p.RemovalPolicy)
		subnetGroup.ApplyRemovalPolicy(p.RemovalPolicy, nil)
	}
	r.rg = rg

	var suppressions []*cdknag.NagPackSuppression
	if *p.Engine == "redis" && *p.Port == 6379 {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-AEC5"),
			Reason: jsii.String("The port is reachable only from the OpenCTI workload security group and every " +
				"connection needs TLS and the AUTH token; a non-default port adds no protection there, and 6379 is what " +
				"operators and OpenCTI (REDIS__PORT) expect.")})
	}
	if !*p.MultiAz {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-AEC4"),
			Reason: jsii.String("MultiAz is false by the caller's choice (a single-node development cache); production configurations require Multi-AZ with replicas.")})
	}
	if len(suppressions) > 0 {
		cdknag.NagSuppressions_AddResourceSuppressions(rg, &suppressions, jsii.Bool(false))
	}
	return r
}

// spreadAZs places node i in zone i mod len(zones), so that a primary and two
// replicas land in three zones. It returns nil (ElastiCache chooses) when a
// zone is not known at synth time.
func spreadAZs(zones *[]*string, nodes int) *[]*string {
	if zones == nil || len(*zones) == 0 {
		return nil
	}
	uniq := []*string{}
	seen := map[string]bool{}
	for _, z := range *zones {
		if z == nil || *awscdk.Token_IsUnresolved(z) {
			return nil
		}
		if !seen[*z] {
			seen[*z] = true
			uniq = append(uniq, z)
		}
	}
	out := make([]*string, nodes)
	for i := range out {
		out[i] = uniq[i%len(uniq)]
	}
	return &out
}

func toAny(ss []*string) *[]any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return &out
}
