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
