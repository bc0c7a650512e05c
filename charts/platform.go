package charts

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// tier is one resolved platform tier.
type tier struct {
	id        string // construct ID prefix
	name      string
	component string
	props     TierProps
	pool      string
	managers  bool // background managers enabled
}

// platformTiers places ui and connector-api on the user-facing pool and
// worker-api on the ingestion pool, next to the workers it serves.
func platformTiers(p *Props) []tier {
	return []tier{
		{"Ui", UIName, ComponentUI, p.UI, *p.NodePools.UserFacing, false},
		{"ConnectorApi", ConnectorAPIName, ComponentConnectorAPI, p.ConnectorAPI, *p.NodePools.UserFacing, false},
		{"WorkerApi", WorkerAPIName, ComponentWorkerAPI, p.WorkerAPI, *p.NodePools.Ingestion, true},
	}
}

// Platform pod timings: the preStop sleep keeps a terminating pod serving
// while the load balancer controller deregisters it (ALB deregistration delay
// 30 s), then OpenCTI gets the rest of the grace period to shut down.
const (
	platformPreStopSeconds = 20
	platformGraceSeconds   = 90
)

// NewPlatformChart creates the three platform tiers (ui, connector-api,
// worker-api): per tier a Deployment (no replicas field: an HPA owns the
// count), a ClusterIP Service, a PodDisruptionBudget and the tier's
// NetworkPolicy; a CPU HorizontalPodAutoscaler for ui and connector-api; for
// worker-api, whose pods also run the workers, no autoscaler with
// QueueScaling (the Scaling chart's ScaledObject owns its HPA) and otherwise
// an HPA pinned at WorkerAPI.MinReplicas; the ExternalSecret
// of UISecretName when Auth has an identity provider, and the one of
// PlatformOperatorSecretName when a licence, an SMTP password or a secret
// registry is configured.
func NewPlatformChart(scope constructs.Construct, id string, props *Props) (cdk8s.Chart, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	return newPlatformChart(scope, id, props.withDefaults()), nil
}

func newPlatformChart(scope constructs.Construct, id string, p *Props) cdk8s.Chart {
	chart := newChart(scope, id, p)
	for _, t := range platformTiers(p) {
		addPlatformTier(chart, p, t)
	}
	// The identity providers' secrets reach the ui pods only; the operator's
	// secrets (licence, SMTP password, secret registry) every platform pod.
	for _, s := range append(uiSecretSpecs(p), operatorSecretSpecs(p)...) {
		addExternalSecret(chart, p, s)
	}
	addPlatformNetworkPolicies(chart, p)
	return chart
}

func newChart(scope constructs.Construct, id string, p *Props) cdk8s.Chart {
	chart := cdk8s.NewChart(scope, jsii.String(id), &cdk8s.ChartProps{
		Namespace:                 p.Namespace,
		DisableResourceNameHashes: jsii.Bool(true),
	})
	if p.built != nil {
		p.built.chart(chart, *p.Namespace)
	}
	return chart
}

// platformContainerName names the platform container of every tier (the
// native sidecar of the worker-api pods).
const platformContainerName = "opencti"

// platformContainer is the opencti/platform container of tier t.
func platformContainer(p *Props, t tier) corev1.Container {
	return corev1.Container{
		Name:  platformContainerName,
		Image: image(p, "platform"),
		Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: PlatformPort, Protocol: corev1.ProtocolTCP},
			{Name: "liveness", ContainerPort: PlatformLivenessPort, Protocol: corev1.ProtocolTCP},
			{Name: "metrics", ContainerPort: PlatformMetricsPort, Protocol: corev1.ProtocolTCP},
		},
		Env:             platformEnv(p, t),
		Resources:       t.props.Resources.requirements(),
		StartupProbe:    livenessProbe(PlatformStartupProbe),
		ReadinessProbe:  readinessProbe(),
		LivenessProbe:   livenessProbe(PlatformLivenessProbe),
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    volumeMounts(platformWrites),
	}
}

// tierPod is the pod of a ui or connector-api tier: the platform alone,
// with a preStop sleep for the load balancer's deregistration.
func tierPod(p *Props, t tier, sel map[string]string) corev1.PodSpec {
	container := platformContainer(p, t)
	container.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
		Sleep: &corev1.SleepAction{Seconds: platformPreStopSeconds},
	}}
	return podSpec(p, t.pool, *p.ServiceAccounts.Platform, sel, platformGraceSeconds,
		nil, []corev1.Container{container}, platformWrites)
}

func addPlatformTier(chart constructs.Construct, p *Props, t tier) {
	ns := *p.Namespace
	sel := selectorLabels(t.component, "")
	labels := objectLabels(p, t.component, "")

	pod := tierPod(p, t, sel)
	if t.component == ComponentWorkerAPI {
		pod = workerAPIPod(p, t, sel)
	}
	object{
		apiVersion: "apps/v1", kind: "Deployment", name: t.name, namespace: ns, labels: labels,
		fields: map[string]any{"spec": appsv1.DeploymentSpec{
			Selector:             &metav1.LabelSelector{MatchLabels: sel},
			Strategy:             rollingUpdate(0),
			RevisionHistoryLimit: ptr(int32(5)),
			// First initialization and migrations run before the platform
			// listens; no probe restarts a pod for that (see the probes
			// below), this only bounds when `kubectl rollout status` reports
			// the rollout as stuck.
			ProgressDeadlineSeconds: ptr(int32(PlatformProgressDeadlineSeconds)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       pod,
			},
		}},
	}.add(p, chart, t.id+"Deployment")

	object{
		apiVersion: "v1", kind: "Service", name: t.name, namespace: ns, labels: labels,
		fields: map[string]any{"spec": corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: sel,
			Ports: []corev1.ServicePort{
				{Name: "http", Port: ServicePort, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP},
				{Name: "metrics", Port: PlatformMetricsPort, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP},
			},
		}},
	}.add(p, chart, t.id+"Service")

	addPDB(chart, p, t.id+"Pdb", t.name, labels, sel)

	if t.component == ComponentWorkerAPI {
		// With QueueScaling, the ScaledObject of the Scaling chart owns this
		// tier's HPA; without it, a pinned HPA holds the minimum.
		if p.QueueScaling == nil {
			addPinnedHPA(chart, p, t, labels)
		}
		return
	}
	object{
		apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", name: t.name, namespace: ns, labels: labels,
		fields: map[string]any{"spec": autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: t.name},
			MinReplicas:    t.props.MinReplicas,
			MaxReplicas:    *t.props.MaxReplicas,
			Metrics:        cpuMetric(t),
			// A platform needs 1.5 to 2.5 minutes to start: scale up by one pod a
			// minute and down slowly, so a short burst does not churn pods.
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: ptr(int32(60)),
					Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}},
				},
				ScaleDown: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: ptr(int32(600)),
					Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 300}},
				},
			},
		}},
	}.add(p, chart, t.id+"Hpa")
}

// cpuMetric is a tier's average CPU utilization target.
func cpuMetric(t tier) []autoscalingv2.MetricSpec {
	return []autoscalingv2.MetricSpec{{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{
				Type:               autoscalingv2.UtilizationMetricType,
				AverageUtilization: t.props.TargetCPUUtilization,
			},
		},
	}}
}

// addPDB lets voluntary disruptions (node drains, upgrades) take one pod of
// a workload at a time; crash-looping pods never block a drain.
func addPDB(chart constructs.Construct, p *Props, id, name string, labels, sel map[string]string) {
	object{
		apiVersion: "policy/v1", kind: "PodDisruptionBudget", name: name, namespace: *p.Namespace, labels: labels,
		fields: map[string]any{"spec": policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             ptr(intstr.FromInt32(1)),
			Selector:                   &metav1.LabelSelector{MatchLabels: sel},
			UnhealthyPodEvictionPolicy: ptr(policyv1.AlwaysAllow),
		}},
	}.add(p, chart, id)
}

// Platform probe timings (see charts/README.md, "Probes and first boot").
var (
	// PlatformStartupProbe gives the Node.js process 3 minutes to load and
	// open its liveness port, which it does before initialization.
	PlatformStartupProbe = ProbeTiming{PeriodSeconds: 5, TimeoutSeconds: 3, FailureThreshold: 36}
	// PlatformLivenessProbe restarts a platform whose process has not
	// answered for 2 minutes (GC pauses and busy event loops stay well below;
	// OpenCTI issue 9713).
	PlatformLivenessProbe = ProbeTiming{PeriodSeconds: 20, TimeoutSeconds: 5, FailureThreshold: 6}
	// PlatformReadinessProbe asks /health every 30 s: each call opens one
	// new AMQP connection (rabbitMQIsAlive), so 2 per pod and minute.
	PlatformReadinessProbe = ProbeTiming{PeriodSeconds: 30, TimeoutSeconds: 20, FailureThreshold: 3}
)

// PlatformProgressDeadlineSeconds is the platform Deployments'
// progressDeadlineSeconds (1 hour).
const PlatformProgressDeadlineSeconds = 3600

// ProbeTiming is a probe's period, timeout and failure threshold.
type ProbeTiming struct {
	PeriodSeconds, TimeoutSeconds, FailureThreshold int32
}

// livenessProbe asks OpenCTI's liveness server: a local HTTP check of the
// platform process that answers before initialization and never touches
// OpenSearch, Redis, RabbitMQ or S3.
func livenessProbe(t ProbeTiming) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: PlatformLivenessPath, Port: intstr.FromString("liveness"), Scheme: corev1.URISchemeHTTP,
		}},
		PeriodSeconds:    t.PeriodSeconds,
		TimeoutSeconds:   t.TimeoutSeconds,
		FailureThreshold: t.FailureThreshold,
		SuccessThreshold: 1,
	}
}

// healthProbeScript GETs /health with the access key read from the
// container's own environment, so the key never appears in the pod spec, and
// exits 0 only on HTTP 200. /health waits up to 15 s per data service.
var healthProbeScript = fmt.Sprintf(`require('http').get('http://127.0.0.1:%d/health?health_access_key=' + encodeURIComponent(process.env.APP__HEALTH_ACCESS_KEY || ''), (r) => { r.resume(); process.exit(r.statusCode === 200 ? 0 : 1); }).on('error', () => process.exit(1)).setTimeout(18000, () => process.exit(1));`, PlatformPort)

// readinessProbe runs healthProbeScript with node: ready only while the
// platform and its four data services answer.
func readinessProbe() *corev1.Probe {
	t := PlatformReadinessProbe
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{
			Command: []string{"node", "-e", healthProbeScript},
		}},
		PeriodSeconds:    t.PeriodSeconds,
		TimeoutSeconds:   t.TimeoutSeconds,
		FailureThreshold: t.FailureThreshold,
		SuccessThreshold: 1,
	}
}
