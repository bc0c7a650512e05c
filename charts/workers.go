package charts

import (
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// WorkerReplicas is the worker Deployment's replica count:
// WorkersPerPlatform x WorkerAPI.MinReplicas (after defaults). The worker-api
// HPA only ever adds platforms, which lowers the workers-per-platform ratio,
// so the OpenCTI limit of 3 to 4 workers per platform holds under scaling.
// Workers have no HPA: scaling them needs a queue-depth metric (e.g. KEDA on
// RabbitMQ), and worker-api must then scale with them.
func WorkerReplicas(props *Props) int32 {
	r := props.withDefaults()
	return *r.WorkersPerPlatform * *r.WorkerAPI.MinReplicas
}

// NewIngestionChart creates the workers: the opencti-worker Deployment
// (OPENCTI_URL = the worker-api Service; OPENCTI_TOKEN from
// WorkerTokenSecretName, waited for by an init container, with Identities),
// its PodDisruptionBudget and its NetworkPolicy.
func NewIngestionChart(scope constructs.Construct, id string, props *Props) (cdk8s.Chart, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	return newIngestionChart(scope, id, props.withDefaults()), nil
}

func newIngestionChart(scope constructs.Construct, id string, p *Props) cdk8s.Chart {
	chart := newChart(scope, id, p)
	ns := *p.Namespace
	sel := selectorLabels(ComponentWorker, "")
	labels := objectLabels(p, ComponentWorker, "")
	platformURL := ServiceURL(WorkerAPIName, ns)

	env := []corev1.EnvVar{
		envValue("OPENCTI_URL", platformURL),
		workerTokenEnv(p),
		envValue("WORKER_LOG_LEVEL", *p.LogLevel),
		envValue("WORKER_TELEMETRY_ENABLED", "true"),
		envValue("WORKER_PROMETHEUS_TELEMETRY_PORT", strconv.Itoa(WorkerMetricsPort)),
		// The worker connects to RabbitMQ with pycti's create_mq_ssl_context
		// (opencti-worker/src/worker.py): verify the broker's certificate.
		envValue(envMQVerify, "true"),
	}
	env = withExtraEnv(env, p.Worker.ExtraEnv)

	container := corev1.Container{
		Name:  "worker",
		Image: image(p, "worker"),
		Ports: []corev1.ContainerPort{
			{Name: "metrics", ContainerPort: WorkerMetricsPort, Protocol: corev1.ProtocolTCP},
		},
		Env:       env,
		Resources: p.Worker.Resources.requirements(),
		// Workers have no HTTP health endpoint: with telemetry on, the
		// Prometheus listener on 14270 is the usable liveness signal.
		ReadinessProbe:  tcpProbe(WorkerMetricsPort, 10, 3),
		LivenessProbe:   tcpProbe(WorkerMetricsPort, 15, 4),
		StartupProbe:    tcpProbe(WorkerMetricsPort, 5, 24),
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    volumeMounts([]scratchVolume{tmpVolume}),
	}
	waitToken, tokenVolumes := tokenWait(p, workerTokenConsumer().secret)
	replicas := *p.WorkersPerPlatform * *p.WorkerAPI.MinReplicas
	object{
		apiVersion: "apps/v1", kind: "Deployment", name: WorkerName, namespace: ns, labels: labels,
		fields: map[string]any{"spec": appsv1.DeploymentSpec{
			Replicas:             &replicas,
			Selector:             &metav1.LabelSelector{MatchLabels: sel},
			Strategy:             rollingUpdate(1),
			RevisionHistoryLimit: ptr(int32(5)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: podSpec(p, *p.NodePools.Ingestion, *p.ServiceAccounts.Worker, sel, 60,
					append([]corev1.Container{waitForPlatform(p, platformURL, WorkerSecretName)}, waitToken...),
					[]corev1.Container{container}, []scratchVolume{tmpVolume}, tokenVolumes...),
			},
		}},
	}.add(chart, "WorkerDeployment")

	addPDB(chart, p, "WorkerPdb", WorkerName, labels, sel)
	addWorkerNetworkPolicy(chart, p)
	return chart
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
