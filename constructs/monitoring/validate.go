package monitoring

import (
	"errors"
	"fmt"
	"net/mail"
	"reflect"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
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
	r.thresholds = DefaultThresholds()
	if r.Thresholds != nil {
		r.thresholds = *r.Thresholds
	}
	r.evaluationPeriods = 3
	if r.EvaluationPeriods != nil {
		r.evaluationPeriods = *r.EvaluationPeriods
	}
	if r.RemovalPolicy == "" {
		r.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}
	if r.LogRetention == "" {
		r.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
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
	var errs []error
	add := func(field string, value any, want string) {
		errs = append(errs, fmt.Errorf("%s: got %v, want %s", field, show(value), want))
	}
	for i, e := range r.AlarmEmails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
			add(fmt.Sprintf("AlarmEmails[%d]", i), e, "an e-mail address such as ops@example.com")
		}
	}
	if r.evaluationPeriods < 1 || r.evaluationPeriods > 60 {
		add("EvaluationPeriods", r.evaluationPeriods, "1 to 60")
	}
	t := reflect.ValueOf(r.thresholds)
	for i := 0; i < t.NumField(); i++ {
		v := t.Field(i).Float()
		name := t.Type().Field(i).Name
		if v < 0 || (v == 0 && name != "RedisEvictions") {
			add("Thresholds."+name, v, "a positive number (RedisEvictions may be 0)")
		}
	}
	if o := r.OpenSearch; o != nil && empty(o.DomainName) {
		add("OpenSearch.DomainName", o.DomainName, "the domain's name")
	}
	if rd := r.Redis; rd != nil {
		if empty(rd.ReplicationGroupID) {
			add("Redis.ReplicationGroupID", rd.ReplicationGroupID, "the replication group ID")
		}
		if len(rd.NodeIDs) == 0 {
			add("Redis.NodeIDs", []string{}, "at least one node ID")
		}
		for i, n := range rd.NodeIDs {
			if empty(n) {
				add(fmt.Sprintf("Redis.NodeIDs[%d]", i), n, "a cache cluster ID")
			}
		}
	}
	if b := r.Broker; b != nil && empty(b.BrokerName) {
		add("Broker.BrokerName", b.BrokerName, "the broker's name")
	}
	seen := map[string]bool{}
	for i, lb := range r.LoadBalancers {
		f := fmt.Sprintf("LoadBalancers[%d]", i)
		if !pascalRe.MatchString(lb.ID) {
			add(f+".ID", lb.ID, "a PascalCase construct ID of up to 31 letters and digits")
		} else if seen[lb.ID] {
			add(f+".ID", lb.ID, "an ID used once")
		}
		seen[lb.ID] = true
		if !isToken(lb.LoadBalancerName) && !albName.MatchString(lb.LoadBalancerName) {
			add(f+".LoadBalancerName", lb.LoadBalancerName, "an ALB name: 1-32 letters, digits and hyphens, not starting or ending with a hyphen")
		}
	}
	if k := r.Kubernetes; k != nil {
		if empty(k.ClusterName) {
			add("Kubernetes.ClusterName", k.ClusterName, "the EKS cluster's name")
		}
		if !isToken(k.Namespace) && !k8sName.MatchString(k.Namespace) {
			add("Kubernetes.Namespace", k.Namespace, "a Kubernetes namespace name")
		}
		if len(k.Workloads) == 0 {
			add("Kubernetes.Workloads", []string{}, "at least one Deployment")
		}
		names := map[string]bool{}
		for i, w := range k.Workloads {
			f := fmt.Sprintf("Kubernetes.Workloads[%d]", i)
			if w.Tier == "" {
				add(f+".Tier", w.Tier, "a tier label such as ui")
			}
			if !k8sName.MatchString(w.Name) {
				add(f+".Name", w.Name, "a Kubernetes Deployment name")
			} else if names[w.Name] {
				add(f+".Name", w.Name, "a Deployment listed once")
			}
			names[w.Name] = true
		}
	}
	if s := r.Storage; s != nil && empty(s.BucketName) {
		add("Storage.BucketName", s.BucketName, "the bucket's name")
	}
	return errors.Join(errs...)
}

func empty(s *string) bool { return s == nil || *s == "" }

func isToken(s string) bool { return *awscdk.Token_IsUnresolved(jsii.String(s)) }

func show(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case *string:
		if x == nil {
			return "nothing"
		}
		return fmt.Sprintf("%q", *x)
	default:
		return fmt.Sprintf("%v", x)
	}
}
