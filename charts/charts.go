package charts

import (
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

// Charts are the OpenCTI charts in one cdk8s App. Attach them with
// cluster.AddCdk8sChart in the order of All: Namespace first (the namespace,
// ServiceAccounts and Secrets every pod needs), Ingress last. Name each
// manifest after its chart's ID (chart.Node().Id()), never after its position:
// a new connectors chart would otherwise rename, and replace, the Ingress.
type Charts struct {
	// Namespace holds the Namespace, ServiceAccounts, baseline
	// NetworkPolicies and ExternalSecrets.
	Namespace cdk8s.Chart
	// Platform holds the ui, connector-api and worker-api tiers; the
	// worker-api pods run the workers too.
	Platform cdk8s.Chart
	// Identities holds the identities Job's ServiceAccount and RBAC, the
	// admin token it alone reads, the token Secrets it writes and its
	// NetworkPolicy; nil when Props.Identities.Enabled is false.
	Identities cdk8s.Chart
	// IdentitiesTokens hold the empty token Secrets the identities Job
	// writes, identities.TokensPerChart per chart (IDs from
	// IdentitiesTokensChartID), applied before Identities; empty with
	// Identities disabled.
	IdentitiesTokens []cdk8s.Chart
	// IdentitiesScript holds the ConfigMap of the identities program's
	// script; nil with Identities.
	IdentitiesScript cdk8s.Chart
	// IdentitiesJob holds the identities Job and its spec and status
	// ConfigMaps; nil with Identities.
	IdentitiesJob cdk8s.Chart
	// Provisioning describes that Job for what waits on it; nil with
	// Identities.
	Provisioning *ProvisioningJob
	// Scaling holds the KEDA ScaledObject that scales the worker-api tier
	// on the depth of the push queues; nil without Props.QueueScaling.
	Scaling cdk8s.Chart
	// Connectors hold the connectors, ConnectorsPerChart per chart, in list
	// order; empty when Props.Connectors is empty.
	Connectors []cdk8s.Chart
	// Ingress holds the ui and api Ingresses.
	Ingress cdk8s.Chart
	// Secrets lists the Kubernetes Secrets the ExternalSecrets create.
	Secrets []KubernetesSecret

	built *builtObjects
}

// Manifest returns chart, one of c's charts, as the list of objects a
// KubernetesManifest takes: the objects cdk8s's chart.ToJson() gives (same
// values, same order), from the record NewCharts kept while it created them
// instead of from cdk8s, so that attaching every chart costs time in
// proportion to the charts, not to their square (see builtObjects). It
// reports false for a chart that is not one of c's and for a chart that
// has constructs added through cdk8s after NewCharts (the record would miss
// them); ManifestOf in charts/attach then asks cdk8s. A JSON patch or a
// label added through cdk8s to one of the objects is not seen.
func (c *Charts) Manifest(chart cdk8s.Chart) ([]map[string]any, bool) {
	if c.built == nil {
		return nil, false
	}
	objs, ok := c.built.manifest(chart)
	if !ok || len(*chart.Node().Children()) != len(objs) {
		return nil, false
	}
	return objs, true
}

// All returns the charts in attach (and apply) order: Namespace, Platform
// (with the workers in the worker-api pods), IdentitiesTokens...,
// Identities, IdentitiesScript and IdentitiesJob (when enabled), Scaling (with QueueScaling), Connectors..., Ingress. Wait
// for the identities Job between IdentitiesJob and the chart after it
// (charts/attach does): the connectors start, and the ingestion's scale
// changes, only once the Job has succeeded. The workers' pods need no such
// wait: they are in Platform, before the Job, and hold their workers back
// with an init container until the token is in its Secret.
func (c *Charts) All() []cdk8s.Chart {
	out := []cdk8s.Chart{c.Namespace, c.Platform}
	if c.Identities != nil {
		out = append(out, c.IdentitiesTokens...)
		out = append(out, c.Identities, c.IdentitiesScript, c.IdentitiesJob)
	}
	if c.Scaling != nil {
		out = append(out, c.Scaling)
	}
	out = append(out, c.Connectors...)
	return append(out, c.Ingress)
}

// NewCharts validates props (reporting every problem at once) and creates
// all charts in app, with the stable IDs NamespaceChartID, PlatformChartID,
// IdentitiesChartID and IdentitiesJobChartID (unless Identities are
// disabled), ScalingChartID (with QueueScaling), ConnectorsChartID(i) and
// IngressChartID. Each chart depends on the previous one, so a cdk8s synth
// writes them in apply order.
func NewCharts(app cdk8s.App, props *Props) (*Charts, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	p := props.withDefaults()
	p.built = newBuiltObjects()
	c := &Charts{
		built:     p.built,
		Namespace: newNamespaceChart(app, NamespaceChartID, p),
		Platform:  newPlatformChart(app, PlatformChartID, p),
	}
	if ic := newIdentitiesCharts(app, IdentitiesChartID, p); ic != nil {
		c.IdentitiesTokens, c.Identities, c.IdentitiesScript, c.IdentitiesJob, c.Provisioning = ic.tokens, ic.access, ic.script, ic.job, ic.info
	}
	if p.QueueScaling != nil {
		c.Scaling = newScalingChart(app, ScalingChartID, p)
	}
	c.Connectors = newConnectorsCharts(app, p)
	c.Ingress = newIngressChart(app, IngressChartID, p)
	all := c.All()
	for i := 1; i < len(all); i++ {
		all[i].AddDependency(all[i-1])
	}
	specs := secretSpecs(p)
	for _, s := range specs {
		keys := make([]string, len(s.entries))
		for j, e := range s.entries {
			keys[j] = e.key
		}
		c.Secrets = append(c.Secrets, KubernetesSecret{Name: s.name, Keys: keys})
	}
	return c, nil
}
