package monitoring

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// ConnectorsTarget is every connector Deployment of the OpenCTI namespace,
// watched with CloudWatch Metrics Insights queries grouped by Deployment
// (Container Insights PodName) instead of one alarm and two graphs per
// connector: the Monitoring template stays the same size whatever the
// number of connectors, and a connector added later is watched as soon as it
// publishes metrics.
type ConnectorsTarget struct {
	// ClusterName of the EKS cluster. Required.
	ClusterName *string
	// Namespace of the connectors. Required.
	Namespace string
	// NotConnectors are the other workloads (Deployments and Jobs, as
	// Container Insights names them in PodName) of the namespace, which the
	// queries leave out: the platform tiers have alarms of their own, and a
	// finished Job's pod is never ready. Default: none.
	NotConnectors []string
	// Count is the number of connectors, said on the dashboard. Required:
	// 1 to MaxConnectorContributors.
	Count int
	// Top is how many connectors each dashboard graph shows, worst first.
	// Default: DefaultConnectorsTop.
	Top int
}

// MaxConnectorContributors is the most connectors one Metrics Insights
// alarm evaluates (monitoringspec.MaxConnectors).
const MaxConnectorContributors = monitoringspec.MaxConnectors

// DefaultConnectorsTop is how many connectors a dashboard graph shows by
// default.
const DefaultConnectorsTop = 20

// connectors alarms on every connector with two multi time series alarms
// (Metrics Insights, GROUP BY PodName: each connector's Deployment is a
// contributor of its own, in ALARM or OK on its own, named in the alarm's
// state reason and contributors) and adds the row "Connectors": CPU and
// memory (% of limit), restarts and readiness, the worst Top connectors of
// each.
func (m *monitoring) connectors() {
	c := m.r.Connectors
	if c == nil {
		return
	}
	t, n := m.r.thresholds, m.r.evaluationPeriods
	top := c.Top
	if top == 0 {
		top = DefaultConnectorsTop
	}
	scope := constructs.NewConstruct(m.Construct, jsii.String("Connectors"))
	query := func(fn, metricName, order string, limit int) string {
		q := fmt.Sprintf("SELECT %s(%s) FROM SCHEMA(%s, ClusterName, Namespace, PodName) WHERE %s GROUP BY PodName",
			fn, metricName, ContainerInsightsNamespace, connectorsWhere(*c.ClusterName, c.Namespace, c.NotConnectors))
		if order != "" {
			q += fmt.Sprintf(" ORDER BY %s() %s LIMIT %d", fn, order, limit)
		}
		return q
	}
	insights := func(q, label string) awscloudwatch.MathExpression {
		return expression(q, label, 300, nil)
	}
	m.alarm(scope, alarmSpec{id: "Restarts", name: "connectors-restarts",
		metric: insights(query("SUM", "pod_number_of_container_restarts", "", 0), "restarts per connector"),
		op:     gte, threshold: float64(t.PodRestarts), missing: nobreak,
		meaning: "Containers of a connector restarted at least the threshold times in 5 minutes: crash loop, out-of-memory kill or failing liveness probe. One alarm covers every connector: each connector Deployment (PodName opencti-connector-<name>) is a contributor, and the state reason and the alarm's contributors name those in ALARM.",
		check:   fmt.Sprintf("the contributors in ALARM (CloudWatch console, or aws cloudwatch describe-alarm-contributors), then kubectl -n %s describe pod -l opencti-ha/connector=<name> (Last State: OOMKilled?) and kubectl logs --previous; the connector's source and its secret.", c.Namespace)})
	m.alarm(scope, alarmSpec{id: "PodsNotReady", name: "connectors-not-ready",
		metric: insights(query("AVG", "pod_status_ready", "", 0), "ready share per connector"),
		op:     lt, threshold: 1, periods: n, missing: nobreak,
		meaning: "A connector's pods were not all Ready for several 5-minute periods (average of pod_status_ready under 1): the connector is not running, or waits for its platform or its token. One alarm covers every connector: each connector Deployment (PodName opencti-connector-<name>) is a contributor, and the state reason and the alarm's contributors name those in ALARM.",
		check:   fmt.Sprintf("the contributors in ALARM, then kubectl -n %s get pods -l app.kubernetes.io/component=connector and kubectl describe pod (init containers wait for the connector-api tier and the token; Pending = no capacity); the connector-api alarms.", c.Namespace)})

	graphOf := func(title, fn, metricName, order string) awscloudwatch.IWidget {
		return graph(fmt.Sprintf("%s (%d %s)", title, top, map[string]string{"DESC": "highest", "ASC": "lowest"}[order]),
			insights(query(fn, metricName, order, top), ""))
	}
	m.rows = append(m.rows, []awscloudwatch.IWidget{
		header(fmt.Sprintf("## Tier connectors\n%d connectors, each graph one Metrics Insights query grouped by Deployment (PodName), worst %d shown; the two connector alarms have one contributor per connector.", c.Count, top)),
		graphOf("Connectors: CPU % of limit", "MAX", "pod_cpu_utilization_over_pod_limit", "DESC"),
		graphOf("Connectors: memory % of limit", "MAX", "pod_memory_utilization_over_pod_limit", "DESC"),
		graphOf("Connectors: restarts", "SUM", "pod_number_of_container_restarts", "DESC"),
		graphOf("Connectors: ready share", "AVG", "pod_status_ready", "ASC"),
	})
}

// connectorsWhere is the WHERE clause of the connector queries: the cluster,
// the namespace, and every PodName that is not a connector left out.
func connectorsWhere(cluster, namespace string, notConnectors []string) string {
	parts := []string{"ClusterName = '" + cluster + "'", "Namespace = '" + namespace + "'"}
	for _, w := range notConnectors {
		parts = append(parts, "PodName != '"+w+"'")
	}
	return strings.Join(parts, " AND ")
}

// validateConnectors reports every invalid field of the target.
func (r resolved) validateConnectors(pr *problems.List) {
	c := r.Connectors
	if c == nil {
		return
	}
	const f = "monitoring.MonitoringProps.Connectors."
	if empty(c.ClusterName) {
		pr.Add(f+"ClusterName", c.ClusterName, "the EKS cluster's name")
	}
	if !isToken(c.Namespace) && !k8sName.MatchString(c.Namespace) {
		pr.Add(f+"Namespace", c.Namespace, "a Kubernetes namespace name")
	}
	for i, w := range c.NotConnectors {
		if !k8sName.MatchString(w) {
			pr.Add(fmt.Sprintf("%sNotConnectors[%d]", f, i), w, "a Kubernetes workload name")
		}
	}
	if c.Count < 1 || c.Count > MaxConnectorContributors {
		pr.Add(f+"Count", c.Count, fmt.Sprintf("1 to %d (the time series one Metrics Insights alarm evaluates)", MaxConnectorContributors))
	}
	if c.Top < 0 || c.Top > 500 {
		pr.Add(f+"Top", c.Top, "0 (the default, 20) to 500")
	}
}
