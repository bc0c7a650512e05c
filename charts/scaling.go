package charts

import (
	"errors"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// QueueScaling scales the ingestion tier on the depth of the RabbitMQ queues
// its workers consume: one KEDA ScaledObject whose scale target is the
// worker-api Deployment, whose pods each carry a platform and
// WorkersPerPlatform workers, so platforms and workers scale together in the
// exact ratio (docs/scaling.md). The configuration's opencti.ingestionScaling
// section reuses this type. Every field is set: start from
// DefaultQueueScaling() and change what differs.
type QueueScaling struct {
	// MessagesPerReplica is the waiting messages (messages_ready summed over
	// the push_ queues the workers consume) one worker-api pod and its workers
	// are sized for: KEDA's rabbitmq trigger value, so the tier runs
	// ceil(waiting / MessagesPerReplica) pods within the replica bounds.
	// 100 to 10,000,000. Default: 10000 (about 10 minutes of work for 3
	// workers at 5 messages a second each).
	MessagesPerReplica int `yaml:"messagesPerReplica"`
	// ScaleUpWindowSeconds is how long the queue must ask for more pods
	// before a pod is added (the HPA takes the lowest recommendation of the
	// window), so a spike the running workers absorb adds nothing. 0 to 3600.
	// Default: 60.
	ScaleUpWindowSeconds int `yaml:"scaleUpWindowSeconds"`
	// ScaleUpPodsPerMinute is the most worker-api pods (each with its
	// workers) added in one minute, so platforms do not all start against
	// OpenSearch at once. 1 to 10. Default: 2.
	ScaleUpPodsPerMinute int `yaml:"scaleUpPodsPerMinute"`
	// ScaleDownWindowSeconds is how long the queue must ask for fewer pods
	// before one is removed (the HPA takes the highest recommendation of the
	// window). A platform takes 1.5 to 2.5 minutes to start, so at least two
	// starts: 300 to 3600. Default: 600.
	ScaleDownWindowSeconds int `yaml:"scaleDownWindowSeconds"`
	// ScaleDownIntervalSeconds removes at most one worker-api pod (and its
	// workers) per interval. 60 to 1800. Default: 300.
	ScaleDownIntervalSeconds int `yaml:"scaleDownIntervalSeconds"`
	// CPUTargetPercent adds a second trigger on the platform container's
	// average CPU utilization, in percent of its request: the tier then runs
	// the larger of the two counts. 0 turns it off; otherwise 50 to 95. Off by
	// default: the platform runs as a native sidecar, and an HPA controller
	// that does not count restartable init containers cannot compute it
	// (docs/scaling.md). Default: 0.
	CPUTargetPercent int `yaml:"cpuTargetPercent"`
	// FallbackFailureThreshold is how many reads of the broker's management
	// API in a row may fail before KEDA reports the current count instead of
	// an error (ScaledObject fallback, behavior currentReplicas): while the
	// queue cannot be read, the tier neither grows nor shrinks. 1 to 20.
	// Default: 3.
	FallbackFailureThreshold int `yaml:"fallbackFailureThreshold"`
	// Authentication names the KEDA object that gives the trigger the broker's
	// management API credentials. Not configurable in the configuration file:
	// the Cluster stack creates it. Default (empty name):
	// ClusterTriggerAuthentication "opencti-rabbitmq".
	Authentication TriggerAuthenticationRef `yaml:"-"`
}

// TriggerAuthenticationRef names a KEDA TriggerAuthentication (in the
// OpenCTI namespace) or ClusterTriggerAuthentication.
type TriggerAuthenticationRef struct {
	// Name of the object. Default: DefaultQueueScalerAuthenticationName.
	Name string `json:"name"`
	// Kind is "ClusterTriggerAuthentication" or "TriggerAuthentication".
	// Default: "ClusterTriggerAuthentication".
	Kind string `json:"kind"`
}

// Defaults of QueueScaling (the prod profile's values) and of the KEDA
// objects it renders.
const (
	DefaultMessagesPerReplica       = 10000
	DefaultScaleUpWindowSeconds     = 60
	DefaultScaleUpPodsPerMinute     = 2
	DefaultScaleDownWindowSeconds   = 600
	DefaultScaleDownIntervalSeconds = 300
	DefaultFallbackFailureThreshold = 3
	// DefaultQueueScalerAuthenticationName is the ClusterTriggerAuthentication
	// constructs/cluster creates in KEDA's namespace (keys username and
	// password from the broker user's Secrets Manager secret).
	DefaultQueueScalerAuthenticationName = "opencti-rabbitmq"
	// ClusterTriggerAuthenticationKind and TriggerAuthenticationKind are the
	// two kinds a TriggerAuthenticationRef may name.
	ClusterTriggerAuthenticationKind = "ClusterTriggerAuthentication"
	TriggerAuthenticationKind        = "TriggerAuthentication"
)

// DefaultQueueScaling is QueueScaling with every default: one worker-api pod
// per 10 000 waiting messages, up after 60 s by at most 2 pods a minute, down
// after 10 minutes by one pod every 5 minutes, no CPU trigger, the count held
// after 3 failed reads.
func DefaultQueueScaling() QueueScaling {
	return QueueScaling{
		MessagesPerReplica:       DefaultMessagesPerReplica,
		ScaleUpWindowSeconds:     DefaultScaleUpWindowSeconds,
		ScaleUpPodsPerMinute:     DefaultScaleUpPodsPerMinute,
		ScaleDownWindowSeconds:   DefaultScaleDownWindowSeconds,
		ScaleDownIntervalSeconds: DefaultScaleDownIntervalSeconds,
		FallbackFailureThreshold: DefaultFallbackFailureThreshold,
	}
}

func (q QueueScaling) withDefaults() QueueScaling {
	if q.Authentication.Name == "" {
		q.Authentication.Name = DefaultQueueScalerAuthenticationName
	}
	if q.Authentication.Kind == "" {
		q.Authentication.Kind = ClusterTriggerAuthenticationKind
	}
	return q
}

// The rabbitmq trigger (KEDA 2.20.2 pkg/scalers/rabbitmq_scaler.go, read at
// tag v2.20.2; docs/scaling.md section 4).
const (
	// PushQueuePattern selects every queue the workers consume: OpenCTI
	// declares push_<id> for each connector, feed, synchronizer, playbook,
	// PIR and background-task queue (database/rabbitmq.js). RabbitMQ
	// matches the regular expression anywhere in the name, hence the anchor.
	PushQueuePattern = "^push_"
	// QueueScalerPageSize is how many matching queues one management API
	// page holds (RabbitMQ's maximum); KEDA fails a regex that matches more.
	QueueScalerPageSize = 500
	// QueueScalerTimeoutMillis bounds one management API request.
	QueueScalerTimeoutMillis = 10000
	// QueueScalerPollingSeconds is KEDA's own polling interval; between 1
	// and the maximum the HPA asks for the metric every 15 s.
	QueueScalerPollingSeconds = 30
	// PushQueueTriggerName and CPUTriggerName name the two triggers.
	PushQueueTriggerName = "push-queues"
	CPUTriggerName       = "platform-cpu"
)

// ScaledObjectName names the worker-api ScaledObject; KEDA's HPA carries the
// tier's name too (WorkerAPIName).
const ScaledObjectName = WorkerAPIName

// KEDA keda.sh/v1alpha1 ScaledObject spec, the fields this package sets
// (KEDA 2.20.2 apis/keda/v1alpha1/scaledobject_types.go).
type scaledObjectSpec struct {
	ScaleTargetRef  scaleTarget      `json:"scaleTargetRef"`
	PollingInterval int32            `json:"pollingInterval"`
	MinReplicaCount int32            `json:"minReplicaCount"`
	MaxReplicaCount int32            `json:"maxReplicaCount"`
	Advanced        scalingAdvanced  `json:"advanced"`
	Triggers        []scalingTrigger `json:"triggers"`
	Fallback        scalingFallback  `json:"fallback"`
}

type scaleTarget struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

type scalingAdvanced struct {
	RestoreToOriginalReplicaCount bool             `json:"restoreToOriginalReplicaCount"`
	HorizontalPodAutoscalerConfig scalingHPAConfig `json:"horizontalPodAutoscalerConfig"`
}

type scalingHPAConfig struct {
	Name     string                                        `json:"name"`
	Behavior autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior"`
}

type scalingTrigger struct {
	Type              string                    `json:"type"`
	Name              string                    `json:"name"`
	MetricType        string                    `json:"metricType,omitempty"`
	Metadata          map[string]string         `json:"metadata"`
	AuthenticationRef *TriggerAuthenticationRef `json:"authenticationRef,omitempty"`
}

type scalingFallback struct {
	FailureThreshold int32  `json:"failureThreshold"`
	Replicas         int32  `json:"replicas"`
	Behavior         string `json:"behavior"`
}

// hpaOwnershipTransferAnnotation lets the ScaledObject take over an existing
// HPA of the same name (KEDA 2.20.2 ScaledObjectTransferHpaOwnershipAnnotation):
// an upgrade from a release that scaled worker-api with its own HPA, or a
// switch from the pinned HPA (QueueScaling off), keeps one HPA throughout;
// KEDA's admission webhook otherwise refuses a ScaledObject whose Deployment
// another HPA already scales, and kubectl apply's prune never deletes HPAs.
const hpaOwnershipTransferAnnotation = "scaledobject.keda.sh/transfer-hpa-ownership"

// NewScalingChart creates the worker-api ScaledObject (KEDA keda.sh/v1alpha1)
// of props.QueueScaling. It needs KEDA's CRDs in the cluster; props without
// QueueScaling are an error.
func NewScalingChart(scope constructs.Construct, id string, props *Props) (cdk8s.Chart, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	p := props.withDefaults()
	if p.QueueScaling == nil {
		return nil, errNoQueueScaling
	}
	return newScalingChart(scope, id, p), nil
}

// errNoQueueScaling is NewScalingChart's error for props without
// QueueScaling.
var errNoQueueScaling = errors.New("QueueScaling: got nil, want the queue-depth scaling of the worker-api tier (DefaultQueueScaling())")

func newScalingChart(scope constructs.Construct, id string, p *Props) cdk8s.Chart {
	chart := newChart(scope, id, p)
	addScaledObject(chart, p)
	return chart
}

// addScaledObject renders the ScaledObject: the rabbitmq trigger on the
// summed ready messages of the push queues (and the CPU trigger when set),
// WorkerAPI's bounds, the scale-up and scale-down behavior, the fallback that
// holds the count while the broker cannot be read.
func addScaledObject(chart constructs.Construct, p *Props) {
	q := *p.QueueScaling
	e := p.Endpoints
	triggers := []scalingTrigger{{
		Type: "rabbitmq",
		Name: PushQueueTriggerName,
		Metadata: map[string]string{
			"protocol": "http",
			// Amazon MQ serves the management API over TLS on the broker's
			// name; the trailing "/" keeps the vhost out of the path (it is
			// vhostName). Credentials come from the authentication.
			"host":                  "https://" + *e.RabbitMQManagementHostname + ":" + strconv.Itoa(int(*e.RabbitMQManagementPort)) + "/",
			"vhostName":             *e.RabbitMQVHost,
			"mode":                  "QueueLength",
			"value":                 strconv.Itoa(q.MessagesPerReplica),
			"queueName":             PushQueuePattern,
			"useRegex":              "true",
			"operation":             "sum",
			"excludeUnacknowledged": "true",
			"pageSize":              strconv.Itoa(QueueScalerPageSize),
			"timeout":               strconv.Itoa(QueueScalerTimeoutMillis),
		},
		AuthenticationRef: &q.Authentication,
	}}
	if q.CPUTargetPercent > 0 {
		triggers = append(triggers, scalingTrigger{
			Type: "cpu", Name: CPUTriggerName, MetricType: "Utilization",
			Metadata: map[string]string{"value": strconv.Itoa(q.CPUTargetPercent), "containerName": platformContainerName},
		})
	}
	min, max := *p.WorkerAPI.MinReplicas, *p.WorkerAPI.MaxReplicas
	object{
		apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", name: ScaledObjectName, namespace: *p.Namespace,
		labels:      objectLabels(p, ComponentWorkerAPI, ""),
		annotations: map[string]string{hpaOwnershipTransferAnnotation: "true"},
		fields: map[string]any{"spec": scaledObjectSpec{
			ScaleTargetRef:  scaleTarget{APIVersion: "apps/v1", Kind: "Deployment", Name: WorkerAPIName},
			PollingInterval: QueueScalerPollingSeconds,
			MinReplicaCount: min,
			MaxReplicaCount: max,
			Advanced: scalingAdvanced{
				// Deleting the ScaledObject leaves the count where it is.
				RestoreToOriginalReplicaCount: false,
				HorizontalPodAutoscalerConfig: scalingHPAConfig{Name: WorkerAPIName, Behavior: queueScalingBehavior(q)},
			},
			Triggers: triggers,
			// Replicas is required by KEDA; currentReplicas ignores it.
			Fallback: scalingFallback{FailureThreshold: int32(q.FallbackFailureThreshold), Replicas: min, Behavior: "currentReplicas"},
		}},
	}.add(p, chart, "WorkerApiScaledObject")
}

// queueScalingBehavior is the HPA behavior KEDA copies into its HPA: a
// scale-up window and at most ScaleUpPodsPerMinute pods a minute; a
// scale-down window and one pod per ScaleDownIntervalSeconds.
func queueScalingBehavior(q QueueScaling) autoscalingv2.HorizontalPodAutoscalerBehavior {
	selectMax := autoscalingv2.MaxChangePolicySelect
	return autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleUp: &autoscalingv2.HPAScalingRules{
			StabilizationWindowSeconds: ptr(int32(q.ScaleUpWindowSeconds)),
			SelectPolicy:               &selectMax,
			Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: int32(q.ScaleUpPodsPerMinute), PeriodSeconds: 60}},
		},
		ScaleDown: &autoscalingv2.HPAScalingRules{
			StabilizationWindowSeconds: ptr(int32(q.ScaleDownWindowSeconds)),
			SelectPolicy:               &selectMax,
			Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: int32(q.ScaleDownIntervalSeconds)}},
		},
	}
}
