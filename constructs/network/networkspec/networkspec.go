// Package networkspec holds the rules and defaults of the OpenCTI VPC,
// shared by the construct (network.NewNetwork) and the configuration
// (network.*). It depends on no AWS package.
package networkspec

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

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

// DNS names the existing public hosted zone (imported, never created) and the
// ui and api hostnames inside it.
type DNS struct {
	// ZoneID is the hosted zone's ID ("Z" and upper-case letters and digits).
	ZoneID string
	// ZoneName is the hosted zone's domain, e.g. "opencti.example.com".
	ZoneName string
	// UIHostname is where people reach the ui tier, inside the zone.
	UIHostname string
	// APIHostname is where API clients reach the connector-api tier, inside
	// the zone and different from UIHostname.
	APIHostname string
}

// Fields of DNS, for reports.
var (
	FieldZoneName    = problems.Field{Go: "ZoneName", YAML: "zoneName"}
	FieldZoneID      = problems.Field{Go: "ZoneID", YAML: "zoneId"}
	FieldUIHostname  = problems.Field{Go: "UIHostname", YAML: "uiHostname"}
	FieldAPIHostname = problems.Field{Go: "APIHostname", YAML: "apiHostname"}
)

var (
	zoneIDRe = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	hostRe   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// ValidHostname reports whether h is a lower-case DNS name.
func ValidHostname(h string) bool { return hostRe.MatchString(h) }

// Check reports every problem of d to p, naming fields with name.
func (d DNS) Check(p *problems.List, name problems.Names) {
	if !hostRe.MatchString(d.ZoneName) {
		p.Add(name.Of(FieldZoneName), d.ZoneName, "a lower-case DNS domain such as example.com")
	}
	if !zoneIDRe.MatchString(d.ZoneID) {
		p.Add(name.Of(FieldZoneID), d.ZoneID, "a Route 53 hosted zone ID (Z followed by upper-case letters and digits)")
	}
	for _, h := range []struct {
		field problems.Field
		v     string
	}{{FieldUIHostname, d.UIHostname}, {FieldAPIHostname, d.APIHostname}} {
		switch {
		case !hostRe.MatchString(h.v):
			p.Add(name.Of(h.field), h.v, "a lower-case DNS name")
		case !strings.HasSuffix(h.v, "."+d.ZoneName):
			p.Add(name.Of(h.field), h.v, fmt.Sprintf("a name inside the zone %s (ending in .%s)", d.ZoneName, d.ZoneName))
		}
	}
	if d.UIHostname != "" && d.UIHostname == d.APIHostname {
		p.Add(name.Of(FieldAPIHostname), d.APIHostname, "a hostname different from "+name.Of(FieldUIHostname)+" (API traffic must not reach the ui tier)")
	}
}
