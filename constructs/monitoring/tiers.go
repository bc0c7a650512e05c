package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ConnectorsTier is the tier label of connector Deployments given as
// Workloads (a consumer's own, one alarm set each, kubernetes.go); this
// repository watches its connectors with Connectors (connectors.go).
const ConnectorsTier = "connectors"

// tiers alarms when a platform tier (every tier but connectors) loses
// replicas or crash-loops, and when a node's file system fills. It reads the
// Enhanced Container Insights metrics the amazon-cloudwatch-observability
// add-on publishes (Classic pipeline; metric declarations of
// aws/amazon-cloudwatch-agent translator/translate/otel/exporter/awsemf/kubernetes.go,
// commit 0316fb69, and the receiver
// opentelemetry-collector-contrib receiver/awscontainerinsightreceiver
// internal/k8sapiserver): per Deployment (dimensions ClusterName, Namespace,
// PodName = the Deployment) replicas_desired and status_replicas_available,
// published by the agent's leader from the API server every minute;
// per pod pod_container_status_waiting_reason_crash_loop_back_off; per
// cluster node_filesystem_utilization (ClusterName).
//
// "replicas-missing" treats missing data as breaching: the agent publishes a
// Deployment's replica counts every minute while the Deployment exists, so
// silence means the Deployment was deleted (or Container Insights stopped,
// which eks-container-insights-missing also reports). Scaled to zero it
// publishes desired 0 and available 0, which MinReplicas catches.
func (m *monitoring) tiers() {
	k := m.r.Kubernetes
	if k == nil {
		return
	}
	t, n := m.r.thresholds, m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("Tiers"))
	cluster := map[string]*string{"ClusterName": k.ClusterName}
	fs := metric(ContainerInsightsNamespace, "node_filesystem_utilization", "Maximum", 300, cluster)
	m.alarm(scope, alarmSpec{id: "NodeFilesystem", name: "eks-node-filesystem-high", metric: fs, op: gte, threshold: NodeFilesystemPercent, periods: n, missing: nobreak,
		meaning: "A cluster node's root file system is at least 80% full (node_filesystem_utilization, fullest node): at 85-90% the kubelet evicts pods and stops pulling images.",
		check:   "kubectl describe node (DiskPressure, ephemeral-storage), pods writing large emptyDir volumes or logs; EKS Auto Mode NodeClass ephemeralStorage size."})
	var widgets []awscloudwatch.IWidget
	for _, w := range k.Workloads {
		if w.Tier == ConnectorsTier {
			continue
		}
		dims := map[string]*string{"ClusterName": k.ClusterName, "Namespace": jsii.String(k.Namespace), "PodName": jsii.String(w.Name)}
		ci := func(name, stat string) awscloudwatch.Metric {
			return metric(ContainerInsightsNamespace, name, stat, 300, dims)
		}
		minimum := w.MinReplicas
		if minimum == 0 {
			minimum = 1
		}
		missing := expression(fmt.Sprintf("IF(desired > %d, desired, %d) - available", minimum, minimum), w.Name+" replicas missing", 300,
			map[string]awscloudwatch.IMetric{"desired": ci("replicas_desired", "Maximum"), "available": ci("status_replicas_available", "Minimum")})
		crash := ci("pod_container_status_waiting_reason_crash_loop_back_off", "Maximum")
		ws := constructs.NewConstruct(scope, jsii.String(pascal(w.Name)))
		m.alarm(ws, alarmSpec{id: "ReplicasMissing", name: w.Name + "-replicas-missing", metric: missing, op: gte, threshold: float64(t.PodsNotReady), periods: n, missing: breach,
			meaning: fmt.Sprintf("The %s Deployment (tier %s) has at least the threshold fewer available replicas than it wants (or than its minimum of %d), or publishes no replica count (deleted, or Container Insights stopped): the tier runs short or not at all.", w.Name, w.Tier, minimum),
			check:   fmt.Sprintf("kubectl -n %s get deploy,rs,pods | grep %s (scaled to 0? deleted? Pending pods = no capacity); the OpenCTI stack's last deployment; eks-container-insights-missing.", k.Namespace, w.Name)})
		m.alarm(ws, alarmSpec{id: "CrashLoop", name: w.Name + "-crash-loop", metric: crash, op: gte, threshold: 1, periods: n, missing: nobreak,
			meaning: fmt.Sprintf("A container of %s (tier %s) stays in CrashLoopBackOff (pod_container_status_waiting_reason_crash_loop_back_off): it keeps failing at start-up.", w.Name, w.Tier),
			check:   fmt.Sprintf("kubectl -n %s logs deploy/%s --previous and kubectl describe pod (exit code, OOMKilled); a configuration or secret change; the data services it connects to.", k.Namespace, w.Name)})
		widgets = append(widgets, graph(w.Name+": replicas desired / available", ci("replicas_desired", "Maximum"), ci("status_replicas_available", "Minimum")))
	}
	m.rows = append(m.rows, append([]awscloudwatch.IWidget{header("## Platform tiers: replicas\nDesired and available replicas per Deployment (Container Insights), node file systems.")},
		append(widgets, graph("Node file system used (%, fullest node)", fs))...))
}

// NodeFilesystemPercent is the node file system use (%) that alarms.
const NodeFilesystemPercent = 80
