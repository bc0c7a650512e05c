package network_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/network"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// One app per test binary: a network under a construct of its own
// ("Own/Network", two zones, one NAT gateway, DNS) and one filling a stack
// ("Root", as the Network stack of opencti-ha builds it).
var (
	app       awscdk.App
	own, root *testutil.Fixture
	ownNet    network.Network
	rootNet   network.Network
)

func TestMain(m *testing.M) {
	app = testutil.NewApp()
	testutil.AddNag(app)
	own, root = testutil.NewFixture(app, "Own"), testutil.NewFixture(app, "Root")
	settings := network.DefaultSettings()
	settings.VpcCidr, settings.NatGateways = "10.60.0.0/17", 1
	ownNet = network.NewNetwork(own.Stack, "Network", &network.NetworkProps{
		Settings:          &settings,
		AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"},
		Name:              jsii.String("team-a"),
		FlowLogRetention:  awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		DNS: &network.DNSProps{ZoneID: "Z0123456789ABCDEFGHIJ", ZoneName: "cti.example.org",
			UIHostname: "ui.cti.example.org", APIHostname: "api.cti.example.org"},
	})
	rootNet = network.AddNetwork(root.Stack, &network.NetworkProps{
		AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
	})
	own.Synth()
	root.Synth()
	testmain.Run(m)
}

func ids(f *testutil.Fixture, typ string) []string {
	var out []string
	for id := range testutil.Resources(f.JSON, typ) {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func props(t *testing.T, f *testutil.Fixture, typ string) map[string]any {
	t.Helper()
	rs := testutil.Resources(f.JSON, typ)
	if len(rs) != 1 {
		t.Fatalf("%d %s, want 1", len(rs), typ)
	}
	for _, r := range rs {
		return r["Properties"].(map[string]any)
	}
	return nil
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAddNetworkKeepsTheStackRoot: AddNetwork's resources sit at the stack's
// root (the Network stack's logical IDs and Name tags), NewNetwork's under
// its own construct.
func TestAddNetworkKeepsTheStackRoot(t *testing.T) {
	if got := ids(root, "AWS::EC2::VPC"); len(got) != 1 || !strings.HasPrefix(got[0], "Vpc") {
		t.Errorf("AddNetwork VPC %v, want logical ID Vpc...", got)
	}
	if got := ids(own, "AWS::EC2::VPC"); len(got) != 1 || !strings.HasPrefix(got[0], "NetworkVpc") {
		t.Errorf("NewNetwork VPC %v, want logical ID NetworkVpc...", got)
	}
	for f, want := range map[*testutil.Fixture]string{root: `{"Key":"Name","Value":"Root/Vpc"}`, own: `{"Key":"Name","Value":"Own/Network/Vpc"}`} {
		if tags := jsonOf(props(t, f, "AWS::EC2::VPC")["Tags"]); !strings.Contains(tags, want) {
			t.Errorf("VPC tags %s lack %s", tags, want)
		}
	}
	if *rootNet.Node().Path() != "Root" || *ownNet.Node().Path() != "Own/Network" {
		t.Errorf("paths %s and %s", *rootNet.Node().Path(), *ownNet.Node().Path())
	}
}

func TestSubnetsZonesAndNat(t *testing.T) {
	masks := map[string]int{}
	for _, s := range testutil.Resources(own.JSON, "AWS::EC2::Subnet") {
		p := s["Properties"].(map[string]any)
		cidr := p["CidrBlock"].(string)
		masks[cidr[strings.Index(cidr, "/"):]]++
	}
	// /17: workload subnets of 1/8 (/20), public and data of 1/64 (/23), in 2 zones.
	if masks["/20"] != 2 || masks["/23"] != 4 || len(masks) != 2 {
		t.Errorf("subnet masks %v, want 2 x /20 and 4 x /23", masks)
	}
	if n := len(ids(own, "AWS::EC2::NatGateway")); n != 1 {
		t.Errorf("%d NAT gateways, want 1", n)
	}
	if n := len(ids(root, "AWS::EC2::NatGateway")); n != 3 {
		t.Errorf("default: %d NAT gateways, want one per zone (3)", n)
	}
	if *ownNet.WorkloadSubnets().SubnetGroupName != network.WorkloadSubnetGroup || *ownNet.DataSubnets().SubnetGroupName != network.DataSubnetGroup {
		t.Error("subnet selections do not name the subnet groups")
	}
}

func TestEncryptedFlowLogsAndEndpoints(t *testing.T) {
	lg := props(t, own, "AWS::Logs::LogGroup")
	if lg["RetentionInDays"] != 30.0 || !strings.Contains(jsonOf(lg["KmsKeyId"]), "NetworkFlowLogKey") {
		t.Errorf("flow log group %s", jsonOf(lg))
	}
	key := props(t, own, "AWS::KMS::Key")
	if key["Description"] != "team-a VPC flow logs" || !strings.Contains(jsonOf(key["KeyPolicy"]), "logs.eu-west-1.amazonaws.com") {
		t.Errorf("flow log key %s", jsonOf(key))
	}
	if fl := props(t, own, "AWS::EC2::FlowLog"); fl["TrafficType"] != "ALL" {
		t.Errorf("flow log %s", jsonOf(fl))
	}
	eps := testutil.Resources(own.JSON, "AWS::EC2::VPCEndpoint")
	var services []string
	for _, ep := range eps {
		p := ep["Properties"].(map[string]any)
		services = append(services, jsonOf(p["ServiceName"]))
	}
	if len(eps) != 6 || len(ownNet.InterfaceEndpoints()) != 5 || ownNet.S3Endpoint() == nil {
		t.Errorf("%d endpoints %v, want S3 and 5 interface endpoints", len(eps), services)
	}
	for _, sg := range ids(own, "AWS::EC2::SecurityGroup") {
		if strings.Contains(sg, "Endpoint") {
			if rules := testutil.IngressRules(own.JSON, sg); len(rules) != 1 || rules[0] != `"10.60.0.0/17":443-443` {
				t.Errorf("%s ingress %v, want HTTPS from the VPC only", sg, rules)
			}
		}
	}
}

func TestCertificatesOnlyWithDNS(t *testing.T) {
	certs := testutil.Resources(own.JSON, "AWS::CertificateManager::Certificate")
	if len(certs) != 2 || ownNet.UICertificate() == nil || ownNet.HostedZone() == nil {
		t.Fatalf("%d certificates, want ui and api", len(certs))
	}
	for _, c := range certs {
		p := c["Properties"].(map[string]any)
		if p["ValidationMethod"] != "DNS" || !strings.Contains(jsonOf(p["DomainValidationOptions"]), "Z0123456789ABCDEFGHIJ") {
			t.Errorf("certificate %s", jsonOf(p))
		}
	}
	if n := len(ids(root, "AWS::CertificateManager::Certificate")); n != 0 || rootNet.UICertificate() != nil {
		t.Errorf("without DNS: %d certificates", n)
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, own.Stack)
	testutil.RequireNoNagErrors(t, root.Stack)
}

func TestInvalidProps(t *testing.T) {
	scratch := awscdk.NewStack(testutil.NewApp(), jsii.String("Scratch"), nil)
	got := testutil.PanicMessage(func() {
		network.NewNetwork(scratch, "Bad", &network.NetworkProps{
			Settings:          &network.Settings{VpcCidr: "8.8.0.0/16", NatGateways: 3},
			AvailabilityZones: []string{"eu-west-1a"},
			RemovalPolicy:     "KEEP",
			DNS:               &network.DNSProps{ZoneID: "0123", ZoneName: "cti.example.org", UIHostname: "ui.example.org", APIHostname: "api.cti.example.org"},
		})
	})
	want := "network.NewNetwork \"Bad\": invalid props:\n" +
		"network.NetworkProps.Settings.VpcCidr: got \"8.8.0.0/16\", want a private (RFC 1918) range\n" +
		"network.NetworkProps.Settings.NatGateways: got 3, want 1 to 1 (one per availability zone)\n" +
		"network.NetworkProps.AvailabilityZones: got [\"eu-west-1a\"], want 2 or 3 Availability Zones (EKS and the data services need at least 2)\n" +
		"network.NetworkProps.RemovalPolicy: got \"KEEP\", want one of RETAIN, SNAPSHOT, DESTROY, RETAIN_ON_UPDATE_OR_DELETE\n" +
		"network.NetworkProps.DNS.ZoneID: got \"0123\", want a Route 53 hosted zone ID (Z followed by upper-case letters and digits)\n" +
		"network.NetworkProps.DNS.UIHostname: got \"ui.example.org\", want a name inside the zone cti.example.org (ending in .cti.example.org)"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if n := len(*scratch.Node().Children()); n != 0 {
		t.Errorf("invalid props created %d constructs", n)
	}
}
