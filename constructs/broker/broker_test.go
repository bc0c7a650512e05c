package broker_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/broker"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// ingress lists "source:port-port" for every ingress rule of the security group sgID.
var (
	app       awscdk.App
	dev, prd  *testutil.Fixture
	prdBroker broker.Broker
)

func TestMain(m *testing.M) {
	app = testutil.NewApp()
	testutil.AddNag(app)
	dev, prd = testutil.NewVPCFixture(app, "Dev"), testutil.NewVPCFixture(app, "Prod")
	broker.NewBroker(dev.Stack, "RabbitMQ", &broker.BrokerProps{
		Vpc: dev.Vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{dev.Client},
		Settings: settings(func(s *broker.Settings) {
			s.InstanceType, s.DeploymentMode = "mq.t3.micro", broker.DeploymentModeSingleInstance
		}),
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	prdBroker = broker.NewBroker(prd.Stack, "RabbitMQ", &broker.BrokerProps{
		Vpc: prd.Vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{prd.Client},
		UserSecretName: jsii.String("opencti/prod/rabbitmq"),
		Settings: settings(func(s *broker.Settings) {
			s.MaintenanceWindow = broker.MaintenanceWindow{DayOfWeek: "SATURDAY", TimeOfDay: "02:30", TimeZone: "Europe/Paris"}
		}),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		LogRetention:  awslogs.RetentionDays_ONE_YEAR,
	})
	dev.Synth()
	prd.Synth()
	testmain.Run(m)
}

// settings are DefaultSettings() changed by change.
func settings(change func(*broker.Settings)) *broker.Settings {
	s := broker.DefaultSettings()
	change(&s)
	return &s
}

func brokerProps(t *testing.T, f *testutil.Fixture) map[string]any {
	t.Helper()
	bs := testutil.Resources(f.JSON, "AWS::AmazonMQ::Broker")
	if len(bs) != 1 {
		t.Fatalf("got %d brokers, want 1", len(bs))
	}
	for _, b := range bs {
		return b["Properties"].(map[string]any)
	}
	return nil
}

func TestProdIsAPrivateMultiAZCluster(t *testing.T) {
	testutil.Assert(t, func() {
		prd.Template.HasResourceProperties(jsii.String("AWS::AmazonMQ::Broker"), map[string]any{
			"EngineType":                 "RABBITMQ",
			"EngineVersion":              "3.13",
			"AutoMinorVersionUpgrade":    true,
			"DeploymentMode":             "CLUSTER_MULTI_AZ",
			"HostInstanceType":           "mq.m5.large",
			"PubliclyAccessible":         false,
			"Logs":                       map[string]any{"General": true},
			"MaintenanceWindowStartTime": map[string]any{"DayOfWeek": "SATURDAY", "TimeOfDay": "02:30", "TimeZone": "Europe/Paris"},
		})
	})
	if n := len(brokerProps(t, prd)["SubnetIds"].([]any)); n != 3 {
		t.Errorf("cluster subnets: got %d, want 3", n)
	}
	if prdBroker.Port() != 5671 || prdBroker.ManagementPort() != 443 || prdBroker.VHost() != "/" {
		t.Errorf("ports/vhost: %d %d %s", prdBroker.Port(), prdBroker.ManagementPort(), prdBroker.VHost())
	}
}

func TestDevIsASingleInstance(t *testing.T) {
	testutil.Assert(t, func() {
		dev.Template.HasResourceProperties(jsii.String("AWS::AmazonMQ::Broker"), map[string]any{
			"DeploymentMode":     "SINGLE_INSTANCE",
			"HostInstanceType":   "mq.t3.micro",
			"PubliclyAccessible": false,
		})
	})
	if n := len(brokerProps(t, dev)["SubnetIds"].([]any)); n != 1 {
		t.Errorf("single instance subnets: got %d, want 1", n)
	}
}

func TestConfigurationSetsConsumerTimeout(t *testing.T) {
	confs := testutil.Resources(prd.JSON, "AWS::AmazonMQ::Configuration")
	if len(confs) != 1 {
		t.Fatalf("got %d configurations, want 1", len(confs))
	}
	for _, c := range confs {
		data, err := base64.StdEncoding.DecodeString(c["Properties"].(map[string]any)["Data"].(string))
		if err != nil || string(data) != "consumer_timeout = 86400000\n" {
			t.Errorf("rabbitmq.conf: got %q (%v)", data, err)
		}
		if strings.Contains(string(data), "max_message_size") {
			t.Error("max_message_size is not accepted by Amazon MQ for RabbitMQ 3.13")
		}
	}
	conf, _ := json.Marshal(brokerProps(t, prd)["Configuration"])
	if !strings.Contains(string(conf), `"Fn::GetAtt":["RabbitMQConfiguration`) || !strings.Contains(string(conf), `"Revision"]`) {
		t.Errorf("broker configuration reference: %s", conf)
	}
}

func TestUserComesFromGeneratedSecret(t *testing.T) {
	users, _ := json.Marshal(brokerProps(t, prd)["Users"])
	for _, want := range []string{`"{{resolve:secretsmanager:"`, `":SecretString:username::}}"`, `":SecretString:password::}}"`} {
		if !strings.Contains(string(users), want) {
			t.Errorf("users lack %s: %s", want, users)
		}
	}
	testutil.Assert(t, func() {
		prd.Template.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
			"Name": "opencti/prod/rabbitmq",
			"GenerateSecretString": map[string]any{
				"SecretStringTemplate": `{"username":"opencti"}`, "GenerateStringKey": "password",
				"ExcludePunctuation": true, "PasswordLength": 32, "RequireEachIncludedType": true,
			},
		})
	})
}

func TestSecurityGroupAdmitsOnlyWorkloadsOnAMQPSAndManagement(t *testing.T) {
	sgRef := brokerProps(t, prd)["SecurityGroups"].([]any)[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	clientID := ""
	for id := range testutil.Resources(prd.JSON, "AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(id, "Workload") {
			clientID = id
		}
	}
	got := testutil.IngressRules(prd.JSON, sgRef)
	sort.Strings(got)
	src := fmt.Sprintf(`{"Fn::GetAtt":["%s","GroupId"]}`, clientID)
	want := []string{src + ":443-443", src + ":5671-5671"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ingress: got %v, want %v", got, want)
	}
}

func TestRemovalPolicies(t *testing.T) {
	for name, tc := range map[string]struct {
		f                     *testutil.Fixture
		deletion, replacement string
	}{"dev": {dev, "Delete", "Delete"}, "prod": {prd, "RetainExceptOnCreate", "Retain"}} {
		t.Run(name, func(t *testing.T) {
			for _, typ := range []string{"AWS::AmazonMQ::Broker", "AWS::SecretsManager::Secret"} {
				for id, r := range testutil.Resources(tc.f.JSON, typ) {
					if r["DeletionPolicy"] != tc.deletion || r["UpdateReplacePolicy"] != tc.replacement {
						t.Errorf("%s %s: DeletionPolicy %v UpdateReplacePolicy %v, want %s and %s", typ, id, r["DeletionPolicy"], r["UpdateReplacePolicy"], tc.deletion, tc.replacement)
					}
				}
			}
		})
	}
}

// TestGeneralLogRetention: the log group Amazon MQ creates for the broker
// gets the configured retention through aws-cdk-lib's LogRetention custom
// resource (which creates it if missing), and is deleted with the stack only
// with DESTROY.
func TestGeneralLogRetention(t *testing.T) {
	for name, tc := range map[string]struct {
		f         *testutil.Fixture
		retention float64
		removal   string
	}{"dev": {dev, 90, "destroy"}, "prod": {prd, 365, "retain"}} {
		t.Run(name, func(t *testing.T) {
			lrs := testutil.Resources(tc.f.JSON, "Custom::LogRetention")
			if len(lrs) != 1 {
				t.Fatalf("got %d Custom::LogRetention, want 1", len(lrs))
			}
			var brokerID string
			for id := range testutil.Resources(tc.f.JSON, "AWS::AmazonMQ::Broker") {
				brokerID = id
			}
			for _, lr := range lrs {
				p := lr["Properties"].(map[string]any)
				name, _ := json.Marshal(p["LogGroupName"])
				want := `{"Fn::Join":["",["/aws/amazonmq/broker/",{"Fn::GetAtt":["` + brokerID + `","Id"]},"/general"]]}`
				if string(name) != want {
					t.Errorf("LogGroupName %s, want %s", name, want)
				}
				if p["RetentionInDays"] != tc.retention || p["RemovalPolicy"] != tc.removal {
					t.Errorf("RetentionInDays %v RemovalPolicy %v, want %v and %s", p["RetentionInDays"], p["RemovalPolicy"], tc.retention, tc.removal)
				}
			}
		})
	}
	if prdBroker.GeneralLogRetention() == nil {
		t.Error("GeneralLogRetention() is nil")
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, dev.Stack)
	testutil.RequireNoNagErrors(t, prd.Stack)
}

func TestInvalidProps(t *testing.T) {
	const head = "broker.NewBroker \"Invalid\": invalid props:\n"
	for _, tc := range []struct {
		name  string
		props broker.BrokerProps
		want  string
	}{
		{"old engine, micro cluster", broker.BrokerProps{
			Vpc: prd.Vpc, Settings: settings(func(s *broker.Settings) { s.EngineVersion, s.InstanceType = "3.12", "mq.t3.micro" }),
		}, head + "broker.BrokerProps.Settings.EngineVersion: got \"3.12\", want at least 3.13 (the oldest Amazon MQ for RabbitMQ version still supported)\n" +
			"broker.BrokerProps.Settings.InstanceType: got \"mq.t3.micro\", want mq.m5.large, mq.m7g.large or larger with CLUSTER_MULTI_AZ"},
		{"unpinned engine, bad mode, window and user", broker.BrokerProps{
			Vpc: prd.Vpc, Settings: settings(func(s *broker.Settings) {
				s.EngineVersion, s.DeploymentMode = "3.13.7", "ACTIVE_STANDBY_MULTI_AZ"
				s.MaintenanceWindow = broker.MaintenanceWindow{DayOfWeek: "sunday", TimeOfDay: "3am", TimeZone: "UTC"}
			}),
			Username: jsii.String("open,cti"),
		}, head + "broker.BrokerProps.Settings.EngineVersion: got \"3.13.7\", want a pinned \"<major>.<minor>\" RabbitMQ version, at least 3.13\n" +
			"broker.BrokerProps.Settings.DeploymentMode: got \"ACTIVE_STANDBY_MULTI_AZ\", want \"SINGLE_INSTANCE\" or \"CLUSTER_MULTI_AZ\"\n" +
			"broker.BrokerProps.Settings.MaintenanceWindow.DayOfWeek: got \"sunday\", want one of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY\n" +
			"broker.BrokerProps.Settings.MaintenanceWindow.TimeOfDay: got \"3am\", want \"HH:MM\" (24 h)\n" +
			"broker.BrokerProps.Username: got \"open,cti\", want 2-100 characters: letters, digits, - . _ ~"},
		{"rabbitmq 4 off m7g", broker.BrokerProps{Vpc: prd.Vpc, Settings: settings(func(s *broker.Settings) { s.EngineVersion = "4.2" })},
			head + "broker.BrokerProps.Settings.InstanceType: got \"mq.m5.large\", want an mq.m7g instance type (RabbitMQ 4 runs only on mq.m7g)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := testutil.PanicMessage(func() {
				broker.NewBroker(prd.Stack, "Invalid", &tc.props)
			})
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
