package scalesim

// ProposedProd is the scaling docs/scaling.md proposes for the prod profile:
// 2 to 6 worker-api pods with 3 workers each (6 to 18 workers), one pod per
// 10 000 waiting messages; a step up needs the backlog to hold for 60 s and
// adds at most 2 pods a minute; a step down waits for 10 minutes of lower
// recommendations and removes at most 1 pod every 5 minutes; when the
// management API cannot be read 4 times in a row, the count holds. Phase 2
// builds the Config from config.OpenCTI instead of this function.
func ProposedProd() Config {
	return Config{
		MinReplicas: 2, MaxReplicas: 6, WorkersPerPlatform: 3, MessagesPerReplica: 10000,
		ScaleUp:   Rules{StabilizationWindowSeconds: 60, Policies: []Policy{{Type: Pods, Value: 2, PeriodSeconds: 60}}},
		ScaleDown: Rules{StabilizationWindowSeconds: 600, Policies: []Policy{{Type: Pods, Value: 1, PeriodSeconds: 300}}},
		Fallback:  &Fallback{FailureThreshold: 3, Behavior: FallbackCurrentReplicas, Replicas: 2},
	}
}

// ProposedDev is the dev profile's proposal: 1 to 2 worker-api pods (3 to 6
// workers), one pod per 10 000 waiting messages, at most one pod a minute up,
// one every 5 minutes down after a 5-minute window.
func ProposedDev() Config {
	return Config{
		MinReplicas: 1, MaxReplicas: 2, WorkersPerPlatform: 3, MessagesPerReplica: 10000,
		ScaleUp:   Rules{StabilizationWindowSeconds: 60, Policies: []Policy{{Type: Pods, Value: 1, PeriodSeconds: 60}}},
		ScaleDown: Rules{StabilizationWindowSeconds: 300, Policies: []Policy{{Type: Pods, Value: 1, PeriodSeconds: 300}}},
		Fallback:  &Fallback{FailureThreshold: 3, Behavior: FallbackCurrentReplicas, Replicas: 1},
	}
}
