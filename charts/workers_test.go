package charts_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/opencti-ha/opencti-ha/charts"
)

// workersOf returns the worker containers of a worker-api pod template.
func workersOf(spec corev1.PodSpec) []corev1.Container {
	var out []corev1.Container
	for _, c := range spec.Containers {
		if strings.HasPrefix(c.Name, "worker-") {
			out = append(out, c)
		}
	}
	return out
}

// TestWorkersRunInsideTheWorkerAPIPods: no worker Deployment; every
// worker-api pod carries exactly WorkersPerPlatform workers, so the ratio
// holds at every replica count.
func TestWorkersRunInsideTheWorkerAPIPods(t *testing.T) {
	for name, s := range map[string]synthesized{"default": defaults, "large": large, "scaling": scaling} {
		for _, d := range s.find("Deployment", "") {
			if strings.Contains(d.Name, "worker") && d.Name != charts.WorkerAPIName {
				t.Errorf("%s: Deployment %s: the workers must not have a Deployment of their own", name, d.Name)
			}
		}
		spec := s.deployment(t, charts.WorkerDeploymentName).Spec.Template.Spec
		if got := len(workersOf(spec)); got != 3 || len(spec.Containers) != 3 {
			t.Errorf("%s: %d worker containers (%d containers), want 3 and nothing else", name, got, len(spec.Containers))
		}
	}
	p := validProps()
	p.WorkersPerPlatform = new(int32(4))
	s, err := synth(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(workersOf(s.deployment(t, charts.WorkerAPIName).Spec.Template.Spec)); got != 4 {
		t.Errorf("WorkersPerPlatform 4: %d worker containers per pod", got)
	}
	if charts.WorkerDeploymentName != charts.WorkerAPIName {
		t.Errorf("WorkerDeploymentName = %q, want the worker-api Deployment", charts.WorkerDeploymentName)
	}
}

func TestWorkersFollowTheRatioAtBothBounds(t *testing.T) {
	p := validProps()
	if lo, hi := charts.Workers(p); lo != 6 || hi != 6 {
		t.Errorf("Workers without QueueScaling = %d..%d, want 6..6 (3 x the minimum 2; the tier runs at its minimum)", lo, hi)
	}
	p = scalingProps()
	if lo, hi := charts.Workers(p); lo != 3*2 || hi != 3*6 {
		t.Errorf("Workers(2..6 pods) = %d..%d, want 6..18", lo, hi)
	}
	p.WorkersPerPlatform = new(int32(4))
	p.WorkerAPI.MinReplicas, p.WorkerAPI.MaxReplicas = new(int32(3)), new(int32(5))
	if lo, hi := charts.Workers(p); lo != 12 || hi != 20 {
		t.Errorf("Workers(4 per platform, 3..5 pods) = %d..%d, want 12..20", lo, hi)
	}
}

func TestLogLevelReachesEveryTier(t *testing.T) {
	for name, s := range map[string]synthesized{"info": defaults, "warn": large} {
		for dep, variable := range map[string]string{charts.UIName: "APP__APP_LOGS__LOGS_LEVEL",
			charts.WorkerAPIName: "WORKER_LOG_LEVEL", charts.ConnectorObjectName("export-file-csv"): "CONNECTOR_LOG_LEVEL"} {
			if got := value(t, envOf(t, s.deployment(t, dep).Spec.Template.Spec.Containers[0]), variable); got != name {
				t.Errorf("%s: %s=%q, want %q", dep, variable, got, name)
			}
		}
	}
}

// TestWorkersTalkToTheirOwnPlatform: each worker reaches the platform of its
// own pod on the loopback interface, with its own metrics port, the worker
// token and broker certificate verification.
func TestWorkersTalkToTheirOwnPlatform(t *testing.T) {
	dep := defaults.deployment(t, charts.WorkerAPIName)
	if defaults.one(t, "Deployment", charts.WorkerAPIName).Chart != charts.PlatformChartID {
		t.Error("the worker-api Deployment is not in the platform chart")
	}
	ports := map[int32]string{}
	for i, c := range workersOf(dep.Spec.Template.Spec) {
		env := envOf(t, c)
		if c.Name != fmt.Sprintf("worker-%d", i+1) {
			t.Errorf("worker %d is named %s", i, c.Name)
		}
		if got := value(t, env, "OPENCTI_URL"); got != "http://127.0.0.1:4000" {
			t.Errorf("%s: OPENCTI_URL=%q, want the platform of its own pod", c.Name, got)
		}
		if e := env["OPENCTI_TOKEN"]; e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != charts.WorkerTokenSecretName ||
			e.ValueFrom.SecretKeyRef.Key != charts.TokenSecretKey {
			t.Errorf("%s: OPENCTI_TOKEN = %+v, want the workers' token Secret", c.Name, e)
		}
		if c.Image != "opencti/worker:7.260817.0" {
			t.Errorf("%s: image %s", c.Name, c.Image)
		}
		port := int32(14270 + i)
		if value(t, env, "WORKER_TELEMETRY_ENABLED") != "true" || value(t, env, "WORKER_PROMETHEUS_TELEMETRY_PORT") != fmt.Sprint(port) {
			t.Errorf("%s: telemetry not on %d", c.Name, port)
		}
		if value(t, env, "MQ_USE_SSL_REJECT_UNAUTHORIZED") != "true" {
			t.Errorf("%s: the worker does not verify the broker's certificate", c.Name)
		}
		if len(c.Ports) != 1 || c.Ports[0].ContainerPort != port {
			t.Errorf("%s: ports %+v, want metrics %d", c.Name, c.Ports, port)
		}
		if other, dup := ports[port]; dup {
			t.Errorf("%s and %s both listen on %d in one pod", c.Name, other, port)
		}
		ports[port] = c.Name
		for kind, p := range map[string]int32{
			"liveness": c.LivenessProbe.TCPSocket.Port.IntVal, "readiness": c.ReadinessProbe.TCPSocket.Port.IntVal,
			"startup": c.StartupProbe.TCPSocket.Port.IntVal,
		} {
			if p != port {
				t.Errorf("%s: %s probe on %d, want %d (the port this worker listens on)", c.Name, kind, p, port)
			}
		}
		if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/tmp" || c.VolumeMounts[0].Name != "worker-tmp" {
			t.Errorf("%s: mounts %+v, want its own /tmp", c.Name, c.VolumeMounts)
		}
	}
	assertWaitsOnHealth(t, dep, "http://127.0.0.1:4000", charts.WorkerSecretName)
	assertWaitsForToken(t, dep, charts.WorkerTokenSecretName)
}

// TestWorkerAPIPodStartsThePlatformFirstAndStopsItLast: the platform is a
// native sidecar (init container, restartPolicy Always) followed by
// wait-for-platform and, with identities, wait-for-token; the workers are
// the main containers; grace 180 s, no preStop sleep.
func TestWorkerAPIPodStartsThePlatformFirstAndStopsItLast(t *testing.T) {
	for name, s := range map[string]synthesized{"default": defaults, "scaling": scaling, "identities disabled": disabled} {
		spec := s.deployment(t, charts.WorkerAPIName).Spec.Template.Spec
		inits := spec.InitContainers
		want := []string{"opencti", "wait-for-platform", "wait-for-token"}
		if s.charts.Provisioning == nil {
			want = want[:2]
		}
		if got := names(inits); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: init containers %v, want %v", name, got, want)
		}
		platform := inits[0]
		if platform.RestartPolicy == nil || *platform.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			t.Errorf("%s: platform restartPolicy %v, want Always (native sidecar)", name, platform.RestartPolicy)
		}
		if platform.Image != "opencti/platform:7.260817.0" || platform.StartupProbe == nil || platform.ReadinessProbe == nil || platform.LivenessProbe == nil {
			t.Errorf("%s: platform sidecar %s without its three probes", name, platform.Image)
		}
		if platform.Lifecycle != nil {
			t.Errorf("%s: platform sidecar has a lifecycle %+v; the kubelet stops it after the workers, no preStop needed", name, platform.Lifecycle)
		}
		if inits[1].RestartPolicy != nil {
			t.Errorf("%s: wait-for-platform restartPolicy %v, want a plain init container", name, *inits[1].RestartPolicy)
		}
		if env := envOf(t, platform); value(t, env, "RULE_ENGINE__ENABLED") != "true" {
			t.Errorf("%s: the worker-api platform runs without background managers", name)
		}
		if *spec.TerminationGracePeriodSeconds != 180 {
			t.Errorf("%s: grace %d s, want 180 (workers finish the message in hand, then the platform stops)", name, *spec.TerminationGracePeriodSeconds)
		}
		if spec.ServiceAccountName != "opencti-platform" {
			t.Errorf("%s: service account %s", name, spec.ServiceAccountName)
		}
	}
	ru := defaults.deployment(t, charts.WorkerAPIName).Spec.Strategy.RollingUpdate
	if ru.MaxSurge.IntValue() != 1 || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("worker-api rollout %+v, want one whole pod (platform and workers) added before one goes", ru)
	}
}

func names(cs []corev1.Container) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// initNames lists a pod's init containers by name.
func initNames(spec corev1.PodSpec) []string {
	var out []string
	for _, c := range spec.InitContainers {
		out = append(out, c.Name)
	}
	return out
}

// assertWaitsOnHealth checks the init container polls <url>/health with the
// key from the consumer's Secret (an HTTP check, not a TCP one), after any
// other init container but wait-for-token.
func assertWaitsOnHealth(t *testing.T, dep appsv1.Deployment, url, secret string) {
	t.Helper()
	inits := dep.Spec.Template.Spec.InitContainers
	i := slices.Index(initNames(dep.Spec.Template.Spec), "wait-for-platform")
	if i < 0 || (i != len(inits)-1 && (i != len(inits)-2 || inits[i+1].Name != "wait-for-token")) {
		t.Fatalf("%s: init containers %v, want wait-for-platform last or followed by wait-for-token", dep.Name, initNames(dep.Spec.Template.Spec))
	}
	c := inits[i]
	script := strings.Join(c.Command, " ")
	if c.Command[0] != "node" || !strings.Contains(script, "'/health?health_access_key='") ||
		!strings.Contains(script, "statusCode === 200") || !strings.Contains(script, "process.env.HEALTH_ACCESS_KEY") ||
		strings.Contains(script, "nc ") {
		t.Errorf("%s: init container %q does not wait for HTTP 200 on /health", dep.Name, c.Command)
	}
	if c.Image != "opencti/platform:7.260817.0" {
		t.Errorf("%s: init image %s, want the pinned platform image", dep.Name, c.Image)
	}
	env := envOf(t, c)
	if got := value(t, env, "PLATFORM_URL"); got != url {
		t.Errorf("%s: init PLATFORM_URL=%q, want %q", dep.Name, got, url)
	}
	if e := env["HEALTH_ACCESS_KEY"]; e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != secret ||
		e.ValueFrom.SecretKeyRef.Key != charts.HealthKeySecretKey {
		t.Errorf("%s: init HEALTH_ACCESS_KEY = %+v, want %s/%s", dep.Name, e, secret, charts.HealthKeySecretKey)
	}
}

// assertWaitsForToken checks the last init container waits until the pod's
// token Secret, mounted read-only, holds OPENCTI_TOKEN: the container's
// environment is read once, at start.
func assertWaitsForToken(t *testing.T, dep appsv1.Deployment, secret string) {
	t.Helper()
	spec := dep.Spec.Template.Spec
	inits := spec.InitContainers
	if len(inits) == 0 || inits[len(inits)-1].Name != "wait-for-token" {
		t.Fatalf("%s: init containers %v, want wait-for-token last", dep.Name, initNames(spec))
	}
	c := inits[len(inits)-1]
	env := envOf(t, c)
	script := strings.Join(c.Command, " ")
	if c.Command[0] != "node" || c.Image != "opencti/platform:7.260817.0" || !strings.Contains(script, "fs.statSync(file).size") ||
		strings.Contains(script, "readFileSync") || value(t, env, "TOKEN_KEY") != "OPENCTI_TOKEN" || value(t, env, "TOKEN_SECRET") != secret {
		t.Errorf("%s: wait-for-token %q env %v does not wait for %s/OPENCTI_TOKEN", dep.Name, c.Command, env, secret)
	}
	if len(c.VolumeMounts) != 1 || !c.VolumeMounts[0].ReadOnly || c.VolumeMounts[0].MountPath != value(t, env, "TOKEN_DIR") {
		t.Fatalf("%s: wait-for-token mounts %+v", dep.Name, c.VolumeMounts)
	}
	for _, v := range spec.Volumes {
		if v.Name == c.VolumeMounts[0].Name && (v.Secret == nil || v.Secret.SecretName != secret || len(v.Secret.Items) != 0) {
			t.Errorf("%s: volume %s is %+v, want the whole Secret %s (the kubelet refreshes it when the Job writes the key)", dep.Name, v.Name, v.VolumeSource, secret)
		}
		if v.Name == c.VolumeMounts[0].Name && v.Secret != nil && (v.Secret.Optional == nil || !*v.Secret.Optional) {
			t.Errorf("%s: volume %s of Secret %s is required; want optional, so that a pod applied before the Identities chart starts (its platform sidecar included) and waits", dep.Name, v.Name, secret)
		}
	}
}
