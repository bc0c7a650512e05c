package charts_test

import (
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/opencti-ha/opencti-ha/charts"
)

func TestThreePlatformTiersWithHPAsAndNoReplicas(t *testing.T) {
	for _, name := range platformNames {
		d := defaults.one(t, "Deployment", name)
		if d.Chart != charts.PlatformChartID {
			t.Errorf("%s is in chart %s, want %s", name, d.Chart, charts.PlatformChartID)
		}
		if _, has := d.Obj["spec"].(map[string]any)["replicas"]; has {
			t.Errorf("%s sets replicas although its HPA scales it", name)
		}
		dep := defaults.deployment(t, name)
		if c := dep.Spec.Template.Spec.Containers; len(c) != 1 || c[0].Image != "opencti/platform:7.260817.0" {
			t.Errorf("%s containers: %+v", name, c)
		}
		ru := dep.Spec.Strategy.RollingUpdate
		if ru == nil || ru.MaxUnavailable.IntValue() != 0 || ru.MaxSurge.IntValue() != 1 {
			t.Errorf("%s rolling update %+v, want maxUnavailable 0 / maxSurge 1", name, ru)
		}
		var hpa autoscalingv2.HorizontalPodAutoscaler
		decode(t, defaults.one(t, "HorizontalPodAutoscaler", name), &hpa)
		if *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 4 ||
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
		env := envOf(t, defaults.deployment(t, name).Spec.Template.Spec.Containers[0])
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
			if got := value(t, env, m+"__ENABLED"); got != wantManagers {
				t.Errorf("%s: %s__ENABLED=%q, want %q", name, m, got, wantManagers)
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
	if n := len(charts.BackgroundManagers()); n != 16 {
		t.Errorf("%d background managers, want the 16 of REFERENCE.md", n)
	}
}

func TestPlatformExtraEnvAndSecrets(t *testing.T) {
	for _, name := range platformNames {
		env := envOf(t, large.deployment(t, name).Spec.Template.Spec.Containers[0])
		if got := value(t, env, "APP__SESSION_TIMEOUT"); got != "3600000" {
			t.Errorf("%s: ExtraEnv APP__SESSION_TIMEOUT=%q", name, got)
		}
		if e := env["PROVIDERS__OPENID__CONFIG__CLIENT_SECRET"]; e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != charts.PlatformSecretName {
			t.Errorf("%s: PlatformExtra secret not wired: %+v", name, e)
		}
	}
}

func TestPlatformProbesReadTheHealthKeyFromTheEnvironment(t *testing.T) {
	for _, name := range platformNames {
		spec := defaults.deployment(t, name).Spec.Template.Spec
		c := spec.Containers[0]
		for kind, pr := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
			if pr == nil || pr.Exec == nil {
				t.Errorf("%s: no exec %s probe", name, kind)
				continue
			}
			script := strings.Join(pr.Exec.Command, " ")
			if pr.Exec.Command[0] != "node" || !strings.Contains(script, "/health?health_access_key=") ||
				!strings.Contains(script, "process.env.APP__HEALTH_ACCESS_KEY") || !strings.Contains(script, "statusCode === 200") ||
				!strings.Contains(script, ":4000/") {
				t.Errorf("%s: %s probe %q does not GET /health with the key from the environment", name, kind, pr.Exec.Command)
			}
		}
		if s := c.StartupProbe; s.PeriodSeconds*s.FailureThreshold < 300 {
			t.Errorf("%s: startup budget %d s, want >= 300 s", name, s.PeriodSeconds*s.FailureThreshold)
		}
		if l := c.LivenessProbe; l.PeriodSeconds != 15 || l.TimeoutSeconds != 10 || l.FailureThreshold != 6 {
			t.Errorf("%s: liveness period/timeout/failures %d/%d/%d, want 15/10/6", name, l.PeriodSeconds, l.TimeoutSeconds, l.FailureThreshold)
		}
		if pre := c.Lifecycle.PreStop; pre == nil || pre.Sleep == nil || pre.Sleep.Seconds < 15 ||
			*spec.TerminationGracePeriodSeconds <= pre.Sleep.Seconds {
			t.Errorf("%s: preStop %+v / grace %d, want a sleep that lets the ALB drain within the grace period", name, pre, *spec.TerminationGracePeriodSeconds)
		}
	}
}

func TestRedisClusterModeSetsBothHostnameVariables(t *testing.T) {
	env := envOf(t, large.deployment(t, charts.WorkerAPIName).Spec.Template.Spec.Containers[0])
	host := "clustercfg.opencti-redis.abc123.euw1.cache.amazonaws.com"
	if value(t, env, "REDIS__MODE") != "cluster" || value(t, env, "REDIS__HOSTNAME") != host ||
		value(t, env, "REDIS__HOSTNAMES") != `["`+host+`:6379"]` {
		t.Errorf("cluster mode: REDIS__MODE=%q REDIS__HOSTNAME=%q REDIS__HOSTNAMES=%q", env["REDIS__MODE"].Value,
			env["REDIS__HOSTNAME"].Value, env["REDIS__HOSTNAMES"].Value)
	}
	if _, has := envOf(t, defaults.deployment(t, charts.UIName).Spec.Template.Spec.Containers[0])["REDIS__HOSTNAMES"]; has {
		t.Error("single mode sets REDIS__HOSTNAMES")
	}
}
