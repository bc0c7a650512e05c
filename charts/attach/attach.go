// Package attach applies the OpenCTI charts (package charts) to an EKS
// cluster in CloudFormation, in the order they must be applied: one
// KubernetesManifest per chart, each after the one before, the namespace
// first and the Ingresses last, and, with identities, a gate
// (constructs/identitiesgate) between the identities Job and the charts
// after it (scaling, connectors) that fails the deploy with the Job's
// message. It is the only part of the charts
// that depends on aws-cdk-go; the charts themselves (and `make render`) never
// load aws-cdk-lib.
package attach

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/constructs/identitiesgate"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// Props configures Charts.
type Props struct {
	// Cluster the manifests are applied to (its kubectl provider applies
	// them). Required.
	Cluster awseksv2.ICluster
	// Charts are the OpenCTI charts (charts.NewCharts), applied in the order
	// of Charts.All(). Required.
	Charts *charts.Charts
	// IDPrefix starts each manifest's construct ID, followed by the chart's
	// stable ID ("ChartNamespace", ..., "ChartIngress"); construct IDs are a
	// deployed contract, never derived from positions. Default: "Chart".
	IDPrefix *string
	// SecretStore is what the first manifest waits for: the
	// ClusterSecretStore its ExternalSecrets use. Default: none.
	SecretStore constructs.IDependable
	// PlatformPodIdentity is what the platform chart waits for: the EKS Pod
	// Identity association of the platform service account (credentials are
	// injected when a pod starts). Default: none.
	PlatformPodIdentity constructs.IDependable
	// IngressClass is what the Ingress chart waits for: the IngressClass its
	// Ingresses name, so that on deletion the Ingresses (and the load
	// balancers they made) go before it. Default: none.
	IngressClass constructs.IDependable
	// ScalerDependsOn are what the Scaling chart (the worker-api
	// ScaledObject) waits for: the KEDA installation, whose CRDs it needs,
	// and the trigger authentication it names. Default: none.
	ScalerDependsOn []constructs.IDependable
	// DependsOn are what every manifest waits for, e.g. the pre-upgrade
	// OpenSearch snapshot of a new OpenCTI version. Default: none.
	DependsOn []constructs.IDependable
	// GateLogRetention and GateRemovalPolicy apply to the identities gate's
	// function logs. Default: see identitiesgate (one month, DESTROY).
	GateLogRetention  awslogs.RetentionDays
	GateRemovalPolicy awscdk.RemovalPolicy
	// ReadChartsFromCdk8s reads every chart's objects back from cdk8s
	// (chart.ToJson()) instead of taking what NewCharts recorded. Set it
	// when you changed objects of the charts through cdk8s after NewCharts
	// (a JSON patch, a label): the record does not see such a change, so
	// without it the cluster would get the objects as NewCharts made them
	// while `cdk8s synth` shows your change. It costs time that grows with
	// the square of the number of charts (each toJson resolves the whole
	// cdk8s App): about 6 s more at 300 connectors. Default: false.
	ReadChartsFromCdk8s bool
}

// IdentitiesGateID follows IDPrefix in the construct ID of the identities
// gate ("ChartIdentitiesGate"): scope.Node().FindChild(prefix +
// IdentitiesGateID).(identitiesgate.IdentitiesGate) returns it.
const IdentitiesGateID = "IdentitiesGate"

// Charts creates, in scope, one KubernetesManifest per chart of
// props.Charts, in apply order, each depending on the one before (the first
// on SecretStore), the platform chart on PlatformPodIdentity, the scaling
// chart on ScalerDependsOn, the Ingress chart on IngressClass and every one
// on DependsOn. With identities (Charts.Provisioning), the identities gate
// (ID IDPrefix+IdentitiesGateID) waits for the Job after the IdentitiesJob
// manifest, and the next manifest (Scaling, else the first connectors chart)
// depends on the gate: a failed provisioning fails the deploy with the Job's
// message before the ingestion's scale or any connector changes. (The
// workers run in the worker-api pods of the platform chart, before the Job:
// they wait for their token in an init container.) A changed object is
// replaced in place (overwrite) and objects a new version of a chart no
// longer has are pruned. The objects come from what NewCharts recorded
// (charts.Charts.Manifest, equal to cdk8s's chart.toJson() and without its
// cost, which grows with the square of the charts); a chart with
// constructs added through cdk8s after NewCharts comes from toJson; a JSON
// patch or label added to one of its objects afterwards is seen only with
// Props.ReadChartsFromCdk8s. It returns the
// manifests in apply order and panics
// with an *problems.InvalidProps, before creating anything, if props are
// invalid.
func Charts(scope constructs.Construct, props *Props) []awseksv2.KubernetesManifest {
	p := Props{}
	if props != nil {
		p = *props
	}
	defaults.Set(&p.IDPrefix, "Chart")
	pr := &problems.List{}
	if p.Cluster == nil {
		pr.Add("attach.Props.Cluster", p.Cluster, "the EKS cluster the charts are applied to")
	}
	if p.Charts == nil {
		pr.Add("attach.Props.Charts", p.Charts, "the OpenCTI charts (charts.NewCharts)")
	}
	problems.PanicIfInvalid("attach.Charts", *p.IDPrefix, pr.Err())

	var out []awseksv2.KubernetesManifest
	var prev constructs.IConstruct
	place := connectorsPlacement(scope, *p.IDPrefix, p.Charts)
	connectorsIndex := map[cdk8s.Chart]int{}
	for i, ch := range p.Charts.Connectors {
		connectorsIndex[ch] = i
	}
	for _, chart := range p.Charts.All() {
		id := *p.IDPrefix + *chart.Node().Id()
		manifest := manifestOf(p.Charts, chart, p.ReadChartsFromCdk8s)
		host := place(chart)
		m := awseksv2.NewKubernetesManifest(host, jsii.String(id), &awseksv2.KubernetesManifestProps{
			Cluster:  p.Cluster,
			Manifest: manifest,
			// A changed object is replaced in place; pruning removes objects
			// a new version of the chart no longer has.
			Overwrite: jsii.Bool(true),
			Prune:     jsii.Bool(true),
		})
		for _, d := range p.DependsOn {
			m.Node().AddDependency(d)
		}
		switch {
		case prev != nil:
			m.Node().AddDependency(prev)
		case p.SecretStore != nil:
			m.Node().AddDependency(p.SecretStore)
		}
		if chart == p.Charts.Platform && p.PlatformPodIdentity != nil {
			m.Node().AddDependency(p.PlatformPodIdentity)
		}
		if chart == p.Charts.Ingress && p.IngressClass != nil {
			m.Node().AddDependency(p.IngressClass)
		}
		if chart == p.Charts.Scaling {
			for _, d := range p.ScalerDependsOn {
				m.Node().AddDependency(d)
			}
		}
		if i, ok := connectorsIndex[chart]; ok && host != scope && i < PreviouslyInlineConnectorsCharts {
			tombstone(scope, id, p.Cluster, namespaceOf(manifest), *chart.Node().Id(), host)
		}
		out = append(out, m)
		prev = m
		if job := p.Charts.Provisioning; job != nil && chart == p.Charts.IdentitiesJob {
			gate := identitiesgate.NewIdentitiesGate(scope, *p.IDPrefix+IdentitiesGateID, &identitiesgate.IdentitiesGateProps{
				Cluster:         p.Cluster,
				Namespace:       job.Namespace,
				JobName:         job.Name,
				StatusConfigMap: jsii.String(job.StatusConfigMap),
				Relays:          job.Relays,
				LogRetention:    p.GateLogRetention,
				RemovalPolicy:   p.GateRemovalPolicy,
			})
			gate.Node().AddDependency(m)
			prev = gate
		}
	}
	return out
}

// namespaceOf is the namespace of the first namespaced object of manifest.
func namespaceOf(manifest *[]*map[string]any) string {
	for _, o := range *manifest {
		if md, ok := (*o)["metadata"].(map[string]any); ok {
			if ns, ok := md["namespace"].(string); ok && ns != "" {
				return ns
			}
		}
	}
	return ""
}

// manifestOf is chart's objects as the list a KubernetesManifest takes: the
// objects c recorded when it created the chart (charts.Charts.Manifest, the
// same as chart.ToJson() without its cost), else, or with fromCdk8s,
// ManifestOf.
func manifestOf(c *charts.Charts, chart cdk8s.Chart, fromCdk8s bool) *[]*map[string]any {
	objs, ok := c.Manifest(chart)
	if fromCdk8s || !ok {
		return ManifestOf(chart)
	}
	out := make([]*map[string]any, len(objs))
	for i := range objs {
		out[i] = &objs[i]
	}
	return &out
}

// ManifestOf is the chart's objects as the list a KubernetesManifest takes.
func ManifestOf(chart cdk8s.Chart) *[]*map[string]any {
	objs := *chart.ToJson()
	out := make([]*map[string]any, 0, len(objs))
	for _, o := range objs {
		m, ok := o.(map[string]any)
		if !ok {
			panic("cdk8s chart object is not a map")
		}
		out = append(out, &m)
	}
	return &out
}
