// Package network provides the network an OpenCTI deployment runs in: a VPC
// over 2 or 3 Availability Zones with public, private-with-egress
// (workload) and isolated (data) subnets, NAT gateways, KMS-encrypted flow
// logs, gateway and interface endpoints (S3, Secrets Manager, STS, ECR,
// CloudWatch Logs), the security group the cluster's nodes and pods carry,
// and, optionally, the imported Route 53 zone with DNS-validated ACM
// certificates for the ui and api hostnames.
package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/network/networkspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// Subnet group names; they are also the subnets' aws-cdk:subnet-name tags.
const (
	PublicSubnetGroup   = "Public"
	WorkloadSubnetGroup = "Workload"
	DataSubnetGroup     = "Data"
)

// Settings size the VPC (networkspec.Settings, which the configuration's
// network section reuses).
type Settings = networkspec.Settings

// DefaultSettings are a 10.0.0.0/16 VPC with a NAT gateway in each of 3 zones.
func DefaultSettings() Settings { return networkspec.DefaultSettings() }

// NetworkProps configures NewNetwork and AddNetwork.
type NetworkProps struct {
	// Settings size the VPC (CIDR, NAT gateways); start from
	// DefaultSettings() and change what differs. Default: DefaultSettings().
	Settings *Settings
	// AvailabilityZones the VPC spans: 2 or 3 zone names of the stack's
	// region. Naming them keeps synth free of AWS look-ups.
	// Default: the stack's availability zones (at most 3).
	AvailabilityZones []string
	// Name starts the description of the flow log key ("<Name> VPC flow
	// logs"). Default: the stack's name.
	Name *string
	// FlowLogRetention of the flow log group.
	// Default: awslogs.RetentionDays_ONE_YEAR.
	FlowLogRetention awslogs.RetentionDays
	// RemovalPolicy of the flow log key and log group (SNAPSHOT is treated
	// as RETAIN_ON_UPDATE_OR_DELETE). Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// DNS imports the Route 53 zone of the two public hostnames and creates
	// their DNS-validated certificates. Default: none (no zone, no
	// certificates).
	DNS *DNSProps
}

// DNSProps name the existing public hosted zone (imported, never created) and
// the ui and api hostnames inside it (networkspec.DNS, whose rules the
// configuration's dns section applies too). All fields are required.
type DNSProps = networkspec.DNS

// Network is the VPC and what surrounds it. Every resource it creates is
// reachable from it.
type Network interface {
	constructs.Construct
	// Vpc spans the zones with public, workload and data subnets.
	Vpc() awsec2.IVpc
	// PublicSubnets hold the internet-facing load balancers and NAT gateways.
	PublicSubnets() *awsec2.SubnetSelection
	// WorkloadSubnets (private, egress through NAT) hold EKS nodes, pods and
	// the interface endpoints.
	WorkloadSubnets() *awsec2.SubnetSelection
	// DataSubnets (isolated, no route to the internet) hold OpenSearch,
	// Redis and RabbitMQ.
	DataSubnets() *awsec2.SubnetSelection
	// WorkloadSecurityGroup is carried by every EKS node and pod; the data
	// services admit their ports only from it.
	WorkloadSecurityGroup() awsec2.ISecurityGroup
	// FlowLogKey encrypts FlowLogs.
	FlowLogKey() awskms.IKey
	// FlowLogs receives the VPC's flow logs (all traffic).
	FlowLogs() awslogs.ILogGroup
	// S3Endpoint is the S3 gateway endpoint of the workload and data subnets.
	S3Endpoint() awsec2.IGatewayVpcEndpoint
	// InterfaceEndpoints are the Secrets Manager, STS, ECR API, ECR Docker
	// and CloudWatch Logs endpoints, in that order.
	InterfaceEndpoints() []awsec2.IInterfaceVpcEndpoint
	// HostedZone is the imported zone; nil without DNS.
	HostedZone() awsroute53.IHostedZone
	// UICertificate and APICertificate cover the ui and api hostnames; nil
	// without DNS.
	UICertificate() awscertificatemanager.ICertificate
	APICertificate() awscertificatemanager.ICertificate
}

type network struct {
	constructs.Construct
	vpc                    awsec2.IVpc
	public, workload, data *awsec2.SubnetSelection
	workloadSG             awsec2.ISecurityGroup
	key                    awskms.IKey
	flowLogs               awslogs.ILogGroup
	s3                     awsec2.IGatewayVpcEndpoint
	endpoints              []awsec2.IInterfaceVpcEndpoint
	zone                   awsroute53.IHostedZone
	uiCert, apiCert        awscertificatemanager.ICertificate
}

func (n *network) Vpc() awsec2.IVpc                                   { return n.vpc }
func (n *network) PublicSubnets() *awsec2.SubnetSelection             { return n.public }
func (n *network) WorkloadSubnets() *awsec2.SubnetSelection           { return n.workload }
func (n *network) DataSubnets() *awsec2.SubnetSelection               { return n.data }
func (n *network) WorkloadSecurityGroup() awsec2.ISecurityGroup       { return n.workloadSG }
func (n *network) FlowLogKey() awskms.IKey                            { return n.key }
func (n *network) FlowLogs() awslogs.ILogGroup                        { return n.flowLogs }
func (n *network) S3Endpoint() awsec2.IGatewayVpcEndpoint             { return n.s3 }
func (n *network) InterfaceEndpoints() []awsec2.IInterfaceVpcEndpoint { return n.endpoints }
func (n *network) HostedZone() awsroute53.IHostedZone                 { return n.zone }
func (n *network) UICertificate() awscertificatemanager.ICertificate {
	return n.uiCert
}
func (n *network) APICertificate() awscertificatemanager.ICertificate {
	return n.apiCert
}

// resolved is NetworkProps with every default filled in (a copy: the
// caller's props are never changed).
type resolved struct {
	NetworkProps
	settings Settings
}

func resolve(scope constructs.Construct, props *NetworkProps) resolved {
	r := resolved{}
	if props != nil {
		r.NetworkProps = *props
	}
	r.settings = defaults.Of(r.Settings, DefaultSettings())
	if r.AvailabilityZones == nil {
		azs := *awscdk.Stack_Of(scope).AvailabilityZones()
		for i := 0; i < len(azs) && i < 3; i++ {
			r.AvailabilityZones = append(r.AvailabilityZones, *azs[i])
		}
	}
	defaults.Slice(&r.AvailabilityZones, nil)
	defaults.Set(&r.Name, *awscdk.Stack_Of(scope).StackName())
	defaults.Zero(&r.FlowLogRetention, awslogs.RetentionDays_ONE_YEAR)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	return r
}

func (r resolved) validate() error {
	const f = "network.NetworkProps."
	pr := &problems.List{}
	r.settings.Check(pr, problems.GoNames(f+"Settings."), networkspec.Limits{AvailabilityZones: len(r.AvailabilityZones)})
	if n := len(r.AvailabilityZones); n < 2 || n > 3 {
		pr.Add(f+"AvailabilityZones", r.AvailabilityZones, "2 or 3 Availability Zones (EKS and the data services need at least 2)")
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	if d := r.DNS; d != nil {
		d.Check(pr, problems.GoNames(f+"DNS."))
	}
	return pr.Err()
}

// NewNetwork creates the network under a construct of its own (id). It
// panics with an *problems.InvalidProps, listing every invalid prop, before
// creating anything.
func NewNetwork(scope constructs.Construct, id string, props *NetworkProps) Network {
	r := resolve(scope, props)
	problems.PanicIfInvalid("network.NewNetwork", id, r.validate())
	n := &network{}
	constructs.NewConstruct_Override(n, scope, jsii.String(id))
	n.build(n, r)
	return n
}

// AddNetwork creates the same resources as NewNetwork directly in scope
// (scope/Vpc, scope/FlowLogKey, ...), for a stack that holds the network
// and nothing else; the returned Network is scope itself. Construct paths
// feed the Name tags of the VPC's resources and certificates and the
// descriptions of the interface endpoints' security groups, which
// CloudFormation cannot change without replacing the groups: the Network
// stack of opencti-ha, whose resources sat at the stack's root before this
// construct existed, keeps them there this way. It panics like NewNetwork.
func AddNetwork(scope constructs.Construct, props *NetworkProps) Network {
	r := resolve(scope, props)
	problems.PanicIfInvalid("network.AddNetwork", *scope.Node().Id(), r.validate())
	n := &network{Construct: scope}
	n.build(scope, r)
	return n
}

// build creates every resource under scope, in a fixed order.
func (n *network) build(scope constructs.Construct, r resolved) {
	removal := awsutil.DataRemovalPolicy(r.RemovalPolicy)
	cidr := r.settings.VpcCidr
	n.key = secrets.NewLogsKey(scope, "FlowLogKey", &secrets.LogsKeyProps{
		Description:   jsii.String(*r.Name + " VPC flow logs"),
		RemovalPolicy: removal,
	})
	n.flowLogs = awslogs.NewLogGroup(scope, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     r.FlowLogRetention,
		EncryptionKey: n.key,
		RemovalPolicy: removal,
	})

	privateMask, edgeMask := networkspec.SubnetMasks(cidr)
	vpc := awsec2.NewVpc(scope, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String(cidr)),
		AvailabilityZones: jsii.Strings(r.AvailabilityZones...),
		NatGateways:       jsii.Number(float64(r.settings.NatGateways)),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String(PublicSubnetGroup), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(edgeMask)), MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String(WorkloadSubnetGroup), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(float64(privateMask))},
			{Name: jsii.String(DataSubnetGroup), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(float64(edgeMask))},
		},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"All": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(n.flowLogs, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	n.vpc = vpc
	n.public = &awsec2.SubnetSelection{SubnetGroupName: jsii.String(PublicSubnetGroup)}
	n.workload = &awsec2.SubnetSelection{SubnetGroupName: jsii.String(WorkloadSubnetGroup)}
	n.data = &awsec2.SubnetSelection{SubnetGroupName: jsii.String(DataSubnetGroup)}

	// Load balancers find their subnets by these tags (EKS Auto Mode and the AWS
	// Load Balancer Controller alike).
	for _, s := range *vpc.PublicSubnets() {
		awscdk.Tags_Of(s).Add(jsii.String("kubernetes.io/role/elb"), jsii.String("1"), nil)
	}
	for _, s := range *vpc.PrivateSubnets() {
		awscdk.Tags_Of(s).Add(jsii.String("kubernetes.io/role/internal-elb"), jsii.String("1"), nil)
	}

	n.s3 = vpc.AddGatewayEndpoint(jsii.String("S3Endpoint"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		Subnets: &[]*awsec2.SubnetSelection{n.workload, n.data},
	})
	endpoints := []struct {
		id      string
		service awsec2.InterfaceVpcEndpointAwsService
	}{
		{"SecretsManagerEndpoint", awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER()},
		{"StsEndpoint", awsec2.InterfaceVpcEndpointAwsService_STS()},
		{"EcrApiEndpoint", awsec2.InterfaceVpcEndpointAwsService_ECR()},
		{"EcrDockerEndpoint", awsec2.InterfaceVpcEndpointAwsService_ECR_DOCKER()},
		{"CloudWatchLogsEndpoint", awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS()},
	}
	for _, e := range endpoints {
		// The endpoint's security group admits HTTPS from the VPC's own range only.
		ep := vpc.AddInterfaceEndpoint(jsii.String(e.id), &awsec2.InterfaceVpcEndpointOptions{
			Service:           e.service,
			Subnets:           n.workload,
			PrivateDnsEnabled: jsii.Bool(true),
			Open:              jsii.Bool(false),
		})
		ep.Connections().AllowFrom(awsec2.Peer_Ipv4(jsii.String(cidr)), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the VPC"))
		n.endpoints = append(n.endpoints, ep)
	}

	n.workloadSG = awsec2.NewSecurityGroup(scope, jsii.String("WorkloadSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("EKS nodes and OpenCTI pods; the data services admit only this group"),
		AllowAllOutbound: jsii.Bool(true),
	})

	if d := r.DNS; d != nil {
		n.zone = awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(d.ZoneID),
			ZoneName:     jsii.String(d.ZoneName),
		})
		n.uiCert = awscertificatemanager.NewCertificate(scope, jsii.String("UiCertificate"), &awscertificatemanager.CertificateProps{
			DomainName: jsii.String(d.UIHostname),
			Validation: awscertificatemanager.CertificateValidation_FromDns(n.zone),
		})
		n.apiCert = awscertificatemanager.NewCertificate(scope, jsii.String("ApiCertificate"), &awscertificatemanager.CertificateProps{
			DomainName: jsii.String(d.APIHostname),
			Validation: awscertificatemanager.CertificateValidation_FromDns(n.zone),
		})
	}
}
