package scalesim

import "fmt"

// TwoTargetStep is one sync of the rejected two-target layout.
type TwoTargetStep struct {
	Second   int64
	Messages int64
	// Platforms and ReadyPlatforms are the worker-api pods; Workers and
	// ReadyWorkers the worker pods.
	Platforms, ReadyPlatforms, Workers, ReadyWorkers int32
}

// PerPlatform is the number of consuming workers per ready platform (workers
// reach every ready worker-api pod through the Service); 0 without a ready
// platform.
func (s TwoTargetStep) PerPlatform() float64 {
	if s.ReadyPlatforms == 0 {
		return 0
	}
	return float64(s.ReadyWorkers) / float64(s.ReadyPlatforms)
}

// RunTwoTargets replays samples against the rejected alternative: the
// worker-api Deployment and a separate worker Deployment, each with its own
// ScaledObject on the same queue metric, with targets in the exact ratio
// (MessagesPerReplica and MessagesPerReplica / WorkersPerPlatform), bounds
// WorkersPerPlatform times the worker-api bounds, and the same behavior with
// Pods policies multiplied by WorkersPerPlatform. Worker pods are ready after
// workerStartSeconds, platforms after StartupSeconds.
func RunTwoTargets(cfg Config, samples []Sample, workerStartSeconds int32) ([]TwoTargetStep, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if workerStartSeconds < 0 {
		return nil, fmt.Errorf("workerStartSeconds: got %d, want at least 0", workerStartSeconds)
	}
	c := cfg.withDefaults()
	k := c.WorkersPerPlatform
	scaled := func(r Rules) Rules {
		out := r
		out.Policies = nil
		for _, p := range r.Policies {
			if p.Type == Pods {
				p.Value *= k
			}
			out.Policies = append(out.Policies, p)
		}
		return out
	}
	api := &autoscaler{min: c.MinReplicas, max: c.MaxReplicas, targetMilli: c.MessagesPerReplica * 1000,
		up: c.ScaleUp, down: c.ScaleDown, tolerance: c.Tolerance, fallback: c.Fallback}
	wrk := &autoscaler{min: k * c.MinReplicas, max: k * c.MaxReplicas, targetMilli: c.MessagesPerReplica * 1000 / int64(k),
		up: scaled(c.ScaleUp), down: scaled(c.ScaleDown), tolerance: c.Tolerance, fallback: c.Fallback}
	platforms := newDeployment(c.MinReplicas, int64(c.StartupSeconds))
	workers := newDeployment(k*c.MinReplicas, int64(workerStartSeconds))
	out := make([]TwoTargetStep, 0, len(samples))
	for i, s := range samples {
		now := int64(i) * int64(c.SyncPeriodSeconds)
		for _, pair := range []struct {
			a *autoscaler
			d *deployment
		}{{api, platforms}, {wrk, workers}} {
			res := pair.a.sync(syncInput{now: now, current: pair.d.replicas(), messages: s.Messages, failed: s.Err})
			pair.d.scaleTo(now, res.desired)
		}
		step := TwoTargetStep{Second: now, Messages: s.Messages,
			Platforms: platforms.replicas(), ReadyPlatforms: platforms.ready(now),
			Workers: workers.replicas(), ReadyWorkers: workers.ready(now)}
		out = append(out, step)
	}
	return out, nil
}
