package monitoring

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ContainerInsightsNamespace is where the CloudWatch agent of the
// amazon-cloudwatch-observability add-on (Enhanced Container Insights,
// "Classic" pipeline) publishes.
const ContainerInsightsNamespace = "ContainerInsights"

// kubernetes alarms on the cluster's nodes and on each OpenCTI Deployment.
// Pod metrics use dimensions ClusterName, Namespace and PodName, where
// Container Insights sets PodName to the owning workload's name (the
// Deployment) and FullPodName to the pod's own name. The agent samples every
// 60 s, so PERIOD(m)/60 samples of each pod fall into a period.
func (m *monitoring) kubernetes() {
	k := m.r.Kubernetes
	if k == nil {
		return
	}
	t, n := m.r.thresholds, m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("Kubernetes"))
	cluster := map[string]*string{"ClusterName": k.ClusterName}
	failed := metric(ContainerInsightsNamespace, "cluster_failed_node_count", "Maximum", 300, cluster)
	nodes := metric(ContainerInsightsNamespace, "cluster_node_count", "Maximum", 300, cluster)

	m.alarm(scope, alarmSpec{id: "FailedNodes", name: "eks-failed-nodes", metric: failed, op: gte, threshold: float64(t.FailedNodes), periods: n, missing: nobreak,
		meaning: "At least the threshold of cluster nodes report a failing condition (NotReady, memory, disk or PID pressure): their pods are being evicted or cannot start.",
		check:   "kubectl get nodes and kubectl describe node <node> (Conditions, Events); EKS Auto Mode replaces unhealthy nodes, so check the NodePool limits and EC2 capacity in the zone."})
	m.alarm(scope, alarmSpec{id: "ContainerInsightsMissing", name: "eks-container-insights-missing", metric: nodes, op: lt, threshold: 1, periods: n, missing: breach,
		meaning: "Container Insights reports no node for the cluster: every Kubernetes alarm is blind (or the cluster has no node at all).",
		check:   "kubectl -n amazon-cloudwatch get pods (cloudwatch-agent DaemonSet) and the amazon-cloudwatch-observability add-on status (aws eks describe-addon); its Pod Identity role."})

	rows := map[string][]awscloudwatch.IWidget{}
	var tiers []string
	for _, w := range k.Workloads {
		dims := map[string]*string{"ClusterName": k.ClusterName, "Namespace": jsii.String(k.Namespace), "PodName": jsii.String(w.Name)}
		ci := func(name, stat string) awscloudwatch.Metric {
			return metric(ContainerInsightsNamespace, name, stat, 300, dims)
		}
		restarts := ci("pod_number_of_container_restarts", "Sum")
		notReady := expression("(samples - ready) * 60 / PERIOD(ready)", w.Name+" pods not ready", 300,
			map[string]awscloudwatch.IMetric{"samples": ci("pod_status_ready", "SampleCount"), "ready": ci("pod_status_ready", "Sum")})
		ws := constructs.NewConstruct(scope, jsii.String(pascal(w.Name)))
		m.alarm(ws, alarmSpec{id: "Restarts", name: w.Name + "-restarts", metric: restarts, op: gte, threshold: float64(t.PodRestarts), missing: nobreak,
			meaning: fmt.Sprintf("Containers of %s (tier %s) restarted at least the threshold times in 5 minutes: crash loop, out-of-memory kill or failing liveness probe.", w.Name, w.Tier),
			check:   fmt.Sprintf("kubectl -n %s get pods | grep %s, then kubectl describe pod (Last State: OOMKilled?) and kubectl logs --previous; the data services it depends on.", k.Namespace, w.Name)})
		m.alarm(ws, alarmSpec{id: "PodsNotReady", name: w.Name + "-pods-not-ready", metric: notReady, op: gte, threshold: float64(t.PodsNotReady), periods: n, missing: nobreak,
			meaning: fmt.Sprintf("On average at least the threshold of %s pods (tier %s) were not Ready for several 5-minute periods: the tier runs below its capacity or not at all.", w.Name, w.Tier),
			check:   fmt.Sprintf("kubectl -n %s get pods -o wide | grep %s and kubectl describe pod (readiness probe; Pending = no capacity); the platform's /health; OpenSearch, Redis and RabbitMQ alarms.", k.Namespace, w.Name)})
		if _, ok := rows[w.Tier]; !ok {
			tiers = append(tiers, w.Tier)
		}
		rows[w.Tier] = append(rows[w.Tier],
			graph(w.Name+": CPU / memory (% of limit)", ci("pod_cpu_utilization_over_pod_limit", "Average"), ci("pod_memory_utilization_over_pod_limit", "Average")),
			graph(w.Name+": restarts / not ready", restarts, notReady))
	}
	for _, tier := range tiers {
		m.rows = append(m.rows, append([]awscloudwatch.IWidget{header("## Tier " + tier + "\nOpenCTI Deployments of the " + tier + " tier (Container Insights).")}, rows[tier]...))
	}
	m.rows = append(m.rows, []awscloudwatch.IWidget{
		header("## EKS cluster"),
		graph("Nodes / failed nodes", nodes, failed),
		graph("Node CPU / memory (%)", metric(ContainerInsightsNamespace, "node_cpu_utilization", "Average", 300, cluster),
			metric(ContainerInsightsNamespace, "node_memory_utilization", "Average", 300, cluster)),
	})
}

// pascal turns a Kubernetes name ("opencti-worker-api") into a construct ID
// ("OpenctiWorkerApi").
func pascal(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
