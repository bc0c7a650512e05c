package stacks

import (
	"fmt"
	"net/netip"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// NetworkStackProps configures the Network stack.
type NetworkStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration; Network, DNS and the AZs are read.
	Config *config.Config
}

// NetworkStack is the VPC every other stack runs in, the security group the
// cluster's nodes and pods carry, and the public DNS names with their
// certificates.
type NetworkStack struct {
	awscdk.Stack
	// Vpc spans the configured 3 AZs with public, private-with-egress and
	// isolated subnets.
	Vpc awsec2.IVpc
	// PublicSubnets hold the internet-facing load balancers and NAT gateways.
	PublicSubnets awsec2.SubnetSelection
	// WorkloadSubnets (private, egress through NAT) hold EKS nodes, pods and the
	// interface endpoints.
	WorkloadSubnets awsec2.SubnetSelection
	// DataSubnets (isolated, no route to the internet) hold OpenSearch, Redis and
	// RabbitMQ.
	DataSubnets awsec2.SubnetSelection
	// WorkloadSecurityGroup is carried by every EKS node and pod; the data
	// services admit their ports only from it.
	WorkloadSecurityGroup awsec2.ISecurityGroup
	// HostedZone is the configured Route 53 zone (imported, not created).
	HostedZone awsroute53.IHostedZone
	// UICertificate and APICertificate are DNS-validated ACM certificates for the
	// ui and api hostnames.
	UICertificate  awscertificatemanager.ICertificate
	APICertificate awscertificatemanager.ICertificate
	// UIHostname and APIHostname are the public names of the two entry points.
	UIHostname, APIHostname string
}

// Subnet group names; they are also the subnets' aws-cdk:subnet-name tags.
const (
	PublicSubnetGroup   = "Public"
	WorkloadSubnetGroup = "Workload"
	DataSubnetGroup     = "Data"
)

// NewNetworkStack creates the Network stack.
func NewNetworkStack(scope constructs.Construct, id string, props *NetworkStackProps) *NetworkStack {
	cfg := props.Config
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	n := &NetworkStack{Stack: stack, UIHostname: cfg.DNS.UIHostname, APIHostname: cfg.DNS.APIHostname}

	privateMask, edgeMask := subnetMasks(cfg.Network.VpcCidr)
	flowLogKey := awskms.NewKey(stack, jsii.String("FlowLogKey"), &awskms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("%s VPC flow logs", cfg.Name)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removalPolicy(cfg),
	})
	// CloudWatch Logs encrypts the log group with the key; only this region's
	// logs service, for log groups of this account, may use it.
	flowLogKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+cfg.Region+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", *stack.Partition(), cfg.Region, *stack.Account()),
		}},
	}), nil)
	flowLogGroup := awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     awsutil.LogRetention(cfg.Network.FlowLogRetentionDays),
		EncryptionKey: flowLogKey,
		RemovalPolicy: removalPolicy(cfg),
	})

	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(&cfg.Network.VpcCidr),
		AvailabilityZones: jsii.Strings(cfg.AvailabilityZones...),
		NatGateways:       jsii.Number(float64(cfg.Network.NatGateways)),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String(PublicSubnetGroup), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(edgeMask), MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String(WorkloadSubnetGroup), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(privateMask)},
			{Name: jsii.String(DataSubnetGroup), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(edgeMask)},
		},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"All": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogGroup, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	n.Vpc = vpc
	n.PublicSubnets = awsec2.SubnetSelection{SubnetGroupName: jsii.String(PublicSubnetGroup)}
	n.WorkloadSubnets = awsec2.SubnetSelection{SubnetGroupName: jsii.String(WorkloadSubnetGroup)}
	n.DataSubnets = awsec2.SubnetSelection{SubnetGroupName: jsii.String(DataSubnetGroup)}

	// Load balancers find their subnets by these tags (EKS Auto Mode and the AWS
	// Load Balancer Controller alike).
	for _, s := range *vpc.PublicSubnets() {
		awscdk.Tags_Of(s).Add(jsii.String("kubernetes.io/role/elb"), jsii.String("1"), nil)
	}
	for _, s := range *vpc.PrivateSubnets() {
		awscdk.Tags_Of(s).Add(jsii.String("kubernetes.io/role/internal-elb"), jsii.String("1"), nil)
	}

	vpc.AddGatewayEndpoint(jsii.String("S3Endpoint"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		Subnets: &[]*awsec2.SubnetSelection{&n.WorkloadSubnets, &n.DataSubnets},
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
			Subnets:           &n.WorkloadSubnets,
			PrivateDnsEnabled: jsii.Bool(true),
			Open:              jsii.Bool(false),
		})
		ep.Connections().AllowFrom(awsec2.Peer_Ipv4(&cfg.Network.VpcCidr), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the VPC"))
	}

	n.WorkloadSecurityGroup = awsec2.NewSecurityGroup(stack, jsii.String("WorkloadSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("EKS nodes and OpenCTI pods; the data services admit only this group"),
		AllowAllOutbound: jsii.Bool(true),
	})

	n.HostedZone = awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: &cfg.DNS.ZoneID,
		ZoneName:     &cfg.DNS.ZoneName,
	})
	n.UICertificate = awscertificatemanager.NewCertificate(stack, jsii.String("UiCertificate"), &awscertificatemanager.CertificateProps{
		DomainName: &cfg.DNS.UIHostname,
		Validation: awscertificatemanager.CertificateValidation_FromDns(n.HostedZone),
	})
	n.APICertificate = awscertificatemanager.NewCertificate(stack, jsii.String("ApiCertificate"), &awscertificatemanager.CertificateProps{
		DomainName: &cfg.DNS.APIHostname,
		Validation: awscertificatemanager.CertificateValidation_FromDns(n.HostedZone),
	})
	return n
}

// subnetMasks sizes the subnets from the VPC prefix: each AZ's private subnet
// is 1/8 of the VPC, its public and isolated subnets 1/64.
func subnetMasks(vpcCidr string) (private, edge float64) {
	bits := 16
	if p, err := netip.ParsePrefix(vpcCidr); err == nil {
		bits = p.Bits()
	}
	return float64(bits + 3), float64(bits + 6)
}
