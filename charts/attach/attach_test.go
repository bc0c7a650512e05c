package attach_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/charts/attach"
	"github.com/opencti-ha/opencti-ha/charts/identities"
	"github.com/opencti-ha/opencti-ha/constructs/identitiesgate"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// attached is one stack the charts were attached to, as synthesized.
type attached struct {
	charts    *charts.Charts
	manifests []awseksv2.KubernetesManifest
	resources map[string]map[string]any
	ids       map[string]string // chart ID -> logical ID of its manifest
	keda      awscdk.CfnWaitConditionHandle
	errs      []string
}

// One App for the test binary: the charts with identities (default) and
// without, both with queue scaling, each attached to a stack of its own.
var withIdentities, withoutIdentities attached

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		outdir, err := os.MkdirTemp("", "attach-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(outdir)
		app, err := cdkapp.New(outdir, false)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		off := props()
		off.Identities.Enabled = jsii.Bool(false)
		stacks := map[string]*attached{"On": &withIdentities, "Off": &withoutIdentities}
		propsOf := map[string]*charts.Props{"On": props(), "Off": off}
		for name, a := range stacks {
			stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}})
			a.charts, err = charts.NewCharts(cdk8s.NewApp(nil), propsOf[name])
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			provider := awseksv2.KubectlProvider_FromKubectlProviderAttributes(stack, jsii.String("Kubectl"), &awseksv2.KubectlProviderAttributes{
				ServiceToken: jsii.String("arn:aws:lambda:eu-west-1:123456789012:function:kubectl"),
			})
			cluster := awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{
				ClusterName: jsii.String("opencti"), KubectlProvider: provider,
			})
			// What the scaling chart waits for (KEDA's release in the
			// OpenCTI stack).
			a.keda = awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Keda"), nil)
			a.manifests = attach.Charts(stack, &attach.Props{Cluster: cluster, Charts: a.charts, ScalerDependsOn: []constructs.IDependable{a.keda}})
			a.ids = map[string]string{}
			for i, chart := range a.charts.All() {
				a.ids[*chart.Node().Id()] = *stack.GetLogicalId(a.manifests[i].Node().DefaultChild().(awscdk.CfnElement))
			}
		}
		cdkapp.AddNag(app)
		asm := app.Synth(nil)
		errs := cdkapp.Errors(asm)
		for name, a := range stacks {
			data, err := os.ReadFile(filepath.Join(outdir, name+".template.json"))
			var tpl struct{ Resources map[string]map[string]any }
			if err == nil {
				err = json.Unmarshal(data, &tpl)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			a.resources = tpl.Resources
			for _, e := range errs {
				if strings.HasPrefix(e, name+": ") {
					a.errs = append(a.errs, e)
				}
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func props() *charts.Props {
	return &charts.Props{
		Version: "7.260817.0",
		Endpoints: charts.Endpoints{
			OpenSearchURL: "https://vpc-opencti-abc123.eu-west-1.es.amazonaws.com", RedisHostname: "master.opencti.abc123.euw1.cache.amazonaws.com",
			RabbitMQHostname: "b-1234.mq.eu-west-1.on.aws", S3Bucket: "opencti-files-123456789012", S3Region: "eu-west-1",
		},
		Secrets:          charts.SecretsFor("opencti/prod"),
		Hostnames:        charts.Hostnames{UI: "opencti.example.com", API: "api.opencti.example.com"},
		VpcCIDR:          "10.0.0.0/16",
		DataServiceCIDRs: []string{"10.0.128.0/20"},
		QueueScaling:     ptr(charts.DefaultQueueScaling()),
	}
}

func ptr[T any](v T) *T { return &v }

// dependsOn reports whether logical ID a depends, directly or through
// others, on b.
func (a attached) dependsOn(from, on string) bool {
	seen := map[string]bool{}
	var walk func(id string) bool
	walk = func(id string) bool {
		if seen[id] {
			return false
		}
		seen[id] = true
		deps, _ := a.resources[id]["DependsOn"].([]any)
		for _, d := range deps {
			if d == on || walk(d.(string)) {
				return true
			}
		}
		return false
	}
	return walk(from)
}

func (a attached) ofType(typ string) []string {
	var out []string
	for id, r := range a.resources {
		if r["Type"] == typ {
			out = append(out, id)
		}
	}
	return out
}

// TestIdentitiesGateSitsBetweenTheJobAndTheScaling: the charts apply in the
// order Namespace, Platform (whose worker-api pods run the workers),
// Identities, IdentitiesJob, Scaling, Connectors, Ingress; the gate waits for
// the Job's manifest, every manifest after it (scaling, connectors, ingress)
// waits for the gate's verdict, and nothing before it does.
func TestIdentitiesGateSitsBetweenTheJobAndTheScaling(t *testing.T) {
	a := withIdentities
	var order []string
	for _, chart := range a.charts.All() {
		order = append(order, *chart.Node().Id())
	}
	want := []string{charts.NamespaceChartID, charts.PlatformChartID, charts.IdentitiesTokensChartID(0), charts.IdentitiesChartID, charts.IdentitiesScriptChartID, charts.IdentitiesJobChartID,
		charts.ScalingChartID, charts.ConnectorsChartID(0), charts.IngressChartID}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("charts apply in the order %v, want %v", order, want)
	}
	verdicts := a.ofType(identitiesgate.ResourceType)
	lookups := a.ofType("Custom::AWSCDK-EKS-KubernetesObjectValue")
	// 8 relays: the default health (1800 s) and rollout (1800 s) timeouts
	// plus 600 s of slack.
	if len(verdicts) != 1 || len(lookups) != a.charts.Provisioning.Relays || len(lookups) != 8 {
		t.Fatalf("%d verdicts and %d lookups, want 1 and %d", len(verdicts), len(lookups), a.charts.Provisioning.Relays)
	}
	verdict := verdicts[0]
	for _, l := range lookups {
		p := a.resources[l]["Properties"].(map[string]any)
		if !a.dependsOn(l, a.ids[charts.IdentitiesJobChartID]) || p["ObjectName"] != a.charts.Provisioning.StatusConfigMap ||
			p["TimeoutSeconds"] != float64(identities.RelayWaitSeconds) {
			t.Errorf("lookup %s: %v (depends on the Job's manifest: %v)", l, p, a.dependsOn(l, a.ids[charts.IdentitiesJobChartID]))
		}
		if !a.dependsOn(verdict, l) {
			t.Errorf("the verdict does not wait for lookup %s", l)
		}
	}
	if p := a.resources[verdict]["Properties"].(map[string]any); p["JobName"] != a.charts.Provisioning.Name {
		t.Errorf("the verdict judges Job %v, the chart runs %s", p["JobName"], a.charts.Provisioning.Name)
	}
	after := false
	for _, chart := range a.charts.All() {
		id := *chart.Node().Id()
		if got := a.dependsOn(a.ids[id], verdict); got != after {
			t.Errorf("manifest %s depends on the identities verdict: %v, want %v", id, got, after)
		}
		if id == charts.IdentitiesJobChartID {
			after = true
		}
	}
	// The chain still runs through every manifest in order.
	all := a.charts.All()
	for i := 1; i < len(all); i++ {
		if !a.dependsOn(a.ids[*all[i].Node().Id()], a.ids[*all[i-1].Node().Id()]) {
			t.Errorf("%s is not applied after %s", *all[i].Node().Id(), *all[i-1].Node().Id())
		}
	}
	if g, ok := withIdentitiesGate(); !ok || len(g.Lookups()) != 8 {
		t.Error("the gate is not found under its ID")
	}
	if len(a.errs) > 0 {
		t.Errorf("unsuppressed errors:\n%s", strings.Join(a.errs, "\n"))
	}
}

func withIdentitiesGate() (identitiesgate.IdentitiesGate, bool) {
	stack := awscdk.Stack_Of(withIdentities.manifests[0])
	g, ok := stack.Node().TryFindChild(jsii.String("Chart" + attach.IdentitiesGateID)).(identitiesgate.IdentitiesGate)
	return g, ok
}

// TestWithoutIdentitiesTheChainIsAsBefore: the opt-out attaches the five
// charts (Namespace, Platform, Scaling, Connectors, Ingress) one after the
// other, with no gate; the scaling chart also waits for KEDA.
func TestWithoutIdentitiesTheChainIsAsBefore(t *testing.T) {
	a := withoutIdentities
	if len(a.ofType(identitiesgate.ResourceType)) != 0 || len(a.ofType("Custom::AWSCDK-EKS-KubernetesObjectValue")) != 0 || len(a.manifests) != 5 {
		t.Fatalf("%d manifests, gate resources present", len(a.manifests))
	}
	keda := *awscdk.Stack_Of(a.keda).GetLogicalId(a.keda)
	all := a.charts.All()
	for i := 1; i < len(all); i++ {
		deps, _ := a.resources[a.ids[*all[i].Node().Id()]]["DependsOn"].([]any)
		want := []any{a.ids[*all[i-1].Node().Id()]}
		if all[i] == a.charts.Scaling {
			want = append(want, keda)
		}
		if fmt.Sprint(sortedAny(deps)) != fmt.Sprint(sortedAny(want)) {
			t.Errorf("%s depends on %v, want exactly %v", *all[i].Node().Id(), deps, want)
		}
	}
	if len(a.errs) > 0 {
		t.Errorf("unsuppressed errors:\n%s", strings.Join(a.errs, "\n"))
	}
}

// TestScalingWaitsForKEDA: with identities too, the Scaling manifest waits
// for what ScalerDependsOn names, and no other manifest does.
func TestScalingWaitsForKEDA(t *testing.T) {
	for name, a := range map[string]attached{"with identities": withIdentities, "without": withoutIdentities} {
		keda := *awscdk.Stack_Of(a.keda).GetLogicalId(a.keda)
		for _, chart := range a.charts.All() {
			deps, _ := a.resources[a.ids[*chart.Node().Id()]]["DependsOn"].([]any)
			got := slices.Contains(deps, any(keda))
			if want := chart == a.charts.Scaling; got != want {
				t.Errorf("%s: manifest %s depends directly on KEDA: %v, want %v", name, *chart.Node().Id(), got, want)
			}
		}
	}
}

func sortedAny(v []any) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = fmt.Sprint(x)
	}
	slices.Sort(out)
	return out
}

// TestManifestsAreTheChartsObjects: each manifest applies exactly what cdk8s
// synthesizes for its chart (ManifestOf, chart.toJson), in the same order,
// with the prune label KubernetesManifest adds, although attach.Charts takes
// the objects from the record NewCharts kept (charts.Charts.Manifest).
func TestManifestsAreTheChartsObjects(t *testing.T) {
	for name, a := range map[string]attached{"with identities": withIdentities, "without": withoutIdentities} {
		for _, chart := range a.charts.All() {
			id := *chart.Node().Id()
			props, _ := a.resources[a.ids[id]]["Properties"].(map[string]any)
			text, ok := props["Manifest"].(string)
			if !ok {
				t.Errorf("%s: manifest %s: Manifest is %T, want a JSON string", name, id, props["Manifest"])
				continue
			}
			var got []map[string]any
			if err := json.Unmarshal([]byte(text), &got); err != nil {
				t.Fatalf("%s: manifest %s: %v", name, id, err)
			}
			label, _ := props["PruneLabel"].(string)
			for _, o := range got {
				labels := o["metadata"].(map[string]any)["labels"].(map[string]any)
				if _, ok := labels[label]; !ok {
					t.Errorf("%s: manifest %s: %v has no prune label %q", name, id, o["metadata"], label)
				}
				delete(labels, label)
				if len(labels) == 0 {
					delete(o["metadata"].(map[string]any), "labels")
				}
			}
			data, err := json.Marshal(*attach.ManifestOf(chart))
			var want []map[string]any
			if err == nil {
				err = json.Unmarshal(data, &want)
			}
			if err != nil {
				t.Fatalf("%s: chart %s: %v", name, id, err)
			}
			if len(got) != len(want) {
				t.Errorf("%s: manifest %s has %d objects, the chart %d", name, id, len(got), len(want))
				continue
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("%s: manifest %s object %d:\n got %v\nwant %v", name, id, i, got[i], want[i])
				}
			}
		}
	}
}

// TestChangesThroughCdk8sReachTheClusterWithReadChartsFromCdk8s: a label a
// consumer adds through cdk8s to an object of a chart after NewCharts is in
// the attached manifest with Props.ReadChartsFromCdk8s, and not without it
// (the record NewCharts keeps does not see it: the doc comment says so).
func TestChangesThroughCdk8sReachTheClusterWithReadChartsFromCdk8s(t *testing.T) {
	manifestOf := func(name string, fromCdk8s bool) string {
		t.Helper()
		app := testutil.NewApp()
		c, err := charts.NewCharts(cdk8s.NewApp(nil), props())
		if err != nil {
			t.Fatal(err)
		}
		// The consumer's change: a label on the first object of the
		// namespace chart, through cdk8s.
		first := cdk8s.ApiObject_Of((*c.Namespace.Node().Children())[0])
		first.Metadata().AddLabel(jsii.String("acme.org/owner"), jsii.String("cti-team"))
		stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}})
		provider := awseksv2.KubectlProvider_FromKubectlProviderAttributes(stack, jsii.String("Kubectl"), &awseksv2.KubectlProviderAttributes{
			ServiceToken: jsii.String("arn:aws:lambda:eu-west-1:123456789012:function:kubectl"),
		})
		cluster := awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{
			ClusterName: jsii.String("opencti"), KubectlProvider: provider,
		})
		manifests := attach.Charts(stack, &attach.Props{Cluster: cluster, Charts: c, ReadChartsFromCdk8s: fromCdk8s})
		id := *stack.GetLogicalId(manifests[0].Node().DefaultChild().(awscdk.CfnElement))
		tmpl := assertions.Template_FromStack(stack, nil).ToJSON()
		manifest, _ := json.Marshal((*tmpl)["Resources"].(map[string]any)[id].(map[string]any)["Properties"].(map[string]any)["Manifest"])
		return string(manifest)
	}
	const label = `\"acme.org/owner\":\"cti-team\"`
	if got := manifestOf("FromCdk8s", true); !strings.Contains(got, label) {
		t.Errorf("with ReadChartsFromCdk8s the namespace manifest lacks the label added through cdk8s: %.400s", got)
	}
	if got := manifestOf("Recorded", false); strings.Contains(got, label) {
		t.Errorf("without ReadChartsFromCdk8s the namespace manifest has the label: the record saw a change made after NewCharts, update the doc comment of ReadChartsFromCdk8s")
	}
}
