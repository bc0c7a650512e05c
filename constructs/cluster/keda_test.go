package cluster_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/cluster"
)

// helmCharts are the fixture's Helm releases of chart, by logical ID.
func helmCharts(f *fixture, chart string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range f.resources("Custom::AWSCDK-EKS-HelmChart") {
		if get(r, "Properties", "Chart") == chart {
			out[id] = r
		}
	}
	return out
}

// TestKeda: the pinned KEDA chart on the ingestion pool, with Secret access
// in its namespace only; its trigger's credentials copied by External
// Secrets from the broker secret and read by reference.
func TestKeda(t *testing.T) {
	for name, tc := range map[string]struct {
		f        *fixture
		replicas float64
		pdb      string
		secret   string
		refresh  string
	}{
		"defaults": {private, 2, `{"minAvailable":1}`, "opencti/dev/rabbitmq", "1h"},
		"custom":   {public, 1, `{}`, "opencti/test/broker", "15m"},
	} {
		charts := helmCharts(tc.f, "keda")
		id := onlyID(t, charts)
		p := charts[id]["Properties"]
		if get(p, "Repository") != "https://kedacore.github.io/charts" || get(p, "Version") != "2.20.2" || get(p, "Namespace") != "keda" ||
			get(p, "Release") != "keda" || get(p, "Wait") != true || get(p, "CreateNamespace") != true || get(p, "SkipCrds") != nil {
			t.Errorf("%s: KEDA release %s", name, flatten(p))
		}
		values := flatten(get(p, "Values"))
		for _, want := range []string{
			`"crds":{"install":true}`, `"permissions":{"operator":{"restrict":{"secret":true}}}`,
			`"nodeSelector":{"opencti-ha/pool":"ingestion"}`,
			`"tolerations":[{"effect":"NoSchedule","key":"opencti-ha/pool","operator":"Equal","value":"ingestion"}]`,
			`"operator":{"replicaCount":` + flatten(tc.replicas) + `}`, `"webhooks":{"replicaCount":` + flatten(tc.replicas) + `}`,
			`"metricsServer":{"replicaCount":1}`,
			`"podDisruptionBudget":{"operator":` + tc.pdb + `,"webhooks":` + tc.pdb + `}`,
		} {
			if !strings.Contains(values, want) {
				t.Errorf("%s: KEDA values lack %s: %s", name, want, values)
			}
		}
		deps := flatten(charts[id]["DependsOn"])
		if !strings.Contains(deps, "ClusterNodePools") {
			t.Errorf("%s: KEDA does not wait for the node pools: %s", name, deps)
		}

		m := tc.f.manifests(t)
		es := m["ExternalSecret/opencti-rabbitmq"]
		want := `{"data":[{"remoteRef":{"key":"` + tc.secret + `","property":"username"},"secretKey":"username"},` +
			`{"remoteRef":{"key":"` + tc.secret + `","property":"password"},"secretKey":"password"}],` +
			`"refreshInterval":"` + tc.refresh + `","secretStoreRef":{"kind":"ClusterSecretStore","name":"opencti-aws-secrets-manager"},` +
			`"target":{"creationPolicy":"Owner","name":"opencti-rabbitmq"}}`
		if got := flatten(get(es, "spec")); got != want || get(es, "metadata", "namespace") != "keda" {
			t.Errorf("%s: ExternalSecret %s\nwant %s in keda", name, got, want)
		}
		auth := m["ClusterTriggerAuthentication/opencti-rabbitmq"]
		if got := flatten(get(auth, "spec")); got != `{"secretTargetRef":[{"key":"username","name":"opencti-rabbitmq","parameter":"username"},{"key":"password","name":"opencti-rabbitmq","parameter":"password"}]}` {
			t.Errorf("%s: ClusterTriggerAuthentication %s", name, got)
		}
		c := tc.f.cluster
		if c.Keda() == nil || c.QueueScalerAuthentication() == nil || c.QueueScalerAuthenticationName() != "opencti-rabbitmq" {
			t.Errorf("%s: accessors", name)
		}
		var on []string
		for _, d := range *c.QueueScalerAuthentication().Node().Dependencies() {
			on = append(on, *d.Node().Id())
		}
		if !reflect.DeepEqual(on, []string{"KubectlReadyBarrier", "Keda", "SecretStore"}) {
			t.Errorf("%s: the credentials wait for %v, want KEDA's CRDs and the store", name, on)
		}
	}
	if cluster.KedaNamespace != "keda" || cluster.QueueScalerAuthenticationName != "opencti-rabbitmq" {
		t.Error("renamed KEDA objects: the charts' defaults name these")
	}
}
