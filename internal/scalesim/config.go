package scalesim

import (
	"errors"
	"fmt"
	"strings"
)

// PolicyType is an HPA scaling policy type (autoscaling/v2 HPAScalingPolicyType).
type PolicyType string

// The two HPA scaling policy types.
const (
	// Pods lets the count change by Value pods within PeriodSeconds.
	Pods PolicyType = "Pods"
	// Percent lets the count change by Value percent of the count at the
	// start of the period within PeriodSeconds.
	Percent PolicyType = "Percent"
)

// SelectPolicy chooses among several policies (autoscaling/v2 ScalingPolicySelect).
type SelectPolicy string

// The HPA policy selections.
const (
	// MaxChange picks the policy that allows the largest change (the HPA's default).
	MaxChange SelectPolicy = "Max"
	// MinChange picks the policy that allows the smallest change.
	MinChange SelectPolicy = "Min"
	// Disabled forbids scaling in that direction.
	Disabled SelectPolicy = "Disabled"
)

// Policy is one HPA scaling policy.
type Policy struct {
	Type PolicyType
	// Value is the number of pods (Pods) or the percentage (Percent), > 0.
	Value int32
	// PeriodSeconds is the look-back period of the policy, 1 to 1800.
	PeriodSeconds int32
}

// Rules are the HPA scaling rules of one direction
// (spec.behavior.scaleUp or spec.behavior.scaleDown).
type Rules struct {
	// StabilizationWindowSeconds, 0 to 3600: scale-up takes the lowest
	// recommendation of the window, scale-down the highest.
	StabilizationWindowSeconds int32
	// Policies limit the rate of change. At least one unless Select is Disabled.
	Policies []Policy
	// Select chooses among the policies. Default (""): MaxChange.
	Select SelectPolicy
}

// DefaultScaleUp is the HPA's scale-up behavior when none is given: no
// stabilization window, double or add 4 pods every 15 s, whichever is more.
func DefaultScaleUp() Rules {
	return Rules{StabilizationWindowSeconds: 0, Policies: []Policy{{Percent, 100, 15}, {Pods, 4, 15}}, Select: MaxChange}
}

// DefaultScaleDown is the HPA's scale-down behavior when none is given: a
// 300 s stabilization window, then any number of pods every 15 s.
func DefaultScaleDown() Rules {
	return Rules{StabilizationWindowSeconds: 300, Policies: []Policy{{Percent, 100, 15}}, Select: MaxChange}
}

// Fallback behaviors of a KEDA ScaledObject (spec.fallback.behavior).
const (
	FallbackStatic                  = "static"
	FallbackCurrentReplicas         = "currentReplicas"
	FallbackCurrentReplicasIfHigher = "currentReplicasIfHigher"
	FallbackCurrentReplicasIfLower  = "currentReplicasIfLower"
)

// Fallback is a KEDA ScaledObject's spec.fallback: once the queue metric has
// failed more than FailureThreshold times in a row, KEDA hands the HPA
// target x Replicas (for the static behavior) instead of an error.
type Fallback struct {
	// FailureThreshold is the number of consecutive failed reads tolerated, >= 0.
	FailureThreshold int32
	// Behavior is one of the Fallback* constants. Default (""): static.
	Behavior string
	// Replicas is the fallback count of the static behavior and the bound of
	// the currentReplicasIf* behaviors, >= 0.
	Replicas int32
}

// Config is the scaling configuration of the ingestion tier: the fields the
// ScaledObject, its trigger and the worker-api pod template are rendered from.
type Config struct {
	// MinReplicas and MaxReplicas bound the worker-api pods (KEDA
	// minReplicaCount / maxReplicaCount, the HPA's bounds), 1 <= min <= max.
	MinReplicas, MaxReplicas int32
	// WorkersPerPlatform is the number of worker containers in every
	// worker-api pod, 1 to 4 (OpenCTI: 3, at most 4 per platform).
	WorkersPerPlatform int32
	// MessagesPerReplica is the rabbitmq trigger's value: the waiting messages
	// one worker-api pod (and its workers) is sized for, > 0.
	MessagesPerReplica int64
	// ScaleUp and ScaleDown are the HPA behavior.
	ScaleUp, ScaleDown Rules
	// CPUTargetPercent is the optional CPU trigger: average utilization of the
	// platform container, in percent of its request. 0 = no CPU trigger.
	CPUTargetPercent int32
	// Fallback is the ScaledObject's fallback. Default (nil): none, a failed
	// read is an error for the HPA.
	Fallback *Fallback
	// Tolerance is the HPA's tolerance around a ratio of 1. Default (0): 0.1,
	// the kube-controller-manager default, which EKS does not change.
	Tolerance float64
	// SyncPeriodSeconds is the HPA's sync period; each Sample is one sync.
	// Default (0): 15, the kube-controller-manager default.
	SyncPeriodSeconds int32
	// StartupSeconds is the time from pod creation until its platform is ready
	// and its workers take messages (node provisioning included).
	// Default (0): 150, the slow end of OpenCTI's 1.5 to 2.5 minutes.
	StartupSeconds int32
}

// Defaults of the zero fields of Config.
const (
	DefaultTolerance         = 0.1
	DefaultSyncPeriodSeconds = 15
	DefaultStartupSeconds    = 150
)

func (c Config) withDefaults() Config {
	if c.Tolerance == 0 {
		c.Tolerance = DefaultTolerance
	}
	if c.SyncPeriodSeconds == 0 {
		c.SyncPeriodSeconds = DefaultSyncPeriodSeconds
	}
	if c.StartupSeconds == 0 {
		c.StartupSeconds = DefaultStartupSeconds
	}
	if c.ScaleUp.Select == "" {
		c.ScaleUp.Select = MaxChange
	}
	if c.ScaleDown.Select == "" {
		c.ScaleDown.Select = MaxChange
	}
	if c.Fallback != nil && c.Fallback.Behavior == "" {
		f := *c.Fallback
		f.Behavior = FallbackStatic
		c.Fallback = &f
	}
	return c
}

// Validate reports every invalid field at once, each as
// "<field>: got <value>, want <what is allowed>".
func (c Config) Validate() error {
	var errs []error
	add := func(field string, value any, want string) {
		errs = append(errs, fmt.Errorf("%s: got %v, want %s", field, value, want))
	}
	if c.MinReplicas < 1 {
		add("MinReplicas", c.MinReplicas, "at least 1 (the ingestion tier never scales to zero)")
	}
	if c.MaxReplicas < c.MinReplicas || c.MaxReplicas < 1 {
		add("MaxReplicas", c.MaxReplicas, fmt.Sprintf("at least MinReplicas (%d)", c.MinReplicas))
	}
	if c.WorkersPerPlatform < 1 || c.WorkersPerPlatform > 4 {
		add("WorkersPerPlatform", c.WorkersPerPlatform, "1 to 4 (OpenCTI: 3, at most 4 workers per platform)")
	}
	if c.MessagesPerReplica < 1 {
		add("MessagesPerReplica", c.MessagesPerReplica, "at least 1")
	}
	c.ScaleUp.validate("ScaleUp", add)
	c.ScaleDown.validate("ScaleDown", add)
	if c.CPUTargetPercent < 0 || c.CPUTargetPercent > 100 {
		add("CPUTargetPercent", c.CPUTargetPercent, "0 (no CPU trigger) to 100")
	}
	if f := c.Fallback; f != nil {
		if f.FailureThreshold < 0 {
			add("Fallback.FailureThreshold", f.FailureThreshold, "at least 0")
		}
		if f.Replicas < 0 {
			add("Fallback.Replicas", f.Replicas, "at least 0")
		}
		switch f.Behavior {
		case "", FallbackStatic, FallbackCurrentReplicas, FallbackCurrentReplicasIfHigher, FallbackCurrentReplicasIfLower:
		default:
			add("Fallback.Behavior", fmt.Sprintf("%q", f.Behavior), "one of "+strings.Join([]string{FallbackStatic, FallbackCurrentReplicas, FallbackCurrentReplicasIfHigher, FallbackCurrentReplicasIfLower}, ", "))
		}
	}
	if c.Tolerance < 0 || c.Tolerance >= 1 {
		add("Tolerance", c.Tolerance, "0 (default 0.1) to below 1")
	}
	if c.SyncPeriodSeconds < 0 || c.SyncPeriodSeconds > 300 {
		add("SyncPeriodSeconds", c.SyncPeriodSeconds, "0 (default 15) to 300")
	}
	if c.StartupSeconds < 0 || c.StartupSeconds > 3600 {
		add("StartupSeconds", c.StartupSeconds, "0 (default 150) to 3600")
	}
	return errors.Join(errs...)
}

func (r Rules) validate(field string, add func(string, any, string)) {
	if r.StabilizationWindowSeconds < 0 || r.StabilizationWindowSeconds > 3600 {
		add(field+".StabilizationWindowSeconds", r.StabilizationWindowSeconds, "0 to 3600 (the HPA's limit)")
	}
	switch r.Select {
	case "", MaxChange, MinChange, Disabled:
	default:
		add(field+".Select", fmt.Sprintf("%q", r.Select), "Max, Min or Disabled")
	}
	if len(r.Policies) == 0 && r.Select != Disabled {
		add(field+".Policies", "none", "at least one policy unless Select is Disabled")
	}
	for i, p := range r.Policies {
		f := fmt.Sprintf("%s.Policies[%d]", field, i)
		if p.Type != Pods && p.Type != Percent {
			add(f+".Type", fmt.Sprintf("%q", p.Type), "Pods or Percent")
		}
		if p.Value < 1 {
			add(f+".Value", p.Value, "at least 1")
		}
		if p.PeriodSeconds < 1 || p.PeriodSeconds > 1800 {
			add(f+".PeriodSeconds", p.PeriodSeconds, "1 to 1800 (the HPA's limit)")
		}
	}
}
