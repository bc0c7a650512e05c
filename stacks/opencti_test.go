package stacks

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
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
	for i := 1; i < len(ids); i++ {
		deps, _ := manifests[ids[i]]["DependsOn"].([]any)
		found := false
		for _, d := range deps {
			if d == ids[i-1] {
				found = true
			}
		}
		if !found {
			t.Errorf("manifest %s does not depend on %s (DependsOn %v)", ids[i], ids[i-1], deps)
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
