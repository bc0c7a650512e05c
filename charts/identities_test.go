package charts_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/charts/identities"
)

// adminSecrets are the Secrets that hold the initial administrator's token.
var adminSecrets = []string{charts.PlatformSecretName, charts.IdentitiesSecretName}

// secretsReadBy lists every Secret a pod template reads (env, envFrom,
// volumes), by Secret name, with the keys it reads ("*" for all of them).
func secretsReadBy(spec corev1.PodSpec) map[string][]string {
	out := map[string][]string{}
	for _, c := range allContainers(spec) {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				out[e.ValueFrom.SecretKeyRef.Name] = append(out[e.ValueFrom.SecretKeyRef.Name], e.ValueFrom.SecretKeyRef.Key)
			}
		}
		for _, f := range c.EnvFrom {
			if f.SecretRef != nil {
				out[f.SecretRef.Name] = append(out[f.SecretRef.Name], "*")
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil {
			out[v.Secret.SecretName] = append(out[v.Secret.SecretName], "*")
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil {
					out[src.Secret.Name] = append(out[src.Secret.Name], "*")
				}
			}
		}
	}
	return out
}

// secretsReadByContainer lists the Secrets one container of spec reads: its
// env and envFrom, and the Secret volumes it mounts.
func secretsReadByContainer(spec corev1.PodSpec, c corev1.Container) map[string]bool {
	out := map[string]bool{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			out[e.ValueFrom.SecretKeyRef.Name] = true
		}
	}
	for _, f := range c.EnvFrom {
		if f.SecretRef != nil {
			out[f.SecretRef.Name] = true
		}
	}
	for _, m := range c.VolumeMounts {
		for _, v := range spec.Volumes {
			if v.Name == m.Name && v.Secret != nil {
				out[v.Secret.SecretName] = true
			}
			if v.Name == m.Name && v.Projected != nil {
				for _, src := range v.Projected.Sources {
					if src.Secret != nil {
						out[src.Secret.Name] = true
					}
				}
			}
		}
	}
	return out
}

// isWorkerContainer reports whether c of the pods of Deployment dep is a
// worker: the worker-N containers of the worker-api pods.
func isWorkerContainer(dep string, c corev1.Container) bool {
	return dep == charts.WorkerDeploymentName && strings.HasPrefix(c.Name, "worker-")
}

// externalSecretRefs maps each ExternalSecret's target to the Secrets
// Manager references it copies.
func externalSecretRefs(t *testing.T, s synthesized) map[string][]charts.RemoteRef {
	out := map[string][]charts.RemoteRef{}
	for _, d := range s.find("ExternalSecret", "") {
		var es externalSecret
		decode(t, d, &es)
		for _, data := range es.Spec.Data {
			out[es.Spec.Target.Name] = append(out[es.Spec.Target.Name], charts.RemoteRef{Key: data.RemoteRef.Key, Property: data.RemoteRef.Property})
		}
	}
	return out
}

// TestNoWorkerOrConnectorReadsTheAdminToken: with identities (the default),
// the admin token reaches the platform tiers and the identities Job only: no
// worker or connector container reads a Secret that holds it, nor an
// ExternalSecret that copies it, nor a variable named after it. The workers
// share their pod with the worker-api platform, which needs the token: the
// check is per container.
func TestNoWorkerOrConnectorReadsTheAdminToken(t *testing.T) {
	for name, s := range map[string]synthesized{"default": defaults, "large": large, "edge": edge, "console": console} {
		admin := s.charts.Secrets // every Secret an ExternalSecret makes
		carriesAdmin := map[string]bool{}
		for target, refs := range externalSecretRefs(t, s) {
			if slices.Contains(refs, validProps().Secrets.AdminToken) {
				carriesAdmin[target] = true
			}
		}
		if want := map[string]bool{charts.PlatformSecretName: true, charts.IdentitiesSecretName: true}; !reflect.DeepEqual(carriesAdmin, want) {
			t.Errorf("%s: the admin token is copied into %v, want only %v", name, carriesAdmin, want)
		}
		readers := map[string]bool{}
		workers := 0
		for _, w := range s.workloads(t) {
			read := secretsReadBy(w.template.Spec)
			for secret := range read {
				if carriesAdmin[secret] {
					readers[w.name] = true
				}
			}
			component := w.template.Labels[charts.LabelComponent]
			for _, c := range allContainers(w.template.Spec) {
				if !isWorkerContainer(w.name, c) && component != charts.ComponentWorker && component != charts.ComponentConnector {
					continue
				}
				if isWorkerContainer(w.name, c) {
					workers++
				}
				for secret := range secretsReadByContainer(w.template.Spec, c) {
					if carriesAdmin[secret] {
						t.Errorf("%s: %s/%s reads Secret %s, which holds the admin token", name, w.name, c.Name, secret)
					}
				}
				for _, e := range c.Env {
					if e.Name == "APP__ADMIN__TOKEN" || (e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Key == "APP__ADMIN__TOKEN") {
						t.Errorf("%s: %s/%s reads the admin token (%s)", name, w.name, c.Name, e.Name)
					}
				}
			}
		}
		if workers == 0 {
			t.Errorf("%s: no worker container checked", name)
		}
		want := map[string]bool{charts.UIName: true, charts.ConnectorAPIName: true, charts.WorkerAPIName: true, s.charts.Provisioning.Name: true}
		if !reflect.DeepEqual(readers, want) {
			t.Errorf("%s: pods that may read the admin token: %v, want the platform tiers and the identities Job %v", name, readers, want)
		}
		if len(admin) == 0 {
			t.Errorf("%s: no Secret layout", name)
		}
	}
}

// TestEachConsumerReadsExactlyItsOwnToken: each connector reads
// OPENCTI_TOKEN from its own token Secret, the workers from theirs; no pod
// reads another identity's token Secret, and the init container waits on the
// pod's own.
func TestEachConsumerReadsExactlyItsOwnToken(t *testing.T) {
	for name, s := range map[string]synthesized{"default": defaults, "large": large} {
		tokens := s.charts.Provisioning.TokenSecrets
		owner := map[string]string{} // token Secret -> the Deployment that reads it
		for _, dep := range s.deployments(t) {
			var own string
			switch {
			case dep.Name == charts.WorkerDeploymentName:
				own = charts.WorkerTokenSecretName
			case isConnector(dep):
				own = charts.ConnectorTokenSecretName(dep.Spec.Template.Labels[charts.LabelConnector])
			}
			read := secretsReadBy(dep.Spec.Template.Spec)
			for _, tok := range tokens {
				keys, reads := read[tok]
				switch {
				case tok == own && !reads:
					t.Errorf("%s: %s does not read its own token Secret %s", name, dep.Name, tok)
				case tok != own && reads:
					t.Errorf("%s: %s reads %s, the token of another identity (%v)", name, dep.Name, tok, keys)
				case tok == own:
					owner[tok] = dep.Name
				}
			}
			if own == "" {
				continue
			}
			// The consumers: the connector container, or every worker
			// container of a worker-api pod (not its platform).
			consumers := dep.Spec.Template.Spec.Containers[:1]
			if dep.Name == charts.WorkerDeploymentName {
				consumers = workersOf(dep.Spec.Template.Spec)
			}
			for _, c := range consumers {
				env := envOf(t, c)
				if ref := env["OPENCTI_TOKEN"].ValueFrom; ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != own || ref.SecretKeyRef.Key != identities.TokenKey {
					t.Errorf("%s: %s/%s OPENCTI_TOKEN = %+v, want %s/%s", name, dep.Name, c.Name, env["OPENCTI_TOKEN"], own, identities.TokenKey)
				}
			}
			// Nothing else in the pod reads the token: in a worker-api pod the
			// platform and wait-for-platform do not.
			for _, c := range allContainers(dep.Spec.Template.Spec) {
				if secretsReadByContainer(dep.Spec.Template.Spec, c)[own] && !slices.ContainsFunc(consumers, func(x corev1.Container) bool { return x.Name == c.Name }) && c.Name != "wait-for-token" {
					t.Errorf("%s: %s/%s reads the token Secret %s", name, dep.Name, c.Name, own)
				}
			}
		}
		if len(owner) != len(tokens) || len(tokens) != 1+countConnectors(t, s) {
			t.Errorf("%s: %d token Secrets, %d read by their own pods", name, len(tokens), len(owner))
		}
	}
}

func countConnectors(t *testing.T, s synthesized) int {
	n := 0
	for _, dep := range s.deployments(t) {
		if isConnector(dep) {
			n++
		}
	}
	return n
}

// role is the identities Job's Role, and rbac evaluates it.
func identitiesRole(t *testing.T, s synthesized) rbacv1.Role {
	t.Helper()
	var role rbacv1.Role
	decode(t, s.one(t, "Role", charts.IdentitiesName), &role)
	return role
}

// allowed evaluates RBAC rules the way the API server does for one request.
func allowed(rules []rbacv1.PolicyRule, verb, group, resource, name string) bool {
	for _, r := range rules {
		if (slices.Contains(r.Verbs, verb) || slices.Contains(r.Verbs, "*")) &&
			(slices.Contains(r.APIGroups, group) || slices.Contains(r.APIGroups, "*")) &&
			(slices.Contains(r.Resources, resource) || slices.Contains(r.Resources, "*")) &&
			(len(r.ResourceNames) == 0 || (name != "" && slices.Contains(r.ResourceNames, name))) {
			return true
		}
	}
	return false
}

// TestIdentitiesJobMayWriteExactlyItsTokenSecrets evaluates the Job's RBAC
// for every verb on every kind of object the charts create, under every name
// they use: it may get and patch exactly the token Secrets it owns, the
// Deployments that read them and its own status ConfigMap, nothing else
// (no create, list, watch, update or delete; not the platform's Secret).
func TestIdentitiesJobMayWriteExactlyItsTokenSecrets(t *testing.T) {
	for name, s := range map[string]synthesized{"default": defaults, "large": large} {
		role := identitiesRole(t, s)
		job := s.charts.Provisioning
		var rolled []string
		for _, dep := range s.deployments(t) {
			if dep.Name == charts.WorkerDeploymentName || isConnector(dep) {
				rolled = append(rolled, dep.Name)
			}
		}
		want := map[string]bool{}
		for _, verb := range []string{"get", "patch"} {
			for _, secret := range job.TokenSecrets {
				want[verb+" /secrets/"+secret] = true
			}
			for _, d := range rolled {
				want[verb+" apps/deployments/"+d] = true
			}
			want[verb+" /configmaps/"+job.StatusConfigMap] = true
		}
		kinds := map[string]struct{ group, resource string }{
			"Secret": {"", "secrets"}, "ConfigMap": {"", "configmaps"}, "Deployment": {"apps", "deployments"},
			"ServiceAccount": {"", "serviceaccounts"}, "Job": {"batch", "jobs"}, "Role": {"rbac.authorization.k8s.io", "roles"},
			"RoleBinding": {"rbac.authorization.k8s.io", "rolebindings"}, "NetworkPolicy": {"networking.k8s.io", "networkpolicies"},
			"ExternalSecret": {"external-secrets.io", "externalsecrets"}, "Service": {"", "services"},
		}
		names := map[string][]string{}
		for _, d := range s.docs {
			names[d.Kind] = append(names[d.Kind], d.Name)
		}
		// The Secrets the ExternalSecrets create and the pods' own exist too.
		for _, ks := range s.charts.Secrets {
			names["Secret"] = append(names["Secret"], ks.Name)
		}
		names["Pod"] = []string{"any"}
		kinds["Pod"] = struct{ group, resource string }{"", "pods"}
		got := map[string]bool{}
		for kind, gr := range kinds {
			for _, n := range append(names[kind], "") { // "" = a collection (list, create, deletecollection)
				for _, verb := range []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"} {
					if allowed(role.Rules, verb, gr.group, gr.resource, n) {
						got[verb+" "+gr.group+"/"+gr.resource+"/"+n] = true
					}
				}
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the Job may %v\nwant exactly %v", name, sortedSet(got), sortedSet(want))
		}
		// Its token Secrets are exactly those the workers and connectors
		// read, and each is read by exactly the Deployments the Job may roll.
		readSet := map[string]bool{}
		for _, dep := range s.deployments(t) {
			for _, c := range dep.Spec.Template.Spec.Containers {
				if ref := envOf(t, c)["OPENCTI_TOKEN"].ValueFrom; ref != nil && ref.SecretKeyRef != nil && slices.Contains(job.TokenSecrets, ref.SecretKeyRef.Name) {
					readSet[ref.SecretKeyRef.Name] = true
					if !slices.Contains(rolled, dep.Name) {
						t.Errorf("%s: %s reads the token Secret %s but the Job may not roll it", name, dep.Name, ref.SecretKeyRef.Name)
					}
				}
			}
		}
		read := sortedSet(readSet)
		owned := slices.Clone(job.TokenSecrets)
		sort.Strings(owned)
		if !reflect.DeepEqual(read, owned) {
			t.Errorf("%s: the Job writes %v, the pods read %v", name, owned, read)
		}
		// The Role is bound to the Job's ServiceAccount only, and nothing else
		// binds anything.
		var rb rbacv1.RoleBinding
		decode(t, s.one(t, "RoleBinding", charts.IdentitiesName), &rb)
		if rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != role.Name ||
			!reflect.DeepEqual(rb.Subjects, []rbacv1.Subject{{Kind: "ServiceAccount", Name: charts.DefaultIdentitiesServiceAccount, Namespace: ns}}) {
			t.Errorf("%s: RoleBinding %+v", name, rb)
		}
		for _, kind := range []string{"ClusterRole", "ClusterRoleBinding"} {
			if len(s.find(kind, "")) != 0 {
				t.Errorf("%s: a %s exists", name, kind)
			}
		}
		if n := len(s.find("RoleBinding", "")) + len(s.find("Role", "")); n != 2 {
			t.Errorf("%s: %d Roles and RoleBindings, want the Job's two", name, n)
		}
	}
}

func sortedSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestTokenSecretsCarryNoData: an apply of the manifests never overwrites a
// token the Job wrote: the token Secrets and the status ConfigMap have no
// data in the manifests, no opencti-ha.io annotation, and no pod template
// sets the annotation the Job rolls Deployments with.
func TestTokenSecretsCarryNoData(t *testing.T) {
	for _, secret := range large.charts.Provisioning.TokenSecrets {
		d := large.one(t, "Secret", secret)
		var sec corev1.Secret
		decode(t, d, &sec)
		if sec.Type != corev1.SecretTypeOpaque || len(sec.Data) != 0 || len(sec.StringData) != 0 || len(sec.Annotations) != 0 {
			t.Errorf("token Secret %s: %s", secret, d.Raw)
		}
		if d.Chart != charts.IdentitiesTokensChartID(0) {
			t.Errorf("token Secret %s is in chart %s, want %s (applied before the Job)", secret, d.Chart, charts.IdentitiesTokensChartID(0))
		}
	}
	status := large.one(t, "ConfigMap", large.charts.Provisioning.StatusConfigMap)
	if _, has := status.Obj["data"]; has || status.Chart != charts.IdentitiesJobChartID {
		t.Errorf("status ConfigMap: %s (chart %s)", status.Raw, status.Chart)
	}
	for _, dep := range large.deployments(t) {
		if _, has := dep.Spec.Template.Annotations[identities.TemplateAnnotation]; has {
			t.Errorf("%s: the pod template sets %s, which only the Job may", dep.Name, identities.TemplateAnnotation)
		}
	}
}

// nodeValidate runs provision.js's own validation on spec.json.
func nodeValidate(t *testing.T, spec string) string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (make test puts .tools/bin first): %v", err)
	}
	cmd := exec.Command(bin, "-e", `const p = require('./identities/provision.js');
try { const s = p.validateSpec(JSON.parse(process.argv[1])); console.log(JSON.stringify({ ok: true, relays: s.statusRelays })); } catch (e) { console.log(JSON.stringify({ ok: false, error: e.message })); }`, "--", spec)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestIdentitiesJob: the Job runs the embedded program with a spec
// provision.js accepts, naming every identity with its Secret and
// Deployments; its pod is hardened, reads the admin token from files of its
// own Secret, and fails for good when the program fails.
func TestIdentitiesJob(t *testing.T) {
	job := large.job(t)
	info := large.charts.Provisioning
	spec := job.Spec
	if *spec.ActiveDeadlineSeconds != 1800+1800+600 || info.DeadlineSeconds != 4200 || *spec.BackoffLimit != 2 ||
		info.Relays != identities.Relays(4200) || info.Relays != 8 || spec.TTLSecondsAfterFinished != nil {
		t.Errorf("Job spec: deadline %d, backoff %d, relays %d, ttl %v", *spec.ActiveDeadlineSeconds, *spec.BackoffLimit, info.Relays, spec.TTLSecondsAfterFinished)
	}
	wantPolicy := []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			ContainerName: jsii.String("provision"), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{1}}},
		{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
			{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
	}
	if !reflect.DeepEqual(spec.PodFailurePolicy.Rules, wantPolicy) {
		t.Errorf("podFailurePolicy %+v", spec.PodFailurePolicy.Rules)
	}
	pod := spec.Template.Spec
	c := pod.Containers[0]
	if pod.RestartPolicy != corev1.RestartPolicyNever || pod.ServiceAccountName != "opencti-identities" || !*pod.AutomountServiceAccountToken ||
		pod.NodeSelector["opencti-ha/pool"] != "ingestion" || spec.Template.Annotations["karpenter.sh/do-not-disrupt"] != "true" ||
		len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Errorf("Job pod %+v", pod)
	}
	if c.Image != "opencti/platform:7.260817.0" || !reflect.DeepEqual(c.Command, []string{"node", "/opt/opencti-identities/provision.js"}) ||
		c.TerminationMessagePolicy != corev1.TerminationMessageReadFile {
		t.Errorf("Job container %s %v", c.Image, c.Command)
	}
	env := envOf(t, c)
	for k, v := range map[string]string{
		"IDENTITIES_SPEC":                "/opt/opencti-identities/spec.json",
		"OPENCTI_ADMIN_TOKEN_FILE":       "/run/secrets/opencti-identities/OPENCTI_ADMIN_TOKEN",
		"OPENCTI_HEALTH_ACCESS_KEY_FILE": "/run/secrets/opencti-identities/OPENCTI_HEALTH_ACCESS_KEY",
		"NODE_OPTIONS":                   "--max-old-space-size=96",
	} {
		if got := value(t, env, k); got != v {
			t.Errorf("Job env %s=%q, want %q", k, got, v)
		}
	}
	if f := env["IDENTITIES_JOB_NAME"].ValueFrom; f == nil || f.FieldRef == nil || f.FieldRef.FieldPath != "metadata.labels['batch.kubernetes.io/job-name']" {
		t.Errorf("IDENTITIES_JOB_NAME = %+v", env["IDENTITIES_JOB_NAME"])
	}
	if _, has := env["KUBERNETES_API_URL"]; has {
		t.Error("KUBERNETES_API_URL set although Identities.KubernetesAPIURL is not")
	}
	if got := secretsReadBy(pod); !reflect.DeepEqual(got, map[string][]string{charts.IdentitiesSecretName: {"*"}}) {
		t.Errorf("the Job reads Secrets %v, want only %s", got, charts.IdentitiesSecretName)
	}
	// The program: its script and its spec, two immutable ConfigMaps
	// projected into one folder, the script in a chart of its own.
	var program, script corev1.ConfigMap
	for _, v := range pod.Volumes {
		if v.Projected == nil {
			continue
		}
		if len(v.Projected.Sources) != 2 || v.Projected.Sources[0].ConfigMap == nil || v.Projected.Sources[1].ConfigMap == nil {
			t.Fatalf("program volume %+v, want the script and the spec ConfigMaps", v.Projected)
		}
		s := large.one(t, "ConfigMap", v.Projected.Sources[0].ConfigMap.Name)
		decode(t, s, &script)
		if s.Chart != charts.IdentitiesScriptChartID {
			t.Errorf("script ConfigMap in chart %s, want %s", s.Chart, charts.IdentitiesScriptChartID)
		}
		decode(t, large.one(t, "ConfigMap", v.Projected.Sources[1].ConfigMap.Name), &program)
	}
	if script.Name != identities.ScriptConfigMapName() || script.Immutable == nil || !*script.Immutable || script.Data[identities.ScriptFile] != identities.Script {
		t.Fatalf("script ConfigMap %s: immutable %v, script embedded %v", script.Name, script.Immutable, script.Data[identities.ScriptFile] == identities.Script)
	}
	if program.Immutable == nil || !*program.Immutable || len(program.Data) != 1 {
		t.Fatalf("program ConfigMap %s: immutable %v, keys %d, want the spec only", program.Name, program.Immutable, len(program.Data))
	}
	specJSON := program.Data["spec.json"]
	if program.Name != identities.SpecConfigMapName([]byte(specJSON)) {
		t.Errorf("program ConfigMap %s is not named after its spec", program.Name)
	}
	if got := nodeValidate(t, specJSON); got != `{"ok":true,"relays":8}` {
		t.Errorf("provision.js refuses the spec: %s", got)
	}
	var s identities.Spec
	if err := json.Unmarshal([]byte(specJSON), &s); err != nil {
		t.Fatal(err)
	}
	if s.Deployment != "opencti" || s.OpenCTIURL != connAPIURL || s.Namespace != ns || s.Rotation != 0 || s.TokenDuration != "UNLIMITED" ||
		!reflect.DeepEqual(s.Worker, identities.Consumer{Secret: "opencti-worker-token", Deployments: []string{"opencti-worker-api"}}) {
		t.Errorf("spec %+v", s)
	}
	var connectors []string
	for _, dep := range large.deployments(t) {
		if isConnector(dep) {
			connectors = append(connectors, dep.Spec.Template.Labels[charts.LabelConnector])
		}
	}
	if len(s.Connectors) != len(connectors) || len(connectors) != 30 {
		t.Fatalf("spec has %d connectors, the chart %d", len(s.Connectors), len(connectors))
	}
	for i, sc := range s.Connectors {
		dep := large.deployment(t, charts.ConnectorObjectName(sc.Name))
		want := identities.Connector{Name: sc.Name, ID: value(t, envOf(t, dep.Spec.Template.Spec.Containers[0]), "CONNECTOR_ID"),
			Type: value(t, envOf(t, dep.Spec.Template.Spec.Containers[0]), "CONNECTOR_TYPE"), Secret: charts.ConnectorTokenSecretName(sc.Name),
			Deployments: []string{dep.Name}}
		if !reflect.DeepEqual(sc, want) || sc.Name != connectors[i] {
			t.Errorf("spec connector %d = %+v, want %+v", i, sc, want)
		}
	}
}

// identitiesOf builds only the identities charts of p.
func identitiesOf(t *testing.T, p *charts.Props) *charts.ProvisioningJob {
	t.Helper()
	app := cdk8s.NewApp(nil)
	_, _, job, err := charts.NewIdentitiesCharts(app, "Identities", p)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// TestIdentitiesJobNameFollowsItsInputs: a new Job (a run) for a new
// rotation, connector, token setting, version or Kubernetes API; the same
// Job (no run) for everything else, and for a deploy-time value whose token
// numbering differs.
func TestIdentitiesJobNameFollowsItsInputs(t *testing.T) {
	base := identitiesOf(t, validProps()).Name
	if base != defaults.charts.Provisioning.Name {
		t.Fatalf("NewIdentitiesCharts and NewCharts name the Job %s and %s", base, defaults.charts.Provisioning.Name)
	}
	change := map[string]func(p *charts.Props){
		"rotation":        func(p *charts.Props) { p.Identities.Rotation = new(1) },
		"token duration":  func(p *charts.Props) { p.Identities.TokenDuration = jsii.String("DAYS_90") },
		"a connector":     func(p *charts.Props) { p.Connectors = append(charts.DefaultConnectors(), mitre()) },
		"version":         func(p *charts.Props) { p.Version = "7.260901.0" },
		"deployment name": func(p *charts.Props) { p.Identities.Deployment = jsii.String("opencti-prod") },
		"API endpoint": func(p *charts.Props) {
			p.Identities.KubernetesAPIURL = jsii.String("https://ABC.gr7.eu-west-1.eks.amazonaws.com")
		},
	}
	keep := map[string]func(p *charts.Props){
		"ui replicas": func(p *charts.Props) { p.UI.MaxReplicas = new(int32(8)) },
		"hostnames":   func(p *charts.Props) { p.Hostnames.UI = "cti.example.org" },
		"log level":   func(p *charts.Props) { p.LogLevel = jsii.String("debug") },
		"connector size": func(p *charts.Props) {
			p.Connectors = charts.DefaultConnectors()
			p.Connectors[0].Replicas = new(int32(3))
		},
		"API CIDRs":         func(p *charts.Props) { p.Identities.KubernetesAPICIDRs = []string{"10.0.32.0/20"} },
		"rollout tolerance": func(p *charts.Props) { p.Worker.ExtraEnv = map[string]string{"WORKER_LOG_LEVEL": "info"} },
	}
	for what, f := range change {
		p := validProps()
		f(p)
		if got := identitiesOf(t, p).Name; got == base {
			t.Errorf("%s: the Job keeps its name %s, so it would not run", what, got)
		}
	}
	for what, f := range keep {
		p := validProps()
		f(p)
		if got := identitiesOf(t, p).Name; got != base {
			t.Errorf("%s: the Job is renamed %s (was %s), a needless run", what, got, base)
		}
	}
	// A CDK token in the endpoint: its number depends on construction order,
	// its value on the deployment; neither renames the Job.
	a, b := validProps(), validProps()
	a.Identities.KubernetesAPIURL = jsii.String("${Token[TOKEN.123]}")
	b.Identities.KubernetesAPIURL = jsii.String("${Token[TOKEN.987]}")
	if identitiesOf(t, a).Name != identitiesOf(t, b).Name {
		t.Error("the token numbering of the cluster endpoint renames the Job")
	}
}

func mitre() charts.ConnectorProps {
	return charts.ConnectorProps{Name: "mitre", Type: "EXTERNAL_IMPORT", ConnectorName: "MITRE ATT&CK"}
}

// TestIdentitiesKubernetesAPI: the endpoint reaches the Job's environment
// and the CIDRs its egress policy.
func TestIdentitiesKubernetesAPI(t *testing.T) {
	p := validProps()
	p.Identities.KubernetesAPIURL = jsii.String("https://ABC.gr7.eu-west-1.eks.amazonaws.com")
	p.Identities.KubernetesAPICIDRs = []string{"10.0.32.0/20", "10.0.48.0/20"}
	s, err := synth(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := value(t, envOf(t, s.job(t).Spec.Template.Spec.Containers[0]), "KUBERNETES_API_URL"); got != "https://ABC.gr7.eu-west-1.eks.amazonaws.com" {
		t.Errorf("KUBERNETES_API_URL = %q", got)
	}
	ps := s.policies(t)
	job := endpoint{name: "identities", labels: s.job(t).Spec.Template.Labels, namespace: ns}
	tcp := corev1.ProtocolTCP
	for _, c := range []struct {
		ip   string
		port int32
		want bool
	}{{"10.0.40.9", 443, true}, {"10.0.50.9", 443, true}, {"10.0.1.9", 443, false}, {"10.0.40.9", 80, false}} {
		if got := ps.egress(t, job, endpoint{name: c.ip, ip: c.ip}, tcp, c.port); got != c.want {
			t.Errorf("identities -> %s:%d allowed=%v, want %v", c.ip, c.port, got, c.want)
		}
	}
}

// TestIdentitiesNetworkPolicy: the Job reaches connector-api and, on 443,
// the Kubernetes API (default: the VPC); nothing reaches it; connector-api
// admits it; it reaches nothing else (not worker-api, not the internet, not
// the data services).
func TestIdentitiesNetworkPolicy(t *testing.T) {
	ps := defaults.policies(t)
	job := endpoint{name: "identities", labels: defaults.job(t).Spec.Template.Labels, namespace: ns}
	capi, wapi, ui := podOf(t, defaults, charts.ConnectorAPIName), podOf(t, defaults, charts.WorkerAPIName), podOf(t, defaults, charts.UIName)
	worker := podOf(t, defaults, charts.WorkerDeploymentName) // the worker-api pods run the workers
	tcp := corev1.ProtocolTCP
	for _, c := range []reach{
		{job, capi, tcp, 4000, true, ps.connect},
		{job, wapi, tcp, 4000, false, ps.connect},
		{job, ui, tcp, 4000, false, ps.connect},
		{job, endpoint{name: "api-server", ip: "10.0.7.7"}, tcp, 443, true, ps.egress},
		{job, endpoint{name: "internet", ip: "198.51.100.7"}, tcp, 443, false, ps.egress},
		{job, endpoint{name: "data", ip: "10.0.130.5"}, tcp, 5671, false, ps.egress},
		{worker, job, tcp, 4000, false, ps.connect},
		{capi, job, tcp, 4000, false, ps.connect},
		{job, endpoint{name: "kube-dns", labels: map[string]string{"k8s-app": "kube-dns"}, namespace: "kube-system"}, corev1.ProtocolUDP, 53, true, ps.egress},
	} {
		if got := c.check(t, c.src, c.dst, c.proto, c.port); got != c.want {
			t.Errorf("%s -> %s %s/%d: allowed=%v, want %v", c.src.name, c.dst.name, c.proto, c.port, got, c.want)
		}
	}
	var np networkingv1.NetworkPolicy
	decode(t, defaults.one(t, "NetworkPolicy", charts.IdentitiesName), &np)
	if len(np.Spec.Ingress) != 0 || len(np.Spec.Egress) != 2 {
		t.Errorf("identities NetworkPolicy %+v", np.Spec)
	}
	// Without identities connector-api does not admit the (absent) Job.
	if disabled.policies(t).ingress(t, job, podOf(t, disabled, charts.ConnectorAPIName), tcp, 4000) {
		t.Error("Identities disabled: connector-api still admits identities pods")
	}
}

// TestIdentitiesDisabledKeepsTheAdminToken: the opt-out renders the wiring of
// before: no identities objects, workers and connectors on the admin token
// from their own ExternalSecrets, no wait for a token.
func TestIdentitiesDisabledKeepsTheAdminToken(t *testing.T) {
	s := disabled
	if s.charts.Identities != nil || s.charts.IdentitiesJob != nil || s.charts.Provisioning != nil {
		t.Fatal("identities charts exist although disabled")
	}
	for _, d := range s.docs {
		if d.Obj["metadata"].(map[string]any)["labels"].(map[string]any)[charts.LabelComponent] == charts.ComponentIdentities ||
			strings.HasSuffix(d.Name, "-token") || d.Kind == "Job" || d.Kind == "Role" {
			t.Errorf("identities object %s %s rendered although disabled", d.Kind, d.Name)
		}
	}
	refs := externalSecretRefs(t, s)
	admin := validProps().Secrets.AdminToken
	for _, dep := range s.deployments(t) {
		var secret string
		consumers := dep.Spec.Template.Spec.Containers[:1]
		switch {
		case dep.Name == charts.WorkerDeploymentName:
			secret = charts.WorkerSecretName
			consumers = workersOf(dep.Spec.Template.Spec)
		case isConnector(dep):
			secret = charts.ConnectorSecretName(dep.Spec.Template.Labels[charts.LabelConnector])
		default:
			continue
		}
		if len(consumers) == 0 {
			t.Errorf("%s: no token consumer", dep.Name)
		}
		for _, c := range consumers {
			env := envOf(t, c)
			if ref := env["OPENCTI_TOKEN"].ValueFrom.SecretKeyRef; ref.Name != secret || ref.Key != "OPENCTI_TOKEN" {
				t.Errorf("%s/%s: OPENCTI_TOKEN from %s/%s, want %s", dep.Name, c.Name, ref.Name, ref.Key, secret)
			}
		}
		if refs[secret][0] != admin {
			t.Errorf("%s: %s copies %+v as OPENCTI_TOKEN, want the admin token", dep.Name, secret, refs[secret][0])
		}
		if slices.Contains(initNames(dep.Spec.Template.Spec), "wait-for-token") || len(dep.Spec.Template.Spec.Volumes) != len(defaults.deployment(t, dep.Name).Spec.Template.Spec.Volumes)-1 {
			t.Errorf("%s waits for a token although identities are disabled", dep.Name)
		}
	}
	// A connector Token applies only then.
	p := disabledProps()
	own := charts.RemoteRef{Key: "opencti/prod/misp-user", Property: "token"}
	c := mitre()
	c.Token = &own
	p.Connectors = []charts.ConnectorProps{c}
	layout, err := charts.SecretLayout(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := layout[len(layout)-1]; got.Name != charts.ConnectorSecretName("mitre") || got.Keys[0] != "OPENCTI_TOKEN" {
		t.Errorf("connector Secret %+v", got)
	}
}

// TestIdentitiesPropsAreValidated: every identities problem with its exact
// text, and the connector settings identities rule out.
func TestIdentitiesPropsAreValidated(t *testing.T) {
	p := validProps()
	p.Identities = charts.IdentitiesProps{
		Deployment: jsii.String("1dev"), Rotation: new(-1), TokenDuration: jsii.String("DAYS_7"),
		HealthTimeoutSeconds: new(int32(10)), RolloutTimeoutSeconds: new(int32(5000)),
		KubernetesAPIURL: jsii.String("http://api.example.com"), KubernetesAPICIDRs: []string{"10.0.0.1/16"},
	}
	tok := charts.RemoteRef{Key: "opencti/x", Property: "token"}
	c := mitre()
	c.Token = &tok
	c.Env = map[string]string{"CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT": "true"}
	c.SecretEnv = map[string]charts.RemoteRef{"CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT_CONFIDENCE_LEVEL": {Key: "opencti/x"}}
	p.Connectors = []charts.ConnectorProps{c}
	err := p.Validate()
	for _, want := range []string{
		`Connectors[0].Env: got "CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT", want unset (the deployment creates each connector's OpenCTI user; auto-creation needs the admin token in the connector)`,
		`Connectors[0].SecretEnv: got "CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT_CONFIDENCE_LEVEL", want unset (the deployment creates each connector's OpenCTI user; auto-creation needs the admin token in the connector)`,
		`Connectors[0].Token: got {opencti/x token}, want nil while Identities are enabled (the connector reads its own token from opencti-connector-mitre-token)`,
		`Identities.Deployment: got "1dev", want 1-40 letters, digits or hyphens, starting with a letter (it prefixes every OpenCTI user, group and role the deployment owns)`,
		`Identities.Rotation: got -1, want an integer from 0 to 2147483647 (increase it to replace every token)`,
		`Identities.TokenDuration: got "DAYS_7", want one of UNLIMITED, DAYS_30, DAYS_60, DAYS_90, DAYS_365`,
		`Identities.HealthTimeoutSeconds: got 10, want 60 to 3600`,
		`Identities.RolloutTimeoutSeconds: got 5000, want 60 to 3600`,
		`Identities.KubernetesAPIURL: got "http://api.example.com", want an absolute https URL`,
		`Identities.KubernetesAPICIDRs[0]: got "10.0.0.1/16", want an IPv4 CIDR without host bits, such as "10.0.0.0/16"`,
	} {
		if err == nil || !slices.Contains(strings.Split(err.Error(), "\n"), want) {
			t.Errorf("got:\n%v\nwant a line %s", err, want)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 10 {
		t.Errorf("%d problems, want 10:\n%v", n, err)
	}
	// The same connector is fine without identities.
	p = disabledProps()
	p.Connectors = []charts.ConnectorProps{c}
	if err := p.Validate(); err != nil {
		t.Errorf("identities disabled: %v", err)
	}
	if fmt.Sprint(charts.IdentitiesConnectorEnv()) != "[CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT_CONFIDENCE_LEVEL]" {
		t.Error(charts.IdentitiesConnectorEnv())
	}
}
