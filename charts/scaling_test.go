package charts_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/opencti-ha/opencti-ha/charts"
)

// kedaScaledObject mirrors KEDA 2.20.2's keda.sh/v1alpha1 ScaledObject
// (apis/keda/v1alpha1/scaledobject_types.go, scaletriggers_types.go at tag
// v2.20.2): every field and JSON name of the spec, so strict decoding
// rejects a misspelled or unknown field the API server would prune.
type kedaScaledObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		ScaleTargetRef *struct {
			Name                   string `json:"name"`
			APIVersion             string `json:"apiVersion,omitempty"`
			Kind                   string `json:"kind,omitempty"`
			EnvSourceContainerName string `json:"envSourceContainerName,omitempty"`
		} `json:"scaleTargetRef"`
		PollingInterval       *int32 `json:"pollingInterval,omitempty"`
		InitialCooldownPeriod *int32 `json:"initialCooldownPeriod,omitempty"`
		CooldownPeriod        *int32 `json:"cooldownPeriod,omitempty"`
		IdleReplicaCount      *int32 `json:"idleReplicaCount,omitempty"`
		MinReplicaCount       *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount       *int32 `json:"maxReplicaCount,omitempty"`
		Advanced              *struct {
			HorizontalPodAutoscalerConfig *struct {
				Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
				Name     string                                         `json:"name,omitempty"`
			} `json:"horizontalPodAutoscalerConfig,omitempty"`
			RestoreToOriginalReplicaCount bool `json:"restoreToOriginalReplicaCount,omitempty"`
			ScalingModifiers              *struct {
				Formula          string `json:"formula,omitempty"`
				Target           string `json:"target,omitempty"`
				ActivationTarget string `json:"activationTarget,omitempty"`
				MetricType       string `json:"metricType,omitempty"`
			} `json:"scalingModifiers,omitempty"`
		} `json:"advanced,omitempty"`
		Triggers []struct {
			Type              string            `json:"type"`
			Name              string            `json:"name,omitempty"`
			UseCachedMetrics  bool              `json:"useCachedMetrics,omitempty"`
			Metadata          map[string]string `json:"metadata"`
			AuthenticationRef *struct {
				Name string `json:"name"`
				Kind string `json:"kind,omitempty"`
			} `json:"authenticationRef,omitempty"`
			MetricType string `json:"metricType,omitempty"`
		} `json:"triggers"`
		Fallback *struct {
			FailureThreshold int32  `json:"failureThreshold"`
			Replicas         int32  `json:"replicas"`
			Behavior         string `json:"behavior,omitempty"`
		} `json:"fallback,omitempty"`
	} `json:"spec"`
}

func (s synthesized) scaledObject(t *testing.T) kedaScaledObject {
	t.Helper()
	var so kedaScaledObject
	decode(t, s.one(t, "ScaledObject", charts.ScaledObjectName), &so)
	return so
}

// TestScaledObjectScalesWorkerAPIOnThePushQueues: one ScaledObject, in its
// own chart after the platform, on the worker-api Deployment, bounds from
// the props, the rabbitmq trigger on the summed ready messages of every push
// queue, read over TLS with the credentials of a (Cluster)TriggerAuthentication.
func TestScaledObjectScalesWorkerAPIOnThePushQueues(t *testing.T) {
	d := scaling.one(t, "ScaledObject", charts.ScaledObjectName)
	if d.Chart != charts.ScalingChartID || d.Obj["apiVersion"] != "keda.sh/v1alpha1" {
		t.Errorf("ScaledObject in chart %s, %v; want %s, keda.sh/v1alpha1", d.Chart, d.Obj["apiVersion"], charts.ScalingChartID)
	}
	so := scaling.scaledObject(t)
	spec := so.Spec
	if so.Metadata.Namespace != ns || spec.ScaleTargetRef.Kind != "Deployment" || spec.ScaleTargetRef.APIVersion != "apps/v1" ||
		spec.ScaleTargetRef.Name != charts.WorkerAPIName {
		t.Errorf("scale target %+v in %s, want Deployment %s", spec.ScaleTargetRef, so.Metadata.Namespace, charts.WorkerAPIName)
	}
	if *spec.MinReplicaCount != 2 || *spec.MaxReplicaCount != 6 || *spec.PollingInterval != 30 {
		t.Errorf("bounds %d..%d, polling %d; want 2..6 (WorkerAPI), 30 s", *spec.MinReplicaCount, *spec.MaxReplicaCount, *spec.PollingInterval)
	}
	if len(spec.Triggers) != 1 {
		t.Fatalf("%d triggers, want the push queues only (no CPU trigger by default)", len(spec.Triggers))
	}
	tr := spec.Triggers[0]
	want := map[string]string{
		"protocol": "http", "host": "https://b-1234-mgmt.mq.eu-west-1.on.aws:443/", "vhostName": "/",
		"mode": "QueueLength", "value": "10000", "queueName": "^push_", "useRegex": "true", "operation": "sum",
		"excludeUnacknowledged": "true", "pageSize": "500", "timeout": "10000",
	}
	if tr.Type != "rabbitmq" || tr.Name != "push-queues" || !reflect.DeepEqual(tr.Metadata, want) || tr.MetricType != "" {
		t.Errorf("trigger %s %s %s %v,\nwant rabbitmq push-queues (AverageValue) %v", tr.Type, tr.Name, tr.MetricType, tr.Metadata, want)
	}
	if ref := tr.AuthenticationRef; ref == nil || ref.Name != "opencti-rabbitmq" || ref.Kind != "ClusterTriggerAuthentication" {
		t.Errorf("authenticationRef %+v, want ClusterTriggerAuthentication opencti-rabbitmq", ref)
	}
	if f := spec.Fallback; f == nil || f.FailureThreshold != 3 || f.Behavior != "currentReplicas" || f.Replicas != 2 {
		t.Errorf("fallback %+v, want 3 failures, currentReplicas (replicas = the minimum)", f)
	}
	adv := spec.Advanced
	if adv == nil || adv.RestoreToOriginalReplicaCount || adv.HorizontalPodAutoscalerConfig == nil ||
		adv.HorizontalPodAutoscalerConfig.Name != charts.WorkerAPIName ||
		so.Metadata.Annotations["scaledobject.keda.sh/transfer-hpa-ownership"] != "true" {
		t.Fatalf("advanced %+v, annotations %v: want KEDA's HPA named %s, taking over an existing one", adv, so.Metadata.Annotations, charts.WorkerAPIName)
	}
	b := adv.HorizontalPodAutoscalerConfig.Behavior
	up, down := b.ScaleUp, b.ScaleDown
	if *up.StabilizationWindowSeconds != 60 || *up.SelectPolicy != autoscalingv2.MaxChangePolicySelect ||
		!reflect.DeepEqual(up.Policies, []autoscalingv2.HPAScalingPolicy{{Type: "Pods", Value: 2, PeriodSeconds: 60}}) {
		t.Errorf("scale-up %+v, want a 60 s window and at most 2 pods per 60 s", up)
	}
	if *down.StabilizationWindowSeconds != 600 || *down.SelectPolicy != autoscalingv2.MaxChangePolicySelect ||
		!reflect.DeepEqual(down.Policies, []autoscalingv2.HPAScalingPolicy{{Type: "Pods", Value: 1, PeriodSeconds: 300}}) {
		t.Errorf("scale-down %+v, want a 600 s window and 1 pod per 300 s", down)
	}
}

// TestRatioAtMinimumAndMaximum: the ScaledObject's target runs
// WorkersPerPlatform workers in every pod, so its bounds are 6 and 18
// workers, 3 per platform at both ends and at every count between.
func TestRatioAtMinimumAndMaximum(t *testing.T) {
	so := scaling.scaledObject(t)
	dep := scaling.deployment(t, so.Spec.ScaleTargetRef.Name)
	perPod := int32(len(workersOf(dep.Spec.Template.Spec)))
	platforms := int32(0)
	for _, c := range dep.Spec.Template.Spec.InitContainers {
		if c.Image == "opencti/platform:7.260817.0" && c.RestartPolicy != nil {
			platforms++
		}
	}
	if platforms != 1 {
		t.Fatalf("%d platform sidecars per pod, want 1", platforms)
	}
	lo, hi := *so.Spec.MinReplicaCount*perPod, *so.Spec.MaxReplicaCount*perPod
	if lo != 6 || hi != 18 {
		t.Errorf("workers at min and max: %d and %d, want 6 and 18", lo, hi)
	}
	if wlo, whi := charts.Workers(scalingProps()); wlo != lo || whi != hi {
		t.Errorf("charts.Workers = %d..%d, the manifests %d..%d", wlo, whi, lo, hi)
	}
	for n := *so.Spec.MinReplicaCount; n <= *so.Spec.MaxReplicaCount; n++ {
		if w := n * perPod; w != 3*n || w > 4*n {
			t.Errorf("%d pods: %d workers, want 3 per platform (at most 4)", n, w)
		}
	}
}

// TestOneAutoscalerPerTier: with queue scaling the ScaledObject owns
// worker-api's HPA (no HPA of the charts' own for it); ui and connector-api
// keep their CPU HPAs. Without, worker-api gets an HPA pinned at its minimum
// and no KEDA object exists.
func TestOneAutoscalerPerTier(t *testing.T) {
	if len(scaling.find("HorizontalPodAutoscaler", charts.WorkerAPIName)) != 0 {
		t.Error("worker-api has an HPA of the charts beside its ScaledObject")
	}
	for _, s := range []synthesized{scaling, defaults} {
		for _, name := range []string{charts.UIName, charts.ConnectorAPIName} {
			var hpa autoscalingv2.HorizontalPodAutoscaler
			decode(t, s.one(t, "HorizontalPodAutoscaler", name), &hpa)
			if hpa.Spec.Metrics[0].Resource.Name != "cpu" || *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 4 {
				t.Errorf("%s HPA %+v, want CPU 2..4", name, hpa.Spec)
			}
		}
	}
	if len(defaults.find("ScaledObject", "")) != 0 || defaults.charts.Scaling != nil {
		t.Error("a ScaledObject or Scaling chart without QueueScaling")
	}
	var pinned autoscalingv2.HorizontalPodAutoscaler
	decode(t, defaults.one(t, "HorizontalPodAutoscaler", charts.WorkerAPIName), &pinned)
	if *pinned.Spec.MinReplicas != 2 || pinned.Spec.MaxReplicas != 2 || pinned.Spec.ScaleTargetRef.Name != charts.WorkerAPIName {
		t.Errorf("worker-api without QueueScaling: HPA %+v, want pinned at 2..2", pinned.Spec)
	}
	for _, s := range []synthesized{scaling, defaults} {
		if _, has := s.one(t, "Deployment", charts.WorkerAPIName).Obj["spec"].(map[string]any)["replicas"]; has {
			t.Error("the worker-api Deployment sets replicas: an apply would fight its autoscaler")
		}
	}
}

// TestNoCredentialInAnyManifest: the trigger authenticates by reference
// only; no manifest names the broker user or carries a password or a URL
// with user information.
func TestNoCredentialInAnyManifest(t *testing.T) {
	raw := string(scaling.one(t, "ScaledObject", charts.ScaledObjectName).Raw)
	for _, bad := range []string{"username", "password", "FromEnv", "secret", "@"} {
		if strings.Contains(strings.ToLower(raw), strings.ToLower(bad)) {
			t.Errorf("the ScaledObject contains %q: %s", bad, raw)
		}
	}
	for _, d := range scaling.docs {
		if strings.Contains(string(d.Raw), "://") && strings.Contains(string(d.Raw), "@b-1234") {
			t.Errorf("%s %s carries a URL with user information", d.Kind, d.Name)
		}
	}
}

func TestCPUTriggerAndAuthenticationFromProps(t *testing.T) {
	p := scalingProps()
	p.QueueScaling.CPUTargetPercent = 80
	p.QueueScaling.MessagesPerReplica = 2500
	p.QueueScaling.Authentication = charts.TriggerAuthenticationRef{Name: "broker-credentials", Kind: "TriggerAuthentication"}
	p.WorkerAPI.MinReplicas, p.WorkerAPI.MaxReplicas = new(int32(3)), new(int32(9))
	s, err := synth(p)
	if err != nil {
		t.Fatal(err)
	}
	so := s.scaledObject(t)
	if *so.Spec.MinReplicaCount != 3 || *so.Spec.MaxReplicaCount != 9 || so.Spec.Fallback.Replicas != 3 {
		t.Errorf("bounds %d..%d, fallback replicas %d; want 3..9, 3", *so.Spec.MinReplicaCount, *so.Spec.MaxReplicaCount, so.Spec.Fallback.Replicas)
	}
	if len(so.Spec.Triggers) != 2 {
		t.Fatalf("%d triggers, want push queues and CPU", len(so.Spec.Triggers))
	}
	q, cpu := so.Spec.Triggers[0], so.Spec.Triggers[1]
	if q.Metadata["value"] != "2500" || q.AuthenticationRef.Name != "broker-credentials" || q.AuthenticationRef.Kind != "TriggerAuthentication" {
		t.Errorf("queue trigger value %s, auth %+v", q.Metadata["value"], q.AuthenticationRef)
	}
	if cpu.Type != "cpu" || cpu.MetricType != "Utilization" || !reflect.DeepEqual(cpu.Metadata, map[string]string{"value": "80", "containerName": "opencti"}) ||
		cpu.AuthenticationRef != nil {
		t.Errorf("CPU trigger %+v, want Utilization 80 of the platform container", cpu)
	}
}

func TestNewScalingChartNeedsQueueScaling(t *testing.T) {
	app := cdk8s.NewApp(nil)
	if _, err := charts.NewScalingChart(app, "Scaling", validProps()); err == nil ||
		err.Error() != "QueueScaling: got nil, want the queue-depth scaling of the worker-api tier (DefaultQueueScaling())" {
		t.Errorf("NewScalingChart without QueueScaling: %v", err)
	}
	if _, err := charts.NewScalingChart(app, "Scaling2", scalingProps()); err != nil {
		t.Error(err)
	}
}
