package scalesim

import (
	"fmt"
	"strings"
	"testing"
)

// OpenCTI platforms take 1.5 to 2.5 minutes to start once their data
// services are up; the scale-down requirements below are in units of the
// slow end.
const platformStartSeconds = 150

// quiet returns n empty samples (n syncs, n x 15 s).
func quiet(n int) []Sample { return constant(n, 0) }

func constant(n int, messages int64) []Sample {
	out := make([]Sample, n)
	for i := range out {
		out[i] = Sample{Messages: messages, CPUPercent: -1}
	}
	return out
}

// ramp goes linearly from `from` to `to` messages over n samples.
func ramp(n int, from, to int64) []Sample {
	out := make([]Sample, n)
	for i := range out {
		out[i] = Sample{Messages: from + (to-from)*int64(i)/int64(max(n-1, 1)), CPUPercent: -1}
	}
	return out
}

func series(parts ...[]Sample) []Sample {
	var out []Sample
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// burst: 5 quiet minutes, a feed dumps 200 000 messages that the workers
// work down over 15 minutes, then 45 quiet minutes.
func burst() []Sample {
	return series(quiet(20), ramp(60, 200000, 0), quiet(180))
}

// violations lists what the configuration must guarantee on a trace and
// does not: the workers-per-platform ratio at every step, the bounds, no
// scale-down within the scale-down window of a scale-up nor within four
// platform starts of it, scale-downs at least two platform starts apart, and
// every removed pod having lived at least four platform starts.
func violations(tr *Trace) []string {
	c := tr.Config
	var v []string
	add := func(s Step, format string, args ...any) {
		v = append(v, fmt.Sprintf("%s: ", clock(s.Second))+fmt.Sprintf(format, args...))
	}
	if c.WorkersPerPlatform > 4 {
		v = append(v, fmt.Sprintf("WorkersPerPlatform %d: more than 4 workers per platform", c.WorkersPerPlatform))
	}
	prev := c.MinReplicas
	lastUp, lastDown := int64(-1<<40), int64(-1<<40)
	for _, s := range tr.Steps {
		if s.Workers != c.WorkersPerPlatform*s.Replicas || s.ConsumingWorkers != c.WorkersPerPlatform*s.ReadyPlatforms {
			add(s, "%d workers (%d consuming) for %d pods (%d ready): not %d per platform", s.Workers, s.ConsumingWorkers, s.Replicas, s.ReadyPlatforms, c.WorkersPerPlatform)
		}
		if s.Replicas < c.MinReplicas || s.Replicas > c.MaxReplicas {
			add(s, "%d worker-api pods, outside %d..%d", s.Replicas, c.MinReplicas, c.MaxReplicas)
		}
		switch {
		case s.Replicas > prev:
			lastUp = s.Second
		case s.Replicas < prev:
			if want := max(int64(c.ScaleDown.StabilizationWindowSeconds), 4*platformStartSeconds); s.Second-lastUp < want {
				add(s, "scale-down %d s after a scale-up (want at least %d s)", s.Second-lastUp, want)
			}
			if s.Second-lastDown < 2*platformStartSeconds {
				add(s, "scale-down %d s after the previous one (want at least %d s)", s.Second-lastDown, 2*platformStartSeconds)
			}
			lastDown = s.Second
		}
		prev = s.Replicas
	}
	for _, r := range tr.Removals {
		if r.AgeSeconds < 4*platformStartSeconds {
			v = append(v, fmt.Sprintf("%s: removed a pod %d s old (want at least %d s)", clock(r.Second), r.AgeSeconds, 4*platformStartSeconds))
		}
	}
	return v
}

func mustRun(t *testing.T, c Config, samples []Sample) *Trace {
	t.Helper()
	tr, err := Run(c, samples)
	if err != nil {
		t.Fatal(err)
	}
	if v := violations(tr); len(v) > 0 {
		t.Errorf("violations:\n%s\n%s", strings.Join(v, "\n"), tr.Table(0))
	}
	return tr
}

// firstAt is the first step at or after second whose count is n; -1 if none.
func firstAt(tr *Trace, from int64, n int32) int64 {
	for _, s := range tr.Steps {
		if s.Second >= from && s.Replicas == n {
			return s.Second
		}
	}
	return -1
}

func TestProdBurst(t *testing.T) {
	tr := mustRun(t, prodConfig(), burst())
	const start = 300 // the burst's first sample
	// Up: the backlog must hold for the 60 s window (the 4th sync above
	// 22 000), then 2 pods a minute: 4 at +45 s, 6 at +105 s.
	if got := firstAt(tr, start, 4); got != start+45 {
		t.Errorf("4 pods at %s, want %s", clock(got), clock(start+45))
	}
	if got := firstAt(tr, start, 6); got != start+105 {
		t.Errorf("6 pods at %s, want %s", clock(got), clock(start+105))
	}
	// All 18 workers consume 150 s after the last pod was created.
	for _, s := range tr.Steps {
		if s.Second == start+105+platformStartSeconds && s.ConsumingWorkers != 18 {
			t.Errorf("%s: %d consuming workers, want 18", clock(s.Second), s.ConsumingWorkers)
		}
	}
	// Down: the last recommendation of 6 pods is at 16:00 (about 50 800 messages
	// left); 600 s later the window's highest is 5: one pod goes at 26:00,
	// then one every 300 s (the queue is empty from 19:45): 2 pods at 41:00.
	if got := firstAt(tr, start+120, 5); got != 26*60 {
		t.Errorf("first scale-down at %s, want 26:00", clock(got))
	}
	if got := firstAt(tr, start+120, 2); got != 41*60 {
		t.Errorf("back to 2 pods at %s, want 41:00", clock(got))
	}
	if n := len(tr.Changes()); n != 6 {
		t.Errorf("%d changes (2 up, 4 down), want 6:\n%s", n, tr.Table(0))
	}
}

func TestDevBurst(t *testing.T) {
	tr := mustRun(t, devConfig(), burst())
	if got := firstAt(tr, 300, 2); got != 345 {
		t.Errorf("2 pods at %s, want 5:45", clock(got))
	}
	for _, s := range tr.Steps {
		if s.Replicas > 2 {
			t.Fatalf("%s: %d pods above the dev maximum 2", clock(s.Second), s.Replicas)
		}
	}
}

// A backlog far beyond the maximum never goes past it, and never below the
// minimum while nothing waits.
func TestBoundsUnderExtremeLoad(t *testing.T) {
	tr := mustRun(t, prodConfig(), series(quiet(4), constant(240, 10_000_000), quiet(400)))
	peak, low := int32(0), int32(1<<30)
	for _, s := range tr.Steps {
		peak, low = max(peak, s.Replicas), min(low, s.Replicas)
	}
	if peak != 6 || low != 2 {
		t.Errorf("replicas within %d..%d, want exactly 2..6", low, peak)
	}
}

// A plateau at 35 000 +/- 4 000 messages settles on 4 pods and stays there.
func TestPlateauWithNoise(t *testing.T) {
	noise := []int64{3000, -4000, 1000, 4000, -2000, -3500, 2500, 0, -1000, 3500}
	plateau := make([]Sample, 240)
	for i := range plateau {
		plateau[i] = Sample{Messages: 35000 + noise[i%len(noise)], CPUPercent: -1}
	}
	tr := mustRun(t, prodConfig(), series(quiet(20), plateau))
	changes := tr.Changes()
	if len(changes) != 1 || changes[0].Replicas != 4 {
		t.Errorf("changes %v, want one step to 4 pods:\n%s", changes, tr.Table(0))
	}
}

// A backlog that crosses the next pod's threshold for less than the
// scale-up window adds nothing; one that holds 2 minutes out of 3 adds a pod
// once and keeps it while the pattern goes on.
func TestOscillationAroundAStep(t *testing.T) {
	pattern := func(highSyncs, lowSyncs, repeats int) []Sample {
		var out []Sample
		for range repeats {
			out = append(out, constant(highSyncs, 36000)...)
			out = append(out, constant(lowSyncs, 25000)...)
		}
		return out
	}
	// 3 pods first (a 30 000 plateau), then 45 s above 33 000, 60 s below.
	short := mustRun(t, prodConfig(), series(quiet(20), constant(20, 30000), pattern(3, 4, 30)))
	for _, s := range short.Steps[40:] {
		if s.Replicas != 3 {
			t.Fatalf("%s: %d pods; a backlog shorter than the scale-up window must not add one:\n%s", clock(s.Second), s.Replicas, short.Table(0))
		}
	}
	long := mustRun(t, prodConfig(), series(quiet(20), constant(20, 30000), pattern(8, 4, 20)))
	var after []Step
	for _, c := range long.Changes() {
		if c.Second >= 600 {
			after = append(after, c)
		}
	}
	if len(after) != 1 || after[0].Replicas != 4 {
		t.Errorf("changes during the oscillation %v, want one step to 4:\n%s", after, long.Table(0))
	}
}

// While the management API cannot be read the count holds (KEDA's fallback
// reports the current count after 3 failures; before that the HPA has no
// metric), then scaling resumes.
func TestMetricOutageHoldsTheCount(t *testing.T) {
	outage := constant(40, 60000)
	for i := range outage {
		outage[i].Err = true
	}
	tr := mustRun(t, prodConfig(), series(quiet(20), constant(20, 35000), outage, constant(20, 60000), quiet(200)))
	for _, s := range tr.Steps[40:80] {
		if s.Replicas != 4 {
			t.Fatalf("%s: %d pods during the outage, want the 4 from before it", clock(s.Second), s.Replicas)
		}
	}
	if got := firstAt(tr, 80*15, 6); got < 0 || got > 80*15+105 {
		t.Errorf("6 pods at %s after the outage, want by %s", clock(got), clock(80*15+105))
	}
	// No fallback: the same.
	c := prodConfig()
	c.Fallback = nil
	tr = mustRun(t, c, series(quiet(20), constant(20, 35000), outage))
	for _, s := range tr.Steps[40:] {
		if s.Replicas != 4 {
			t.Fatalf("without fallback, %s: %d pods during the outage, want 4", clock(s.Second), s.Replicas)
		}
	}
}

// The optional CPU trigger adds pods when the platforms are busy even with a
// short queue, within the same bounds and behavior.
func TestCPUTrigger(t *testing.T) {
	c := prodConfig()
	c.CPUTargetPercent = 80
	busy := constant(80, 500)
	for i := range busy {
		busy[i].CPUPercent = 150
	}
	idle := constant(200, 0)
	for i := range idle {
		idle[i].CPUPercent = 10
	}
	tr := mustRun(t, c, series(idle[:20], busy, idle))
	if got := firstAt(tr, 300, 4); got != 345 {
		t.Errorf("4 pods at %s, want 5:45 (2 ready at 150 %% of 80 %%: ceil(3.75))", clock(got))
	}
	// While the 2 new pods start they count as 0 %: (2 x 150) / (80 x 4) < 1,
	// so the next step waits for them to be ready (8:15) and for the 60 s
	// scale-up window to hold only higher recommendations (9:00).
	if got := firstAt(tr, 300, 6); got != 345+platformStartSeconds+45 {
		t.Errorf("6 pods at %s, want %s (after the new pods are ready)", clock(got), clock(345+platformStartSeconds+45))
	}
}

// The checks fail on a configuration that flaps: the Kubernetes default
// scale-up with no scale-down window.
func TestViolationsCatchAFlappingConfiguration(t *testing.T) {
	c := prodConfig()
	c.ScaleUp = DefaultScaleUp()
	c.ScaleDown = Rules{StabilizationWindowSeconds: 0, Policies: []Policy{{Type: Percent, Value: 100, PeriodSeconds: 15}}}
	var s []Sample
	for range 20 {
		s = append(s, constant(2, 60000)...)
		s = append(s, constant(6, 0)...)
	}
	tr, err := Run(c, s)
	if err != nil {
		t.Fatal(err)
	}
	v := violations(tr)
	if len(v) == 0 {
		t.Fatalf("no violation found on a flapping configuration:\n%s", tr.Table(0))
	}
	for _, want := range []string{"scale-down 30 s after a scale-up (want at least 600 s)", "removed a pod 30 s old"} {
		if !strings.Contains(strings.Join(v, "\n"), want) {
			t.Errorf("violations do not mention %q:\n%s", want, strings.Join(v, "\n"))
		}
	}
}

// A closed loop: a feed publishes 1 000 000 messages over 10 minutes; each
// consuming worker acknowledges 5 messages a second (an assumption). The
// backlog drains and the tier comes back to its minimum.
func TestProdFeedDumpDrains(t *testing.T) {
	tr := feedDump(t, prodConfig())
	if v := violations(tr); len(v) > 0 {
		t.Errorf("violations:\n%s", strings.Join(v, "\n"))
	}
	last := tr.Steps[len(tr.Steps)-1]
	if last.Messages != 0 || last.Replicas != 2 {
		t.Errorf("after %s: %d messages, %d pods; want 0 and 2", clock(last.Second), last.Messages, last.Replicas)
	}
}

func feedDump(t *testing.T, c Config) *Trace {
	t.Helper()
	published := make([]float64, 4*60*4) // 4 hours
	for i := 20; i < 60; i++ {
		published[i] = 1_000_000.0 / 600
	}
	tr, err := RunLoad(c, Load{PublishedPerSecond: published, WorkerMessagesPerSecond: 5})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
