// Package broker provides the Amazon MQ for RabbitMQ broker OpenCTI's workers
// and connectors exchange messages through: a private broker (a three-node
// cluster over three Availability Zones, or a single instance for development)
// with a pinned engine version, credentials from Secrets Manager, general logs
// in CloudWatch, a broker configuration carrying OpenCTI's consumer timeout,
// and a security group that admits AMQPS and the management API only from
// given security groups.
package broker

import (
	"encoding/base64"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsamazonmq"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/broker/brokerspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// JSON property names of the broker user secret (RABBITMQ__USERNAME, RABBITMQ__PASSWORD).
const (
	UserSecretUsernameField = secrets.CredentialsUsernameField
	UserSecretPasswordField = secrets.CredentialsPasswordField
)

// Deployment modes of an Amazon MQ for RabbitMQ broker.
const (
	DeploymentModeSingleInstance = brokerspec.DeploymentModeSingleInstance
	DeploymentModeClusterMultiAZ = brokerspec.DeploymentModeClusterMultiAZ
)

// Ports and virtual host OpenCTI uses with Amazon MQ for RabbitMQ.
const (
	AMQPSPort      = 5671 // RABBITMQ__PORT, with RABBITMQ__USE_SSL=true
	ManagementPort = 443  // RABBITMQ__PORT_MANAGEMENT, with RABBITMQ__MANAGEMENT_SSL=true
	DefaultVHost   = "/"  // RABBITMQ__VHOST
)

// DefaultConsumerTimeoutMillis is OpenCTI's recommended consumer_timeout (24 h).
const DefaultConsumerTimeoutMillis = 86400000

// Settings size the broker: engine version, instance type, deployment mode
// and maintenance window (brokerspec.Settings, which the configuration's
// data.broker section reuses).
type Settings = brokerspec.Settings

// MaintenanceWindow is the start of the broker's weekly maintenance window.
type MaintenanceWindow = brokerspec.MaintenanceWindow

// DefaultSettings are a three-node RabbitMQ 3.13 cluster on mq.m5.large over
// three Availability Zones, maintained on Sundays at 03:00 UTC.
func DefaultSettings() Settings { return brokerspec.DefaultSettings() }

// BrokerProps configures NewBroker.
type BrokerProps struct {
	// Vpc holds the broker. Required.
	Vpc awsec2.IVpc
	// VpcSubnets are the candidate subnets: a single instance uses the first,
	// a cluster one per Availability Zone. Default: the VPC's isolated subnets.
	VpcSubnets *awsec2.SubnetSelection
	// ClientSecurityGroups may reach AMQPS (5671) and the management API (443);
	// nothing else may. Default: none (add peers later through SecurityGroup()).
	ClientSecurityGroups []awsec2.ISecurityGroup
	// BrokerName names the broker (1-50 characters: letters, digits, - and _).
	// Changing it replaces the broker. Default: a stable name derived from the
	// construct path.
	BrokerName *string
	// Settings size the broker (engine version, instance type, deployment
	// mode, maintenance window); start from DefaultSettings() and change what
	// differs. Default: DefaultSettings(), a three-node RabbitMQ 3.13 cluster
	// on mq.m5.large, maintained on Sundays at 03:00 UTC.
	Settings *Settings
	// ConsumerTimeoutMillis is rabbitmq.conf consumer_timeout (0 = infinite,
	// up to 2147483647). Default: DefaultConsumerTimeoutMillis (24 h).
	ConsumerTimeoutMillis *int
	// Username is the broker user OpenCTI connects as (2-100 characters:
	// letters, digits, - . _ ~). Default: "opencti".
	Username *string
	// UserSecretName names the user secret. Default: a name CloudFormation generates.
	UserSecretName *string
	// SecretEncryptionKey encrypts the user secret.
	// Default: the AWS managed key aws/secretsmanager.
	SecretEncryptionKey awskms.IKey
	// RemovalPolicy applies to the broker, its security group and the user
	// secret (SNAPSHOT is treated as RETAIN_ON_UPDATE_OR_DELETE), and to the
	// broker's general log group (kept unless DESTROY).
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// LogRetention applies to the general log group Amazon MQ creates for the
	// broker, /aws/amazonmq/broker/<broker ID>/general (see GeneralLogGroupName).
	// Default: awslogs.RetentionDays_THREE_MONTHS.
	LogRetention awslogs.RetentionDays
}

// Broker is an Amazon MQ for RabbitMQ broker ready for OpenCTI. Every
// resource it creates is reachable from it.
type Broker interface {
	constructs.Construct
	// Resource is the L1 broker.
	Resource() awsamazonmq.CfnBroker
	// Configuration is the broker configuration (rabbitmq.conf).
	Configuration() awsamazonmq.CfnConfiguration
	// Hostname is the AMQPS endpoint host (RABBITMQ__HOSTNAME).
	Hostname() *string
	// Port is AMQPSPort.
	Port() int
	// ManagementHostname is the management API host (RABBITMQ__HOSTNAME_MANAGEMENT).
	ManagementHostname() *string
	// ManagementPort is ManagementPort.
	ManagementPort() int
	// VHost is DefaultVHost.
	VHost() string
	// UserSecret holds UserSecretUsernameField and UserSecretPasswordField.
	UserSecret() awssecretsmanager.ISecret
	// SecurityGroup guards the broker.
	SecurityGroup() awsec2.ISecurityGroup
	// GeneralLogRetention sets the retention of the broker's general log group.
	GeneralLogRetention() awslogs.LogRetention
}

type broker struct {
	constructs.Construct
	res      awsamazonmq.CfnBroker
	conf     awsamazonmq.CfnConfiguration
	hostname *string
	secret   awssecretsmanager.ISecret
	sg       awsec2.ISecurityGroup
	logs     awslogs.LogRetention
}

func (b *broker) Resource() awsamazonmq.CfnBroker             { return b.res }
func (b *broker) Configuration() awsamazonmq.CfnConfiguration { return b.conf }
func (b *broker) Hostname() *string                           { return b.hostname }
func (b *broker) Port() int                                   { return AMQPSPort }
func (b *broker) ManagementHostname() *string                 { return b.hostname }
func (b *broker) ManagementPort() int                         { return ManagementPort }
func (b *broker) VHost() string                               { return DefaultVHost }
func (b *broker) UserSecret() awssecretsmanager.ISecret       { return b.secret }
func (b *broker) SecurityGroup() awsec2.ISecurityGroup        { return b.sg }
func (b *broker) GeneralLogRetention() awslogs.LogRetention   { return b.logs }

var (
	brokerName      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,50}$`)
	usernamePattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{2,100}$`)
)

// resolved is BrokerProps with every default filled in (a copy: the caller's
// props are never changed).
type resolved struct {
	BrokerProps
	settings Settings
}

func (p *BrokerProps) withDefaults() resolved {
	r := resolved{}
	if p != nil {
		r.BrokerProps = *p
	}
	r.settings = defaults.Of(r.Settings, DefaultSettings())
	defaults.Set(&r.VpcSubnets, awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED})
	defaults.Slice(&r.ClientSecurityGroups, nil)
	defaults.Set(&r.Username, "opencti")
	defaults.Set(&r.ConsumerTimeoutMillis, DefaultConsumerTimeoutMillis)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_THREE_MONTHS)
	return r
}

func (r resolved) validate() error {
	const f = "broker.BrokerProps."
	pr := &problems.List{}
	if r.Vpc == nil {
		pr.Add(f+"Vpc", r.Vpc, "the VPC that holds the broker")
	}
	r.settings.Check(pr, problems.GoNames(f+"Settings."), brokerspec.Limits{})
	if n := *r.ConsumerTimeoutMillis; n < 0 || n > 2147483647 {
		pr.Add(f+"ConsumerTimeoutMillis", n, "0 to 2147483647")
	}
	if r.BrokerName != nil && !brokerName.MatchString(*r.BrokerName) {
		pr.Add(f+"BrokerName", r.BrokerName, "1-50 characters: letters, digits, - and _")
	}
	if !usernamePattern.MatchString(*r.Username) {
		pr.Add(f+"Username", r.Username, "2-100 characters: letters, digits, - . _ ~")
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	return pr.Err()
}

// NewBroker creates the broker, its configuration, user secret, security
// group and the retention of its general log group. It panics with an
// *problems.InvalidProps, listing every invalid prop, before creating
// anything.
func NewBroker(scope constructs.Construct, id string, props *BrokerProps) Broker {
	p := props.withDefaults()
	problems.PanicIfInvalid("broker.NewBroker", id, p.validate())
	s := p.settings
	cluster := s.DeploymentMode == DeploymentModeClusterMultiAZ
	subnetIDs, err := pickSubnets(p.Vpc, p.VpcSubnets, cluster)
	problems.PanicIfInvalid("broker.NewBroker", id, err)
	b := &broker{}
	constructs.NewConstruct_Override(b, scope, jsii.String(id))
	removal := awsutil.DataRemovalPolicy(p.RemovalPolicy)

	name := p.BrokerName
	if name == nil {
		name = defaultBrokerName(b)
	}
	// Amazon MQ passwords: 12-250 characters, at least 4 distinct, no commas,
	// colons or equals signs. 32 letters and digits (with each class present)
	// meet every rule.
	b.secret = secrets.NewCredentials(b, "User", &secrets.CredentialsProps{
		SecretName:         p.UserSecretName,
		Description:        jsii.String("Amazon MQ for RabbitMQ user of broker " + *name + " (RABBITMQ__USERNAME / RABBITMQ__PASSWORD)"),
		Username:           p.Username,
		PasswordLength:     new(32),
		ExcludePunctuation: jsii.Bool(true),
		EncryptionKey:      p.SecretEncryptionKey,
		RemovalPolicy:      removal,
		NoRotationReason: jsii.String("The broker user is defined on the broker by CloudFormation and used by every " +
			"OpenCTI platform, worker and connector; Secrets Manager has no rotation function for Amazon MQ users. " +
			"Rotate with the documented runbook."),
	})

	sg := awsutil.NewClosedSecurityGroup(b, p.Vpc, "RabbitMQ broker "+*name+": AMQPS and management API from OpenCTI workloads only",
		p.ClientSecurityGroups,
		awsutil.ClientPort{Port: AMQPSPort, Description: "AMQPS from OpenCTI workloads"},
		awsutil.ClientPort{Port: ManagementPort, Description: "RabbitMQ management API from OpenCTI workloads"})
	sg.ApplyRemovalPolicy(removal)
	b.sg = sg

	conf := awsamazonmq.NewCfnConfiguration(b, jsii.String("Configuration"), &awsamazonmq.CfnConfigurationProps{
		Name:          jsii.String(*name + "-config"),
		Description:   jsii.String("OpenCTI settings (rabbitmq.conf)"),
		EngineType:    jsii.String("RABBITMQ"),
		EngineVersion: jsii.String(s.EngineVersion),
		Data:          jsii.String(base64.StdEncoding.EncodeToString([]byte(RabbitMQConf(*p.ConsumerTimeoutMillis)))),
	})
	b.conf = conf

	res := awsamazonmq.NewCfnBroker(b, jsii.String("Resource"), &awsamazonmq.CfnBrokerProps{
		BrokerName:              name,
		EngineType:              jsii.String("RABBITMQ"),
		EngineVersion:           jsii.String(s.EngineVersion),
		AutoMinorVersionUpgrade: jsii.Bool(true),
		HostInstanceType:        jsii.String(s.InstanceType),
		DeploymentMode:          jsii.String(s.DeploymentMode),
		PubliclyAccessible:      jsii.Bool(false),
		SubnetIds:               &subnetIDs,
		SecurityGroups:          &[]*string{sg.SecurityGroupId()},
		Users: &[]any{&awsamazonmq.CfnBroker_UserProperty{
			Username: b.secret.SecretValueFromJson(jsii.String(UserSecretUsernameField)).UnsafeUnwrap(),
			Password: b.secret.SecretValueFromJson(jsii.String(UserSecretPasswordField)).UnsafeUnwrap(),
		}},
		Logs:          &awsamazonmq.CfnBroker_LogListProperty{General: jsii.Bool(true)},
		Configuration: &awsamazonmq.CfnBroker_ConfigurationIdProperty{Id: conf.AttrId(), Revision: conf.AttrRevision()},
		MaintenanceWindowStartTime: &awsamazonmq.CfnBroker_MaintenanceWindowProperty{
			DayOfWeek: jsii.String(s.MaintenanceWindow.DayOfWeek),
			TimeOfDay: jsii.String(s.MaintenanceWindow.TimeOfDay),
			TimeZone:  jsii.String(s.MaintenanceWindow.TimeZone),
		},
	})
	res.ApplyRemovalPolicy(removal, nil)
	b.res = res
	b.logs = addGeneralLogRetention(b, res, p)
	// "amqps://b-<id>.mq.<region>.amazonaws.com:5671" -> "b-<id>.mq.<region>.amazonaws.com"
	endpoint := awscdk.Fn_Select(jsii.Number(0), res.AttrAmqpEndpoints())
	afterScheme := awscdk.Fn_Select(jsii.Number(1), awscdk.Fn_Split(jsii.String("//"), endpoint, nil))
	b.hostname = awscdk.Fn_Select(jsii.Number(0), awscdk.Fn_Split(jsii.String(":"), afterScheme, nil))
	return b
}

// defaultBrokerName is "<stack name>-<id>" (e.g. "opencti-prod-Data-RabbitMQ")
// when that is a valid broker name, else a name with a hash of the construct path.
func defaultBrokerName(c constructs.Construct) *string {
	n := *awscdk.Stack_Of(c).StackName() + "-" + *c.Node().Id()
	if brokerName.MatchString(n) {
		return jsii.String(n)
	}
	return awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(50), Separator: jsii.String("-")})
}

// RabbitMQConf renders the broker configuration. Amazon MQ accepts only an
// allow-list of keys; max_message_size, which OpenCTI also recommends, is not
// settable on RabbitMQ 3.13 brokers (they run at RabbitMQ's 128 MiB default).
func RabbitMQConf(consumerTimeoutMillis int) string {
	return fmt.Sprintf("consumer_timeout = %d\n", consumerTimeoutMillis)
}

// pickSubnets returns one subnet for a single instance, or the first subnet of
// each distinct Availability Zone (at least two) for a cluster.
func pickSubnets(vpc awsec2.IVpc, sel *awsec2.SubnetSelection, cluster bool) ([]*string, error) {
	if vpc == nil {
		return nil, nil
	}
	seen := map[string]bool{}
	var out []*string
	for _, s := range *vpc.SelectSubnets(sel).Subnets {
		az := s.AvailabilityZone()
		if az != nil && !*awscdk.Token_IsUnresolved(az) {
			if seen[*az] {
				continue
			}
			seen[*az] = true
		}
		out = append(out, s.SubnetId())
		if !cluster {
			break
		}
	}
	want := 1
	if cluster {
		want = 2
	}
	if len(out) < want {
		pr := &problems.List{}
		pr.Add("broker.BrokerProps.VpcSubnets", problems.Raw(fmt.Sprintf("subnets in %d Availability Zones", len(out))), fmt.Sprintf("at least %d", want))
		return nil, pr.Err()
	}
	return out, nil
}
