package broker_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/broker"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

type fixture struct {
	stack  awscdk.Stack
	vpc    awsec2.Vpc
	client awsec2.SecurityGroup
	tmpl   assertions.Template
	json   map[string]any
}

func newFixture(name string) fixture {
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: env})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b", "eu-west-1c"),
		NatGateways:       jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(vpc, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-VPC7"), Reason: jsii.String("Test fixture; the Network stack owns flow logs."),
	}}, jsii.Bool(true))
	client := awsec2.NewSecurityGroup(stack, jsii.String("Workload"), &awsec2.SecurityGroupProps{
		Vpc: vpc, Description: jsii.String("workload"), AllowAllOutbound: jsii.Bool(true),
	})
	return fixture{stack: stack, vpc: vpc, client: client}
}

func (f *fixture) synth() {
	f.tmpl = assertions.Template_FromStack(f.stack, nil)
	f.json = *f.tmpl.ToJSON()
}

func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		if res := r.(map[string]any); res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// ingress lists "source:port-port" for every ingress rule of the security group sgID.
func ingress(f fixture, sgID string) []string {
	var out []string
	rule := func(r map[string]any) {
		src, _ := json.Marshal(r["SourceSecurityGroupId"])
		if r["CidrIp"] != nil {
			src, _ = json.Marshal(r["CidrIp"])
		}
		out = append(out, fmt.Sprintf("%s:%v-%v", src, r["FromPort"], r["ToPort"]))
	}
	sg := f.json["Resources"].(map[string]any)[sgID].(map[string]any)["Properties"].(map[string]any)
	if inline, ok := sg["SecurityGroupIngress"].([]any); ok {
		for _, r := range inline {
			rule(r.(map[string]any))
		}
	}
	for _, r := range resources(f.json, "AWS::EC2::SecurityGroupIngress") {
		p := r["Properties"].(map[string]any)
		if gid, _ := json.Marshal(p["GroupId"]); strings.Contains(string(gid), `"`+sgID+`"`) {
			rule(p)
		}
	}
	return out
}

var (
	app       awscdk.App
	dev, prd  fixture
	prdBroker broker.Broker
)

func TestMain(m *testing.M) {
	app = awscdk.NewApp(nil)
	testutil.AddNag(app)
	dev, prd = newFixture("Dev"), newFixture("Prod")
	broker.NewBroker(dev.stack, "RabbitMQ", &broker.BrokerProps{
		Vpc: dev.vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{dev.client},
		InstanceType: jsii.String("mq.t3.micro"), DeploymentMode: jsii.String(broker.DeploymentModeSingleInstance),
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	prdBroker = broker.NewBroker(prd.stack, "RabbitMQ", &broker.BrokerProps{
		Vpc: prd.vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{prd.client},
		UserSecretName:    jsii.String("opencti/prod/rabbitmq"),
		MaintenanceWindow: &broker.MaintenanceWindow{DayOfWeek: "SATURDAY", TimeOfDay: "02:30", TimeZone: "Europe/Paris"},
	})
	dev.synth()
	prd.synth()
	os.Exit(m.Run())
}

func brokerProps(t *testing.T, f fixture) map[string]any {
	t.Helper()
	bs := resources(f.json, "AWS::AmazonMQ::Broker")
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
		prd.tmpl.HasResourceProperties(jsii.String("AWS::AmazonMQ::Broker"), map[string]any{
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
		dev.tmpl.HasResourceProperties(jsii.String("AWS::AmazonMQ::Broker"), map[string]any{
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
	confs := resources(prd.json, "AWS::AmazonMQ::Configuration")
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
		prd.tmpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
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
	for id := range resources(prd.json, "AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(id, "Workload") {
			clientID = id
		}
	}
	got := ingress(prd, sgRef)
	sort.Strings(got)
	src := fmt.Sprintf(`{"Fn::GetAtt":["%s","GroupId"]}`, clientID)
	want := []string{src + ":443-443", src + ":5671-5671"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ingress: got %v, want %v", got, want)
	}
}

func TestRemovalPolicies(t *testing.T) {
	for name, tc := range map[string]struct {
		f    fixture
		want string
	}{"dev": {dev, "Delete"}, "prod": {prd, "Retain"}} {
		t.Run(name, func(t *testing.T) {
			for _, typ := range []string{"AWS::AmazonMQ::Broker", "AWS::SecretsManager::Secret"} {
				for id, r := range resources(tc.f.json, typ) {
					if r["DeletionPolicy"] != tc.want || r["UpdateReplacePolicy"] != tc.want {
						t.Errorf("%s %s: DeletionPolicy %v UpdateReplacePolicy %v, want %s", typ, id, r["DeletionPolicy"], r["UpdateReplacePolicy"], tc.want)
					}
				}
			}
		})
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, dev.stack)
	testutil.RequireNoNagErrors(t, prd.stack)
}

func TestInvalidProps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props broker.BrokerProps
		want  string
	}{
		{"old engine, micro cluster", broker.BrokerProps{
			Vpc: prd.vpc, EngineVersion: jsii.String("3.12"), InstanceType: jsii.String("mq.t3.micro"),
		}, "broker.BrokerProps.EngineVersion: got \"3.12\", want at least 3.13\n" +
			"broker.BrokerProps.InstanceType: got \"mq.t3.micro\", want mq.m5.large, mq.m7g.large or larger for CLUSTER_MULTI_AZ"},
		{"unpinned engine, bad mode, window and user", broker.BrokerProps{
			Vpc: prd.vpc, EngineVersion: jsii.String("3.13.7"), DeploymentMode: jsii.String("ACTIVE_STANDBY_MULTI_AZ"),
			MaintenanceWindow: &broker.MaintenanceWindow{DayOfWeek: "sunday", TimeOfDay: "3am", TimeZone: "UTC"},
			Username:          jsii.String("open,cti"),
		}, "broker.BrokerProps.EngineVersion: got \"3.13.7\", want a pinned \"<major>.<minor>\" version, at least 3.13\n" +
			"broker.BrokerProps.DeploymentMode: got \"ACTIVE_STANDBY_MULTI_AZ\", want CLUSTER_MULTI_AZ or SINGLE_INSTANCE\n" +
			"broker.BrokerProps.MaintenanceWindow.DayOfWeek: got \"sunday\", want MONDAY..SUNDAY\n" +
			"broker.BrokerProps.MaintenanceWindow.TimeOfDay: got \"3am\", want \"HH:MM\" (24 h)\n" +
			"broker.BrokerProps.Username: got \"open,cti\", want 2-100 characters: letters, digits, - . _ ~"},
		{"rabbitmq 4 off m7g", broker.BrokerProps{Vpc: prd.vpc, EngineVersion: jsii.String("4.2")},
			"broker.BrokerProps.InstanceType: got \"mq.m5.large\", want an mq.m7g instance type (RabbitMQ 4 runs only on mq.m7g)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				broker.NewBroker(prd.stack, "Invalid", &tc.props)
				return ""
			}()
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
