package charts_test

import (
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/opencti-ha/opencti-ha/charts"
)

func TestThreePlatformTiersWithAutoscalersAndNoReplicas(t *testing.T) {
	for _, name := range platformNames {
		d := defaults.one(t, "Deployment", name)
		if d.Chart != charts.PlatformChartID {
			t.Errorf("%s is in chart %s, want %s", name, d.Chart, charts.PlatformChartID)
		}
		if _, has := d.Obj["spec"].(map[string]any)["replicas"]; has {
			t.Errorf("%s sets replicas although its HPA scales it", name)
		}
		dep := defaults.deployment(t, name)
		if c := platformOf(t, dep); c.Image != "opencti/platform:7.260817.0" {
			t.Errorf("%s platform image %s", name, c.Image)
		}
		if c := dep.Spec.Template.Spec.Containers; name != charts.WorkerAPIName && len(c) != 1 {
			t.Errorf("%s containers: %+v, want the platform alone", name, c)
		}
		ru := dep.Spec.Strategy.RollingUpdate
		if ru == nil || ru.MaxUnavailable.IntValue() != 0 || ru.MaxSurge.IntValue() != 1 {
			t.Errorf("%s rolling update %+v, want maxUnavailable 0 / maxSurge 1", name, ru)
		}
		var hpa autoscalingv2.HorizontalPodAutoscaler
		decode(t, defaults.one(t, "HorizontalPodAutoscaler", name), &hpa)
		max := int32(4)
		if name == charts.WorkerAPIName {
			max = 2 // pinned at the minimum without QueueScaling
		}
		if *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != max ||
			hpa.Spec.Metrics[0].Resource.Name != "cpu" || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 70 {
			t.Errorf("HPA %s: %+v", name, hpa.Spec)
		}
	}
	for _, name := range platformNames {
		var hpa autoscalingv2.HorizontalPodAutoscaler
		decode(t, large.one(t, "HorizontalPodAutoscaler", name), &hpa)
		if *hpa.Spec.MinReplicas != 10 || hpa.Spec.MaxReplicas != 10 {
			t.Errorf("large HPA %s: min %d max %d, want 10/10", name, *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
		}
	}
}

func TestPlatformEnvironmentPerTier(t *testing.T) {
	baseURLs := map[string]string{
		charts.UIName:           "https://opencti.example.com",
		charts.ConnectorAPIName: "https://api.opencti.example.com",
		charts.WorkerAPIName:    workerAPIURL,
	}
	for _, name := range platformNames {
		env := envOf(t, platformOf(t, defaults.deployment(t, name)))
		plain := map[string]string{
			"APP__BASE_URL":                    baseURLs[name],
			"APP__PORT":                        "4000",
			"NODE_OPTIONS":                     "--max-old-space-size=6144", // 75% of 8Gi
			"APP__TELEMETRY__METRICS__ENABLED": "true",
			"ELASTICSEARCH__ENGINE_SELECTOR":   "opensearch",
			"ELASTICSEARCH__URL":               "https://vpc-opencti-abc123.eu-west-1.es.amazonaws.com",
			"REDIS__HOSTNAME":                  "master.opencti-redis.abc123.euw1.cache.amazonaws.com",
			"REDIS__MODE":                      "single",
			"RABBITMQ__PORT":                   "5671",
			"RABBITMQ__PORT_MANAGEMENT":        "443",
			"MINIO__ENDPOINT":                  "s3.eu-west-1.amazonaws.com",
			"MINIO__PORT":                      "443",
			"MINIO__USE_SSL":                   "true",
			"MINIO__USE_AWS_ROLE":              "true",
			"MINIO__BUCKET_NAME":               "opencti-files-123456789012",
		}
		for k, want := range plain {
			if got := value(t, env, k); got != want {
				t.Errorf("%s: %s=%q, want %q", name, k, got, want)
			}
		}
		wantManagers := map[bool]string{true: "true", false: "false"}[name == charts.WorkerAPIName]
		for _, m := range charts.BackgroundManagers() {
			want := wantManagers
			if m.Kind == charts.PerNode {
				want = "true"
			}
			if got := value(t, env, m.Switch+"__ENABLED"); got != want {
				t.Errorf("%s: %s__ENABLED=%q, want %q", name, m.Switch, got, want)
			}
		}
		for _, k := range []string{"APP__ADMIN__PASSWORD", "APP__ADMIN__TOKEN", "APP__HEALTH_ACCESS_KEY", "APP__ENCRYPTION_KEY",
			"ELASTICSEARCH__USERNAME", "ELASTICSEARCH__PASSWORD", "REDIS__PASSWORD", "RABBITMQ__USERNAME", "RABBITMQ__PASSWORD"} {
			e, ok := env[k]
			if !ok || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
				e.ValueFrom.SecretKeyRef.Name != charts.PlatformSecretName || e.ValueFrom.SecretKeyRef.Key != k {
				t.Errorf("%s: %s = %+v, want secretKeyRef %s/%s", name, k, e, charts.PlatformSecretName, k)
			}
		}
	}
	if n := len(charts.BackgroundManagers()); n != 27 {
		t.Errorf("%d background managers, want the 27 switches of the OpenCTI 7.x source (docs/opencti-7.md)", n)
	}
}

func TestPlatformExtraEnvAndSecrets(t *testing.T) {
	for _, name := range platformNames {
		env := envOf(t, platformOf(t, large.deployment(t, name)))
		if got := value(t, env, "APP__SESSION_TIMEOUT"); got != "3600000" {
			t.Errorf("%s: ExtraEnv APP__SESSION_TIMEOUT=%q", name, got)
		}
		if e := env["PROVIDERS__OPENID__CONFIG__CLIENT_SECRET"]; e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != charts.PlatformSecretName {
			t.Errorf("%s: PlatformExtra secret not wired: %+v", name, e)
		}
	}
}

// TestPlatformProbes: liveness and startup ask OpenCTI's liveness server
// (a local HTTP check of the process, up before initialization, no data
// service); readiness asks /health with the key from the environment, every
// 30 s; nothing bounds how long initialization or migrations may take.
func TestPlatformProbes(t *testing.T) {
	for _, name := range platformNames {
		dep := defaults.deployment(t, name)
		spec := dep.Spec.Template.Spec
		c := platformOf(t, dep)
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		if ports["liveness"] != 4001 || value(t, envOf(t, c), "APP__LIVENESS_PORT") != "4001" {
			t.Errorf("%s: liveness port %d / APP__LIVENESS_PORT, want 4001", name, ports["liveness"])
		}
		for kind, pr := range map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe} {
			if pr == nil || pr.HTTPGet == nil || pr.HTTPGet.Path != "/health/liveness" || pr.HTTPGet.Port.StrVal != "liveness" || pr.Exec != nil {
				t.Errorf("%s: %s probe %+v, want GET /health/liveness on the liveness port", name, kind, pr)
			}
		}
		if s := c.StartupProbe; s.PeriodSeconds != 5 || s.TimeoutSeconds != 3 || s.FailureThreshold != 36 {
			t.Errorf("%s: startup %d/%d/%d, want 5/3/36 (3 minutes to open the liveness port)", name, s.PeriodSeconds, s.TimeoutSeconds, s.FailureThreshold)
		}
		if l := c.LivenessProbe; l.PeriodSeconds != 20 || l.TimeoutSeconds != 5 || l.FailureThreshold != 6 {
			t.Errorf("%s: liveness %d/%d/%d, want 20/5/6", name, l.PeriodSeconds, l.TimeoutSeconds, l.FailureThreshold)
		}
		r := c.ReadinessProbe
		if r == nil || r.Exec == nil {
			t.Fatalf("%s: readiness %+v, want an exec probe", name, r)
		}
		script := strings.Join(r.Exec.Command, " ")
		if r.Exec.Command[0] != "node" || !strings.Contains(script, "/health?health_access_key=") ||
			!strings.Contains(script, "process.env.APP__HEALTH_ACCESS_KEY") || !strings.Contains(script, "statusCode === 200") ||
			!strings.Contains(script, ":4000/") || !strings.Contains(script, "setTimeout(18000") {
			t.Errorf("%s: readiness %q does not GET /health with the key from the environment", name, r.Exec.Command)
		}
		if r.PeriodSeconds != 30 || r.TimeoutSeconds != 20 || r.FailureThreshold != 3 {
			t.Errorf("%s: readiness %d/%d/%d, want 30/20/3", name, r.PeriodSeconds, r.TimeoutSeconds, r.FailureThreshold)
		}
		if *dep.Spec.ProgressDeadlineSeconds < 1800 {
			t.Errorf("%s: progressDeadlineSeconds %d, want >= 1800 (migrations of a large platform)", name, *dep.Spec.ProgressDeadlineSeconds)
		}
		if name == charts.WorkerAPIName {
			continue // no load balancer: no preStop (TestWorkerAPIPodStartsThePlatformFirstAndStopsItLast)
		}
		if pre := c.Lifecycle.PreStop; pre == nil || pre.Sleep == nil || pre.Sleep.Seconds < 15 ||
			*spec.TerminationGracePeriodSeconds <= pre.Sleep.Seconds {
			t.Errorf("%s: preStop %+v / grace %d, want a sleep that lets the ALB drain within the grace period", name, pre, *spec.TerminationGracePeriodSeconds)
		}
	}
	// The key never appears in the pod spec.
	for _, name := range platformNames {
		if raw := string(defaults.one(t, "Deployment", name).Raw); strings.Contains(raw, "health_access_key=") &&
			!strings.Contains(raw, "process.env.APP__HEALTH_ACCESS_KEY") {
			t.Errorf("%s: the health key is in the pod spec", name)
		}
	}
}

func TestRedisClusterModeSetsBothHostnameVariables(t *testing.T) {
	env := envOf(t, platformOf(t, large.deployment(t, charts.WorkerAPIName)))
	host := "clustercfg.opencti-redis.abc123.euw1.cache.amazonaws.com"
	if value(t, env, "REDIS__MODE") != "cluster" || value(t, env, "REDIS__HOSTNAME") != host ||
		value(t, env, "REDIS__HOSTNAMES") != `["`+host+`:6379"]` {
		t.Errorf("cluster mode: REDIS__MODE=%q REDIS__HOSTNAME=%q REDIS__HOSTNAMES=%q", env["REDIS__MODE"].Value,
			env["REDIS__HOSTNAME"].Value, env["REDIS__HOSTNAMES"].Value)
	}
	if _, has := envOf(t, platformOf(t, defaults.deployment(t, charts.UIName)))["REDIS__HOSTNAMES"]; has {
		t.Error("single mode sets REDIS__HOSTNAMES")
	}
}
