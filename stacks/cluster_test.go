package stacks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/cluster"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// clusterFixture is a small extra app (Network + Cluster + a workload stack
// that uses AddPodIdentity) for the variants the embedded profiles do not
// cover: a CIDR-restricted public endpoint and several admin roles. The dev
// and prod apps come from the package's shared fixtures (fixtureFor).
type clusterFixture struct {
	cfg       *config.Config
	network   *NetworkStack
	cluster   *ClusterStack
	workloads awscdk.Stack
	tmpl      assertions.Template
	json      map[string]any
}

var publicCluster *clusterFixture

func publicClusterFixture(t *testing.T) *clusterFixture {
	t.Helper()
	if publicCluster != nil {
		return publicCluster
	}
	cfg, err := config.Default("prod")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Account = "123456789012"
	cfg.Cluster.EndpointAccess = "public-and-private"
	cfg.Cluster.PublicAccessCidrs = []string{"203.0.113.0/24"}
	cfg.Cluster.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/Admin", "arn:aws:iam::123456789012:role/ops/BreakGlass"}
	cfg.ImageCache = config.ImageCache{Enabled: true, RepositoryPrefix: "hub", CredentialsSecretArn: testCacheSecret}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := cdkapp.New("", false)
	if err != nil {
		t.Fatal(err)
	}
	testutil.AddNag(app)
	AvailabilityZoneContext(app, cfg)
	env := &awscdk.Environment{Region: jsii.String(cfg.Region), Account: jsii.String(cfg.Account)}
	f := &clusterFixture{cfg: cfg}
	f.network = NewNetworkStack(app, NetworkStackID, &NetworkStackProps{StackProps: awscdk.StackProps{Env: env}, Config: cfg})
	f.cluster = NewClusterStack(app, ClusterStackID, &ClusterStackProps{StackProps: awscdk.StackProps{Env: env}, Config: cfg, Network: f.network})
	// What the OpenCTI workload stack does with the typed value.
	f.workloads = awscdk.NewStack(app, jsii.String("Workloads"), &awscdk.StackProps{Env: env})
	role := awsiam.NewRole(f.workloads, jsii.String("PlatformRole"), &awsiam.RoleProps{AssumedBy: cluster.PodIdentityPrincipal()})
	f.cluster.AddPodIdentity("PlatformPodIdentity", cfg.OpenCTI.Namespace, "opencti-platform", role)
	f.tmpl = assertions.Template_FromStack(f.cluster.Stack, nil)
	raw, _ := json.Marshal(f.tmpl.ToJSON())
	if err := json.Unmarshal(raw, &f.json); err != nil {
		t.Fatal(err)
	}
	publicCluster = f
	return f
}

// clusterTemplate is the Cluster stack of the shared env fixture, in the
// shape clusterFixture uses.
func clusterTemplate(t *testing.T, env string) (*fixture, *clusterFixture) {
	t.Helper()
	f := fixtureFor(t, env)
	return f, &clusterFixture{cfg: f.Config, network: f.App.Network, cluster: f.App.Cluster,
		tmpl: f.Template(t, f.App.Cluster.Stack), json: f.TemplateJSON(t, f.App.Cluster.Stack)}
}

func (f *clusterFixture) resources(typ string) []map[string]any {
	var out []map[string]any
	for _, r := range f.json["Resources"].(map[string]any) {
		if res := r.(map[string]any); res["Type"] == typ {
			out = append(out, res["Properties"].(map[string]any))
		}
	}
	return out
}

// cfnString renders a CloudFormation value as text, intrinsics as {{...}}.
func cfnString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		switch {
		case x["Ref"] != nil:
			return fmt.Sprintf("{{Ref:%v}}", x["Ref"])
		case x["Fn::GetAtt"] != nil:
			p := x["Fn::GetAtt"].([]any)
			return fmt.Sprintf("{{GetAtt:%v.%v}}", p[0], p[1])
		case x["Fn::ImportValue"] != nil:
			return fmt.Sprintf("{{Import:%v}}", x["Fn::ImportValue"])
		case x["Fn::GetStackOutput"] != nil:
			o := x["Fn::GetStackOutput"].(map[string]any)
			return fmt.Sprintf("{{Output:%v.%v}}", o["StackName"], o["OutputName"])
		case x["Fn::Join"] != nil:
			args := x["Fn::Join"].([]any)
			var parts []string
			for _, p := range args[1].([]any) {
				parts = append(parts, cfnString(p))
			}
			return strings.Join(parts, args[0].(string))
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (f *clusterFixture) manifests(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, p := range f.resources("Custom::AWSCDK-EKS-KubernetesResource") {
		var docs []map[string]any
		if err := json.Unmarshal([]byte(cfnString(p["Manifest"])), &docs); err != nil {
			t.Fatalf("manifest is not JSON: %v", err)
		}
		for _, d := range docs {
			out[fmt.Sprintf("%v/%v", d["kind"], d["metadata"].(map[string]any)["name"])] = d
		}
	}
	return out
}

func TestClusterStackFromDevConfig(t *testing.T) {
	_, f := clusterTemplate(t, "dev")
	testutil.Assert(t, func() {
		f.tmpl.HasResourceProperties(jsii.String("AWS::EKS::Cluster"), map[string]any{
			"Version":      "1.34",
			"AccessConfig": map[string]any{"AuthenticationMode": "API", "BootstrapClusterCreatorAdminPermissions": false},
			"ResourcesVpcConfig": map[string]any{
				"EndpointPrivateAccess": true, "EndpointPublicAccess": false, "PublicAccessCidrs": assertions.Match_Absent(),
			},
			"EncryptionConfig": assertions.Match_AnyValue(),
		})
		f.tmpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Delete",
		})
		f.tmpl.HasResourceProperties(jsii.String("Custom::LogRetention"), map[string]any{"RetentionInDays": 30})
		f.tmpl.HasResourceProperties(jsii.String("Custom::AWSCDK-EKS-HelmChart"), map[string]any{
			"Chart": "external-secrets", "Version": "2.9.0", "Namespace": "external-secrets",
		})
		f.tmpl.HasResourceProperties(jsii.String("AWS::EKS::Addon"), map[string]any{
			"AddonName": "metrics-server", "AddonVersion": "v0.8.0-eksbuild.6",
		})
		f.tmpl.ResourceCountIs(jsii.String("AWS::Lambda::LayerVersion"), jsii.Number(2)) // kubectl + AWS CLI
	})
	// The ESO role reads only the configured prefix.
	for _, r := range f.resources("AWS::IAM::Role") {
		if doc := cfnString(r["Policies"]); strings.Contains(doc, "secretsmanager") &&
			!strings.Contains(doc, ":secret:opencti/dev/*") {
			t.Errorf("External Secrets policy is not scoped to opencti/dev/*: %s", doc)
		}
	}
	m := f.manifests(t)
	nc := cfnString(m["NodeClass/opencti"])
	if !strings.Contains(nc, "-Network.PublishOutputFnGetAttWorkloadSecurityGroup") {
		t.Errorf("NodeClass does not carry the Network stack's workload security group: %s", nc)
	}
	for _, pool := range []string{"user-facing", "ingestion"} {
		np := cfnString(m["NodePool/"+pool])
		for _, want := range []string{
			`"topology.kubernetes.io/zone","operator":"In","values":["eu-west-1a","eu-west-1b","eu-west-1c"]`,
			fmt.Sprintf(`"taints":[{"effect":"NoSchedule","key":"opencti-ha/pool","value":"%s"}]`, pool),
			fmt.Sprintf(`"labels":{"opencti-ha/pool":"%s"}`, pool),
		} {
			if !strings.Contains(np, want) {
				t.Errorf("NodePool %s lacks %s: %s", pool, want, np)
			}
		}
	}
	if got := cfnString(m["NodePool/ingestion"]); !strings.Contains(got, `"limits":{"cpu":"32","memory":"128Gi"}`) {
		t.Errorf("dev ingestion limits: %s", got)
	}
	store := cfnString(m["ClusterSecretStore/opencti-aws-secrets-manager"])
	if !strings.Contains(store, `"conditions":[{"namespaces":["opencti","keda"]}]`) || !strings.Contains(store, `"region":"eu-west-1"`) {
		t.Errorf("ClusterSecretStore: %s", store)
	}
	if f.cluster.IngressClassName != "opencti-alb" || f.cluster.SecretStoreName != "opencti-aws-secrets-manager" || f.cluster.SecretsRefreshInterval != "1h" {
		t.Errorf("typed value: %q %q %q", f.cluster.IngressClassName, f.cluster.SecretStoreName, f.cluster.SecretsRefreshInterval)
	}
	if f.cluster.IngressClass == nil || f.cluster.SecretStore == nil || f.cluster.NodePools == nil || f.cluster.Cluster == nil {
		t.Error("typed value has nil manifests")
	}
}

func TestClusterStackFromProdConfig(t *testing.T) {
	_, f := clusterTemplate(t, "prod")
	testutil.Assert(t, func() {
		f.tmpl.HasResourceProperties(jsii.String("AWS::EKS::Cluster"), map[string]any{
			"Version":            "1.34",
			"ResourcesVpcConfig": map[string]any{"EndpointPrivateAccess": true, "EndpointPublicAccess": false},
		})
		f.tmpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"})
		f.tmpl.HasResourceProperties(jsii.String("Custom::LogRetention"), map[string]any{"RetentionInDays": 365})
	})
	admins := 0
	for _, p := range f.resources("AWS::EKS::AccessEntry") {
		if arn := cfnString(p["PrincipalArn"]); arn == f.cfg.Cluster.AdminRoleArns[0] {
			admins++
		}
	}
	if admins != 1 {
		t.Errorf("prod: %d access entries for the configured admin role, want 1", admins)
	}
	if v := cfnString(helmChart(t, f, "external-secrets")["Values"]); !strings.Contains(v, `"replicaCount":2`) || !strings.Contains(v, `"leaderElect":true`) {
		t.Errorf("prod External Secrets must run 2 replicas with leader election: %s", v)
	}
	if got := cfnString(f.manifests(t)["NodePool/ingestion"]); !strings.Contains(got, `"karpenter.sh/capacity-type","operator":"In","values":["on-demand"]`) {
		t.Errorf("prod ingestion pool must be on-demand: %s", got)
	}
}

func TestClusterStackPublicEndpointAndAdmins(t *testing.T) {
	f := publicClusterFixture(t)
	testutil.Assert(t, func() {
		f.tmpl.HasResourceProperties(jsii.String("AWS::EKS::Cluster"), map[string]any{
			"ResourcesVpcConfig": map[string]any{
				"EndpointPrivateAccess": true, "EndpointPublicAccess": true, "PublicAccessCidrs": []any{"203.0.113.0/24"},
			},
		})
		f.tmpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"})
		f.tmpl.HasResourceProperties(jsii.String("Custom::LogRetention"), map[string]any{"RetentionInDays": 365})
	})
	admins := map[string]bool{}
	for _, p := range f.resources("AWS::EKS::AccessEntry") {
		if arn := cfnString(p["PrincipalArn"]); strings.HasPrefix(arn, "arn:aws:iam::") {
			admins[arn] = strings.Contains(cfnString(p["AccessPolicies"]), "AmazonEKSClusterAdminPolicy")
		}
	}
	for _, arn := range f.cfg.Cluster.AdminRoleArns {
		if !admins[arn] {
			t.Errorf("no cluster-admin access entry for %s (%v)", arn, admins)
		}
	}
	if len(admins) != 2 {
		t.Errorf("admin access entries: %v", admins)
	}
}

func TestClusterStackWiring(t *testing.T) {
	for _, env := range config.Environments {
		// Cluster depends on Network only (deploys in parallel with Data).
		_, f := clusterTemplate(t, env)
		var deps []string
		for _, d := range *f.cluster.Dependencies() {
			deps = append(deps, *d.StackName())
		}
		if strings.Join(deps, ",") != *f.network.StackName() {
			t.Errorf("%s: Cluster stack depends on %v, want only the Network stack", env, deps)
		}
	}
	f := publicClusterFixture(t)
	// AddPodIdentity puts the association beside the role, in the workload stack.
	testutil.Assert(t, func() {
		w := assertions.Template_FromStack(f.workloads, nil)
		w.HasResourceProperties(jsii.String("AWS::EKS::PodIdentityAssociation"), map[string]any{
			"Namespace": "opencti", "ServiceAccount": "opencti-platform",
			"RoleArn": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})},
		})
		w.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": []any{"sts:AssumeRole", "sts:TagSession"}, "Effect": "Allow",
				"Principal": map[string]any{"Service": "pods.eks.amazonaws.com"},
			}}},
		})
	})
	if n := len(f.resources("AWS::EKS::PodIdentityAssociation")); n != 1 {
		t.Errorf("Cluster stack has %d Pod Identity associations, want 1 (External Secrets)", n)
	}
}

func TestClusterStackNag(t *testing.T) {
	for _, env := range config.Environments {
		f := fixtureFor(t, env)
		f.requireNoErrors(t, f.App.Cluster.Stack)
	}
	testutil.RequireNoNagErrors(t, publicClusterFixture(t).cluster.Stack)
}

const testCacheSecret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbC123"

// TestClusterStackImageCache: with imageCache enabled, the Cluster stack
// holds the Docker Hub pull-through cache rule and the OpenCTI node role may
// create its repositories on first pull; the profiles (cache disabled) have
// neither.
func TestClusterStackImageCache(t *testing.T) {
	f := publicClusterFixture(t)
	rules := f.resources("AWS::ECR::PullThroughCacheRule")
	if len(rules) != 1 || cfnString(rules[0]["CredentialArn"]) != testCacheSecret || rules[0]["EcrRepositoryPrefix"] != "hub" ||
		rules[0]["UpstreamRegistry"] != "docker-hub" || rules[0]["UpstreamRegistryUrl"] != "registry-1.docker.io" {
		t.Errorf("pull-through cache rules: %v", rules)
	}
	grants := 0
	for _, p := range f.resources("AWS::IAM::Policy") {
		doc := cfnString(p["PolicyDocument"])
		if strings.Contains(doc, "ecr:CreateRepository") {
			grants++
			if !strings.Contains(doc, ":repository/hub/*") || !strings.Contains(cfnString(p["Roles"]), "NodeRole") {
				t.Errorf("first-pull grant: %s on %s", doc, cfnString(p["Roles"]))
			}
		}
	}
	if grants != 1 || f.cluster.ImageCache == nil {
		t.Errorf("%d first-pull grants, ImageCache %v; want 1 and set", grants, f.cluster.ImageCache)
	}
	testutil.RequireNoNagErrors(t, f.cluster.Stack)
	for _, env := range config.Environments {
		_, pf := clusterTemplate(t, env)
		if n := len(pf.resources("AWS::ECR::PullThroughCacheRule")); n != 0 || pf.cluster.ImageCache != nil {
			t.Errorf("%s profile: %d pull-through cache rules", env, n)
		}
	}
}
