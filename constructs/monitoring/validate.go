package monitoring

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// resolved is MonitoringProps with every default filled in.
type resolved struct {
	MonitoringProps
	thresholds        Thresholds
	evaluationPeriods int
}

var (
	pascalRe = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,30}$`)
	k8sName  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	albName  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)
)

// withDefaults copies props and fills in every default; the caller's props
// are never modified.
func withDefaults(p *MonitoringProps) resolved {
	r := resolved{}
	if p != nil {
		r.MonitoringProps = *p
	}
	r.AlarmEmails = append([]string(nil), r.AlarmEmails...)
	r.LoadBalancers = append([]LoadBalancerTarget(nil), r.LoadBalancers...)
	for i := range r.LoadBalancers {
		if r.LoadBalancers[i].Label == "" {
			r.LoadBalancers[i].Label = r.LoadBalancers[i].ID
		}
	}
	r.thresholds = defaults.Of(r.Thresholds, DefaultThresholds())
	r.evaluationPeriods = defaults.Of(r.EvaluationPeriods, monitoringspec.DefaultEvaluationPeriods)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_DESTROY)
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_ONE_MONTH)
	if r.OpenSearch != nil {
		o := *r.OpenSearch
		if o.AlarmOnYellow == nil {
			o.AlarmOnYellow = jsii.Bool(true)
		}
		r.OpenSearch = &o
	}
	return r
}

// validate reports every problem of r at once, each naming the field, the
// value and what is allowed. Unresolved tokens are not checked.
func (r resolved) validate() error {
	const f = "monitoring.MonitoringProps."
	pr := &problems.List{}
	monitoringspec.CheckAlarmEmails(pr, func(i int) string { return fmt.Sprintf(f+"AlarmEmails[%d]", i) }, r.AlarmEmails)
	monitoringspec.CheckEvaluationPeriods(pr, f+"EvaluationPeriods", r.evaluationPeriods)
	r.thresholds.Check(pr, problems.GoNames(f+"Thresholds."), monitoringspec.Limits{})
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	if c := r.DimensionCheckMinutes; c != nil && (*c < 0 || *c > MaxDimensionCheckMinutes) {
		pr.Add(f+"DimensionCheckMinutes", *c, fmt.Sprintf("0 (no deploy-time check) to %d minutes", MaxDimensionCheckMinutes))
	}
	if o := r.OpenSearch; o != nil {
		if empty(o.DomainName) {
			pr.Add(f+"OpenSearch.DomainName", o.DomainName, "the domain's name")
		}
		if r.thresholds.FreeStorageMiB(o.VolumeSizeGiB) == 0 {
			pr.Add(f+"OpenSearch.VolumeSizeGiB", o.VolumeSizeGiB, "the data node volume (GiB) when Thresholds.OpenSearchFreeStorageMiB is 0 (25% of it)")
		}
		if o.DataNodes < 0 || o.MasterNodes < 0 || o.VolumeSizeGiB < 0 {
			pr.Add(f+"OpenSearch", fmt.Sprintf("DataNodes %d, MasterNodes %d, VolumeSizeGiB %d", o.DataNodes, o.MasterNodes, o.VolumeSizeGiB), "counts and sizes of 0 or more")
		}
	}
	if rd := r.Redis; rd != nil {
		if empty(rd.ReplicationGroupID) {
			pr.Add(f+"Redis.ReplicationGroupID", rd.ReplicationGroupID, "the replication group ID")
		}
		if len(rd.NodeIDs) == 0 {
			pr.Add(f+"Redis.NodeIDs", []string{}, "at least one node ID")
		}
		for i, n := range rd.NodeIDs {
			if empty(n) {
				pr.Add(fmt.Sprintf(f+"Redis.NodeIDs[%d]", i), n, "a cache cluster ID")
			}
		}
	}
	if b := r.Broker; b != nil {
		if empty(b.BrokerName) {
			pr.Add(f+"Broker.BrokerName", b.BrokerName, "the broker's name")
		}
		if b.ExpectedConsumers < 0 {
			pr.Add(f+"Broker.ExpectedConsumers", b.ExpectedConsumers, "0 (no alarm) or more")
		}
	}
	seen := map[string]bool{}
	for i, lb := range r.LoadBalancers {
		lf := fmt.Sprintf(f+"LoadBalancers[%d]", i)
		if !pascalRe.MatchString(lb.ID) {
			pr.Add(lf+".ID", lb.ID, "a PascalCase construct ID of up to 31 letters and digits")
		} else if seen[lb.ID] {
			pr.Add(lf+".ID", lb.ID, "an ID used once")
		}
		seen[lb.ID] = true
		if lb.Scheme != "" && lb.Scheme != "internet-facing" && lb.Scheme != "internal" {
			pr.Add(lf+".Scheme", lb.Scheme, `"", "internet-facing" or "internal"`)
		}
		if !isToken(lb.LoadBalancerName) && !albName.MatchString(lb.LoadBalancerName) {
			pr.Add(lf+".LoadBalancerName", lb.LoadBalancerName, "an ALB name: 1-32 letters, digits and hyphens, not starting or ending with a hyphen")
		}
	}
	if k := r.Kubernetes; k != nil {
		if empty(k.ClusterName) {
			pr.Add(f+"Kubernetes.ClusterName", k.ClusterName, "the EKS cluster's name")
		}
		if !isToken(k.Namespace) && !k8sName.MatchString(k.Namespace) {
			pr.Add(f+"Kubernetes.Namespace", k.Namespace, "a Kubernetes namespace name")
		}
		if len(k.Workloads) == 0 {
			pr.Add(f+"Kubernetes.Workloads", []string{}, "at least one Deployment")
		}
		names := map[string]bool{}
		for i, w := range k.Workloads {
			wf := fmt.Sprintf(f+"Kubernetes.Workloads[%d]", i)
			if w.Tier == "" {
				pr.Add(wf+".Tier", w.Tier, "a tier label such as ui")
			}
			if !k8sName.MatchString(w.Name) {
				pr.Add(wf+".Name", w.Name, "a Kubernetes Deployment name")
			} else if names[w.Name] {
				pr.Add(wf+".Name", w.Name, "a Deployment listed once")
			}
			names[w.Name] = true
			if w.MinReplicas < 0 {
				pr.Add(wf+".MinReplicas", w.MinReplicas, "0 (default 1) or more")
			}
		}
	}
	if s := r.Storage; s != nil && empty(s.BucketName) {
		pr.Add(f+"Storage.BucketName", s.BucketName, "the bucket's name")
	}
	r.validateIngestionScaling(pr)
	r.validateConnectors(pr)
	r.validateRecovery(pr, f)
	return pr.Err()
}

func empty(s *string) bool { return s == nil || *s == "" }

func isToken(s string) bool { return *awscdk.Token_IsUnresolved(jsii.String(s)) }
