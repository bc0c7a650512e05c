package scalesim

import (
	"strings"
	"testing"
)

func TestShippedProfilesAreValid(t *testing.T) {
	for name, c := range map[string]Config{"prod": prodConfig(), "dev": devConfig()} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	bad := Config{
		MinReplicas: 0, MaxReplicas: -1, WorkersPerPlatform: 5, MessagesPerReplica: 0,
		ScaleUp:          Rules{StabilizationWindowSeconds: 3601, Policies: []Policy{{Type: "Nodes", Value: 0, PeriodSeconds: 1801}}},
		ScaleDown:        Rules{Select: "Sometimes"},
		CPUTargetPercent: 101,
		Fallback:         &Fallback{FailureThreshold: -1, Behavior: "maxReplicas", Replicas: -2},
		Tolerance:        1, SyncPeriodSeconds: 301, StartupSeconds: -5,
	}
	want := []string{
		"MinReplicas: got 0, want at least 1 (the ingestion tier never scales to zero)",
		"MaxReplicas: got -1, want at least MinReplicas (0)",
		"WorkersPerPlatform: got 5, want 1 to 4 (OpenCTI: 3, at most 4 workers per platform)",
		"MessagesPerReplica: got 0, want at least 1",
		"ScaleUp.StabilizationWindowSeconds: got 3601, want 0 to 3600 (the HPA's limit)",
		`ScaleUp.Policies[0].Type: got "Nodes", want Pods or Percent`,
		"ScaleUp.Policies[0].Value: got 0, want at least 1",
		"ScaleUp.Policies[0].PeriodSeconds: got 1801, want 1 to 1800 (the HPA's limit)",
		`ScaleDown.Select: got "Sometimes", want Max, Min or Disabled`,
		"ScaleDown.Policies: got none, want at least one policy unless Select is Disabled",
		"CPUTargetPercent: got 101, want 0 (no CPU trigger) to 100",
		"Fallback.FailureThreshold: got -1, want at least 0",
		"Fallback.Replicas: got -2, want at least 0",
		`Fallback.Behavior: got "maxReplicas", want one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower`,
		"Tolerance: got 1, want 0 (default 0.1) to below 1",
		"SyncPeriodSeconds: got 301, want 0 (default 15) to 300",
		"StartupSeconds: got -5, want 0 (default 150) to 3600",
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("Validate accepted an invalid configuration")
	}
	if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Validate:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	if _, err := Run(bad, []Sample{{}}); err == nil || !strings.Contains(err.Error(), "MinReplicas: got 0") {
		t.Errorf("Run with an invalid configuration: got %v, want Validate's error", err)
	}
}

func TestDisabledDirectionNeedsNoPolicy(t *testing.T) {
	c := prodConfig()
	c.ScaleDown = Rules{Select: Disabled}
	if err := c.Validate(); err != nil {
		t.Errorf("a disabled scale-down without policies: %v", err)
	}
}

func TestRunNeedsSamples(t *testing.T) {
	if _, err := Run(prodConfig(), nil); err == nil || err.Error() != "no samples: want one per sync period" {
		t.Errorf("Run without samples: got %v", err)
	}
	if _, err := RunLoad(prodConfig(), Load{PublishedPerSecond: []float64{1}}); err == nil ||
		err.Error() != "Load.WorkerMessagesPerSecond: got 0, want more than 0" {
		t.Errorf("RunLoad without a worker rate: got %v", err)
	}
	if _, err := RunLoad(prodConfig(), Load{PublishedPerSecond: []float64{1, 2}, WorkerMessagesPerSecond: 1, Errs: []bool{true}}); err == nil ||
		err.Error() != "Load.Errs: got 1 entries, want none or one per sync period (2)" {
		t.Errorf("RunLoad with short Errs: got %v", err)
	}
}
