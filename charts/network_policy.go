package charts

import (
	"github.com/aws/constructs-go/constructs/v10"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Names of the namespace-wide NetworkPolicies.
const (
	// DefaultDenyPolicyName denies all ingress and egress of every pod in the
	// namespace; the per-workload policies then allow what each tier needs.
	DefaultDenyPolicyName = "opencti-default-deny"
	// DNSEgressPolicyName lets every pod query kube-dns.
	DNSEgressPolicyName = "opencti-allow-dns"
)

// podIdentityAgentCIDR is the EKS Pod Identity agent on every node, where the
// platform's AWS SDK fetches the credentials for S3.
const podIdentityAgentCIDR = "169.254.170.23/32"

// tcpPorts lists TCP ports in the given order, without duplicates.
func tcpPorts(ports ...int32) []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	seen := map[int32]bool{}
	for _, p := range ports {
		if !seen[p] {
			seen[p] = true
			out = append(out, networkingv1.NetworkPolicyPort{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt32(p))})
		}
	}
	return out
}

func cidrPeers(cidrs []string) []networkingv1.NetworkPolicyPeer {
	out := make([]networkingv1.NetworkPolicyPeer, len(cidrs))
	for i, c := range cidrs {
		out[i] = networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: c}}
	}
	return out
}

func podPeer(component string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
		LabelName: "opencti", LabelComponent: component,
	}}}
}

// metricsIngress lets Prometheus scrape ports from the OpenCTI namespace
// and, when set, from MonitoringNamespace.
func metricsIngress(p *Props, ports ...int32) networkingv1.NetworkPolicyIngressRule {
	from := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}
	if p.MonitoringNamespace != nil {
		from = append(from, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"kubernetes.io/metadata.name": *p.MonitoringNamespace},
		}})
	}
	return networkingv1.NetworkPolicyIngressRule{From: from, Ports: tcpPorts(ports...)}
}

func addNetworkPolicy(scope constructs.Construct, p *Props, id, name string, labels map[string]string, spec networkingv1.NetworkPolicySpec) {
	object{
		apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", name: name, namespace: *p.Namespace,
		labels: labels, fields: map[string]any{"spec": spec},
	}.add(p, scope, id)
}

var bothDirections = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}

// addBaselineNetworkPolicies denies everything in the namespace, then allows
// DNS to kube-dns (UDP and TCP 53) for every pod.
func addBaselineNetworkPolicies(scope constructs.Construct, p *Props) {
	labels := baseLabels(p)
	addNetworkPolicy(scope, p, "DefaultDenyNetworkPolicy", DefaultDenyPolicyName, labels, networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{},
		PolicyTypes: bothDirections,
	})
	addNetworkPolicy(scope, p, "DnsNetworkPolicy", DNSEgressPolicyName, labels, networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			To: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
				PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
			}},
			Ports: []networkingv1.NetworkPolicyPort{
				{Protocol: ptr(corev1.ProtocolUDP), Port: ptr(intstr.FromInt32(53))},
				{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt32(53))},
			},
		}},
	})
}

// addPlatformNetworkPolicies admits each tier's clients only: ui from the
// load balancer, connector-api from the load balancer, the connectors and
// (with Identities) the identities Job, worker-api from nobody (its workers
// reach it on the loopback interface of their own pod, which no
// NetworkPolicy sees) but metrics scrapers, on the platform's and the
// workers' metrics ports. All tiers may reach the data services (the workers
// of worker-api need RabbitMQ on 5671), S3 and the identity provider over
// HTTPS, the Pod Identity agent and, when SMTP is
// set, its port.
func addPlatformNetworkPolicies(scope constructs.Construct, p *Props) {
	egress := []networkingv1.NetworkPolicyEgressRule{
		{To: cidrPeers(p.DataServiceCIDRs), Ports: tcpPorts(443, *p.Endpoints.RedisPort, *p.Endpoints.RabbitMQPort, *p.Endpoints.RabbitMQManagementPort)},
		{To: cidrPeers(p.PlatformHTTPSEgressCIDRs), Ports: tcpPorts(443)},
		{To: cidrPeers([]string{podIdentityAgentCIDR}), Ports: tcpPorts(80)},
	}
	if p.SMTP != nil {
		// Outbound e-mail: the SMTP port only, and only when SMTP is set.
		egress = append(egress, networkingv1.NetworkPolicyEgressRule{To: cidrPeers(p.SMTP.EgressCIDRs), Ports: tcpPorts(*p.SMTP.Port)})
	}
	clients := map[string][]networkingv1.NetworkPolicyPeer{
		ComponentUI:           cidrPeers(p.LoadBalancerCIDRs),
		ComponentConnectorAPI: append(cidrPeers(p.LoadBalancerCIDRs), podPeer(ComponentConnector)),
	}
	if *p.Identities.Enabled {
		// The identities Job provisions through connector-api.
		clients[ComponentConnectorAPI] = append(clients[ComponentConnectorAPI], podPeer(ComponentIdentities))
	}
	for _, t := range platformTiers(p) {
		ingress := []networkingv1.NetworkPolicyIngressRule{
			metricsIngress(p, append([]int32{PlatformMetricsPort}, workerMetricsPorts(p)...)...),
		}
		if from, ok := clients[t.component]; ok {
			ingress = []networkingv1.NetworkPolicyIngressRule{
				{From: from, Ports: tcpPorts(PlatformPort)},
				metricsIngress(p, PlatformMetricsPort),
			}
		}
		addNetworkPolicy(scope, p, t.id+"NetworkPolicy", t.name, objectLabels(p, t.component, ""), networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selectorLabels(t.component, "")},
			PolicyTypes: bothDirections,
			Ingress:     ingress,
			Egress:      egress,
		})
	}
}

// addConnectorNetworkPolicy lets every connector reach connector-api,
// RabbitMQ (connectors publish bundles to their queue directly) and HTTPS
// anywhere (external feeds).
func addConnectorNetworkPolicy(scope constructs.Construct, p *Props) {
	labels := baseLabels(p)
	labels[LabelComponent] = ComponentConnector
	addNetworkPolicy(scope, p, "ConnectorNetworkPolicy", "opencti-connectors", labels, networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{LabelName: "opencti", LabelComponent: ComponentConnector}},
		PolicyTypes: bothDirections,
		Ingress:     []networkingv1.NetworkPolicyIngressRule{metricsIngress(p, ConnectorMetricsPort)},
		Egress: []networkingv1.NetworkPolicyEgressRule{
			{To: []networkingv1.NetworkPolicyPeer{podPeer(ComponentConnectorAPI)}, Ports: tcpPorts(PlatformPort)},
			{To: cidrPeers(p.DataServiceCIDRs), Ports: tcpPorts(*p.Endpoints.RabbitMQPort)},
			{To: cidrPeers([]string{"0.0.0.0/0"}), Ports: tcpPorts(443)},
		},
	})
}

// addIdentitiesNetworkPolicy lets the identities Job reach connector-api
// (OpenCTI's GraphQL API and /health) and the Kubernetes API on 443
// (Identities.KubernetesAPICIDRs); nothing reaches it.
func addIdentitiesNetworkPolicy(scope constructs.Construct, p *Props) {
	addNetworkPolicy(scope, p, "IdentitiesNetworkPolicy", IdentitiesName, objectLabels(p, ComponentIdentities, ""), networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: selectorLabels(ComponentIdentities, "")},
		PolicyTypes: bothDirections,
		Egress: []networkingv1.NetworkPolicyEgressRule{
			{To: []networkingv1.NetworkPolicyPeer{podPeer(ComponentConnectorAPI)}, Ports: tcpPorts(PlatformPort)},
			{To: cidrPeers(p.Identities.KubernetesAPICIDRs), Ports: tcpPorts(443)},
		},
	})
}
