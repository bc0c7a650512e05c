package charts_test

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/opencti-ha/opencti-ha/charts"
)

func TestWorkerReplicasFollowTheRatio(t *testing.T) {
	if got := *defaults.deployment(t, charts.WorkerName).Spec.Replicas; got != 3*2 {
		t.Errorf("default workers: %d, want 3 x 2 worker-api replicas", got)
	}
	if got := *large.deployment(t, charts.WorkerName).Spec.Replicas; got != 3*10 {
		t.Errorf("large workers: %d, want 3 x 10", got)
	}
	p := validProps()
	p.WorkersPerPlatform = new(int32(4))
	p.WorkerAPI.MinReplicas = new(int32(3))
	p.WorkerAPI.MaxReplicas = new(int32(6))
	if got := charts.WorkerReplicas(p); got != 12 {
		t.Errorf("WorkerReplicas(4 per platform, 3 platforms) = %d, want 12", got)
	}
	if len(defaults.find("HorizontalPodAutoscaler", charts.WorkerName)) != 0 {
		t.Error("workers have an HPA although their Deployment sets replicas")
	}
}

func TestLogLevelReachesEveryTier(t *testing.T) {
	for name, s := range map[string]synthesized{"info": defaults, "warn": large} {
		for dep, variable := range map[string]string{charts.UIName: "APP__APP_LOGS__LOGS_LEVEL",
			charts.WorkerName: "WORKER_LOG_LEVEL", charts.ConnectorObjectName("export-file-csv"): "CONNECTOR_LOG_LEVEL"} {
			if got := value(t, envOf(t, s.deployment(t, dep).Spec.Template.Spec.Containers[0]), variable); got != name {
				t.Errorf("%s: %s=%q, want %q", dep, variable, got, name)
			}
		}
	}
}

func TestWorkersTalkToWorkerAPI(t *testing.T) {
	dep := defaults.deployment(t, charts.WorkerName)
	if dep.Namespace != ns || defaults.one(t, "Deployment", charts.WorkerName).Chart != charts.IngestionChartID {
		t.Errorf("worker Deployment in %s / wrong chart", dep.Namespace)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	env := envOf(t, c)
	if got := value(t, env, "OPENCTI_URL"); got != workerAPIURL {
		t.Errorf("worker OPENCTI_URL=%q, want %q", got, workerAPIURL)
	}
	defaults.one(t, "Service", charts.WorkerAPIName)
	if e := env["OPENCTI_TOKEN"]; e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != charts.WorkerTokenSecretName ||
		e.ValueFrom.SecretKeyRef.Key != "OPENCTI_TOKEN" {
		t.Errorf("worker OPENCTI_TOKEN = %+v, want the workers' token Secret", e)
	}
	if c.Image != "opencti/worker:7.260817.0" {
		t.Errorf("worker image %s", c.Image)
	}
	if value(t, env, "WORKER_TELEMETRY_ENABLED") != "true" || value(t, env, "WORKER_PROMETHEUS_TELEMETRY_PORT") != "14270" {
		t.Error("worker telemetry not on 14270")
	}
	if value(t, env, "MQ_USE_SSL_REJECT_UNAUTHORIZED") != "true" {
		t.Error("the worker does not verify the broker's certificate")
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != charts.WorkerMetricsPort {
		t.Errorf("worker ports %+v, want metrics 14270", c.Ports)
	}
	for kind, p := range map[string]int32{
		"liveness": c.LivenessProbe.TCPSocket.Port.IntVal, "readiness": c.ReadinessProbe.TCPSocket.Port.IntVal,
		"startup": c.StartupProbe.TCPSocket.Port.IntVal,
	} {
		if p != charts.WorkerMetricsPort {
			t.Errorf("worker %s probe on %d, want 14270 (the port the worker listens on)", kind, p)
		}
	}
	if strings.Contains(string(defaults.one(t, "Deployment", charts.WorkerName).Raw), "14269") {
		t.Error("the worker Deployment mentions the platform metrics port 14269")
	}
	assertWaitsOnHealth(t, dep, workerAPIURL, charts.WorkerSecretName)
	assertWaitsForToken(t, dep, charts.WorkerTokenSecretName)
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
	}
}
