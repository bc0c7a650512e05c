// Package networkspec holds the rules and defaults of the OpenCTI VPC,
// shared by the construct (network.NewNetwork) and the configuration
// (network.*). It depends on no AWS package.
package networkspec

import (
	"fmt"
	"net/netip"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Settings size the VPC. Every field is set: start from DefaultSettings()
// and change what differs.
type Settings struct {
	// VpcCidr is the VPC's private IPv4 range, /16 to /18. Each zone gets a
	// private (workload) subnet of 1/8 of it (EKS pods take VPC addresses),
	// a public and an isolated (data) subnet of 1/64. Default: "10.0.0.0/16".
	VpcCidr string `yaml:"vpcCidr"`
	// NatGateways is how many NAT gateways serve the workload subnets: 1
	// (cheap) up to one per zone (survives the loss of a zone; required in
	// production). Default: 3.
	NatGateways int `yaml:"natGateways"`
}

// DefaultSettings are a 10.0.0.0/16 VPC with a NAT gateway in each of 3 zones.
func DefaultSettings() Settings {
	return Settings{VpcCidr: "10.0.0.0/16", NatGateways: 3}
}

// Fields of Settings, for reports.
var (
	FieldVpcCidr     = problems.Field{Go: "VpcCidr", YAML: "vpcCidr"}
	FieldNatGateways = problems.Field{Go: "NatGateways", YAML: "natGateways"}
)

// Limits are what the deployment adds to the VPC's own rules.
type Limits struct {
	// AvailabilityZones the VPC spans (NatGateways may not exceed it).
	// 0: 3 zones.
	AvailabilityZones int
	// Production demands a NAT gateway per zone.
	Production bool
}

// Check reports every problem of s to p, naming fields with name.
func (s Settings) Check(p *problems.List, name problems.Names, limits Limits) {
	prefix, err := netip.ParsePrefix(s.VpcCidr)
	switch {
	case err != nil || !prefix.Addr().Is4() || prefix.Masked() != prefix:
		p.Add(name.Of(FieldVpcCidr), s.VpcCidr, "an IPv4 network in CIDR notation such as 10.40.0.0/16")
	case prefix.Bits() < 16 || prefix.Bits() > 18:
		p.Add(name.Of(FieldVpcCidr), s.VpcCidr, "a prefix length from /16 to /18 (EKS pods take VPC addresses)")
	case !prefix.Addr().IsPrivate():
		p.Add(name.Of(FieldVpcCidr), s.VpcCidr, "a private (RFC 1918) range")
	}
	zones := limits.AvailabilityZones
	if zones == 0 {
		zones = 3
	}
	if s.NatGateways < 1 || s.NatGateways > zones {
		p.Add(name.Of(FieldNatGateways), s.NatGateways, fmt.Sprintf("1 to %d (one per availability zone)", zones))
	} else if limits.Production && s.NatGateways != zones {
		p.Add(name.Of(FieldNatGateways), s.NatGateways, fmt.Sprintf("%d in prod (one per availability zone, so losing a zone keeps egress)", zones))
	}
}

// SubnetMasks sizes the subnets from the VPC prefix: each zone's private
// (workload) subnet is 1/8 of the VPC, its public and isolated (data)
// subnets 1/64. A CIDR that does not parse counts as a /16.
func SubnetMasks(vpcCidr string) (private, edge int) {
	bits := 16
	if p, err := netip.ParsePrefix(vpcCidr); err == nil {
		bits = p.Bits()
	}
	return bits + 3, bits + 6
}
