package charts

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

// NewNamespaceChart creates the Namespace (Pod Security "restricted",
// ALB pod readiness gates on), the platform and connector ServiceAccounts
// (no API token mounted; the workers run in the worker-api pods, with the
// platform's), the default-deny and DNS NetworkPolicies and the ExternalSecrets
// of the platform and worker Secrets (each connector's ExternalSecret sits
// next to its Deployment; see SecretLayout). Attach it first.
func NewNamespaceChart(scope constructs.Construct, id string, props *Props) (cdk8s.Chart, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	return newNamespaceChart(scope, id, props.withDefaults()), nil
}

func newNamespaceChart(scope constructs.Construct, id string, p *Props) cdk8s.Chart {
	// No chart-wide namespace: cdk8s would also stamp it on the cluster-scoped
	// Namespace. Every namespaced object below sets its namespace itself.
	chart := cdk8s.NewChart(scope, jsii.String(id), &cdk8s.ChartProps{DisableResourceNameHashes: jsii.Bool(true)})
	if p.built != nil {
		p.built.chart(chart, "")
	}
	labels := baseLabels(p)
	labels["pod-security.kubernetes.io/enforce"] = "restricted"
	labels["pod-security.kubernetes.io/enforce-version"] = "v1.34"
	// The AWS Load Balancer Controller adds readiness gates to the pods behind
	// an ALB, so a rollout waits until new targets are healthy in the ALB.
	labels["elbv2.k8s.aws/pod-readiness-gate-inject"] = "enabled"
	object{apiVersion: "v1", kind: "Namespace", name: *p.Namespace, labels: labels}.add(p, chart, "Namespace")

	sa := p.ServiceAccounts
	for _, s := range []struct {
		id, name, component string
		annotations         map[string]string
	}{
		{"PlatformServiceAccount", *sa.Platform, "platform", sa.PlatformAnnotations},
		{"ConnectorServiceAccount", *sa.Connector, ComponentConnector, sa.ConnectorAnnotations},
	} {
		l := baseLabels(p)
		l[LabelComponent] = s.component
		object{
			apiVersion: "v1", kind: "ServiceAccount", name: s.name, namespace: *p.Namespace,
			labels: l, annotations: s.annotations,
			// OpenCTI never calls the Kubernetes API; Pod Identity and IRSA mount
			// their own token.
			fields: map[string]any{"automountServiceAccountToken": false},
		}.add(p, chart, s.id)
	}
	addBaselineNetworkPolicies(chart, p)
	addExternalSecret(chart, p, platformSecretSpec(p))
	addExternalSecret(chart, p, workerSecretSpec(p))
	return chart
}
