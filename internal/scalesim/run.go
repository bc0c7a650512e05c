package scalesim

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Sample is what one HPA sync reads.
type Sample struct {
	// Messages is the trigger's metric: messages_ready summed over the push
	// queues the workers consume.
	Messages int64
	// Err is a failed read of the management API (KEDA returns an error, or
	// its fallback value once the failure threshold is passed).
	Err bool
	// CPUPercent is the average utilization of the ready platform containers
	// in percent of their request; negative means no data. Read only when
	// Config.CPUTargetPercent is set.
	CPUPercent float64
}

// Step is the state after one sync.
type Step struct {
	// Second is the time of the sync, from the first sample.
	Second int64
	// Messages and MetricErr are the sample the sync read.
	Messages  int64
	MetricErr bool
	// QueueProposal and CPUProposal are the per-metric replica counts; -1:
	// none (a failed metric, no CPU trigger).
	QueueProposal, CPUProposal int32
	// Recommendation is the largest proposal, recorded in the stabilization
	// history; -1 when a failed metric stopped the sync.
	Recommendation int32
	// Replicas is the worker-api Deployment's replica count after the sync.
	Replicas int32
	// ReadyPlatforms counts the pods whose platform is ready.
	ReadyPlatforms int32
	// Workers counts worker containers (WorkersPerPlatform per pod), and
	// ConsumingWorkers those of ready pods, which take messages.
	Workers, ConsumingWorkers int32
	// Reason is the HPA's reason for the count (ScaleUpLimit, TooFewReplicas, ...).
	Reason string
}

// Removal is a pod deleted by a scale-down, with the seconds it had lived.
type Removal struct {
	Second, AgeSeconds int64
}

// Trace is the result of a run.
type Trace struct {
	// Config is the configuration run, with its defaults resolved.
	Config   Config
	Steps    []Step
	Removals []Removal
}

// Run replays samples, one per sync period, against cfg, starting from
// MinReplicas pods that have long been ready and an empty controller history.
// Put a few minutes of quiet samples first to warm the history the way a
// running cluster has it.
func Run(cfg Config, samples []Sample) (*Trace, error) {
	return run(cfg, len(samples), func(i int, _ int32) Sample { return samples[i] })
}

// Load is a closed-loop scenario: the queue drains at the rate of the
// workers that are consuming, so more pods shorten the backlog.
type Load struct {
	// InitialMessages wait in the push queues at the start.
	InitialMessages float64
	// PublishedPerSecond is the rate messages arrive in the push queues during
	// each sync period (one entry per period; the run has as many syncs).
	PublishedPerSecond []float64
	// WorkerMessagesPerSecond is what one consuming worker acknowledges per
	// second (an assumption to measure on the platform, not an OpenCTI figure).
	WorkerMessagesPerSecond float64
	// Errs marks sync periods whose management API read fails (optional).
	Errs []bool
}

// RunLoad runs a closed-loop Load against cfg.
func RunLoad(cfg Config, load Load) (*Trace, error) {
	if load.WorkerMessagesPerSecond <= 0 || math.IsNaN(load.WorkerMessagesPerSecond) {
		return nil, fmt.Errorf("Load.WorkerMessagesPerSecond: got %v, want more than 0", load.WorkerMessagesPerSecond)
	}
	if load.Errs != nil && len(load.Errs) != len(load.PublishedPerSecond) {
		return nil, fmt.Errorf("Load.Errs: got %d entries, want none or one per sync period (%d)", len(load.Errs), len(load.PublishedPerSecond))
	}
	depth := load.InitialMessages
	period := float64(cfg.withDefaults().SyncPeriodSeconds)
	next := func(i int, consuming int32) Sample {
		if i > 0 {
			depth = math.Max(0, depth+(load.PublishedPerSecond[i-1]-float64(consuming)*load.WorkerMessagesPerSecond)*period)
		}
		return Sample{Messages: int64(depth), Err: load.Errs != nil && load.Errs[i], CPUPercent: -1}
	}
	return run(cfg, len(load.PublishedPerSecond), next)
}

// run drives the autoscaler: sample(i, the workers that consumed during the
// previous period) gives sync i's input.
func run(cfg Config, n int, sample func(int, int32) Sample) (*Trace, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("no samples: want one per sync period")
	}
	c := cfg.withDefaults()
	a := &autoscaler{
		min: c.MinReplicas, max: c.MaxReplicas, targetMilli: c.MessagesPerReplica * 1000,
		cpuTarget: c.CPUTargetPercent, up: c.ScaleUp, down: c.ScaleDown, tolerance: c.Tolerance, fallback: c.Fallback,
	}
	d := newDeployment(c.MinReplicas, int64(c.StartupSeconds))
	t := &Trace{Config: c}
	var consuming int32 = c.WorkersPerPlatform * c.MinReplicas
	for i := range n {
		now := int64(i) * int64(c.SyncPeriodSeconds)
		s := sample(i, consuming)
		ready := d.ready(now)
		res := a.sync(syncInput{
			now: now, current: d.replicas(), messages: s.Messages, failed: s.Err,
			cpu: s.CPUPercent, hasCPU: s.CPUPercent >= 0, ready: ready, starting: d.replicas() - ready,
		})
		for _, age := range d.scaleTo(now, res.desired) {
			t.Removals = append(t.Removals, Removal{Second: now, AgeSeconds: age})
		}
		ready = d.ready(now)
		consuming = c.WorkersPerPlatform * ready
		t.Steps = append(t.Steps, Step{
			Second: now, Messages: s.Messages, MetricErr: s.Err,
			QueueProposal: res.queueProposal, CPUProposal: res.cpuProposal, Recommendation: res.recommendation,
			Replicas: d.replicas(), ReadyPlatforms: ready,
			Workers: c.WorkersPerPlatform * d.replicas(), ConsumingWorkers: consuming,
			Reason: res.reason,
		})
	}
	return t, nil
}

// Changes are the steps whose replica count differs from the step before
// (the first step counts when it differs from MinReplicas).
func (t *Trace) Changes() []Step {
	var out []Step
	prev := t.Config.MinReplicas
	for _, s := range t.Steps {
		if s.Replicas != prev {
			out = append(out, s)
		}
		prev = s.Replicas
	}
	return out
}

// Table renders the steps whose replica count or readiness changed, plus
// every step whose second is a multiple of everySeconds (0: none), as a
// fixed-width text table.
func (t *Trace) Table(everySeconds int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%7s %9s %9s %11s %9s %8s %10s  %s\n", "time", "messages", "proposal", "worker-api", "ready", "workers", "consuming", "reason")
	prevReplicas, prevReady := int32(-1), int32(-1)
	for _, s := range t.Steps {
		periodic := everySeconds > 0 && s.Second%everySeconds == 0
		if !periodic && s.Replicas == prevReplicas && s.ReadyPlatforms == prevReady {
			continue
		}
		prevReplicas, prevReady = s.Replicas, s.ReadyPlatforms
		proposal := "-"
		if s.Recommendation >= 0 {
			proposal = fmt.Sprint(s.Recommendation)
		}
		messages := fmt.Sprint(s.Messages)
		if s.MetricErr {
			messages = "error"
		}
		fmt.Fprintf(&b, "%7s %9s %9s %11d %9d %8d %10d  %s\n", clock(s.Second), messages, proposal,
			s.Replicas, s.ReadyPlatforms, s.Workers, s.ConsumingWorkers, s.Reason)
	}
	return b.String()
}

// clock formats seconds as m:ss.
func clock(seconds int64) string {
	return fmt.Sprintf("%d:%02d", seconds/60, seconds%60)
}
