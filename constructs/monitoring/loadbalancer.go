package monitoring

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// loadBalancers alarms on each public ALB (namespace AWS/ApplicationELB).
// The load balancers are created at run time by the EKS load balancer
// controller, so their LoadBalancer dimension ("app/<name>/<id>") is unknown
// at synth: a custom resource resolves it from the name at deploy time (the
// Monitoring stack deploys after the manifests). Target 5xx and p95 latency
// use that dimension; target health uses CloudWatch Metrics Insights over all
// target groups of the load balancer (their IDs are unknown too). Every
// alarm treats missing data as not breaching: ELB reports most metrics only
// while requests flow (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html),
// so an idle api load balancer at night publishes nothing and must not page.
// A tier that is gone is reported by "<deployment>-replicas-missing"
// (tiers.go), a load balancer re-created under a new ID by the look-up
// following the Ingress (LoadBalancerLookupRevision) and the deploy-time
// dimension check.
func (m *monitoring) loadBalancers() {
	if len(m.r.LoadBalancers) == 0 {
		return
	}
	t, n := m.r.thresholds, m.r.evaluationPeriods
	scope := constructs.NewConstruct(m.Construct, jsii.String("LoadBalancers"))
	m.lookup = m.newALBLookup(scope)
	revision := "1"
	if m.r.LoadBalancerLookupRevision != nil {
		revision = *m.r.LoadBalancerLookupRevision
	}
	for _, lb := range m.r.LoadBalancers {
		dim := m.lookup.resolve(lb.ID+"Lookup", lb.LoadBalancerName, revision, lb.Scheme)
		elb := func(name, stat string) awscloudwatch.Metric {
			return metric("AWS/ApplicationELB", name, stat, 60, map[string]*string{"LoadBalancer": dim})
		}
		insights := func(fn, name, label string) awscloudwatch.MathExpression {
			return expression(`SELECT `+fn+`(`+name+`) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, TargetGroup) WHERE LoadBalancer = '`+*dim+`'`,
				label, 60, nil)
		}
		errors5xx := elb("HTTPCode_Target_5XX_Count", "Sum")
		p95 := elb("TargetResponseTime", "p95")
		requests := elb("RequestCount", "Sum")
		elb5xx := elb("HTTPCode_ELB_5XX_Count", "Sum")
		unhealthy := insights("MAX", "UnHealthyHostCount", "unhealthy targets (max over target groups)")
		healthy := insights("MIN", "HealthyHostCount", "healthy targets (min over target groups)")
		ls := constructs.NewConstruct(scope, jsii.String(lb.ID))
		name := "alb-" + strings.ToLower(lb.Label) + "-"
		who := lb.Label + " load balancer (" + lb.LoadBalancerName + ")"

		m.alarm(ls, alarmSpec{id: "Target5xx", name: name + "target-5xx", metric: errors5xx, op: gte, threshold: float64(t.AlbTarget5xxPerMinute), periods: n, missing: nobreak,
			meaning: "The OpenCTI pods behind the " + who + " answered at least the threshold of 5xx responses per minute for several minutes: users or API clients see errors.",
			check:   "the platform logs of that tier (kubectl logs) for GraphQL errors, and the OpenSearch, Redis and RabbitMQ alarms it depends on."})
		m.alarm(ls, alarmSpec{id: "LatencyP95", name: name + "latency-p95", metric: p95, op: gte, threshold: t.AlbP95LatencySeconds, periods: n, missing: nobreak,
			meaning: "The 95th percentile response time of the " + who + " stayed at or above the threshold (seconds): the tier is saturated or a dependency is slow.",
			check:   "the tier's CPU/memory row on the dashboard and its HPA (kubectl get hpa), OpenSearch CPU and JVM pressure, Redis engine CPU."})
		m.alarm(ls, alarmSpec{id: "UnhealthyTargets", name: name + "unhealthy-targets", metric: unhealthy, op: gte, threshold: float64(t.AlbUnhealthyHosts), periods: n, missing: nobreak,
			meaning: "At least the threshold of targets of the " + who + " fail their health check: those pods receive no traffic and capacity is reduced.",
			check:   "kubectl get pods and describe (readiness); the target group's health-check reason in the EC2 console; NetworkPolicies admitting the load balancer."})
		m.alarm(ls, alarmSpec{id: "Elb5xx", name: name + "elb-5xx", metric: elb5xx, op: gte, threshold: float64(t.AlbTarget5xxPerMinute), periods: n, missing: nobreak,
			meaning: "The " + who + " itself answered at least the threshold of 5xx responses per minute for several minutes (HTTPCode_ELB_5XX_Count: 502/503/504 when no target answers in time or none is registered): users or API clients see errors that the pods never logged.",
			check:   "the target groups' health (kubectl get pods,endpointslices), pod restarts and readiness; the platform's timeouts against the ALB idle timeout; the access logs (elb_status_code, target_status_code)."})
		m.alarm(ls, alarmSpec{id: "TargetConnectionErrors", name: name + "target-connection-errors", metric: elb("TargetConnectionErrorCount", "Sum"), op: gte, threshold: float64(t.AlbTarget5xxPerMinute), periods: n, missing: nobreak,
			meaning: "The " + who + " failed to open connections to its targets at least the threshold of times per minute for several minutes (TargetConnectionErrorCount): pods are gone, overloaded, or a security group or NetworkPolicy blocks the load balancer.",
			check:   "kubectl get pods -o wide (pods terminating without a preStop delay?), the pods' security group and the NetworkPolicies admitting the load balancer."})
		m.alarm(ls, alarmSpec{id: "NoHealthyTargets", name: name + "no-healthy-targets", metric: healthy, op: lt, threshold: 1, missing: nobreak,
			meaning: "The " + who + " has no healthy target: the " + lb.Label + " hostname is down.",
			check: "kubectl get pods,ingress in the OpenCTI namespace. If the Ingress or its load balancer was re-created, its ID changed: increase " +
				"monitoring.loadBalancerLookupRevision in the configuration and deploy the Monitoring stack again."})

		m.rows = append(m.rows, []awscloudwatch.IWidget{
			header("## Load balancer " + lb.Label + " (" + lb.LoadBalancerName + ")"),
			graph("Requests / ELB 5xx / target 5xx", requests, elb5xx, errors5xx),
			graph("Target response time p95 (s)", p95),
			graph("Healthy / unhealthy targets", healthy, unhealthy),
		})
	}
}
