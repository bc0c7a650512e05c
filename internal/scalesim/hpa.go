package scalesim

import (
	"math"
)

// event is a timestamped value of the controller's in-memory history: a
// recommendation, or a replica change of a scale event.
type event struct {
	at       int64 // seconds
	value    int32
	outdated bool
}

// autoscaler is one HorizontalPodAutoscaler as KEDA creates it for a
// ScaledObject: the external queue metric (AverageValue), an optional CPU
// utilization metric, the behavior, and the controller's in-memory history.
type autoscaler struct {
	min, max    int32
	targetMilli int64 // queue target per replica, in milli-messages
	cpuTarget   int32
	up, down    Rules
	tolerance   float64
	fallback    *Fallback

	recommendations      []event
	upEvents, downEvents []event
	failures             int32
}

// syncInput is what one sync reads.
type syncInput struct {
	now      int64
	current  int32 // the target's spec.replicas
	messages int64 // waiting messages (the trigger's metric)
	failed   bool  // the management API read failed
	cpu      float64
	hasCPU   bool
	ready    int32 // ready pods (CPU metric)
	starting int32 // pods not ready yet (CPU metric)
}

// syncResult is what one sync decided.
type syncResult struct {
	queueProposal  int32 // -1: no value (metric failed, no fallback yet)
	cpuProposal    int32 // -1: no CPU trigger or no data
	recommendation int32 // -1: no recommendation recorded (no scaling)
	desired        int32
	reason         string
}

func (a *autoscaler) within(ratio float64) bool {
	return 1-a.tolerance <= ratio && ratio <= 1+a.tolerance
}

// externalProposal is GetExternalPerPodMetricReplicas: the ratio of the metric
// to target x current replicas; outside the tolerance ceil(metric / target).
func (a *autoscaler) externalProposal(current int32, usageMilli int64) int32 {
	ratio := float64(usageMilli) / (float64(a.targetMilli) * float64(current))
	if a.within(ratio) {
		return current
	}
	return int32(math.Ceil(float64(usageMilli) / float64(a.targetMilli)))
}

// cpuProposal is GetResourceReplicas for a utilization target: pods that are
// not ready yet count as 0 % on a scale-up, and a scale-up they would
// reverse or bring within the tolerance does not happen.
func (a *autoscaler) cpuProposal(current, ready, starting int32, utilization float64) int32 {
	ratio := utilization / float64(a.cpuTarget)
	if starting > 0 && ratio > 1 {
		all := ready + starting
		dampened := utilization * float64(ready) / (float64(a.cpuTarget) * float64(all))
		if a.within(dampened) || dampened < 1 {
			return current
		}
		n := int32(math.Ceil(dampened * float64(all)))
		if n < current {
			return current
		}
		return n
	}
	if a.within(ratio) {
		return current
	}
	return int32(math.Ceil(ratio * float64(ready)))
}

// fallbackReplicas is the replica count KEDA's fallback stands for.
func (a *autoscaler) fallbackReplicas(current int32) int32 {
	f := a.fallback
	switch f.Behavior {
	case FallbackCurrentReplicas:
		return current
	case FallbackCurrentReplicasIfHigher:
		return max(current, f.Replicas)
	case FallbackCurrentReplicasIfLower:
		return min(current, f.Replicas)
	default:
		return f.Replicas
	}
}

// sync is one reconcileAutoscaler pass.
func (a *autoscaler) sync(in syncInput) syncResult {
	r := syncResult{queueProposal: -1, cpuProposal: -1, recommendation: -1}
	cur := in.current
	switch {
	case cur > a.max:
		r.desired, r.reason = a.max, "above maxReplicas"
		a.storeEvent(in.now, cur, r.desired)
		return r
	case cur < a.min:
		r.desired, r.reason = a.min, "below minReplicas"
		a.storeEvent(in.now, cur, r.desired)
		return r
	}

	metrics, invalid := 1, 0
	best := int32(math.MinInt32)
	if in.failed {
		a.failures++
		if a.fallback != nil && a.failures > a.fallback.FailureThreshold {
			usage := a.targetMilli * int64(a.fallbackReplicas(cur))
			r.queueProposal = a.externalProposal(cur, usage)
		} else {
			invalid++
		}
	} else {
		a.failures = 0
		r.queueProposal = a.externalProposal(cur, in.messages*1000)
	}
	if r.queueProposal >= 0 {
		best = r.queueProposal
	}
	if a.cpuTarget > 0 {
		metrics++
		if !in.hasCPU || in.ready == 0 {
			invalid++
		} else {
			r.cpuProposal = a.cpuProposal(cur, in.ready, in.starting, in.cpu)
			best = max(best, r.cpuProposal)
		}
	}
	// computeReplicasForMetrics: every metric failed, or one failed and the
	// others would scale down: no scaling, nothing recorded.
	if invalid >= metrics || (invalid > 0 && best < cur) {
		r.desired, r.reason = cur, "metric unavailable: no scaling"
		return r
	}
	r.recommendation = best
	stabilized := a.stabilize(in.now, cur, best)
	r.desired, r.reason = a.limitRate(in.now, cur, stabilized)
	if r.desired != cur {
		a.storeEvent(in.now, cur, r.desired)
	}
	return r
}

// stabilize is stabilizeRecommendationWithBehaviors: the lowest
// recommendation of the scale-up window and the highest of the scale-down
// window bound the result, which is the current count when it lies between;
// then the unstabilized recommendation is recorded (replacing one older
// than both windows).
func (a *autoscaler) stabilize(now int64, current, desired int32) int32 {
	up, down := desired, desired
	upCutoff := now - int64(a.up.StabilizationWindowSeconds)
	downCutoff := now - int64(a.down.StabilizationWindowSeconds)
	old := -1
	for i, rec := range a.recommendations {
		if rec.at > upCutoff {
			up = min(up, rec.value)
		}
		if rec.at > downCutoff {
			down = max(down, rec.value)
		}
		if rec.at < upCutoff && rec.at < downCutoff {
			old = i
		}
	}
	result := current
	if result < up {
		result = up
	}
	if result > down {
		result = down
	}
	if old >= 0 {
		a.recommendations[old] = event{at: now, value: desired}
	} else {
		a.recommendations = append(a.recommendations, event{at: now, value: desired})
	}
	return result
}

// limitRate is convertDesiredReplicasWithBehaviorRate: the policies cap a
// scale-up below maxReplicas and a scale-down above minReplicas.
func (a *autoscaler) limitRate(now int64, current, desired int32) (int32, string) {
	switch {
	case desired > current:
		limit := a.scaleUpLimit(now, current)
		if limit < current {
			limit = current
		}
		allowed, reason := a.max, "TooManyReplicas"
		if allowed > limit {
			allowed, reason = limit, "ScaleUpLimit"
		}
		if desired > allowed {
			return allowed, reason
		}
	case desired < current:
		limit := a.scaleDownLimit(now, current)
		if limit > current {
			limit = current
		}
		allowed, reason := a.min, "TooFewReplicas"
		if allowed < limit {
			allowed, reason = limit, "ScaleDownLimit"
		}
		if desired < allowed {
			return allowed, reason
		}
	}
	return desired, "DesiredWithinRange"
}

// changeInPeriod is getReplicasChangePerPeriod: the replica changes of the
// events newer than period seconds.
func changeInPeriod(now int64, period int32, events []event) int32 {
	cutoff := now - int64(period)
	var sum int32
	for _, e := range events {
		if e.at > cutoff {
			sum += e.value
		}
	}
	return sum
}

// scaleUpLimit is calculateScaleUpLimitWithScalingRules.
func (a *autoscaler) scaleUpLimit(now int64, current int32) int32 {
	rules := a.up
	if rules.Select == Disabled {
		return current
	}
	result, pick := int32(math.MinInt32), func(x, y int32) int32 { return max(x, y) }
	if rules.Select == MinChange {
		result, pick = math.MaxInt32, func(x, y int32) int32 { return min(x, y) }
	}
	for _, p := range rules.Policies {
		start := current - changeInPeriod(now, p.PeriodSeconds, a.upEvents) + changeInPeriod(now, p.PeriodSeconds, a.downEvents)
		var proposed int32
		if p.Type == Pods {
			proposed = start + p.Value
		} else {
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		result = pick(result, proposed)
	}
	return result
}

// scaleDownLimit is calculateScaleDownLimitWithBehaviors.
func (a *autoscaler) scaleDownLimit(now int64, current int32) int32 {
	rules := a.down
	if rules.Select == Disabled {
		return current
	}
	result, pick := int32(math.MaxInt32), func(x, y int32) int32 { return min(x, y) }
	if rules.Select == MinChange {
		result, pick = math.MinInt32, func(x, y int32) int32 { return max(x, y) }
	}
	for _, p := range rules.Policies {
		start := current - changeInPeriod(now, p.PeriodSeconds, a.upEvents) + changeInPeriod(now, p.PeriodSeconds, a.downEvents)
		var proposed int32
		if p.Type == Pods {
			proposed = start - p.Value
		} else {
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		result = pick(result, proposed)
	}
	return result
}

// storeEvent is storeScaleEvent: events older than the direction's longest
// policy period are marked outdated and the last of them is reused.
func (a *autoscaler) storeEvent(now int64, previous, next int32) {
	events, rules, change := &a.upEvents, a.up, next-previous
	if next < previous {
		events, rules, change = &a.downEvents, a.down, previous-next
	}
	var longest int32
	for _, p := range rules.Policies {
		longest = max(longest, p.PeriodSeconds)
	}
	old := -1
	for i := range *events {
		if (*events)[i].at < now-int64(longest) {
			(*events)[i].outdated = true
		}
		if (*events)[i].outdated {
			old = i
		}
	}
	e := event{at: now, value: change}
	if old >= 0 {
		(*events)[old] = e
	} else {
		*events = append(*events, e)
	}
}
