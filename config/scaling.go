package config

import (
	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// IngestionScaling configures how the ingestion tier scales on the depth of
// the RabbitMQ queues its workers consume: KEDA (installed by the Cluster
// stack) adds and removes worker-api pods, each carrying its platform and
// opencti.workersPerPlatform workers, between opencti.workerApi.minReplicas
// and maxReplicas. The scaling settings are the charts' QueueScaling
// (charts/scaling.go); the docs/scaling.md simulation runs on these values.
type IngestionScaling struct {
	// Enabled renders the KEDA ScaledObject of the worker-api tier. false:
	// no KEDA object, the tier (and its workers) runs at
	// opencti.workerApi.minReplicas, e.g. for `make render` onto a cluster
	// without KEDA. Turning it off on a deployed cluster: delete the
	// ScaledObject first (kubectl -n opencti delete scaledobject
	// opencti-worker-api), see charts/README.md. Default: true.
	Enabled             bool `yaml:"enabled"`
	charts.QueueScaling `yaml:",inline"`
}

// defaultIngestionScaling is on in both profiles with the charts' defaults;
// dev, with at most 2 worker-api pods, adds one pod a minute and waits 5
// minutes before removing one.
func defaultIngestionScaling(env string) IngestionScaling {
	s := IngestionScaling{Enabled: true, QueueScaling: charts.DefaultQueueScaling()}
	if env != "prod" {
		s.ScaleUpPodsPerMinute = 1
		s.ScaleDownWindowSeconds = 300
	}
	return s
}

// validate applies the charts' QueueScaling rules with their YAML names and,
// when scaling is on, asks for room between the worker-api bounds.
func (s *IngestionScaling) validate(o *OpenCTI, p *Problems) {
	s.QueueScaling.Check(p, problems.YAMLNames("opencti.ingestionScaling."))
	if s.Enabled {
		charts.CheckQueueScalingBounds(p, charts.QueueScalingBounds{
			Min: o.WorkerAPI.MinReplicas, Max: o.WorkerAPI.MaxReplicas,
			MinField: "opencti.workerApi.minReplicas", MaxField: "opencti.workerApi.maxReplicas",
			ScalingField: "opencti.ingestionScaling.enabled",
		})
	}
}

// chartProps is the charts' QueueScaling; nil when scaling is off.
func (s IngestionScaling) chartProps() *charts.QueueScaling {
	if !s.Enabled {
		return nil
	}
	q := s.QueueScaling
	return &q
}
