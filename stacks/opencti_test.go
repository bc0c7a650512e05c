package stacks

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

func TestOpenCTIAttachesEveryChartInOrder(t *testing.T) {
	f := fixtureFor(t, "prod")
	s := f.App.OpenCTI
	want := len(s.Charts.All())
	manifests := f.Resources(t, s.Stack, "Custom::AWSCDK-EKS-KubernetesResource")
	if len(manifests) != want || want < 5 {
		t.Fatalf("%d manifests attached, want one per chart (%d)", len(manifests), want)
	}
	// Each chart is applied after the one before it (namespace first).
	var ids []string
	for _, chart := range s.Charts.All() {
		re := regexp.MustCompile("^Chart" + *chart.Node().Id() + "[0-9A-F]{8}$")
		for id := range manifests {
			if re.MatchString(id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) != want {
		t.Fatalf("found %d of %d chart manifests by ID: %v", len(ids), want, ids)
	}
	all := map[string]map[string]any{}
	for id, r := range f.TemplateJSON(t, s.Stack)["Resources"].(map[string]any) {
		all[id] = r.(map[string]any)
	}
	for i := 1; i < len(ids); i++ {
		if !dependsOn(all, ids[i], ids[i-1]) {
			t.Errorf("manifest %s does not depend on %s (DependsOn %v)", ids[i], ids[i-1], manifests[ids[i]]["DependsOn"])
		}
	}
	// Namespace first, Ingress last.
	first, _ := json.Marshal(manifests[ids[0]]["Properties"])
	if !strings.Contains(string(first), `\"kind\":\"Namespace\"`) {
		t.Errorf("the first manifest does not create the Namespace")
	}
	last, _ := json.Marshal(manifests[ids[len(ids)-1]]["Properties"])
	if !strings.Contains(string(last), `\"kind\":\"Ingress\"`) {
		t.Errorf("the last manifest does not hold the Ingresses")
	}
}

func TestOpenCTIPlatformRoleIsLeastPrivilege(t *testing.T) {
	f := fixtureFor(t, "prod")
	tpl := f.Template(t, f.App.OpenCTI.Stack)
	testutil.Assert(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action":    []any{"sts:AssumeRole", "sts:TagSession"},
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "pods.eks.amazonaws.com"},
			}}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::EKS::PodIdentityAssociation"), map[string]any{
			"Namespace":      f.Config.OpenCTI.Namespace,
			"ServiceAccount": "opencti-platform",
		})
	})
	for id, p := range f.Resources(t, f.App.OpenCTI.Stack, "AWS::IAM::Policy") {
		if !strings.HasPrefix(id, "PlatformRole") {
			continue
		}
		doc, _ := json.Marshal(p["Properties"].(map[string]any)["PolicyDocument"])
		var pd struct {
			Statement []struct {
				Action   any
				Resource any
			}
		}
		_ = json.Unmarshal(doc, &pd)
		for _, st := range pd.Statement {
			res, _ := json.Marshal(st.Resource)
			if strings.Contains(string(res), `"*"`) {
				t.Errorf("%s: statement %v grants on every resource", id, st.Action)
			}
			if !strings.Contains(string(res), "Fn::ImportValue") && !strings.Contains(string(res), "Fn::GetStackOutput") {
				t.Errorf("%s: statement %v is not scoped to the Data stack's bucket or key: %s", id, st.Action, res)
			}
		}
	}
	testutil.Assert(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Action": assertions.Match_ArrayWith(&[]any{"s3:PutObject"})}),
			})},
		})
	})
}

func TestOpenCTIStackDependsOnDataAndCluster(t *testing.T) {
	f := fixtureFor(t, "dev")
	deps := map[string]bool{}
	for _, d := range *f.App.OpenCTI.Stack.Dependencies() {
		deps[*d.StackName()] = true
	}
	for _, s := range []*string{f.App.Data.StackName(), f.App.Cluster.StackName()} {
		if !deps[*s] {
			t.Errorf("the OpenCTI stack does not depend on %s (it needs its outputs first): %v", *s, deps)
		}
	}
}

func TestOpenCTIHasNoNagErrors(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		f := fixtureFor(t, env)
		f.requireNoErrors(t, f.App.OpenCTI.Stack)
	}
}

// TestChartSecretsNameWhatTheDataStackCreates: the ExternalSecrets read
// secret names and JSON fields the Data stack really creates.
func TestChartSecretsNameWhatTheDataStackCreates(t *testing.T) {
	f := fixtureFor(t, "prod")
	created := map[string]bool{}
	for _, s := range f.Resources(t, f.App.Data.Stack, "AWS::SecretsManager::Secret") {
		if name, ok := s["Properties"].(map[string]any)["Name"].(string); ok {
			created[name] = true
		}
	}
	fields := map[string][]string{
		DataSecretName(f.Config, AdminSecretSuffix):           {AdminSecretPasswordField, AdminSecretTokenField},
		DataSecretName(f.Config, HealthAccessKeySecretSuffix): {HealthAccessKeySecretField},
		DataSecretName(f.Config, EncryptionKeySecretSuffix):   {EncryptionKeySecretField},
		DataSecretName(f.Config, OpenSearchUserSecretSuffix):  {OpenSearchUserSecretUsernameField, OpenSearchUserSecretPasswordField},
		DataSecretName(f.Config, RedisAuthSecretSuffix):       {RedisAuthSecretPasswordField},
		DataSecretName(f.Config, RabbitMQSecretSuffix):        {RabbitMQSecretUsernameField, RabbitMQSecretPasswordField},
	}
	s := charts.SecretsFor(f.Config.SecretsPrefix)
	for what, ref := range map[string]charts.RemoteRef{
		"AdminPassword": s.AdminPassword, "AdminToken": s.AdminToken, "HealthAccessKey": s.HealthAccessKey,
		"EncryptionKey": s.EncryptionKey, "OpenSearchUsername": s.OpenSearchUsername, "OpenSearchPassword": s.OpenSearchPassword,
		"RedisAuthToken": s.RedisAuthToken, "RabbitMQUsername": s.RabbitMQUsername, "RabbitMQPassword": s.RabbitMQPassword,
	} {
		if !created[ref.Key] {
			t.Errorf("%s reads secret %q, which the Data stack does not create (it creates %v)", what, ref.Key, created)
		}
		if !slices.Contains(fields[ref.Key], ref.Property) {
			t.Errorf("%s reads field %q of %s; the secret has %v", what, ref.Property, ref.Key, fields[ref.Key])
		}
	}
}

// TestOpenCTIScalesIngestionOnTheQueue: both profiles attach the Scaling
// chart: a ScaledObject on the worker-api Deployment whose trigger reads the
// Data stack's broker over HTTPS with the Cluster stack's
// ClusterTriggerAuthentication, applied after KEDA is installed and the
// credentials are in place; the workers run in the worker-api pods.
func TestOpenCTIScalesIngestionOnTheQueue(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		f := fixtureFor(t, env)
		s := f.App.OpenCTI
		if s.Charts.Scaling == nil {
			t.Fatalf("%s: no Scaling chart", env)
		}
		var scaling awseksv2.KubernetesManifest
		for _, m := range s.Manifests {
			if *m.Node().Id() == "Chart"+charts.ScalingChartID {
				scaling = m
			}
		}
		if scaling == nil {
			t.Fatalf("%s: no ChartScaling manifest", env)
		}
		deps := map[string]bool{}
		for _, d := range *scaling.Node().Dependencies() {
			deps[*d.Node().Path()] = true
		}
		for _, want := range []string{*f.App.Cluster.Keda.Node().Path(), *f.App.Cluster.QueueScalerAuthentication.Node().Path()} {
			if !deps[want] {
				t.Errorf("%s: ChartScaling does not wait for %s (%v)", env, want, deps)
			}
		}
		var body string
		for id, r := range f.Resources(t, s.Stack, "Custom::AWSCDK-EKS-KubernetesResource") {
			if strings.HasPrefix(id, "ChartScaling") {
				body = cfnString(r["Properties"].(map[string]any)["Manifest"])
			}
		}
		// The host is the Data stack's broker hostname, a deploy-time value.
		host := regexp.MustCompile(`"host":"https://(.*?):443/"`).FindStringSubmatch(body)
		if host == nil || !strings.Contains(host[1], "opencti-"+env+"-Data") || !strings.Contains(host[1], "RabbitMQ") {
			t.Errorf("%s: trigger host %v, want the Data stack's broker over HTTPS on 443", env, host)
		} else {
			body = strings.Replace(body, host[1], "BROKER", 1)
		}
		var docs []map[string]any
		if err := json.Unmarshal([]byte(body), &docs); err != nil || len(docs) != 1 || docs[0]["kind"] != "ScaledObject" {
			t.Fatalf("%s: ChartScaling holds %s (%v)", env, body, err)
		}
		spec := docs[0]["spec"].(map[string]any)
		trigger := spec["triggers"].([]any)[0].(map[string]any)
		meta := trigger["metadata"].(map[string]any)
		if meta["host"] != "https://BROKER:443/" || meta["vhostName"] != "/" || meta["queueName"] != "^push_" {
			t.Errorf("%s: trigger %v", env, meta)
		}
		if ref := trigger["authenticationRef"].(map[string]any); ref["name"] != f.App.Cluster.QueueScalerAuthenticationName || ref["kind"] != "ClusterTriggerAuthentication" {
			t.Errorf("%s: authenticationRef %v", env, ref)
		}
		w := f.Config.OpenCTI.WorkerAPI
		if spec["minReplicaCount"] != float64(w.MinReplicas) || spec["maxReplicaCount"] != float64(w.MaxReplicas) ||
			meta["value"] != "10000" {
			t.Errorf("%s: bounds %v..%v value %v, want the configuration's %d..%d and 10000", env, spec["minReplicaCount"], spec["maxReplicaCount"], meta["value"], w.MinReplicas, w.MaxReplicas)
		}
		for id := range f.Resources(t, s.Stack, "Custom::AWSCDK-EKS-KubernetesResource") {
			if strings.HasPrefix(id, "ChartIngestion") {
				t.Errorf("%s: a separate workers manifest %s is still attached", env, id)
			}
		}
	}
}

// dependsOn reports whether resource from depends, directly or through other
// resources, on resource on.
func dependsOn(resources map[string]map[string]any, from, on string) bool {
	seen := map[string]bool{}
	var walk func(id string) bool
	walk = func(id string) bool {
		if seen[id] {
			return false
		}
		seen[id] = true
		deps, _ := resources[id]["DependsOn"].([]any)
		for _, d := range deps {
			if d == on || walk(d.(string)) {
				return true
			}
		}
		return false
	}
	return walk(from)
}

// TestOpenCTIIdentities: the deploy provisions the identities and waits for
// them: the Job calls the cluster endpoint and may reach it in the workload
// subnets only, the gate reads the Job's status and the scaling, connectors
// and ingress manifests wait for its verdict (the workers, in the platform
// manifest's worker-api pods, wait for their token in an init container);
// its logs follow the data retention.
func TestOpenCTIIdentities(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		f := fixtureFor(t, env)
		s := f.App.OpenCTI
		job := s.Charts.Provisioning
		if job == nil || s.IdentitiesGate == nil {
			t.Fatalf("%s: identities are not deployed", env)
		}
		resources := map[string]map[string]any{}
		for id, r := range f.TemplateJSON(t, s.Stack)["Resources"].(map[string]any) {
			resources[id] = r.(map[string]any)
		}
		verdict := ""
		for id, r := range resources {
			if r["Type"] == "Custom::OpenCTIIdentitiesGate" {
				verdict = id
				if r["Properties"].(map[string]any)["JobName"] != job.Name {
					t.Errorf("%s: the gate judges %v, the chart runs %s", env, r["Properties"].(map[string]any)["JobName"], job.Name)
				}
			}
		}
		for id, r := range resources {
			if r["Type"] != "Custom::AWSCDK-EKS-KubernetesResource" {
				continue
			}
			manifest, _ := json.Marshal(r["Properties"].(map[string]any)["Manifest"])
			waits := dependsOn(resources, id, verdict)
			isWorkload := regexp.MustCompile(`^Chart(Scaling|Connectors[0-9]*|Ingress)[0-9A-F]{8}$`).MatchString(id)
			if isWorkload != waits {
				t.Errorf("%s: manifest %s waits for the identities verdict: %v", env, id, waits)
			}
			if !strings.Contains(string(manifest), `\"kind\":\"Job\"`) {
				continue
			}
			// The Job calls the endpoint the Cluster stack exports.
			if !apiURLFromCluster.Match(manifest) {
				t.Errorf("%s: the Job does not get the cluster endpoint", env)
			}
		}
		// The Job's egress to the API: the workload subnets' ranges.
		var wantCIDRs []string
		for _, sn := range *f.App.Network.Vpc.SelectSubnets(&f.App.Network.WorkloadSubnets).Subnets {
			wantCIDRs = append(wantCIDRs, *sn.Ipv4CidrBlock())
		}
		if got := chartsIdentitiesCIDRs(t, s); strings.Join(got, ",") != strings.Join(wantCIDRs, ",") || len(got) != 3 {
			t.Errorf("%s: the Job may reach the API in %v, want the workload subnets %v", env, got, wantCIDRs)
		}
		logs := s.IdentitiesGate.LogGroup().Node().DefaultChild().(awscdk.CfnResource)
		want := "Delete"
		if env == "prod" {
			want = "RetainExceptOnCreate"
		}
		if got := resources[*s.Stack.GetLogicalId(logs)]["DeletionPolicy"]; got != want {
			t.Errorf("%s: gate logs DeletionPolicy %v, want %s", env, got, want)
		}
	}
}

// chartsIdentitiesCIDRs reads the identities NetworkPolicy's 443 egress.
func chartsIdentitiesCIDRs(t *testing.T, s *OpenCTIStack) []string {
	t.Helper()
	for _, o := range *s.Charts.Identities.ToJson() {
		m := o.(map[string]any)
		if m["kind"] != "NetworkPolicy" {
			continue
		}
		var out []string
		for _, rule := range m["spec"].(map[string]any)["egress"].([]any) {
			r := rule.(map[string]any)
			if r["ports"].([]any)[0].(map[string]any)["port"] != float64(443) {
				continue
			}
			for _, to := range r["to"].([]any) {
				out = append(out, to.(map[string]any)["ipBlock"].(map[string]any)["cidr"].(string))
			}
		}
		return out
	}
	t.Fatal("no identities NetworkPolicy")
	return nil
}

// apiURLFromCluster matches, in a marshaled manifest, KUBERNETES_API_URL set
// to the Cluster stack's endpoint output.
var apiURLFromCluster = regexp.MustCompile(`KUBERNETES_API_URL\\",\\"value\\":\\"",\{"Fn::GetStackOutput":\{"OutputName":"[^"]*Cluster[^"]*Endpoint[^"]*"`)
