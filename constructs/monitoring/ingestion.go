package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// IngestionScalingTarget is the ingestion tier that scales on the depth of
// the RabbitMQ queues: the worker-api Deployment whose pods each run a
// platform and WorkersPerPlatform workers (Container Insights), the broker's
// ready messages and consumers (AWS/AmazonMQ) and the tier's bounds.
type IngestionScalingTarget struct {
	// ClusterName of the EKS cluster. Required.
	ClusterName *string
	// Namespace of the worker-api Deployment. Required.
	Namespace string
	// Deployment is the worker-api Deployment, which Container Insights
	// publishes as PodName. Default: "opencti-worker-api".
	Deployment string
	// BrokerName is the Amazon MQ broker's name (dimension Broker). Required.
	BrokerName *string
	// MinReplicas and MaxReplicas bound the worker-api pods: the dashboard
	// marks both, and the backlog alarm fires only at MaxReplicas. Required,
	// 1 <= MinReplicas <= MaxReplicas.
	MinReplicas, MaxReplicas int
	// WorkersPerPlatform is the number of workers in every worker-api pod
	// (the dashboard's workers line is this times the pods). Required, 1 to 4.
	WorkersPerPlatform int
	// MessagesPerReplica is the waiting messages per pod the scaler aims at;
	// the dashboard marks where the tier reaches MaxReplicas. Default: 0 (no
	// mark).
	MessagesPerReplica int
	// Scaler is the queue scaler's operator, alarmed when no pod of it is
	// ready. Default: nil (no scaler alarm; the tier does not scale on the
	// queue).
	Scaler *ScalerTarget
}

// ScalerTarget names the Deployment of the queue scaler's operator.
type ScalerTarget struct {
	// Namespace of the operator. Default: "keda".
	Namespace string
	// Deployment of the operator (Container Insights PodName).
	// Default: "keda-operator".
	Deployment string
}

// ingestionScaling alarms when the backlog keeps growing while the tier runs
// at its maximum, and (with Scaler) when the scaler's operator is down; it
// adds the row "Ingestion scaling": waiting messages, consumers, worker-api
// pods and workers.
func (m *monitoring) ingestionScaling() {
	g := m.r.IngestionScaling
	if g == nil {
		return
	}
	t := m.r.thresholds
	scope := constructs.NewConstruct(m.Construct, jsii.String("IngestionScaling"))
	deployment := defaultString(g.Deployment, "opencti-worker-api")
	pods := func(period float64, label string) awscloudwatch.MathExpression {
		samples := metric(ContainerInsightsNamespace, "pod_status_ready", "SampleCount", period,
			map[string]*string{"ClusterName": g.ClusterName, "Namespace": jsii.String(g.Namespace), "PodName": jsii.String(deployment)})
		// The agent samples every pod every 60 s: samples x 60 / PERIOD is
		// the number of pods reporting, ready or not.
		return expression("samples * 60 / PERIOD(samples)", label, period, map[string]awscloudwatch.IMetric{"samples": samples})
	}
	broker := func(name string, period float64) awscloudwatch.Metric {
		return metric("AWS/AmazonMQ", name, "Maximum", period, map[string]*string{"Broker": g.BrokerName})
	}

	// At maximum scale and growing, period after period. DIFF has no value
	// for the first period of the range, hence one evaluation period more
	// than the periods that must breach.
	periods := t.IngestionBacklogGrowthMinutes / 5
	growingAtMax := expression(
		fmt.Sprintf("IF(pods >= %g, 1, 0) * IF(DIFF(ready) > 0, 1, 0)", float64(g.MaxReplicas)-0.5),
		"Backlog growing at maximum scale (1 = yes)", 300,
		map[string]awscloudwatch.IMetric{"pods": pods(300, deployment+" pods"), "ready": broker("MessageReadyCount", 300)})
	m.alarm(scope, alarmSpec{id: "BacklogGrowingAtMax", name: "ingestion-backlog-growing-at-max", metric: growingAtMax, op: gte, threshold: 1,
		periods: periods + 1, datapoints: periods, missing: nobreak,
		meaning: fmt.Sprintf("The ingestion tier has run at its maximum of %d worker-api pods (%d workers) and the waiting messages (MessageReadyCount, all queues) grew in %d 5-minute periods of the last %d: feeds publish faster than the most workers this deployment allows can import.",
			g.MaxReplicas, g.MaxReplicas*g.WorkersPerPlatform, periods, periods+1),
		check: "the worker-api pods' CPU and the OpenSearch alarms (the platforms, not the workers, may be the bottleneck); the per-queue view of the RabbitMQ console (which push_<connector> queue grows); then raise opencti.workerApi.maxReplicas and the ingestion pool's limits, or throttle the feed."})

	if s := g.Scaler; s != nil {
		ns, dep := defaultString(s.Namespace, "keda"), defaultString(s.Deployment, "keda-operator")
		dims := map[string]*string{"ClusterName": g.ClusterName, "Namespace": jsii.String(ns), "PodName": jsii.String(dep)}
		ready := expression("ready * 60 / PERIOD(ready)", dep+" pods ready", 300,
			map[string]awscloudwatch.IMetric{"ready": metric(ContainerInsightsNamespace, "pod_status_ready", "Sum", 300, dims)})
		m.alarm(scope, alarmSpec{id: "ScalerDown", name: "ingestion-scaler-down", metric: ready, op: lt, threshold: 1, periods: m.r.evaluationPeriods, missing: breach,
			meaning: fmt.Sprintf("No pod of the queue scaler (%s/%s) is ready: the ingestion tier cannot follow the backlog and stays at its current count.", ns, dep),
			check:   fmt.Sprintf("kubectl -n %s get pods and kubectl -n %s logs deploy/%s; the ScaledObject's conditions (kubectl -n %s describe scaledobject %s); the ingestion pool's capacity.", ns, ns, dep, g.Namespace, deployment)})
	}

	podCount := pods(60, deployment+" pods")
	workers := expression(fmt.Sprintf("%d * pods", g.WorkersPerPlatform), "workers", 60,
		map[string]awscloudwatch.IMetric{"pods": pods(60, "pods")})
	bounds := []*awscloudwatch.HorizontalAnnotation{
		{Value: jsii.Number(float64(g.MinReplicas)), Label: jsii.String(fmt.Sprintf("min %d pods", g.MinReplicas))},
		{Value: jsii.Number(float64(g.MaxReplicas)), Label: jsii.String(fmt.Sprintf("max %d pods", g.MaxReplicas))},
		{Value: jsii.Number(float64(g.MaxReplicas * g.WorkersPerPlatform)), Label: jsii.String(fmt.Sprintf("max %d workers", g.MaxReplicas*g.WorkersPerPlatform))},
	}
	var backlogMarks []*awscloudwatch.HorizontalAnnotation
	if g.MessagesPerReplica > 0 {
		backlogMarks = append(backlogMarks, &awscloudwatch.HorizontalAnnotation{
			Value: jsii.Number(float64(g.MessagesPerReplica * g.MaxReplicas)),
			Label: jsii.String(fmt.Sprintf("%d pods from here", g.MaxReplicas)),
		})
	}
	m.rows = append(m.rows, []awscloudwatch.IWidget{
		header(fmt.Sprintf("## Ingestion scaling\nworker-api pods, each with %d workers, follow the waiting messages of the push queues: %d to %d pods, %d to %d workers.",
			g.WorkersPerPlatform, g.MinReplicas, g.MaxReplicas, g.MinReplicas*g.WorkersPerPlatform, g.MaxReplicas*g.WorkersPerPlatform)),
		annotatedGraph("Waiting messages (all queues)", backlogMarks, broker("MessageReadyCount", 60)),
		graph("Consumers", broker("ConsumerCount", 60)),
		annotatedGraph("worker-api pods / workers", bounds, podCount, workers),
		graph("Backlog growing at maximum scale", growingAtMax),
	})
}

// annotatedGraph is a line graph with horizontal marks on its left axis.
func annotatedGraph(title string, marks []*awscloudwatch.HorizontalAnnotation, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title:           jsii.String(title),
		Left:            &metrics,
		LeftAnnotations: &marks,
		Width:           jsii.Number(6),
		Height:          jsii.Number(6),
	})
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// validateIngestionScaling reports every invalid field of the target.
func (r resolved) validateIngestionScaling(pr *problems.List) {
	g := r.IngestionScaling
	if g == nil {
		return
	}
	const f = "monitoring.MonitoringProps.IngestionScaling."
	if empty(g.ClusterName) {
		pr.Add(f+"ClusterName", g.ClusterName, "the EKS cluster's name")
	}
	if !isToken(g.Namespace) && !k8sName.MatchString(g.Namespace) {
		pr.Add(f+"Namespace", g.Namespace, "a Kubernetes namespace name")
	}
	if g.Deployment != "" && !k8sName.MatchString(g.Deployment) {
		pr.Add(f+"Deployment", g.Deployment, "a Kubernetes Deployment name")
	}
	if empty(g.BrokerName) {
		pr.Add(f+"BrokerName", g.BrokerName, "the broker's name")
	}
	if g.MinReplicas < 1 {
		pr.Add(f+"MinReplicas", g.MinReplicas, "at least 1")
	}
	if g.MaxReplicas < g.MinReplicas || g.MaxReplicas < 1 {
		pr.Add(f+"MaxReplicas", g.MaxReplicas, fmt.Sprintf("at least MinReplicas (%d)", g.MinReplicas))
	}
	if g.WorkersPerPlatform < 1 || g.WorkersPerPlatform > 4 {
		pr.Add(f+"WorkersPerPlatform", g.WorkersPerPlatform, "1 to 4")
	}
	if g.MessagesPerReplica < 0 {
		pr.Add(f+"MessagesPerReplica", g.MessagesPerReplica, "0 (no mark) or more")
	}
	if s := g.Scaler; s != nil {
		if s.Namespace != "" && !k8sName.MatchString(s.Namespace) {
			pr.Add(f+"Scaler.Namespace", s.Namespace, "a Kubernetes namespace name")
		}
		if s.Deployment != "" && !k8sName.MatchString(s.Deployment) {
			pr.Add(f+"Scaler.Deployment", s.Deployment, "a Kubernetes Deployment name")
		}
	}
}
