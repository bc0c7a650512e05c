// Package scalesim replays, sync by sync, how KEDA and the Kubernetes
// HorizontalPodAutoscaler (autoscaling/v2, Kubernetes 1.34) would scale the
// OpenCTI ingestion tier on the depth of its RabbitMQ queues, so that the
// scaling configuration (bounds, messages per replica, windows, policies,
// fallback) can be tested without a cluster.
//
// The modelled objects are the ones docs/scaling.md specifies: one KEDA
// ScaledObject whose scale target is the worker-api Deployment, whose pods
// carry the platform (a native sidecar) and WorkersPerPlatform worker
// containers; a rabbitmq trigger in QueueLength mode summing messages_ready
// over the ^push_ queues (metric type AverageValue, target
// MessagesPerReplica); optionally a CPU trigger on the platform container;
// and the HPA behavior KEDA copies from
// spec.advanced.horizontalPodAutoscalerConfig.behavior.
//
// What is modelled, and where it was read:
//
//   - the external AverageValue proposal: ratio = messages / (target x
//     current); inside the tolerance (default 0.1) nothing changes, otherwise
//     ceil(messages / target) (kubernetes pkg/controller/podautoscaler
//     replica_calculator.go GetExternalPerPodMetricReplicas, Tolerances form of
//     1.33+);
//   - the CPU utilization proposal with not-yet-ready pods counted as 0 % on a
//     scale-up (GetResourceReplicas; Kubernetes docs "Algorithm details");
//   - several metrics: the largest proposal wins; a failed metric blocks any
//     scale-down and, when every metric failed, any scaling
//     (computeReplicasForMetrics);
//   - the stabilization windows (the lowest recommendation of the scale-up
//     window, the highest of the scale-down window, the current count in
//     between) and the scaling policies with their periods, both scale-up and
//     scale-down events counted (stabilizeRecommendationWithBehaviors,
//     convertDesiredReplicasWithBehaviorRate,
//     calculateScaleUpLimitWithScalingRules,
//     calculateScaleDownLimitWithBehaviors);
//   - minReplicaCount / maxReplicaCount as the HPA's bounds;
//   - KEDA's fallback (pkg/fallback/fallback.go, KEDA v2.20.2): after more
//     than FailureThreshold consecutive failed reads the metric becomes
//     target x replicas (static, currentReplicas, currentReplicasIfHigher,
//     currentReplicasIfLower);
//   - pods: a created pod's platform is ready and its workers consume after
//     StartupSeconds; a scale-down removes not-ready pods first, then the
//     newest ready ones (the ReplicaSet's deletion ranking); a terminating
//     pod's workers stop taking messages at once.
//
// What is not modelled: the kube-controller-manager keeps the recommendation
// and scale-event history in memory, so a control-plane restart forgets the
// windows; node provisioning time is folded into StartupSeconds; KEDA's
// activation threshold (it matters only for scaling to and from zero, which
// the ingestion tier never does).
//
// RunTwoTargets models the rejected alternative (a worker-api and a worker
// Deployment, each with its own autoscaler on the same metric) so that a test
// can show the workers-per-platform ratio breaking there.
package scalesim
