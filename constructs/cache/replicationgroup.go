// Package cache provides the ElastiCache (Valkey or Redis OSS) replication
// group OpenCTI uses for sessions, locks, caching and its event streams:
// cluster mode disabled, Multi-AZ with automatic failover when it has replicas,
// TLS required, AUTH token from Secrets Manager, encrypted at rest with a
// customer managed key, snapshots kept, reachable only from given security groups.
package cache

import (
	"regexp"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/cache/cachespec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
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
	// Settings size the group (engine and version, node type, replicas,
	// Multi-AZ, snapshot retention); start from DefaultSettings() and change
	// what differs. Default: DefaultSettings(), a Multi-AZ Valkey 8.0 primary
	// with 2 replicas on cache.r7g.large, snapshots kept 7 days.
	Settings *Settings
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

// Settings size a replication group (cachespec.Settings, which the
// configuration's data.redis section reuses).
type Settings = cachespec.Settings

// DefaultSettings are a Multi-AZ Valkey 8.0 group of a primary and two
// replicas on cache.r7g.large, snapshots kept 7 days.
func DefaultSettings() Settings { return cachespec.DefaultSettings() }

// ReplicationGroup is a cluster-mode-disabled Valkey/Redis replication group.
// Every resource it creates is reachable from it.
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
	// SubnetGroup is the cache subnet group.
	SubnetGroup() awselasticache.CfnSubnetGroup
	// LogGroups are the slow log and engine log groups, in that order.
	LogGroups() []awslogs.ILogGroup
	// EventTopic receives the group's ElastiCache event notifications
	// (NotificationTopicArn): failover, node replacement, snapshots. It is
	// not encrypted, because ElastiCache cannot publish to an encrypted
	// topic (events.go).
	EventTopic() awssns.ITopic
}

type replicationGroup struct {
	constructs.Construct
	rg          awselasticache.CfnReplicationGroup
	port        int
	secret      awssecretsmanager.ISecret
	key         awskms.IKey
	sg          awsec2.ISecurityGroup
	subnetGroup awselasticache.CfnSubnetGroup
	logGroups   []awslogs.ILogGroup
	eventTopic  awssns.ITopic
}

func (r *replicationGroup) Resource() awselasticache.CfnReplicationGroup { return r.rg }
func (r *replicationGroup) Hostname() *string                            { return r.rg.AttrPrimaryEndPointAddress() }
func (r *replicationGroup) ReaderHostname() *string                      { return r.rg.AttrReaderEndPointAddress() }
func (r *replicationGroup) Port() int                                    { return r.port }
func (r *replicationGroup) Mode() string                                 { return ModeSingle }
func (r *replicationGroup) AuthSecret() awssecretsmanager.ISecret        { return r.secret }
func (r *replicationGroup) EncryptionKey() awskms.IKey                   { return r.key }
func (r *replicationGroup) SecurityGroup() awsec2.ISecurityGroup         { return r.sg }
func (r *replicationGroup) SubnetGroup() awselasticache.CfnSubnetGroup   { return r.subnetGroup }
func (r *replicationGroup) LogGroups() []awslogs.ILogGroup               { return r.logGroups }
func (r *replicationGroup) EventTopic() awssns.ITopic                    { return r.eventTopic }

var (
	snapshotWindow = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$`)
	maintWindow    = regexp.MustCompile(`^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d$`)
)

// resolved is ReplicationGroupProps with every default filled in (a copy:
// the caller's props are never changed).
type resolved struct {
	ReplicationGroupProps
	settings Settings
}

func (p *ReplicationGroupProps) withDefaults() resolved {
	r := resolved{}
	if p != nil {
		r.ReplicationGroupProps = *p
	}
	r.settings = defaults.Of(r.Settings, DefaultSettings())
	defaults.Set(&r.VpcSubnets, awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED})
	defaults.Slice(&r.ClientSecurityGroups, nil)
	defaults.Set(&r.SnapshotWindow, "03:00-04:00")
	defaults.Set(&r.MaintenanceWindow, "sun:04:30-sun:05:30")
	defaults.Set(&r.Port, 6379)
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_THREE_MONTHS)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_SNAPSHOT)
	return r
}

func (r resolved) validate() error {
	const f = "cache.ReplicationGroupProps."
	pr := &problems.List{}
	if r.Vpc == nil {
		pr.Add(f+"Vpc", r.Vpc, "the VPC that holds the replication group")
	}
	r.settings.Check(pr, problems.GoNames(f+"Settings."), cachespec.Limits{})
	if !snapshotWindow.MatchString(*r.SnapshotWindow) {
		pr.Add(f+"SnapshotWindow", r.SnapshotWindow, `"hh:mm-hh:mm" (UTC)`)
	}
	if !maintWindow.MatchString(*r.MaintenanceWindow) {
		pr.Add(f+"MaintenanceWindow", r.MaintenanceWindow, `"ddd:hh:mm-ddd:hh:mm" (UTC, e.g. "sun:04:30-sun:05:30")`)
	}
	if n := *r.Port; n < 1024 || n > 65535 {
		pr.Add(f+"Port", n, "1024 to 65535")
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	return pr.Err()
}

// NewReplicationGroup creates the replication group with its subnet group,
// security group, AUTH token secret, log groups and (unless given) KMS key.
// It panics with an *problems.InvalidProps, listing every invalid prop,
// before creating anything.
func NewReplicationGroup(scope constructs.Construct, id string, props *ReplicationGroupProps) ReplicationGroup {
	p := props.withDefaults()
	problems.PanicIfInvalid("cache.NewReplicationGroup", id, p.validate())
	s := p.settings
	r := &replicationGroup{port: *p.Port}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	dataRemoval := awsutil.DataRemovalPolicy(p.RemovalPolicy)

	r.key = secrets.KeyOrNew(p.EncryptionKey, r, "Key", &secrets.KeyProps{
		Description:   jsii.String("OpenCTI " + s.Engine + " replication group at rest and snapshots"),
		RemovalPolicy: dataRemoval,
	})
	r.secret = secrets.NewCredentials(r, "AuthToken", &secrets.CredentialsProps{
		SecretName:  p.AuthSecretName,
		Description: jsii.String("OpenCTI " + s.Engine + " AUTH token (REDIS__PASSWORD)"),
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
		Description: jsii.String("OpenCTI " + s.Engine + " data subnets"),
		SubnetIds:   toAny(*selected.SubnetIds),
	})
	r.subnetGroup = subnetGroup
	sg := awsutil.NewClosedSecurityGroup(r, p.Vpc, "OpenCTI "+s.Engine+": port "+strconv.Itoa(*p.Port)+" from OpenCTI workloads only",
		p.ClientSecurityGroups, awsutil.ClientPort{Port: *p.Port, Description: s.Engine + " from OpenCTI workloads"})
	r.sg = sg

	logConfigs := []any{}
	for _, kind := range []struct{ id, logType string }{{"SlowLogs", "slow-log"}, {"EngineLogs", "engine-log"}} {
		lg := awslogs.NewLogGroup(r, jsii.String(kind.id), &awslogs.LogGroupProps{
			Retention:     p.LogRetention,
			RemovalPolicy: dataRemoval,
		})
		r.logGroups = append(r.logGroups, lg)
		logConfigs = append(logConfigs, &awselasticache.CfnReplicationGroup_LogDeliveryConfigurationRequestProperty{
			DestinationType:    jsii.String("cloudwatch-logs"),
			DestinationDetails: &awselasticache.CfnReplicationGroup_DestinationDetailsProperty{CloudWatchLogsDetails: &awselasticache.CfnReplicationGroup_CloudWatchLogsDestinationDetailsProperty{LogGroup: lg.LogGroupName()}},
			LogFormat:          jsii.String("json"),
			LogType:            jsii.String(kind.logType),
		})
	}

	nodes := s.Replicas + 1
	rg := awselasticache.NewCfnReplicationGroup(r, jsii.String("Resource"), &awselasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String("OpenCTI " + s.Engine + " (cluster mode disabled)"),
		Engine:                      jsii.String(s.Engine),
		EngineVersion:               jsii.String(s.EngineVersion),
		CacheNodeType:               jsii.String(s.NodeType),
		ClusterMode:                 jsii.String("disabled"),
		NumCacheClusters:            jsii.Number(float64(nodes)),
		AutomaticFailoverEnabled:    jsii.Bool(s.Replicas > 0),
		MultiAzEnabled:              jsii.Bool(s.MultiAz),
		PreferredCacheClusterAZs:    spreadAZs(selected.AvailabilityZones, nodes),
		CacheSubnetGroupName:        subnetGroup.Ref(),
		SecurityGroupIds:            &[]*string{sg.SecurityGroupId()},
		Port:                        jsii.Number(float64(*p.Port)),
		TransitEncryptionEnabled:    jsii.Bool(true),
		TransitEncryptionMode:       jsii.String("required"),
		AuthToken:                   r.secret.SecretValueFromJson(jsii.String(AuthSecretPasswordField)).UnsafeUnwrap(),
		AtRestEncryptionEnabled:     jsii.Bool(true),
		KmsKeyId:                    r.key.KeyArn(),
		SnapshotRetentionLimit:      jsii.Number(float64(s.SnapshotRetentionDays)),
		SnapshotWindow:              p.SnapshotWindow,
		PreferredMaintenanceWindow:  p.MaintenanceWindow,
		AutoMinorVersionUpgrade:     jsii.Bool(true),
		LogDeliveryConfigurations:   &logConfigs,
	})
	rg.ApplyRemovalPolicy(p.RemovalPolicy, nil)
	// SNAPSHOT deletes the group after its final snapshot, so its network
	// resources can go too; a RETAINed group keeps using them.
	if awsutil.Retains(p.RemovalPolicy) {
		sg.ApplyRemovalPolicy(p.RemovalPolicy)
		subnetGroup.ApplyRemovalPolicy(p.RemovalPolicy, nil)
	}
	r.rg = rg
	r.newEventTopic()

	var suppressions []*cdknag.NagPackSuppression
	if s.Engine == "redis" && *p.Port == 6379 {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-AEC5"),
			Reason: jsii.String("The port is reachable only from the OpenCTI workload security group and every " +
				"connection needs TLS and the AUTH token; a non-default port adds no protection there, and 6379 is what " +
				"operators and OpenCTI (REDIS__PORT) expect.")})
	}
	if !s.MultiAz {
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
