package charts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/opencti-ha/opencti-ha/charts"
)

// strictUnmarshal decodes JSON into out, rejecting unknown fields and
// trailing data.
func strictUnmarshal(data []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the object")
	}
	return nil
}

// externalSecret is the part of external-secrets.io/v1 ExternalSecret the
// charts use; strict decoding rejects anything else.
type externalSecret struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		RefreshInterval string `json:"refreshInterval"`
		SecretStoreRef  struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"secretStoreRef"`
		Target struct {
			Name           string `json:"name"`
			CreationPolicy string `json:"creationPolicy"`
		} `json:"target"`
		Data []struct {
			SecretKey string `json:"secretKey"`
			RemoteRef struct {
				Key      string `json:"key"`
				Property string `json:"property,omitempty"`
			} `json:"remoteRef"`
		} `json:"data"`
	} `json:"spec"`
}

// kubeTypes maps each kind the charts emit to its apiVersion and a fresh
// upstream (Kubernetes 1.34) Go type.
var kubeTypes = map[string]struct {
	apiVersion string
	new        func() any
}{
	"Namespace":               {"v1", func() any { return &corev1.Namespace{} }},
	"ServiceAccount":          {"v1", func() any { return &corev1.ServiceAccount{} }},
	"Service":                 {"v1", func() any { return &corev1.Service{} }},
	"Deployment":              {"apps/v1", func() any { return &appsv1.Deployment{} }},
	"PodDisruptionBudget":     {"policy/v1", func() any { return &policyv1.PodDisruptionBudget{} }},
	"HorizontalPodAutoscaler": {"autoscaling/v2", func() any { return &autoscalingv2.HorizontalPodAutoscaler{} }},
	"NetworkPolicy":           {"networking.k8s.io/v1", func() any { return &networkingv1.NetworkPolicy{} }},
	"Ingress":                 {"networking.k8s.io/v1", func() any { return &networkingv1.Ingress{} }},
	"ExternalSecret":          {"external-secrets.io/v1", func() any { return &externalSecret{} }},
	"ScaledObject":            {"keda.sh/v1alpha1", func() any { return &kedaScaledObject{} }},
	"Secret":                  {"v1", func() any { return &corev1.Secret{} }},
	"ConfigMap":               {"v1", func() any { return &corev1.ConfigMap{} }},
	"Role":                    {"rbac.authorization.k8s.io/v1", func() any { return &rbacv1.Role{} }},
	"RoleBinding":             {"rbac.authorization.k8s.io/v1", func() any { return &rbacv1.RoleBinding{} }},
	"Job":                     {"batch/v1", func() any { return &batchv1.Job{} }},
}

func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	bad := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replica":2}}`)
	if err := strictUnmarshal(bad, &appsv1.Deployment{}); err == nil {
		t.Fatal("a misspelled field decoded without error")
	}
	ok := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replicas":2}}`)
	if err := strictUnmarshal(ok, &appsv1.Deployment{}); err != nil {
		t.Fatal(err)
	}
}

func TestEveryObjectDecodesStrictlyIntoUpstreamTypes(t *testing.T) {
	for name, s := range map[string]synthesized{"default": defaults, "large": large, "scaling": scaling, "disabled": disabled} {
		for _, d := range s.docs {
			kt, ok := kubeTypes[d.Kind]
			if !ok {
				t.Errorf("%s: unexpected kind %s (%s)", name, d.Kind, d.Name)
				continue
			}
			if got := d.Obj["apiVersion"]; got != kt.apiVersion {
				t.Errorf("%s: %s %s has apiVersion %v, want %s", name, d.Kind, d.Name, got, kt.apiVersion)
			}
			if err := strictUnmarshal(d.Raw, kt.new()); err != nil {
				t.Errorf("%s: %s %s does not decode strictly: %v", name, d.Kind, d.Name, err)
			}
			md := d.Obj["metadata"].(map[string]any)
			if d.Kind == "Namespace" {
				if _, has := md["namespace"]; has {
					t.Errorf("%s: the Namespace object carries metadata.namespace", name)
				}
			} else if md["namespace"] != ns {
				t.Errorf("%s: %s %s is in namespace %v, want %s", name, d.Kind, d.Name, md["namespace"], ns)
			}
		}
	}
}

func TestObjectNamesAreUniquePerKind(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range large.docs {
		key := d.Kind + "/" + d.Name
		if seen[key] {
			t.Errorf("duplicate %s", key)
		}
		seen[key] = true
	}
}

// podsMatching returns the Deployments whose pod labels match selector.
func podsMatching(deps []appsv1.Deployment, selector map[string]string) []string {
	var out []string
	for _, d := range deps {
		match := len(selector) > 0
		for k, v := range selector {
			match = match && d.Spec.Template.Labels[k] == v
		}
		if match {
			out = append(out, d.Name)
		}
	}
	return out
}

func TestServicesSelectPodsAndTargetTheirPorts(t *testing.T) {
	deps := defaults.deployments(t)
	services := defaults.find("Service", "")
	if len(services) != 3 {
		t.Fatalf("found %d Services, want 3 (one per platform tier)", len(services))
	}
	for _, d := range services {
		var svc corev1.Service
		decode(t, d, &svc)
		if svc.Spec.Type != corev1.ServiceTypeClusterIP {
			t.Errorf("Service %s is %s, want ClusterIP", svc.Name, svc.Spec.Type)
		}
		matched := podsMatching(deps, svc.Spec.Selector)
		if len(matched) != 1 || matched[0] != svc.Name {
			t.Errorf("Service %s selects the pods of %v, want [%s]", svc.Name, matched, svc.Name)
			continue
		}
		dep := defaults.deployment(t, svc.Name)
		ports := map[string]int32{}
		for _, p := range platformOf(t, dep).Ports {
			ports[p.Name] = p.ContainerPort
		}
		for _, sp := range svc.Spec.Ports {
			if _, ok := ports[sp.TargetPort.StrVal]; sp.TargetPort.Type != intstr.String || !ok {
				t.Errorf("Service %s port %s targets %v, not a named container port of %v", svc.Name, sp.Name, sp.TargetPort, ports)
			}
		}
		if svc.Spec.Ports[0].Name != "http" || svc.Spec.Ports[0].Port != charts.ServicePort || ports["http"] != charts.PlatformPort {
			t.Errorf("Service %s: http port %d -> %d, want %d -> %d", svc.Name, svc.Spec.Ports[0].Port, ports["http"], charts.ServicePort, charts.PlatformPort)
		}
		if ports["metrics"] != charts.PlatformMetricsPort {
			t.Errorf("Service %s: metrics container port %d, want %d", svc.Name, ports["metrics"], charts.PlatformMetricsPort)
		}
	}
}

// TestEverySecretKeyRefHasAnExternalSecretKey: every secret a pod reads
// exists: an ExternalSecret's key, or (with Identities) the OPENCTI_TOKEN
// the identities Job writes into a token Secret the chart creates.
func TestEverySecretKeyRefHasAnExternalSecretKey(t *testing.T) {
	for name, s := range map[string]synthesized{"default": defaults, "large": large, "edge": edge, "disabled": disabled} {
		created := map[string]map[string]bool{} // Secret name -> keys
		for _, d := range s.find("ExternalSecret", "") {
			var es externalSecret
			decode(t, d, &es)
			if es.Spec.SecretStoreRef.Kind != "ClusterSecretStore" || es.Spec.SecretStoreRef.Name != "opencti-aws-secrets-manager" ||
				es.Spec.RefreshInterval != "1h" || es.Spec.Target.Name != es.Metadata.Name {
				t.Errorf("%s: ExternalSecret %s: store %+v, refresh %q, target %q", name, es.Metadata.Name,
					es.Spec.SecretStoreRef, es.Spec.RefreshInterval, es.Spec.Target.Name)
			}
			keys := map[string]bool{}
			for _, data := range es.Spec.Data {
				if data.RemoteRef.Key == "" {
					t.Errorf("%s: ExternalSecret %s key %s has no remoteRef.key", name, es.Metadata.Name, data.SecretKey)
				}
				keys[data.SecretKey] = true
			}
			created[es.Spec.Target.Name] = keys
		}
		external := len(created)
		if job := s.charts.Provisioning; job != nil {
			for _, secret := range job.TokenSecrets {
				s.one(t, "Secret", secret)
				created[secret] = map[string]bool{"OPENCTI_TOKEN": true}
			}
		}
		// The exported layout matches the manifests.
		for _, ks := range s.charts.Secrets {
			for _, k := range ks.Keys {
				if !created[ks.Name][k] {
					t.Errorf("%s: Charts.Secrets lists %s/%s, no ExternalSecret creates it", name, ks.Name, k)
				}
			}
			if len(ks.Keys) != len(created[ks.Name]) {
				t.Errorf("%s: Charts.Secrets lists %d keys for %s, the ExternalSecret %d", name, len(ks.Keys), ks.Name, len(created[ks.Name]))
			}
		}
		if len(s.charts.Secrets) != external {
			t.Errorf("%s: Charts.Secrets lists %d Secrets, %d ExternalSecrets exist", name, len(s.charts.Secrets), external)
		}
		refs := 0
		for _, w := range s.workloads(t) {
			for _, c := range allContainers(w.template.Spec) {
				for _, e := range c.Env {
					if e.ValueFrom == nil || e.ValueFrom.FieldRef != nil {
						continue
					}
					ref := e.ValueFrom.SecretKeyRef
					if ref == nil {
						t.Errorf("%s: %s/%s env %s uses %v, want a secretKeyRef", name, w.name, c.Name, e.Name, e.ValueFrom)
						continue
					}
					refs++
					if !created[ref.Name][ref.Key] {
						t.Errorf("%s: %s/%s env %s reads %s/%s, which no ExternalSecret creates", name, w.name, c.Name, e.Name, ref.Name, ref.Key)
					}
				}
			}
		}
		if refs == 0 {
			t.Errorf("%s: no secretKeyRef found", name)
		}
		// Secret volumes name existing Secrets too.
		for _, w := range s.workloads(t) {
			for _, v := range w.template.Spec.Volumes {
				if v.Secret != nil && created[v.Secret.SecretName] == nil {
					t.Errorf("%s: %s mounts Secret %s, which nothing creates", name, w.name, v.Secret.SecretName)
				}
			}
		}
	}
}

func TestSecretLayoutIsExported(t *testing.T) {
	layout, err := charts.SecretLayout(validProps())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(layout, defaults.charts.Secrets) {
		t.Errorf("SecretLayout = %+v, Charts.Secrets = %+v", layout, defaults.charts.Secrets)
	}
	platform := []string{"APP__ADMIN__PASSWORD", "APP__ADMIN__TOKEN", "APP__HEALTH_ACCESS_KEY", "APP__ENCRYPTION_KEY",
		"ELASTICSEARCH__USERNAME", "ELASTICSEARCH__PASSWORD", "REDIS__PASSWORD", "RABBITMQ__USERNAME", "RABBITMQ__PASSWORD"}
	// With Identities (default) only the platform and the identities Job get
	// the admin token; workers and connectors get the health key.
	want := map[string][]string{
		charts.PlatformSecretName:                     platform,
		charts.IdentitiesSecretName:                   {"OPENCTI_ADMIN_TOKEN", "OPENCTI_HEALTH_ACCESS_KEY"},
		charts.WorkerSecretName:                       {"HEALTH_ACCESS_KEY"},
		charts.ConnectorSecretName("import-document"): {"HEALTH_ACCESS_KEY"},
		"opencti-connector-export-file-stix-secrets":  {"HEALTH_ACCESS_KEY"},
	}
	// Without, workers and connectors get the admin token as before.
	wantDisabled := map[string][]string{
		charts.PlatformSecretName:                     platform,
		charts.WorkerSecretName:                       {"OPENCTI_TOKEN", "HEALTH_ACCESS_KEY"},
		charts.ConnectorSecretName("import-document"): {"OPENCTI_TOKEN", "HEALTH_ACCESS_KEY"},
		"opencti-connector-export-file-stix-secrets":  {"OPENCTI_TOKEN", "HEALTH_ACCESS_KEY"},
	}
	disabledLayout, err := charts.SecretLayout(disabledProps())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		layout []charts.KubernetesSecret
		want   map[string][]string
		count  int
	}{{"identities", layout, want, 3 + 5}, {"disabled", disabledLayout, wantDisabled, 2 + 5}} {
		got := map[string][]string{}
		for _, s := range c.layout {
			got[s.Name] = s.Keys
		}
		for name, keys := range c.want {
			if !reflect.DeepEqual(got[name], keys) {
				t.Errorf("%s: Secret %s keys = %q, want %q", c.name, name, got[name], keys)
			}
		}
		if len(c.layout) != c.count {
			t.Errorf("%s: %d Secrets, want %d", c.name, len(c.layout), c.count)
		}
	}
	if _, has := map[string]bool{charts.IdentitiesSecretName: true}[disabledLayout[len(disabledLayout)-1].Name]; has {
		t.Error("the identities Secret exists although Identities are disabled")
	}
}

// TestPlatformURLsNameExistingServices checks every OPENCTI_URL and
// PLATFORM_URL against the Services and their ports; the workers' (and their
// init container's) name the platform of their own pod.
func TestPlatformURLsNameExistingServices(t *testing.T) {
	services := map[string]corev1.Service{}
	for _, d := range large.find("Service", "") {
		var svc corev1.Service
		decode(t, d, &svc)
		services[svc.Name] = svc
	}
	checked, local := 0, 0
	for _, dep := range large.deployments(t) {
		for _, c := range allContainers(dep.Spec.Template.Spec) {
			for _, e := range c.Env {
				if e.Name != "OPENCTI_URL" && e.Name != "PLATFORM_URL" {
					continue
				}
				checked++
				u, err := url.Parse(e.Value)
				if err != nil {
					t.Errorf("%s: %s=%q: %v", dep.Name, e.Name, e.Value, err)
					continue
				}
				if u.Hostname() == "127.0.0.1" {
					local++
					if dep.Name != charts.WorkerAPIName || u.Port() != strconv.Itoa(charts.PlatformPort) {
						t.Errorf("%s/%s: %s=%q, the loopback address of a pod without that platform", dep.Name, c.Name, e.Name, e.Value)
					}
					platformOf(t, dep)
					continue
				}
				host, suffix, _ := strings.Cut(u.Hostname(), ".")
				svc, ok := services[host]
				if !ok || suffix != ns+".svc.cluster.local" {
					t.Errorf("%s: %s=%q names no Service in %s", dep.Name, e.Name, e.Value, ns)
					continue
				}
				port, _ := strconv.Atoi(u.Port())
				if svc.Spec.Ports[0].Port != int32(port) {
					t.Errorf("%s: %s=%q uses port %d, the Service serves %d", dep.Name, e.Name, e.Value, port, svc.Spec.Ports[0].Port)
				}
			}
		}
	}
	// OPENCTI_URL + PLATFORM_URL per connector; 3 workers and their
	// wait-for-platform in the worker-api pod.
	if checked != 2*30+3+1 || local != 3+1 {
		t.Errorf("checked %d platform URLs (%d local), want %d (4 local)", checked, local, 2*30+4)
	}
}

func TestWorkloadReferencesExist(t *testing.T) {
	deps := large.deployments(t)
	accounts := map[string]bool{}
	for _, d := range large.find("ServiceAccount", "") {
		accounts[d.Name] = true
	}
	job := large.job(t)
	if !accounts[job.Spec.Template.Spec.ServiceAccountName] {
		t.Errorf("the identities Job uses ServiceAccount %q, which does not exist", job.Spec.Template.Spec.ServiceAccountName)
	}
	for _, v := range job.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil && len(large.find("ConfigMap", v.ConfigMap.Name)) != 1 {
			t.Errorf("the identities Job mounts ConfigMap %s, which does not exist", v.ConfigMap.Name)
		}
	}
	for _, dep := range deps {
		if !accounts[dep.Spec.Template.Spec.ServiceAccountName] {
			t.Errorf("%s uses ServiceAccount %q, which does not exist", dep.Name, dep.Spec.Template.Spec.ServiceAccountName)
		}
		if !reflect.DeepEqual(podsMatching(deps, dep.Spec.Selector.MatchLabels), []string{dep.Name}) {
			t.Errorf("%s: its selector %v also matches %v", dep.Name, dep.Spec.Selector.MatchLabels, podsMatching(deps, dep.Spec.Selector.MatchLabels))
		}
	}
	for _, d := range large.find("HorizontalPodAutoscaler", "") {
		var hpa autoscalingv2.HorizontalPodAutoscaler
		decode(t, d, &hpa)
		if len(large.find("Deployment", hpa.Spec.ScaleTargetRef.Name)) != 1 || hpa.Spec.ScaleTargetRef.Kind != "Deployment" {
			t.Errorf("HPA %s scales %+v, which does not exist", hpa.Name, hpa.Spec.ScaleTargetRef)
		}
	}
	for _, d := range large.find("NetworkPolicy", "") {
		var np networkingv1.NetworkPolicy
		decode(t, d, &np)
		jobPod := appsv1.Deployment{}
		jobPod.Name, jobPod.Spec.Template = job.Name, job.Spec.Template
		if sel := np.Spec.PodSelector.MatchLabels; len(sel) > 0 && len(podsMatching(append(deps, jobPod), sel)) == 0 {
			t.Errorf("NetworkPolicy %s selects no pod (%v)", np.Name, sel)
		}
	}
}
