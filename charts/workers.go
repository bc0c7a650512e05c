package charts

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// WorkerDeploymentName is the Deployment whose pods run the workers: the
// worker-api tier's. Each of its pods carries the platform (a native
// sidecar) and WorkersPerPlatform worker containers, so the workers scale,
// roll out and drain together with their platform. Anything that must
// restart the workers (a new worker token, say) rolls this Deployment.
const WorkerDeploymentName = WorkerAPIName

// WorkerContainerName is the name of the i-th (0-based) worker container of
// a worker-api pod: "worker-1", "worker-2", ...
func WorkerContainerName(i int) string { return fmt.Sprintf("worker-%d", i+1) }

// WorkerMetricsPortOf is the i-th worker's Prometheus port: the workers of a
// pod share its network namespace, so each listens on its own port,
// WorkerMetricsPort + i (14270, 14271, ...).
func WorkerMetricsPortOf(i int) int32 { return WorkerMetricsPort + int32(i) }

// LocalPlatformURL is OPENCTI_URL of every worker, and where the worker-api
// pods' wait-for-platform init container asks /health: the platform of the
// same pod, on the loopback interface (no Service and no NetworkPolicy in
// between; the IPv4 address, so no resolver decides between 127.0.0.1 and
// ::1).
var LocalPlatformURL = fmt.Sprintf("http://127.0.0.1:%d", PlatformPort)

// Workers returns the workers at the worker-api tier's two bounds after
// defaults: WorkersPerPlatform x WorkerAPI.MinReplicas and WorkersPerPlatform
// x WorkerAPI.MaxReplicas (with QueueScaling; without it the tier runs at its
// minimum, so max = min). The ratio holds at every count in between: each
// worker-api pod carries exactly WorkersPerPlatform workers.
func Workers(props *Props) (min, max int32) {
	r := props.withDefaults()
	k := *r.WorkersPerPlatform
	hi := *r.WorkerAPI.MinReplicas
	if r.QueueScaling != nil {
		hi = *r.WorkerAPI.MaxReplicas
	}
	return k * *r.WorkerAPI.MinReplicas, k * hi
}

// workerEnv is the environment of the i-th worker container, the one place
// it is built: the local platform, the workers' own token (workerTokenEnv:
// WorkerTokenSecretName with Identities, the admin token of WorkerSecretName
// without), telemetry on the worker's own port, broker certificate
// verification, then Worker.ExtraEnv.
func workerEnv(p *Props, i int) []corev1.EnvVar {
	env := []corev1.EnvVar{
		envValue("OPENCTI_URL", LocalPlatformURL),
		workerTokenEnv(p),
		envValue("WORKER_LOG_LEVEL", *p.LogLevel),
		// opencti-worker/src/worker.py (@ 14f0e350) reads
		// WORKER_TELEMETRY_ENABLED and WORKER_PROMETHEUS_TELEMETRY_PORT
		// (default 14270, on 0.0.0.0).
		envValue("WORKER_TELEMETRY_ENABLED", "true"),
		envValue("WORKER_PROMETHEUS_TELEMETRY_PORT", strconv.Itoa(int(WorkerMetricsPortOf(i)))),
		// The worker connects to RabbitMQ with pycti's create_mq_ssl_context
		// (opencti-worker/src/worker.py): verify the broker's certificate.
		envValue(envMQVerify, "true"),
	}
	return withExtraEnv(env, p.Worker.ExtraEnv)
}

// workerContainers are the WorkersPerPlatform worker containers of a
// worker-api pod. They start once the pod's platform answers /health (the
// init containers before them) and stop before it (native sidecar order).
func workerContainers(p *Props) []corev1.Container {
	n := int(*p.WorkersPerPlatform)
	out := make([]corev1.Container, n)
	for i := range n {
		port := WorkerMetricsPortOf(i)
		out[i] = corev1.Container{
			Name:  WorkerContainerName(i),
			Image: image(p, "worker"),
			Ports: []corev1.ContainerPort{
				{Name: fmt.Sprintf("w%d-metrics", i+1), ContainerPort: port, Protocol: corev1.ProtocolTCP},
			},
			Env:       workerEnv(p, i),
			Resources: p.Worker.Resources.requirements(),
			// Workers have no HTTP health endpoint: with telemetry on, the
			// Prometheus listener is the usable liveness signal.
			ReadinessProbe:  tcpProbe(port, 10, 3),
			LivenessProbe:   tcpProbe(port, 15, 4),
			StartupProbe:    tcpProbe(port, 5, 24),
			SecurityContext: containerSecurityContext(),
			VolumeMounts:    volumeMounts([]scratchVolume{workerTmpVolume}),
		}
	}
	return out
}

// workerTmpVolume is the workers' /tmp (pycti's temporary files), apart from
// the platform's.
var workerTmpVolume = scratchVolume{name: "worker-tmp", path: "/tmp"}

// workerMetricsPorts are the Prometheus ports of a worker-api pod's workers.
func workerMetricsPorts(p *Props) []int32 {
	out := make([]int32, *p.WorkersPerPlatform)
	for i := range out {
		out[i] = WorkerMetricsPortOf(i)
	}
	return out
}

func tcpProbe(port, period, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}},
		PeriodSeconds:    period,
		TimeoutSeconds:   5,
		FailureThreshold: failures,
		SuccessThreshold: 1,
	}
}
