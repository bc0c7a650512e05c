package monitoringspec_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestDefaultThresholdsAreValid(t *testing.T) {
	var p problems.List
	monitoringspec.DefaultThresholds().Check(&p, problems.GoNames(""), monitoringspec.Limits{OpenSearchVolumeGiB: 200})
	if err := p.Err(); err != nil {
		t.Error(err)
	}
}

func TestFreeStorageBelowTheVolume(t *testing.T) {
	var p problems.List
	monitoringspec.DefaultThresholds().Check(&p, problems.YAMLNames("monitoring.thresholds."),
		monitoringspec.Limits{OpenSearchVolumeGiB: 20, OpenSearchVolumeField: "data.opensearch.volumeSizeGiB"})
	want := "monitoring.thresholds.openSearchFreeStorageMiB: got 51200, want less than the data node volume (data.opensearch.volumeSizeGiB = 20 GiB = 20480 MiB); AWS recommends 25%"
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
