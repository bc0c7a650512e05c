package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/network"
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
	// Network is the construct with every resource the stack holds.
	Network network.Network
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
	PublicSubnetGroup   = network.PublicSubnetGroup
	WorkloadSubnetGroup = network.WorkloadSubnetGroup
	DataSubnetGroup     = network.DataSubnetGroup
)

// NewNetworkStack creates the Network stack: the network construct, directly
// at the stack's root (network.AddNetwork keeps the construct paths of the
// stacks deployed before the construct existed).
func NewNetworkStack(scope constructs.Construct, id string, props *NetworkStackProps) *NetworkStack {
	cfg := props.Config
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	net := network.AddNetwork(stack, &network.NetworkProps{
		Settings:          &cfg.Network.Settings,
		AvailabilityZones: cfg.AvailabilityZones,
		Name:              jsii.String(cfg.Name),
		FlowLogRetention:  awsutil.LogRetention(cfg.Network.FlowLogRetentionDays),
		RemovalPolicy:     removalPolicy(cfg),
		DNS: &network.DNSProps{
			ZoneID: cfg.DNS.ZoneID, ZoneName: cfg.DNS.ZoneName,
			UIHostname: cfg.DNS.UIHostname, APIHostname: cfg.DNS.APIHostname,
		},
	})
	return &NetworkStack{
		Stack:                 stack,
		Network:               net,
		Vpc:                   net.Vpc(),
		PublicSubnets:         *net.PublicSubnets(),
		WorkloadSubnets:       *net.WorkloadSubnets(),
		DataSubnets:           *net.DataSubnets(),
		WorkloadSecurityGroup: net.WorkloadSecurityGroup(),
		HostedZone:            net.HostedZone(),
		UICertificate:         net.UICertificate(),
		APICertificate:        net.APICertificate(),
		UIHostname:            cfg.DNS.UIHostname,
		APIHostname:           cfg.DNS.APIHostname,
	}
}
