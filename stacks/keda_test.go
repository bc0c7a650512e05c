package stacks

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
)

// helmChart is the Helm release of chart in the Cluster stack.
func helmChart(t *testing.T, f *clusterFixture, chart string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, p := range f.resources("Custom::AWSCDK-EKS-HelmChart") {
		if p["Chart"] == chart {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d Helm releases of %s, want 1", len(found), chart)
	}
	return found[0]
}

// TestClusterStackInstallsKeda: the Cluster stack installs KEDA from its
// pinned chart on the ingestion pool (the broker admits only the OpenCTI
// nodes), with Secret access in its own namespace only, and gives its
// rabbitmq trigger the broker user's credentials through External Secrets:
// an ExternalSecret in KEDA's namespace and a ClusterTriggerAuthentication
// that reads the Secret by reference. No credential is in the template.
func TestClusterStackInstallsKeda(t *testing.T) {
	for _, env := range config.Environments {
		_, f := clusterTemplate(t, env)
		keda := helmChart(t, f, "keda")
		if keda["Repository"] != "https://kedacore.github.io/charts" || keda["Version"] != "2.20.2" || keda["Namespace"] != "keda" ||
			keda["Release"] != "keda" || keda["CreateNamespace"] != true || keda["SkipCrds"] == true || keda["Wait"] != true {
			t.Errorf("%s: KEDA release %v", env, keda)
		}
		var values map[string]any
		if err := json.Unmarshal([]byte(cfnString(keda["Values"])), &values); err != nil {
			t.Fatalf("%s: values: %v", env, err)
		}
		replicas := map[string]float64{"dev": 1, "prod": 2}[env]
		get := func(path ...string) any {
			var v any = values
			for _, k := range path {
				v, _ = v.(map[string]any)[k]
			}
			return v
		}
		if get("operator", "replicaCount") != replicas || get("webhooks", "replicaCount") != replicas || get("metricsServer", "replicaCount") != 1.0 {
			t.Errorf("%s: replicas operator %v webhooks %v metrics server %v, want %v %v 1", env, get("operator", "replicaCount"),
				get("webhooks", "replicaCount"), get("metricsServer", "replicaCount"), replicas, replicas)
		}
		pdb := map[string]any{}
		if env == "prod" {
			pdb = map[string]any{"minAvailable": 1.0}
		}
		if !reflect.DeepEqual(get("podDisruptionBudget", "operator"), pdb) || !reflect.DeepEqual(get("podDisruptionBudget", "webhooks"), pdb) {
			t.Errorf("%s: PDBs %v, want %v", env, get("podDisruptionBudget"), pdb)
		}
		if get("permissions", "operator", "restrict", "secret") != true || get("crds", "install") != true {
			t.Errorf("%s: KEDA may read every Secret of the cluster, or installs no CRDs: %v", env, values)
		}
		if !reflect.DeepEqual(get("nodeSelector"), map[string]any{"opencti-ha/pool": "ingestion"}) ||
			!reflect.DeepEqual(get("tolerations"), []any{map[string]any{"key": "opencti-ha/pool", "operator": "Equal", "value": "ingestion", "effect": "NoSchedule"}}) {
			t.Errorf("%s: KEDA not on the ingestion pool: %v %v", env, get("nodeSelector"), get("tolerations"))
		}

		m := f.manifests(t)
		es := m["ExternalSecret/opencti-rabbitmq"]
		secret := f.cfg.SecretsPrefix + "/rabbitmq"
		wantSpec := map[string]any{
			"refreshInterval": "1h",
			"secretStoreRef":  map[string]any{"kind": "ClusterSecretStore", "name": "opencti-aws-secrets-manager"},
			"target":          map[string]any{"name": "opencti-rabbitmq", "creationPolicy": "Owner"},
			"data": []any{
				map[string]any{"secretKey": "username", "remoteRef": map[string]any{"key": secret, "property": "username"}},
				map[string]any{"secretKey": "password", "remoteRef": map[string]any{"key": secret, "property": "password"}},
			},
		}
		if es == nil || es["metadata"].(map[string]any)["namespace"] != "keda" || !reflect.DeepEqual(es["spec"], wantSpec) {
			t.Errorf("%s: ExternalSecret %v\nwant spec %v", env, es, wantSpec)
		}
		auth := m["ClusterTriggerAuthentication/opencti-rabbitmq"]
		wantAuth := map[string]any{"secretTargetRef": []any{
			map[string]any{"parameter": "username", "name": "opencti-rabbitmq", "key": "username"},
			map[string]any{"parameter": "password", "name": "opencti-rabbitmq", "key": "password"},
		}}
		if auth == nil || auth["apiVersion"] != "keda.sh/v1alpha1" || !reflect.DeepEqual(auth["spec"], wantAuth) {
			t.Errorf("%s: ClusterTriggerAuthentication %v", env, auth)
		}
		if f.cluster.QueueScalerAuthenticationName != charts.DefaultQueueScalerAuthenticationName || f.cluster.Keda == nil || f.cluster.QueueScalerAuthentication == nil {
			t.Errorf("%s: typed values %q %v %v", env, f.cluster.QueueScalerAuthenticationName, f.cluster.Keda, f.cluster.QueueScalerAuthentication)
		}
		for _, kind := range []string{"Secret/", `"stringData"`} {
			for key := range m {
				if strings.HasPrefix(key, kind) {
					t.Errorf("%s: the Cluster stack writes a Secret itself: %s", env, key)
				}
			}
		}
	}
}

// TestKedaWaitsForItsPoolAndTheStore: KEDA's pods go to the ingestion pool,
// so the release waits for the NodePools; the credentials wait for KEDA's
// CRDs and for the ClusterSecretStore.
func TestKedaWaitsForItsPoolAndTheStore(t *testing.T) {
	f := fixtureFor(t, "prod")
	res := f.TemplateJSON(t, f.App.Cluster.Stack)["Resources"].(map[string]any)
	// idOf is the one resource of type typ whose helm chart or first
	// manifest object is what.
	idOf := func(typ, what string) string {
		t.Helper()
		var found []string
		for id, r := range res {
			m := r.(map[string]any)
			if m["Type"] != typ {
				continue
			}
			p := m["Properties"].(map[string]any)
			name := cfnString(p["Chart"])
			if typ == "Custom::AWSCDK-EKS-KubernetesResource" {
				var docs []map[string]any
				_ = json.Unmarshal([]byte(cfnString(p["Manifest"])), &docs)
				name = docs[0]["kind"].(string)
			}
			if name == what {
				found = append(found, id)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d %s for %s: %v", len(found), typ, what, found)
		}
		return found[0]
	}
	dependsOn := func(id, on string) bool {
		deps, _ := res[id].(map[string]any)["DependsOn"].([]any)
		for _, d := range deps {
			if d == on {
				return true
			}
		}
		return false
	}
	keda := idOf("Custom::AWSCDK-EKS-HelmChart", "keda")
	pools := idOf("Custom::AWSCDK-EKS-KubernetesResource", "NodeClass")
	store := idOf("Custom::AWSCDK-EKS-KubernetesResource", "ClusterSecretStore")
	auth := idOf("Custom::AWSCDK-EKS-KubernetesResource", "ExternalSecret")
	if !dependsOn(keda, pools) || !dependsOn(auth, keda) || !dependsOn(auth, store) {
		t.Errorf("KEDA %s -> NodePools %v; credentials %s -> KEDA %v, store %v", keda, dependsOn(keda, pools), auth, dependsOn(auth, keda), dependsOn(auth, store))
	}
}
