package cachespec_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/cache/cachespec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestDefaultSettingsAreValidEvenInProduction(t *testing.T) {
	var p problems.List
	cachespec.DefaultSettings().Check(&p, problems.GoNames(""), cachespec.Limits{Production: true})
	if err := p.Err(); err != nil {
		t.Error(err)
	}
}

func TestReplicasNeedMultiAz(t *testing.T) {
	s := cachespec.DefaultSettings()
	s.MultiAz = false
	var p problems.List
	s.Check(&p, problems.YAMLNames("data.redis."), cachespec.Limits{})
	want := "data.redis.multiAz: got false, want true when data.redis.replicas is 2 (replicas exist to take over from the primary)"
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestNodeVCPUs(t *testing.T) {
	for typ, want := range map[string]int{
		"cache.t2.micro": 1, "cache.t2.small": 1, "cache.t2.medium": 2, "cache.t4g.micro": 2, "cache.t4g.small": 2,
		"cache.t3.medium": 2, "cache.r7g.large": 2, "cache.m7g.xlarge": 4, "cache.r7g.2xlarge": 8, "cache.r6g.16xlarge": 64,
	} {
		if got, ok := cachespec.NodeVCPUs(typ); !ok || got != want {
			t.Errorf("%s: %d %v, want %d", typ, got, ok, want)
		}
	}
	for _, typ := range []string{"cache.r7g.metal", "r7g.large", "cache.r7g.1xlarge", ""} {
		if got, ok := cachespec.NodeVCPUs(typ); ok {
			t.Errorf("%s: %d, want not ok", typ, got)
		}
	}
}
