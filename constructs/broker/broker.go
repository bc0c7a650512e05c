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
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/opencti-ha/opencti-ha/internal/defaults"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsamazonmq"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/secrets"
)

// JSON property names of the broker user secret (RABBITMQ__USERNAME, RABBITMQ__PASSWORD).
const (
	UserSecretUsernameField = secrets.CredentialsUsernameField
	UserSecretPasswordField = secrets.CredentialsPasswordField
)

// Deployment modes of an Amazon MQ for RabbitMQ broker.
const (
	DeploymentModeSingleInstance = "SINGLE_INSTANCE"
	DeploymentModeClusterMultiAZ = "CLUSTER_MULTI_AZ"
)

// Ports and virtual host OpenCTI uses with Amazon MQ for RabbitMQ.
const (
	AMQPSPort      = 5671 // RABBITMQ__PORT, with RABBITMQ__USE_SSL=true
	ManagementPort = 443  // RABBITMQ__PORT_MANAGEMENT, with RABBITMQ__MANAGEMENT_SSL=true
	DefaultVHost   = "/"  // RABBITMQ__VHOST
)

// DefaultConsumerTimeoutMillis is OpenCTI's recommended consumer_timeout (24 h).
const DefaultConsumerTimeoutMillis = 86400000

// MaintenanceWindow is the broker's weekly maintenance window start.
type MaintenanceWindow struct {
	// DayOfWeek is MONDAY..SUNDAY.
	DayOfWeek string
	// TimeOfDay is "HH:MM" (24 h).
	TimeOfDay string
	// TimeZone is "UTC" or an IANA zone such as "Europe/Paris".
	TimeZone string
}

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
	// EngineVersion is the pinned "<major>.<minor>" RabbitMQ version, at least
	// 3.13 (Amazon MQ applies patch versions itself; 4.x runs only on mq.m7g).
	// Default: "3.13".
	EngineVersion *string
	// InstanceType is the broker instance type; a cluster needs mq.m5.large,
	// mq.m7g.large or larger. Default: "mq.m5.large".
	InstanceType *string
	// DeploymentMode is DeploymentModeClusterMultiAZ or DeploymentModeSingleInstance.
	// Default: DeploymentModeClusterMultiAZ.
	DeploymentMode *string
	// MaintenanceWindow is when Amazon MQ patches and applies configuration
	// changes. Default: SUNDAY 03:00 UTC.
	MaintenanceWindow *MaintenanceWindow
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

// Broker is an Amazon MQ for RabbitMQ broker ready for OpenCTI.
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
	versionPattern  = regexp.MustCompile(`^(\d+)\.(\d+)$`)
	instancePattern = regexp.MustCompile(`^mq\.(t3\.micro|m5\.(large|xlarge|2xlarge|4xlarge)|m7g\.(medium|large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge))$`)
	timeOfDay       = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
	timeZone        = regexp.MustCompile(`^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$`)
	brokerName      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,50}$`)
	usernamePattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{2,100}$`)
	weekdays        = map[string]bool{"MONDAY": true, "TUESDAY": true, "WEDNESDAY": true, "THURSDAY": true, "FRIDAY": true, "SATURDAY": true, "SUNDAY": true}
)

// ParseVersion splits a pinned "<major>.<minor>" engine version.
func ParseVersion(v string) (major, minor int, ok bool) {
	m := versionPattern.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, true
}

// ClusterCapable reports whether instanceType can run a CLUSTER_MULTI_AZ broker.
func ClusterCapable(instanceType string) bool {
	return instanceType != "mq.t3.micro" && instanceType != "mq.m7g.medium"
}

// ValidInstanceType reports whether instanceType is an Amazon MQ for RabbitMQ instance type.
func ValidInstanceType(instanceType string) bool { return instancePattern.MatchString(instanceType) }

// ValidMaintenanceWindow lists what is wrong with w, as (field, got, want) triples.
func ValidMaintenanceWindow(w MaintenanceWindow) [][3]string {
	var out [][3]string
	if !weekdays[w.DayOfWeek] {
		out = append(out, [3]string{"DayOfWeek", strconv.Quote(w.DayOfWeek), "MONDAY..SUNDAY"})
	}
	if !timeOfDay.MatchString(w.TimeOfDay) {
		out = append(out, [3]string{"TimeOfDay", strconv.Quote(w.TimeOfDay), `"HH:MM" (24 h)`})
	}
	if !timeZone.MatchString(w.TimeZone) {
		out = append(out, [3]string{"TimeZone", strconv.Quote(w.TimeZone), `"UTC" or an IANA time zone such as "Europe/Paris"`})
	}
	return out
}

func (p *BrokerProps) withDefaults() BrokerProps {
	out := BrokerProps{}
	if p != nil {
		out = *p
	}
	if out.VpcSubnets == nil {
		out.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	defaults.Set(&out.EngineVersion, "3.13")
	defaults.Set(&out.InstanceType, "mq.m5.large")
	defaults.Set(&out.DeploymentMode, DeploymentModeClusterMultiAZ)
	defaults.Set(&out.Username, "opencti")
	if out.MaintenanceWindow == nil {
		out.MaintenanceWindow = &MaintenanceWindow{DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC"}
	}
	if out.ConsumerTimeoutMillis == nil {
		out.ConsumerTimeoutMillis = new(DefaultConsumerTimeoutMillis)
	}
	if out.RemovalPolicy == "" {
		out.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	if out.LogRetention == "" {
		out.LogRetention = awslogs.RetentionDays_THREE_MONTHS
	}
	return out
}

func (p BrokerProps) validate() error {
	var errs []error
	add := func(field string, got any, want string) {
		errs = append(errs, fmt.Errorf("broker.BrokerProps.%s: got %v, want %s", field, got, want))
	}
	if p.Vpc == nil {
		add("Vpc", "nil", "the VPC that holds the broker")
	}
	major, minor, ok := ParseVersion(*p.EngineVersion)
	switch {
	case !ok:
		add("EngineVersion", strconv.Quote(*p.EngineVersion), `a pinned "<major>.<minor>" version, at least 3.13`)
	case major < 3 || (major == 3 && minor < 13):
		add("EngineVersion", strconv.Quote(*p.EngineVersion), "at least 3.13")
	case major >= 4 && !strings.HasPrefix(*p.InstanceType, "mq.m7g."):
		add("InstanceType", strconv.Quote(*p.InstanceType), "an mq.m7g instance type (RabbitMQ 4 runs only on mq.m7g)")
	}
	cluster := *p.DeploymentMode == DeploymentModeClusterMultiAZ
	if !cluster && *p.DeploymentMode != DeploymentModeSingleInstance {
		add("DeploymentMode", strconv.Quote(*p.DeploymentMode), "CLUSTER_MULTI_AZ or SINGLE_INSTANCE")
	}
	if !ValidInstanceType(*p.InstanceType) {
		add("InstanceType", strconv.Quote(*p.InstanceType), "an Amazon MQ for RabbitMQ instance type (mq.t3.micro, mq.m5.*, mq.m7g.*)")
	} else if cluster && !ClusterCapable(*p.InstanceType) {
		add("InstanceType", strconv.Quote(*p.InstanceType), "mq.m5.large, mq.m7g.large or larger for CLUSTER_MULTI_AZ")
	}
	for _, bad := range ValidMaintenanceWindow(*p.MaintenanceWindow) {
		add("MaintenanceWindow."+bad[0], bad[1], bad[2])
	}
	if n := *p.ConsumerTimeoutMillis; n < 0 || n > 2147483647 {
		add("ConsumerTimeoutMillis", n, "0..2147483647")
	}
	if p.BrokerName != nil && !brokerName.MatchString(*p.BrokerName) {
		add("BrokerName", strconv.Quote(*p.BrokerName), "1-50 characters: letters, digits, - and _")
	}
	if !usernamePattern.MatchString(*p.Username) {
		add("Username", strconv.Quote(*p.Username), "2-100 characters: letters, digits, - . _ ~")
	}
	if err := secrets.ValidateRemovalPolicy("broker.BrokerProps.RemovalPolicy", p.RemovalPolicy); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// NewBroker creates the broker, its configuration, user secret and security
// group. It panics before creating anything if props are invalid.
func NewBroker(scope constructs.Construct, id string, props *BrokerProps) Broker {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(err)
	}
	cluster := *p.DeploymentMode == DeploymentModeClusterMultiAZ
	subnetIDs, err := pickSubnets(p.Vpc, p.VpcSubnets, cluster)
	if err != nil {
		panic(err)
	}
	b := &broker{}
	constructs.NewConstruct_Override(b, scope, jsii.String(id))
	removal := secrets.DataRemovalPolicy(p.RemovalPolicy)

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

	sg := awsec2.NewSecurityGroup(b, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("RabbitMQ broker " + *name + ": AMQPS and management API from OpenCTI workloads only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	for _, client := range p.ClientSecurityGroups {
		sg.AddIngressRule(client, awsec2.Port_Tcp(jsii.Number(AMQPSPort)), jsii.String("AMQPS from OpenCTI workloads"), jsii.Bool(false))
		sg.AddIngressRule(client, awsec2.Port_Tcp(jsii.Number(ManagementPort)), jsii.String("RabbitMQ management API from OpenCTI workloads"), jsii.Bool(false))
	}
	sg.ApplyRemovalPolicy(removal)
	b.sg = sg

	conf := awsamazonmq.NewCfnConfiguration(b, jsii.String("Configuration"), &awsamazonmq.CfnConfigurationProps{
		Name:          jsii.String(*name + "-config"),
		Description:   jsii.String("OpenCTI settings (rabbitmq.conf)"),
		EngineType:    jsii.String("RABBITMQ"),
		EngineVersion: p.EngineVersion,
		Data:          jsii.String(base64.StdEncoding.EncodeToString([]byte(RabbitMQConf(*p.ConsumerTimeoutMillis)))),
	})
	b.conf = conf

	res := awsamazonmq.NewCfnBroker(b, jsii.String("Resource"), &awsamazonmq.CfnBrokerProps{
		BrokerName:              name,
		EngineType:              jsii.String("RABBITMQ"),
		EngineVersion:           p.EngineVersion,
		AutoMinorVersionUpgrade: jsii.Bool(true),
		HostInstanceType:        p.InstanceType,
		DeploymentMode:          p.DeploymentMode,
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
			DayOfWeek: jsii.String(p.MaintenanceWindow.DayOfWeek),
			TimeOfDay: jsii.String(p.MaintenanceWindow.TimeOfDay),
			TimeZone:  jsii.String(p.MaintenanceWindow.TimeZone),
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
		return nil, fmt.Errorf("broker.BrokerProps.VpcSubnets: got subnets in %d Availability Zones, want at least %d", len(out), want)
	}
	return out, nil
}
