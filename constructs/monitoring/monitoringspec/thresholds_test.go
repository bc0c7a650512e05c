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
	th := monitoringspec.DefaultThresholds()
	th.OpenSearchFreeStorageMiB = 51200
	th.Check(&p, problems.YAMLNames("monitoring.thresholds."),
		monitoringspec.Limits{OpenSearchVolumeGiB: 20, OpenSearchVolumeField: "data.opensearch.volumeSizeGiB"})
	want := "monitoring.thresholds.openSearchFreeStorageMiB: got 51200, want less than the data node volume (data.opensearch.volumeSizeGiB = 20 GiB = 20480 MiB); AWS recommends 25%"
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestIngestionBacklogGrowthMinutes(t *testing.T) {
	for _, m := range []int{15, 30, 360} {
		var p problems.List
		th := monitoringspec.DefaultThresholds()
		th.IngestionBacklogGrowthMinutes = m
		th.Check(&p, problems.GoNames(""), monitoringspec.Limits{})
		if err := p.Err(); err != nil {
			t.Errorf("%d minutes: %v", m, err)
		}
	}
	var p problems.List
	for _, m := range []int{10, 31, 365} {
		th := monitoringspec.DefaultThresholds()
		th.IngestionBacklogGrowthMinutes = m
		th.Check(&p, problems.GoNames("Thresholds."), monitoringspec.Limits{})
	}
	want := `Thresholds.IngestionBacklogGrowthMinutes: got 10, want a multiple of 5 from 15 to 360 (minutes of 5-minute periods)
Thresholds.IngestionBacklogGrowthMinutes: got 31, want a multiple of 5 from 15 to 360 (minutes of 5-minute periods)
Thresholds.IngestionBacklogGrowthMinutes: got 365, want a multiple of 5 from 15 to 360 (minutes of 5-minute periods)`
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestFreeStorageDerivedFromTheVolume(t *testing.T) {
	th := monitoringspec.DefaultThresholds()
	if got := th.FreeStorageMiB(200); got != 51200 {
		t.Errorf("200 GiB: %d MiB, want 51200 (25%%)", got)
	}
	if got := th.FreeStorageMiB(20); got != 5120 {
		t.Errorf("20 GiB: %d MiB, want 5120 (25%%)", got)
	}
	th.OpenSearchFreeStorageMiB = 1000
	if got := th.FreeStorageMiB(200); got != 1000 {
		t.Errorf("set threshold: %d, want 1000", got)
	}
}
