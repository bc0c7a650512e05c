package scalesim

import (
	"testing"
)

// On the same burst, the chosen layout (workers inside the worker-api pods)
// serves exactly 3 consuming workers per ready platform at every step; two
// Deployments scaled on the same metric with targets in the exact 3:1 ratio
// put up to 9 workers on each ready platform while the new platforms start,
// and fewer than 3 when the ceilings round apart.
func TestTwoTargetsBreakTheRatio(t *testing.T) {
	samples := series(burst(), constant(120, 25000))
	chosen := mustRun(t, prodConfig(), samples)
	for _, s := range chosen.Steps {
		if s.ReadyPlatforms > 0 && s.ConsumingWorkers != 3*s.ReadyPlatforms {
			t.Fatalf("chosen layout, %s: %d consuming workers on %d ready platforms", clock(s.Second), s.ConsumingWorkers, s.ReadyPlatforms)
		}
	}
	steps, err := RunTwoTargets(prodConfig(), samples, 30)
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	var worstAt TwoTargetStep
	below := false
	for _, s := range steps {
		if r := s.PerPlatform(); r > worst {
			worst, worstAt = r, s
		}
		if s.ReadyPlatforms > 0 && s.ReadyPlatforms == s.Platforms && s.ReadyWorkers == s.Workers && s.PerPlatform() < 3 {
			below = true
		}
	}
	if worst <= 4 {
		t.Errorf("two targets never exceed 4 workers per ready platform (worst %.2f); the argument in docs/scaling.md needs revisiting", worst)
	}
	if worst != 9 || worstAt.ReadyPlatforms != 2 || worstAt.ReadyWorkers != 18 {
		t.Errorf("worst step %+v (%.2f per platform), want 18 ready workers on 2 ready platforms", worstAt, worst)
	}
	if !below {
		t.Error("two targets never settle below 3 workers per platform; at 25 000 messages ceil(7.5) = 8 workers on ceil(2.5) = 3 platforms was expected")
	}
}

func TestRunTwoTargetsValidates(t *testing.T) {
	if _, err := RunTwoTargets(prodConfig(), quiet(1), -1); err == nil || err.Error() != "workerStartSeconds: got -1, want at least 0" {
		t.Errorf("negative worker start: got %v", err)
	}
	c := prodConfig()
	c.MinReplicas = 0
	if _, err := RunTwoTargets(c, quiet(1), 30); err == nil {
		t.Error("RunTwoTargets accepted an invalid configuration")
	}
}
