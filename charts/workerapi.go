package charts

import (
	"github.com/aws/constructs-go/constructs/v10"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// WorkerAPIGraceSeconds is terminationGracePeriodSeconds of the worker-api
// pods: up to 2 minutes for the workers to finish (and acknowledge) the
// message in hand once SIGTERM asked them to stop, then the platform's own
// shutdown. A message cut off by the grace period stays unacknowledged and
// RabbitMQ redelivers it: nothing is lost (docs/scaling.md, section 2).
const WorkerAPIGraceSeconds = 180

// WorkerAPIPodRolloutSeconds is what one worker-api pod adds to a rollout of
// the tier (maxSurge 1, maxUnavailable 0: one pod at a time, each replaced
// only once its successor is available): its platform starts in 1.5 to 2.5
// minutes, then its workers, and the surge pod may first wait for room on
// the ingestion pool while the pod it replaces stops (up to
// WorkerAPIGraceSeconds). A new worker token rolls the tier, so the
// identities Job's RolloutTimeoutSeconds should allow this per pod at the
// tier's maximum.
const WorkerAPIPodRolloutSeconds = 300

// workerAPIPod is the pod of the ingestion tier: the platform as a native
// sidecar (an init container with restartPolicy Always: started first, its
// startup probe passed before the next container starts, stopped only after
// every worker has exited), then wait-for-platform, which holds the workers
// back until the platform answers /health with all its data services, then,
// with Identities, wait-for-token, which holds them back until the
// identities Job has written the workers' token into WorkerTokenSecretName
// (on a first deploy the Job runs after this chart is applied; the platform
// of the pod is up meanwhile), then the WorkersPerPlatform worker
// containers. One pod is one platform with its workers: they scale, roll out
// and drain together.
func workerAPIPod(p *Props, t tier, sel map[string]string) corev1.PodSpec {
	platform := platformContainer(p, t)
	always := corev1.ContainerRestartPolicyAlways
	platform.RestartPolicy = &always
	// No preStop sleep: no load balancer sends to worker-api, and the
	// kubelet stops the platform only after its workers have exited.
	wait := waitForPlatform(p, LocalPlatformURL, WorkerSecretName)
	waitToken, tokenVolumes := tokenWait(p, workerTokenConsumer().secret)
	vols := append(append([]scratchVolume{}, platformWrites...), workerTmpVolume)
	return podSpec(p, t.pool, *p.ServiceAccounts.Platform, sel, WorkerAPIGraceSeconds,
		append([]corev1.Container{platform, wait}, waitToken...), workerContainers(p), vols, tokenVolumes...)
}

// addPinnedHPA holds the worker-api tier at WorkerAPI.MinReplicas when
// QueueScaling is off: without a queue metric the workers cannot follow the
// backlog, so neither do their platforms. It is an HPA (minReplicas =
// maxReplicas), not a replicas field, so that switching QueueScaling on
// hands it to KEDA (ownership transfer, same name) and switching it off
// never resets the Deployment to one pod.
func addPinnedHPA(chart constructs.Construct, p *Props, t tier, labels map[string]string) {
	object{
		apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", name: t.name, namespace: *p.Namespace, labels: labels,
		fields: map[string]any{"spec": autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: t.name},
			MinReplicas:    t.props.MinReplicas,
			MaxReplicas:    *t.props.MinReplicas,
			// With minReplicas = maxReplicas the metric never moves the count;
			// it is the tier's CPU target so the HPA reads like the others.
			Metrics: cpuMetric(t),
		}},
	}.add(p, chart, t.id+"Hpa")
}
