package charts_test

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/opencti-ha/opencti-ha/charts"
)

// endpoint is a pod (labels + namespace) or an address outside the cluster.
type endpoint struct {
	name      string
	labels    map[string]string
	namespace string
	ip        string
}

// A small NetworkPolicy evaluator (Kubernetes semantics: a pod is isolated in
// a direction once a policy of that type selects it; then a connection needs
// a rule that matches peer and port).
type policySet []networkingv1.NetworkPolicy

func (s synthesized) policies(t *testing.T) policySet {
	t.Helper()
	var out policySet
	for _, d := range s.find("NetworkPolicy", "") {
		var np networkingv1.NetworkPolicy
		decode(t, d, &np)
		out = append(out, np)
	}
	return out
}

func selects(t *testing.T, sel *metav1.LabelSelector, l map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return s.Matches(labels.Set(l))
}

func peerMatches(t *testing.T, peer networkingv1.NetworkPolicyPeer, policyNS string, e endpoint) bool {
	if peer.IPBlock != nil {
		if e.ip == "" {
			return false
		}
		prefix := netip.MustParsePrefix(peer.IPBlock.CIDR)
		addr := netip.MustParseAddr(e.ip)
		for _, ex := range peer.IPBlock.Except {
			if netip.MustParsePrefix(ex).Contains(addr) {
				return false
			}
		}
		return prefix.Contains(addr)
	}
	if e.labels == nil {
		return false
	}
	if peer.NamespaceSelector == nil {
		if e.namespace != policyNS {
			return false
		}
	} else if !selects(t, peer.NamespaceSelector, map[string]string{"kubernetes.io/metadata.name": e.namespace}) {
		return false
	}
	return peer.PodSelector == nil || selects(t, peer.PodSelector, e.labels)
}

func portMatches(ports []networkingv1.NetworkPolicyPort, proto corev1.Protocol, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp == proto && (p.Port == nil || p.Port.IntVal == port) {
			return true
		}
	}
	return false
}

func hasType(np networkingv1.NetworkPolicy, pt networkingv1.PolicyType) bool {
	for _, x := range np.Spec.PolicyTypes {
		if x == pt {
			return true
		}
	}
	return false
}

// ingress: may src open proto/port on the pod dst?
func (ps policySet) ingress(t *testing.T, src, dst endpoint, proto corev1.Protocol, port int32) bool {
	isolated := false
	for _, np := range ps {
		if np.Namespace != dst.namespace || !hasType(np, networkingv1.PolicyTypeIngress) || !selects(t, &np.Spec.PodSelector, dst.labels) {
			continue
		}
		isolated = true
		for _, r := range np.Spec.Ingress {
			if !portMatches(r.Ports, proto, port) {
				continue
			}
			if len(r.From) == 0 {
				return true
			}
			for _, peer := range r.From {
				if peerMatches(t, peer, np.Namespace, src) {
					return true
				}
			}
		}
	}
	return !isolated
}

// egress: may the pod src open proto/port to dst?
func (ps policySet) egress(t *testing.T, src, dst endpoint, proto corev1.Protocol, port int32) bool {
	isolated := false
	for _, np := range ps {
		if np.Namespace != src.namespace || !hasType(np, networkingv1.PolicyTypeEgress) || !selects(t, &np.Spec.PodSelector, src.labels) {
			continue
		}
		isolated = true
		for _, r := range np.Spec.Egress {
			if !portMatches(r.Ports, proto, port) {
				continue
			}
			if len(r.To) == 0 {
				return true
			}
			for _, peer := range r.To {
				if peerMatches(t, peer, np.Namespace, dst) {
					return true
				}
			}
		}
	}
	return !isolated
}

// connect: both the source's egress and the destination's ingress allow it.
func (ps policySet) connect(t *testing.T, src, dst endpoint, proto corev1.Protocol, port int32) bool {
	return ps.egress(t, src, dst, proto, port) && ps.ingress(t, src, dst, proto, port)
}

func podOf(t *testing.T, s synthesized, deployment string) endpoint {
	dep := s.deployment(t, deployment)
	return endpoint{name: deployment, labels: dep.Spec.Template.Labels, namespace: dep.Namespace}
}

// reach is one connection and whether the policies must allow it.
type reach struct {
	src, dst endpoint
	proto    corev1.Protocol
	port     int32
	want     bool
	check    func(*testing.T, endpoint, endpoint, corev1.Protocol, int32) bool
}

func TestNetworkPoliciesAdmitEachTierOnlyItsClients(t *testing.T) {
	ps := defaults.policies(t)
	ui, capi, wapi := podOf(t, defaults, charts.UIName), podOf(t, defaults, charts.ConnectorAPIName), podOf(t, defaults, charts.WorkerAPIName)
	conn := podOf(t, defaults, charts.ConnectorObjectName("import-document"))
	alb := endpoint{name: "alb", ip: "10.0.1.10"}
	internet := endpoint{name: "internet", ip: "198.51.100.7"}
	data := endpoint{name: "data", ip: "10.0.130.5"}
	s3 := endpoint{name: "s3", ip: "52.218.0.10"}
	dns := endpoint{name: "kube-dns", labels: map[string]string{"k8s-app": "kube-dns"}, namespace: "kube-system"}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP

	cases := []reach{
		// Ingress on the platform port.
		{alb, ui, tcp, 4000, true, ps.ingress},
		{internet, ui, tcp, 4000, false, ps.ingress},
		{wapi, ui, tcp, 4000, false, ps.connect},
		{conn, ui, tcp, 4000, false, ps.connect},
		{alb, capi, tcp, 4000, true, ps.ingress},
		{conn, capi, tcp, 4000, true, ps.connect},
		{wapi, capi, tcp, 4000, false, ps.connect},
		{ui, capi, tcp, 4000, false, ps.connect},
		// worker-api: its workers use the loopback interface of their own
		// pod; nothing else reaches its platform.
		{conn, wapi, tcp, 4000, false, ps.connect},
		{ui, wapi, tcp, 4000, false, ps.connect},
		{capi, wapi, tcp, 4000, false, ps.connect},
		{alb, wapi, tcp, 4000, false, ps.ingress},
		{alb, ui, tcp, 14269, false, ps.ingress},
		// Workers (in the worker-api pods) and connectors.
		{alb, wapi, tcp, 14270, false, ps.ingress},
		{ui, conn, tcp, 9095, false, ps.connect},
		{wapi, data, tcp, 5671, true, ps.egress},
		{conn, internet, tcp, 443, true, ps.egress},
		{conn, internet, tcp, 80, false, ps.egress},
		{conn, data, tcp, 5671, true, ps.egress},
		{conn, data, tcp, 6379, false, ps.egress},
		// Platform egress.
		{wapi, data, tcp, 6379, true, ps.egress},
		{ui, data, tcp, 5671, true, ps.egress},
		{capi, data, tcp, 443, true, ps.egress},
		{ui, data, tcp, 22, false, ps.egress},
		{wapi, s3, tcp, 443, true, ps.egress},
		{wapi, endpoint{name: "pod-identity", ip: "169.254.170.23"}, tcp, 80, true, ps.egress},
		{ui, internet, tcp, 80, false, ps.egress},
	}
	for _, pod := range []endpoint{ui, capi, wapi, conn} {
		cases = append(cases,
			reach{pod, dns, udp, 53, true, ps.egress},
			reach{pod, dns, tcp, 53, true, ps.egress},
			reach{pod, dns, tcp, 80, false, ps.egress},
		)
	}
	for _, c := range cases {
		if got := c.check(t, c.src, c.dst, c.proto, c.port); got != c.want {
			t.Errorf("%s -> %s %s/%d: allowed=%v, want %v", c.src.name, c.dst.name, c.proto, c.port, got, c.want)
		}
	}
}

func TestNetworkPoliciesDenyByDefaultAndAllowScraping(t *testing.T) {
	var deny *networkingv1.NetworkPolicy
	for _, np := range defaults.policies(t) {
		if np.Name == charts.DefaultDenyPolicyName {
			deny = &np
		}
	}
	if deny == nil || len(deny.Spec.PodSelector.MatchLabels) != 0 || len(deny.Spec.PodSelector.MatchExpressions) != 0 ||
		!hasType(*deny, networkingv1.PolicyTypeIngress) || !hasType(*deny, networkingv1.PolicyTypeEgress) ||
		len(deny.Spec.Ingress) != 0 || len(deny.Spec.Egress) != 0 {
		t.Fatalf("default deny policy: %+v", deny)
	}
	// A pod with no OpenCTI label is isolated both ways.
	stray := endpoint{name: "stray", labels: map[string]string{"app": "other"}, namespace: ns}
	if defaults.policies(t).ingress(t, endpoint{name: "alb", ip: "10.0.1.10"}, stray, corev1.ProtocolTCP, 80) {
		t.Error("a stray pod accepts traffic")
	}
	prometheus := endpoint{name: "prometheus", labels: map[string]string{"app": "prometheus"}, namespace: "monitoring"}
	scraper := endpoint{name: "scraper", labels: map[string]string{"app": "scraper"}, namespace: ns}
	for _, target := range []struct {
		name string
		port int32
	}{
		{charts.WorkerAPIName, 14269}, {charts.WorkerAPIName, 14270}, {charts.WorkerAPIName, 14271}, {charts.WorkerAPIName, 14272},
		{charts.ConnectorObjectName("feed-09"), 9095},
	} {
		if !large.policies(t).ingress(t, prometheus, podOf(t, large, target.name), corev1.ProtocolTCP, target.port) {
			t.Errorf("monitoring namespace cannot scrape %s:%d", target.name, target.port)
		}
		if !large.policies(t).ingress(t, scraper, podOf(t, large, target.name), corev1.ProtocolTCP, target.port) {
			t.Errorf("a pod of the namespace cannot scrape %s:%d", target.name, target.port)
		}
	}
	if large.policies(t).ingress(t, scraper, podOf(t, large, charts.WorkerAPIName), corev1.ProtocolTCP, 14273) {
		t.Error("worker-api admits a fourth worker port with three workers per pod")
	}
	if defaults.policies(t).ingress(t, prometheus, podOf(t, defaults, charts.WorkerAPIName), corev1.ProtocolTCP, 14269) {
		t.Error("another namespace may scrape although MonitoringNamespace is unset")
	}
}

// TestPlatformEgressOpensTheSMTPPortOnlyWhenSet: outbound e-mail reaches the
// SMTP port from every platform tier, and nothing else gains from it.
func TestPlatformEgressOpensTheSMTPPortOnlyWhenSet(t *testing.T) {
	smtp := endpoint{name: "smtp", ip: "52.30.1.2"}
	tcp := corev1.ProtocolTCP
	for _, tier := range platformNames {
		if defaults.policies(t).egress(t, podOf(t, defaults, tier), smtp, tcp, 465) {
			t.Errorf("%s reaches SMTP 465 without SMTP configured", tier)
		}
		ps := console.policies(t)
		pod := podOf(t, console, tier)
		if !ps.egress(t, pod, smtp, tcp, 465) {
			t.Errorf("%s cannot reach the SMTP port 465", tier)
		}
		if ps.egress(t, pod, smtp, tcp, 25) || ps.egress(t, pod, smtp, tcp, 587) {
			t.Errorf("%s reaches other SMTP ports", tier)
		}
	}
	for _, name := range []string{charts.ConnectorObjectName("import-document")} {
		if console.policies(t).egress(t, podOf(t, console, name), smtp, tcp, 465) {
			t.Errorf("%s reaches the SMTP port", name)
		}
	}
}
