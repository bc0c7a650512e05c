package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/charts"
)

func TestIngestionScalingDefaultsPerProfile(t *testing.T) {
	prod, _ := Default("prod")
	dev, _ := Default("dev")
	want := IngestionScaling{Enabled: true, QueueScaling: charts.QueueScaling{
		MessagesPerReplica: 10000, ScaleUpWindowSeconds: 60, ScaleUpPodsPerMinute: 2, ScaleDownWindowSeconds: 600,
		ScaleDownIntervalSeconds: 300, CPUTargetPercent: 0, FallbackFailureThreshold: 3,
	}}
	if got := prod.OpenCTI.IngestionScaling; !reflect.DeepEqual(got, want) {
		t.Errorf("prod ingestionScaling %+v, want %+v", got, want)
	}
	want.ScaleUpPodsPerMinute, want.ScaleDownWindowSeconds = 1, 300
	if got := dev.OpenCTI.IngestionScaling; !reflect.DeepEqual(got, want) {
		t.Errorf("dev ingestionScaling %+v, want %+v", got, want)
	}
	if w := prod.OpenCTI.WorkerAPI; w.MinReplicas != 2 || w.MaxReplicas != 6 {
		t.Errorf("prod worker-api %d..%d, want 2..6", w.MinReplicas, w.MaxReplicas)
	}
	if w := dev.OpenCTI.WorkerAPI; w.MinReplicas != 1 || w.MaxReplicas != 2 {
		t.Errorf("dev worker-api %d..%d, want 1..2", w.MinReplicas, w.MaxReplicas)
	}
	if prod.Cluster.KedaChartVersion != "2.20.2" || prod.Cluster.KedaReplicas != 2 || dev.Cluster.KedaReplicas != 1 {
		t.Errorf("KEDA: %s, replicas prod %d dev %d; want 2.20.2, 2, 1", prod.Cluster.KedaChartVersion, prod.Cluster.KedaReplicas, dev.Cluster.KedaReplicas)
	}
}

func TestIngestionScalingReachesTheChartProps(t *testing.T) {
	prod, _ := Default("prod")
	q := prod.ChartProps().QueueScaling
	if q == nil || *q != prod.OpenCTI.IngestionScaling.QueueScaling {
		t.Errorf("chart QueueScaling %+v, want the configuration's %+v", q, prod.OpenCTI.IngestionScaling.QueueScaling)
	}
	prod.OpenCTI.IngestionScaling.Enabled = false
	if q := prod.ChartProps().QueueScaling; q != nil {
		t.Errorf("scaling off: chart QueueScaling %+v, want nil", q)
	}
}

func TestIngestionScalingFromAFile(t *testing.T) {
	c, err := Parse([]byte(`environment: prod
opencti:
  workerApi:
    maxReplicas: 8
  ingestionScaling:
    messagesPerReplica: 5000
    scaleDownWindowSeconds: 900
    cpuTargetPercent: 80
cluster:
  kedaReplicas: 3
`), "")
	if err != nil {
		t.Fatal(err)
	}
	s := c.OpenCTI.IngestionScaling
	if !s.Enabled || s.MessagesPerReplica != 5000 || s.ScaleDownWindowSeconds != 900 || s.CPUTargetPercent != 80 ||
		s.ScaleUpPodsPerMinute != 2 || c.Cluster.KedaReplicas != 3 || c.OpenCTI.WorkerAPI.MaxReplicas != 8 {
		t.Errorf("file over prod: %+v, KEDA replicas %d", s, c.Cluster.KedaReplicas)
	}
	for _, bad := range []string{"authentication:\n      name: x\n", "messagesPerMinute: 3\n"} {
		_, err := Parse([]byte("environment: prod\nopencti:\n  ingestionScaling:\n    "+bad), "")
		if err == nil || !strings.Contains(err.Error(), "not found in type config.IngestionScaling") {
			t.Errorf("unknown key %q: got %v, want a strict-parsing error", bad, err)
		}
	}
}

// TestIngestionScalingMessages: every rule, with its exact text, all at once.
func TestIngestionScalingMessages(t *testing.T) {
	cases := []struct {
		name   string
		env    string
		mutate func(c *Config)
		want   []string
	}{
		{"every field out of range", "prod", func(c *Config) {
			s := &c.OpenCTI.IngestionScaling
			s.MessagesPerReplica, s.ScaleUpWindowSeconds, s.ScaleUpPodsPerMinute = 0, 4000, 0
			s.ScaleDownWindowSeconds, s.ScaleDownIntervalSeconds = 60, 30
			s.CPUTargetPercent, s.FallbackFailureThreshold = 120, -1
		}, []string{
			"opencti.ingestionScaling.messagesPerReplica: got 0, want 100 to 10000000 waiting messages per worker-api pod",
			"opencti.ingestionScaling.scaleUpWindowSeconds: got 4000, want 0 to 3600",
			"opencti.ingestionScaling.scaleUpPodsPerMinute: got 0, want 1 to 10",
			"opencti.ingestionScaling.scaleDownWindowSeconds: got 60, want 300 to 3600 (at least two 150-second platform starts)",
			"opencti.ingestionScaling.scaleDownIntervalSeconds: got 30, want 60 to 1800",
			"opencti.ingestionScaling.cpuTargetPercent: got 120, want 0 (no CPU trigger) or 50 to 95",
			"opencti.ingestionScaling.fallbackFailureThreshold: got -1, want 1 to 20",
		}},
		{"no room to scale", "prod", func(c *Config) { c.OpenCTI.WorkerAPI.MaxReplicas = 2 }, []string{
			"opencti.workerApi.maxReplicas: got 2, want more than opencti.workerApi.minReplicas (2) with opencti.ingestionScaling.enabled (queue-depth scaling needs room above the minimum)",
		}},
		{"no room needed when off", "prod", func(c *Config) {
			c.OpenCTI.WorkerAPI.MaxReplicas = 2
			c.OpenCTI.IngestionScaling.Enabled = false
		}, nil},
		{"maximum below the minimum", "dev", func(c *Config) { c.OpenCTI.WorkerAPI.MinReplicas, c.OpenCTI.WorkerAPI.MaxReplicas = 3, 2 }, []string{
			"opencti.workerApi.maxReplicas: got 2, want 3 (minReplicas) to 50",
		}},
		{"prod minimum", "prod", func(c *Config) { c.OpenCTI.WorkerAPI.MinReplicas = 1 }, []string{
			"opencti.workerApi.minReplicas: got 1, want 2 to 50",
		}},
		{"KEDA", "prod", func(c *Config) {
			c.Cluster.KedaChartVersion, c.Cluster.KedaReplicas = "latest", 1
		}, []string{
			`cluster.kedaChartVersion: got "latest", want an exact chart version such as 2.20.2`,
			"cluster.kedaReplicas: got 1, want at least 2 in prod",
		}},
		{"KEDA too old, too many", "dev", func(c *Config) {
			c.Cluster.KedaChartVersion, c.Cluster.KedaReplicas = "2.17.0", 6
		}, []string{
			`cluster.kedaChartVersion: got "2.17.0", want 2.19.0 or later (KEDA tests Kubernetes 1.34 from 2.19 on)`,
			"cluster.kedaReplicas: got 6, want 1 to 3",
		}},
		{"the ingestion pool does not hold the maximum", "prod", func(c *Config) {
			c.Cluster.NodePools.Ingestion.CPULimit, c.Cluster.NodePools.Ingestion.MemoryLimitGiB = 16, 64
		}, []string{
			"cluster.nodePools.ingestion.cpuLimit: got 16, want at least 27 for opencti.workerApi.maxReplicas 6: 7 worker-api pods of 2.75 vCPU (platform 2 + 3 workers x 0.25, one pod more during a rollout), connectors 0.5 and the scaler 0.5 request 20.25 vCPU, at most 75 % of the pool; raise cpuLimit or lower opencti.workerApi.maxReplicas",
			"cluster.nodePools.ingestion.memoryLimitGiB: got 64, want at least 84 for opencti.workerApi.maxReplicas 6: 7 worker-api pods of 8.75 GiB (platform 8 + 3 workers x 0.25, one pod more during a rollout), connectors 1.25 and the scaler 0.49 request 62.99 GiB, at most 75 % of the pool; raise memoryLimitGiB or lower opencti.workerApi.maxReplicas",
		}},
		{"a larger maximum needs a larger pool", "dev", func(c *Config) {
			c.OpenCTI.WorkerAPI.MaxReplicas = 20
			c.OpenCTI.Connectors = []Connector{{Name: "mitre", Type: "EXTERNAL_IMPORT", Replicas: 2,
				Resources: Resources{CPURequestMillis: 500, CPULimitMillis: 1000, MemoryRequestMiB: 1024, MemoryLimitMiB: 2048}}}
		}, []string{
			"cluster.nodePools.ingestion.cpuLimit: got 32, want at least 37 for opencti.workerApi.maxReplicas 20: 21 worker-api pods of 1.25 vCPU (platform 0.5 + 3 workers x 0.25, one pod more during a rollout), connectors 1 and the scaler 0.3 request 27.55 vCPU, at most 75 % of the pool; raise cpuLimit or lower opencti.workerApi.maxReplicas",
		}},
		{"without queue scaling the minimum counts", "prod", func(c *Config) {
			c.OpenCTI.IngestionScaling.Enabled = false
			c.OpenCTI.WorkerAPI.MinReplicas, c.OpenCTI.WorkerAPI.MaxReplicas = 4, 4
			c.Cluster.NodePools.Ingestion.CPULimit = 16
		}, []string{
			"cluster.nodePools.ingestion.cpuLimit: got 16, want at least 20 for opencti.workerApi.minReplicas 4: 5 worker-api pods of 2.75 vCPU (platform 2 + 3 workers x 0.25, one pod more during a rollout), connectors 0.5 and the scaler 0.5 request 14.75 vCPU, at most 75 % of the pool; raise cpuLimit or lower opencti.workerApi.minReplicas",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Default(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(c)
			var got []string
			if err := c.Validate(); err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestDefaultIngestionPoolsHoldTheMaximum: both profiles fit their maximum
// with room (the figures docs/scaling.md quotes).
func TestDefaultIngestionPoolsHoldTheMaximum(t *testing.T) {
	for env, want := range map[string][2]string{"prod": {"20.25", "62.99"}, "dev": {"4.55", "9.79"}} {
		c, _ := Default(env)
		d := c.ingestionDemandOf()
		if vcpu(d.totalCPU()) != want[0] || gib(d.totalMiB()) != want[1] {
			t.Errorf("%s: ingestion requests %s vCPU / %s GiB, want %s / %s", env, vcpu(d.totalCPU()), gib(d.totalMiB()), want[0], want[1])
		}
		pool := c.Cluster.NodePools.Ingestion
		if float64(d.totalCPU()) > 0.75*float64(pool.CPULimit*1000) || float64(d.totalMiB()) > 0.75*float64(pool.MemoryLimitGiB*1024) {
			t.Errorf("%s: %d m / %d MiB do not fit 75 %% of %d vCPU / %d GiB", env, d.totalCPU(), d.totalMiB(), pool.CPULimit, pool.MemoryLimitGiB)
		}
	}
}
