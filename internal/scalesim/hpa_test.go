package scalesim

import (
	"slices"
	"testing"
)

// newTestAutoscaler is an autoscaler with the Kubernetes default behavior.
func newTestAutoscaler(minR, maxR int32, perReplica int64) *autoscaler {
	return &autoscaler{min: minR, max: maxR, targetMilli: perReplica * 1000,
		up: DefaultScaleUp(), down: DefaultScaleDown(), tolerance: DefaultTolerance}
}

// replay syncs a every 15 s with the given metric, applying each result, and
// returns the counts.
func replay(a *autoscaler, current int32, messages []int64) []int32 {
	var out []int32
	for i, m := range messages {
		current = a.sync(syncInput{now: int64(i) * 15, current: current, messages: m}).desired
		out = append(out, current)
	}
	return out
}

func TestExternalProposalTolerance(t *testing.T) {
	a := newTestAutoscaler(1, 100, 10000)
	for _, tc := range []struct {
		current  int32
		messages int64
		want     int32
	}{
		{2, 20000, 2},
		{2, 22000, 2}, // ratio 1.1: within the tolerance
		{2, 22001, 3}, // just above: ceil(2.2001)
		{2, 18000, 2}, // ratio 0.9: within
		{2, 17999, 2}, // below the tolerance, but ceil(1.7999) is still 2
		{2, 10000, 1},
		{3, 20000, 2},
		{6, 54000, 6},
		{6, 50000, 5},
		{2, 1000000, 100},
		{2, 0, 0},
	} {
		if got := a.externalProposal(tc.current, tc.messages*1000); got != tc.want {
			t.Errorf("current %d, %d messages: got %d, want %d", tc.current, tc.messages, got, tc.want)
		}
	}
}

// The Kubernetes documentation's scale-down example: 80 replicas, policies
// "4 pods per 60 s" and "10 % per 60 s", the larger change wins: 8 pods go,
// then 10 % of 72 rounds the removal up to 8 once the period has passed, and
// below 40 replicas the Pods policy removes 4 at a time.
func TestScaleDownPoliciesDocumentationExample(t *testing.T) {
	a := newTestAutoscaler(1, 100, 1)
	a.down = Rules{StabilizationWindowSeconds: 0, Policies: []Policy{{Pods, 4, 60}, {Percent, 10, 60}}}
	var counts []int32
	current := int32(80)
	for i := range 60 {
		now := int64(i) * 15
		current = a.sync(syncInput{now: now, current: current, messages: 10}).desired
		if i%4 == 0 {
			counts = append(counts, current)
		}
	}
	want := []int32{72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16, 12, 10, 10}
	if !slices.Equal(counts, want) {
		t.Errorf("replicas every 60 s: got %v, want %v", counts, want)
	}
}

// The default scale-up: double or add 4 pods every 15 s, whichever is more.
func TestDefaultScaleUpDoublesOrAddsFour(t *testing.T) {
	a := newTestAutoscaler(1, 100, 10)
	got := replay(a, 1, []int64{1000, 1000, 1000, 1000, 1000})
	if want := []int32{5, 10, 20, 40, 80}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// A scale-up stabilization window takes the lowest recommendation of the
// window; a scale-down window the highest.
func TestStabilizationWindows(t *testing.T) {
	a := newTestAutoscaler(1, 10, 100)
	a.up = Rules{StabilizationWindowSeconds: 60, Policies: []Policy{{Pods, 10, 15}}}
	a.down = Rules{StabilizationWindowSeconds: 120, Policies: []Policy{{Pods, 10, 15}}}
	// 1 replica at 100 messages for a minute, then 500 messages.
	messages := []int64{100, 100, 100, 100, 500, 500, 500, 500, 500, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}
	got := replay(a, 1, messages)
	// The jump is recorded from t=60 s; the window (samples newer than
	// now - 60 s) holds a 1 until t=105 s, the fourth sync with 500. The last
	// 5 is recorded at t=120 s and leaves the 120 s scale-down window at
	// t=240 s.
	want := []int32{1, 1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1}
	if !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestFallback(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fallback *Fallback
		want     []int32
	}{
		// Without a fallback, a failed read is an error: the count holds.
		{"none", nil, []int32{4, 4, 4, 4, 4, 4}},
		// After more than 2 failures KEDA reports target x 4 = the current count.
		{"currentReplicas", &Fallback{FailureThreshold: 2, Behavior: FallbackCurrentReplicas}, []int32{4, 4, 4, 4, 4, 4}},
		{"static 6", &Fallback{FailureThreshold: 2, Replicas: 6}, []int32{4, 4, 6, 6, 6, 6}},
		{"currentReplicasIfHigher 2", &Fallback{FailureThreshold: 2, Behavior: FallbackCurrentReplicasIfHigher, Replicas: 2}, []int32{4, 4, 4, 4, 4, 4}},
		{"currentReplicasIfLower 2", &Fallback{FailureThreshold: 2, Behavior: FallbackCurrentReplicasIfLower, Replicas: 2}, []int32{4, 4, 2, 2, 2, 2}},
	} {
		a := newTestAutoscaler(1, 10, 100)
		a.down.StabilizationWindowSeconds = 0
		if tc.fallback != nil {
			f := *tc.fallback
			a.fallback = Config{Fallback: &f}.withDefaults().Fallback
		}
		current := int32(4)
		var got []int32
		for i := range 6 {
			current = a.sync(syncInput{now: int64(i) * 15, current: current, failed: true}).desired
			got = append(got, current)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// With a CPU trigger, a failed queue read blocks a scale-down the CPU would
// ask for, but not a scale-up.
func TestFailedMetricBlocksScaleDownOnly(t *testing.T) {
	a := newTestAutoscaler(1, 10, 100)
	a.cpuTarget = 50
	a.down.StabilizationWindowSeconds = 0
	low := a.sync(syncInput{now: 0, current: 4, failed: true, cpu: 10, hasCPU: true, ready: 4})
	if low.desired != 4 || low.recommendation != -1 {
		t.Errorf("CPU 10 %% with a failed queue read: got %d (recommendation %d), want 4 and no recommendation", low.desired, low.recommendation)
	}
	high := a.sync(syncInput{now: 15, current: 4, failed: true, cpu: 100, hasCPU: true, ready: 4})
	if high.desired != 8 {
		t.Errorf("CPU 100 %% of a 50 %% target with a failed queue read: got %d, want 8", high.desired)
	}
}

// Pods that are not ready yet count as 0 % CPU on a scale-up.
func TestCPUProposalDampensScaleUpWithStartingPods(t *testing.T) {
	a := newTestAutoscaler(1, 10, 100)
	a.cpuTarget = 50
	if got := a.cpuProposal(4, 4, 0, 100); got != 8 {
		t.Errorf("4 ready pods at 100 %%: got %d, want 8", got)
	}
	// 2 ready at 100 %, 2 starting: (2 x 100) / (50 x 4) = 1.0, no scale-up.
	if got := a.cpuProposal(4, 2, 2, 100); got != 4 {
		t.Errorf("2 ready at 100 %%, 2 starting: got %d, want 4", got)
	}
	// 2 ready at 150 %, 2 starting: 300 / 200 = 1.5 -> ceil(6).
	if got := a.cpuProposal(4, 2, 2, 150); got != 6 {
		t.Errorf("2 ready at 150 %%, 2 starting: got %d, want 6", got)
	}
	if got := a.cpuProposal(4, 4, 0, 20); got != 2 {
		t.Errorf("4 ready at 20 %%: got %d, want 2", got)
	}
}

func TestThresholds(t *testing.T) {
	got, err := prodConfig().Thresholds()
	if err != nil {
		t.Fatal(err)
	}
	want := []Threshold{
		{2, 22000, -1},
		{3, 33000, 20000},
		{4, 44000, 30000},
		{5, 55000, 40000},
		{6, -1, 50000},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	// Cross-check every threshold against the proposal itself.
	a := &autoscaler{targetMilli: 10000 * 1000, tolerance: DefaultTolerance}
	for _, th := range got {
		if th.UpAbove >= 0 && (a.externalProposal(th.Replicas, th.UpAbove*1000) != th.Replicas || a.externalProposal(th.Replicas, (th.UpAbove+1)*1000) <= th.Replicas) {
			t.Errorf("%d replicas: %d messages is not the last count that keeps them", th.Replicas, th.UpAbove)
		}
		if th.DownAtOrBelow >= 0 && (a.externalProposal(th.Replicas, th.DownAtOrBelow*1000) >= th.Replicas || a.externalProposal(th.Replicas, (th.DownAtOrBelow+1)*1000) < th.Replicas) {
			t.Errorf("%d replicas: %d messages is not the last count that lowers them", th.Replicas, th.DownAtOrBelow)
		}
	}
}
