package config

import (
	"fmt"
	"math"
	"strconv"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/constructs/cluster/clusterspec"
)

// IngestionPoolUsablePercent is the share of the ingestion pool's limits the
// requests of its pods may take: nodes allocate less than their size (the
// kubelet and system reserve) and pods never pack nodes perfectly.
const IngestionPoolUsablePercent = 75

// ingestionDemand is what the ingestion pool must hold at the tier's
// largest count.
type ingestionDemand struct {
	replicas      int    // worker-api pods at the largest count
	replicasField string // the field that sets it
	pods          int    // replicas + 1: one surge pod during a rollout
	// Per worker-api pod: the platform and its workers.
	platformCPU, workerCPU, platformMiB, workerMiB int
	workers                                        int
	connectorCPU, connectorMiB                     int
	scalerCPU, scalerMiB                           int
}

func (d ingestionDemand) podCPU() int { return d.platformCPU + d.workers*d.workerCPU }
func (d ingestionDemand) podMiB() int { return d.platformMiB + d.workers*d.workerMiB }
func (d ingestionDemand) totalCPU() int {
	return d.pods*d.podCPU() + d.connectorCPU + d.scalerCPU
}
func (d ingestionDemand) totalMiB() int {
	return d.pods*d.podMiB() + d.connectorMiB + d.scalerMiB
}

// ingestionDemandOf sums the requests of what runs on the ingestion pool:
// the worker-api pods (platform plus workers; maxReplicas with queue
// scaling, minReplicas without) and one surge pod, every connector replica,
// and KEDA.
func (c *Config) ingestionDemandOf() ingestionDemand {
	o := c.OpenCTI
	d := ingestionDemand{
		replicas: o.WorkerAPI.MinReplicas, replicasField: "opencti.workerApi.minReplicas",
		platformCPU: o.WorkerAPI.Resources.CPURequestMillis, platformMiB: o.WorkerAPI.Resources.MemoryRequestMiB,
		workerCPU: o.Worker.CPURequestMillis, workerMiB: o.Worker.MemoryRequestMiB,
		workers: o.WorkersPerPlatform,
	}
	if o.IngestionScaling.Enabled {
		d.replicas, d.replicasField = o.WorkerAPI.MaxReplicas, "opencti.workerApi.maxReplicas"
	}
	d.pods = d.replicas + 1
	def := resourcesOf(charts.DefaultConnectorResources())
	if len(o.Connectors) == 0 {
		n := len(charts.DefaultConnectors())
		d.connectorCPU, d.connectorMiB = n*def.CPURequestMillis, n*def.MemoryRequestMiB
	}
	for _, cn := range o.Connectors {
		r, n := cn.Resources, max(cn.Replicas, 1)
		if r == (Resources{}) {
			r = def
		}
		d.connectorCPU += n * r.CPURequestMillis
		d.connectorMiB += n * r.MemoryRequestMiB
	}
	keda := clusterspec.KedaPods(c.Cluster.KedaReplicas)
	d.scalerCPU, d.scalerMiB = keda*clusterspec.KedaPodCPUMillis, keda*clusterspec.KedaPodMemoryMiB
	return d
}

// checkIngestionPool reports the ingestion pool's cpuLimit and
// memoryLimitGiB when the requests of what runs there at the tier's largest
// count take more than IngestionPoolUsablePercent of them: the last pods of
// a scale-up would stay Pending. Each message names the limit and the
// replica field that, together, are inconsistent.
func (c *Config) checkIngestionPool(p *Problems) {
	d := c.ingestionDemandOf()
	pool := c.Cluster.NodePools.Ingestion
	if d.replicas < 1 || d.workers < 1 || pool.CPULimit < 1 || pool.MemoryLimitGiB < 1 {
		return // reported by their own rules
	}
	const f = "cluster.nodePools.ingestion."
	if needCPU := ceilDiv(d.totalCPU()*100, IngestionPoolUsablePercent*1000); pool.CPULimit < needCPU {
		p.Add(f+"cpuLimit", pool.CPULimit, fmt.Sprintf(
			"at least %d for %s %d: %d worker-api pods of %s vCPU (platform %s + %d workers x %s, one pod more during a rollout), connectors %s and the scaler %s request %s vCPU, at most %d %% of the pool; raise cpuLimit or lower %s",
			needCPU, d.replicasField, d.replicas, d.pods, vcpu(d.podCPU()), vcpu(d.platformCPU), d.workers, vcpu(d.workerCPU),
			vcpu(d.connectorCPU), vcpu(d.scalerCPU), vcpu(d.totalCPU()), IngestionPoolUsablePercent, d.replicasField))
	}
	if needGiB := ceilDiv(d.totalMiB()*100, IngestionPoolUsablePercent*1024); pool.MemoryLimitGiB < needGiB {
		p.Add(f+"memoryLimitGiB", pool.MemoryLimitGiB, fmt.Sprintf(
			"at least %d for %s %d: %d worker-api pods of %s GiB (platform %s + %d workers x %s, one pod more during a rollout), connectors %s and the scaler %s request %s GiB, at most %d %% of the pool; raise memoryLimitGiB or lower %s",
			needGiB, d.replicasField, d.replicas, d.pods, gib(d.podMiB()), gib(d.platformMiB), d.workers, gib(d.workerMiB),
			gib(d.connectorMiB), gib(d.scalerMiB), gib(d.totalMiB()), IngestionPoolUsablePercent, d.replicasField))
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// vcpu shows millicores as vCPUs ("2.75").
func vcpu(millis int) string { return strconv.FormatFloat(float64(millis)/1000, 'f', -1, 64) }

// gib shows MiB as GiB, to two decimals ("8.75", "0.49").
func gib(mib int) string {
	return strconv.FormatFloat(math.Round(float64(mib)*100/1024)/100, 'f', -1, 64)
}
