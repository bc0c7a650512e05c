package networkspec_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/network/networkspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestDefaultSettingsAreValidEvenInProduction(t *testing.T) {
	var p problems.List
	networkspec.DefaultSettings().Check(&p, problems.GoNames(""), networkspec.Limits{AvailabilityZones: 3, Production: true})
	if err := p.Err(); err != nil {
		t.Error(err)
	}
}

func TestSubnetMasks(t *testing.T) {
	for cidr, want := range map[string][2]int{"10.40.0.0/16": {19, 22}, "10.0.0.0/18": {21, 24}, "not a cidr": {19, 22}} {
		if private, edge := networkspec.SubnetMasks(cidr); private != want[0] || edge != want[1] {
			t.Errorf("%s: /%d and /%d, want /%d and /%d", cidr, private, edge, want[0], want[1])
		}
	}
}

func TestNatGatewaysPerZone(t *testing.T) {
	s := networkspec.Settings{VpcCidr: "10.0.0.0/16", NatGateways: 3}
	var p problems.List
	s.Check(&p, problems.GoNames("Settings."), networkspec.Limits{AvailabilityZones: 2})
	want := "Settings.NatGateways: got 3, want 1 to 2 (one per availability zone)"
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestDNS(t *testing.T) {
	d := networkspec.DNS{ZoneID: "Z0123456789ABCDEFGHIJ", ZoneName: "cti.example.org", UIHostname: "ui.cti.example.org", APIHostname: "ui.cti.example.org"}
	var p problems.List
	d.Check(&p, problems.YAMLNames("dns."))
	want := `dns.apiHostname: got "ui.cti.example.org", want a hostname different from dns.uiHostname (API traffic must not reach the ui tier)`
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
