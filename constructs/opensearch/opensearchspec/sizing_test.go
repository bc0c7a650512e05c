package opensearchspec_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch/opensearchspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestDefaultSizingIsValidEvenInProduction(t *testing.T) {
	var p problems.List
	opensearchspec.DefaultSizing().Check(&p, problems.GoNames(""), opensearchspec.Limits{AvailabilityZones: 3, Production: true})
	if err := p.Err(); err != nil {
		t.Error(err)
	}
}

// TestOneRuleTwoNamings: the construct and the configuration report the
// same rule, each with its own field names.
func TestOneRuleTwoNamings(t *testing.T) {
	s := opensearchspec.DefaultSizing()
	s.DataNodes = 4
	for _, tc := range []struct {
		names problems.Names
		want  string
	}{
		{problems.GoNames("opensearch.DomainProps.Sizing."), "opensearch.DomainProps.Sizing.DataNodes: got 4, want a multiple of opensearch.DomainProps.Sizing.ZoneAwareness (3), so every zone holds the same number of nodes"},
		{problems.YAMLNames("data.opensearch."), "data.opensearch.dataNodes: got 4, want a multiple of data.opensearch.zoneAwareness (3), so every zone holds the same number of nodes"},
	} {
		var p problems.List
		s.Check(&p, tc.names, opensearchspec.Limits{})
		if err := p.Err(); err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func TestProductionLimits(t *testing.T) {
	s := opensearchspec.DefaultSizing()
	s.ZoneAwareness, s.DataNodes, s.MasterNodes = 1, 1, 0
	var p problems.List
	s.Check(&p, problems.YAMLNames(""), opensearchspec.Limits{Production: true})
	want := "zoneAwareness: got 1, want 2 or 3 in prod (the domain must survive the loss of a zone)\n" +
		"masterNodes: got 0, want 3 or 5 in prod (dedicated cluster manager nodes)"
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
