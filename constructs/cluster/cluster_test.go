package cluster_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/cluster"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

const (
	account = "123456789012"
	region  = "eu-west-1"
	admin1  = "arn:aws:iam::123456789012:role/ops/ClusterAdmin"
	admin2  = "arn:aws:iam::123456789012:role/BreakGlass"
)

var zones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

// fixture is one test stack: its own VPC and a cluster.
type fixture struct {
	stack   awscdk.Stack
	vpc     awsec2.Vpc
	sg      awsec2.SecurityGroup
	cluster cluster.Cluster
	tmpl    assertions.Template
	json    map[string]any
}

var public, private *fixture

func newFixture(app awscdk.App, id string, props func(vpc awsec2.IVpc, sg awsec2.ISecurityGroup) *cluster.ClusterProps) *fixture {
	f := &fixture{}
	f.stack = awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
	})
	f.vpc = awsec2.NewVpc(f.stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings(zones...),
		NatGateways:       jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("Workload"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(19)},
			{Name: jsii.String("Data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(f.vpc, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-VPC7"), Reason: jsii.String("Test fixture VPC; the Network stack's VPC has flow logs."),
	}}, jsii.Bool(false))
	f.sg = awsec2.NewSecurityGroup(f.stack, jsii.String("Workload"), &awsec2.SecurityGroupProps{Vpc: f.vpc})
	f.cluster = cluster.NewCluster(f.stack, "Cluster", props(f.vpc, f.sg))
	return f
}

func TestMain(m *testing.M) {
	// Without aws-cdk-lib's template validation, as testutil.NewApp (it says
	// why): with its default, this process paid about 4 CPU-seconds for it.
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false), Context: &map[string]any{
		"availability-zones:account=" + account + ":region=" + region: zones,
		// As in cdk.json: Lambda functions get a log group of their own.
		"@aws-cdk/aws-lambda:useCdkManagedLogGroup": true,
	}})
	testutil.AddNag(app)
	public = newFixture(app, "PublicEndpoint", func(vpc awsec2.IVpc, sg awsec2.ISecurityGroup) *cluster.ClusterProps {
		ep := cluster.EndpointPublicAndPrivate
		return &cluster.ClusterProps{
			Vpc:                   vpc,
			WorkloadSubnets:       &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Workload")},
			WorkloadSecurityGroup: sg,
			EndpointAccess:        &ep,
			PublicAccessCidrs:     []string{"203.0.113.0/24", "198.51.100.7/32"},
			AdminRoleArns:         []string{admin1, admin2},
			SecretsPrefix:         "opencti/test",
			UserFacingPool: pool(cluster.DefaultUserFacingPool(), func(p *cluster.NodePool) {
				p.InstanceCpus, p.CPULimit, p.MemoryLimitGiB = []int{8, 16}, 32, 128
			}),
			IngestionPool: pool(cluster.DefaultIngestionPool(), func(p *cluster.NodePool) {
				p.InstanceCategories, p.CapacityTypes = []string{"c"}, []string{"spot", "on-demand"}
			}),
			RetainEncryptionKey:    jsii.Bool(true),
			KedaReplicas:           new(1),
			QueueScalerSecretName:  jsii.String("opencti/test/broker"),
			SecretsRefreshInterval: jsii.String("15m"),
		}
	})
	private = newFixture(app, "Defaults", func(vpc awsec2.IVpc, _ awsec2.ISecurityGroup) *cluster.ClusterProps {
		return &cluster.ClusterProps{Vpc: vpc, SecretsPrefix: "opencti/dev"}
	})
	imageCache = cluster.NewDockerHubCache(public.stack, "ImageCache", &cluster.DockerHubCacheProps{
		CredentialsSecretArn: jsii.String(cacheSecret),
		NodeRoles:            []awsiam.IRole{public.cluster.NodeRole()},
	})
	for _, f := range []*fixture{public, private} {
		f.tmpl = assertions.Template_FromStack(f.stack, nil)
		raw, _ := json.Marshal(f.tmpl.ToJSON())
		if err := json.Unmarshal(raw, &f.json); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// pool is base changed by change.
func pool(base cluster.NodePool, change func(*cluster.NodePool)) *cluster.NodePool {
	change(&base)
	return &base
}

// resources returns the template's resources of type typ, by logical ID.
func (f *fixture) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range f.json["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// flatten renders a CloudFormation value to a string: intrinsic functions
// become "{{Ref:X}}", "{{GetAtt:X.Attr}}", Fn::Join is joined.
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"]; ok {
			return fmt.Sprintf("{{Ref:%v}}", ref)
		}
		if ga, ok := x["Fn::GetAtt"]; ok {
			parts := ga.([]any)
			return fmt.Sprintf("{{GetAtt:%v.%v}}", parts[0], parts[1])
		}
		if j, ok := x["Fn::Join"]; ok {
			args := j.([]any)
			var parts []string
			for _, p := range args[1].([]any) {
				parts = append(parts, flatten(p))
			}
			return strings.Join(parts, args[0].(string))
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// manifests returns every Kubernetes object the stack applies with kubectl,
// keyed by "Kind/name".
func (f *fixture) manifests(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range f.resources("Custom::AWSCDK-EKS-KubernetesResource") {
		props := r["Properties"].(map[string]any)
		var docs []map[string]any
		if err := json.Unmarshal([]byte(flatten(props["Manifest"])), &docs); err != nil {
			t.Fatalf("%s: manifest is not JSON: %v", id, err)
		}
		for _, d := range docs {
			out[fmt.Sprintf("%v/%v", d["kind"], d["metadata"].(map[string]any)["name"])] = d
		}
	}
	return out
}

func onlyID(t *testing.T, m map[string]map[string]any) string {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("want exactly one resource, got %d", len(m))
	}
	for id := range m {
		return id
	}
	return ""
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func TestControlPlane(t *testing.T) {
	testutil.Assert(t, func() {
		public.tmpl.HasResourceProperties(jsii.String("AWS::EKS::Cluster"), map[string]any{
			"Version":      "1.34",
			"AccessConfig": map[string]any{"AuthenticationMode": "API", "BootstrapClusterCreatorAdminPermissions": false},
			"Logging": map[string]any{"ClusterLogging": map[string]any{"EnabledTypes": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Type": "api"}, map[string]any{"Type": "audit"}, map[string]any{"Type": "authenticator"},
				map[string]any{"Type": "controllerManager"}, map[string]any{"Type": "scheduler"},
			})}},
			"EncryptionConfig": []any{map[string]any{
				"Provider":  map[string]any{"KeyArn": assertions.Match_AnyValue()},
				"Resources": []any{"secrets"},
			}},
			"ResourcesVpcConfig": map[string]any{
				"EndpointPrivateAccess": true,
				"EndpointPublicAccess":  true,
				"PublicAccessCidrs":     []any{"203.0.113.0/24", "198.51.100.7/32"},
			},
			"ComputeConfig": map[string]any{"Enabled": true, "NodePools": []any{"system", "general-purpose"}},
		})
		public.tmpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
			"Properties":          map[string]any{"EnableKeyRotation": true},
			"DeletionPolicy":      "RetainExceptOnCreate",
			"UpdateReplacePolicy": "Retain",
		})
		private.tmpl.HasResourceProperties(jsii.String("AWS::EKS::Cluster"), map[string]any{
			"Version": "1.34",
			"ResourcesVpcConfig": map[string]any{
				"EndpointPrivateAccess": true,
				"EndpointPublicAccess":  false,
				"PublicAccessCidrs":     assertions.Match_Absent(),
			},
		})
		private.tmpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Delete",
		})
		// The kubectl provider's log groups follow the key.
		public.tmpl.AllResources(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain",
		})
		private.tmpl.AllResources(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
		})
		public.tmpl.HasResourceProperties(jsii.String("Custom::LogRetention"), map[string]any{"RetentionInDays": 365})
	})
	// All five log types, no more.
	c := public.resources("AWS::EKS::Cluster")
	types := get(c[onlyID(t, c)], "Properties", "Logging", "ClusterLogging", "EnabledTypes").([]any)
	if len(types) != 5 {
		t.Errorf("log types: %v", types)
	}
	// Control-plane ENIs only in the workload (private) subnets.
	subnets := get(c[onlyID(t, c)], "Properties", "ResourcesVpcConfig", "SubnetIds").([]any)
	for _, s := range subnets {
		if !strings.Contains(flatten(s), "Workload") {
			t.Errorf("control plane subnet %s is not a workload subnet", flatten(s))
		}
	}
	if len(subnets) != 3 {
		t.Errorf("control plane in %d subnets, want 3", len(subnets))
	}
}

func TestAdminAccessEntries(t *testing.T) {
	var admins []string
	for _, r := range public.resources("AWS::EKS::AccessEntry") {
		p := r["Properties"].(map[string]any)
		arn := flatten(p["PrincipalArn"])
		if arn != admin1 && arn != admin2 {
			continue
		}
		admins = append(admins, arn)
		policies := p["AccessPolicies"].([]any)
		if len(policies) != 1 ||
			!strings.HasSuffix(flatten(get(policies[0], "PolicyArn")), ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy") ||
			get(policies[0], "AccessScope", "Type") != "cluster" {
			t.Errorf("%s: access policies %v, want AmazonEKSClusterAdminPolicy at cluster scope", arn, policies)
		}
	}
	sort.Strings(admins)
	if strings.Join(admins, ",") != admin2+","+admin1 {
		t.Errorf("admin access entries %v, want one per configured role", admins)
	}
	// Without admins, only the kubectl provider and the node role have entries.
	if n := len(private.resources("AWS::EKS::AccessEntry")); n != 2 {
		t.Errorf("default cluster has %d access entries, want 2 (kubectl provider, nodes)", n)
	}
	// The OpenCTI pools' node role may join the cluster (EC2 entry, Auto Mode node policy).
	nodeEntries := 0
	for _, r := range public.resources("AWS::EKS::AccessEntry") {
		p := r["Properties"].(map[string]any)
		if p["Type"] == "EC2" {
			nodeEntries++
			if got := flatten(p["AccessPolicies"]); !strings.Contains(got, "cluster-access-policy/AmazonEKSAutoNodePolicy") ||
				!strings.HasPrefix(flatten(p["PrincipalArn"]), "{{GetAtt:ClusterNodeRole") {
				t.Errorf("node access entry: %s %s", flatten(p["PrincipalArn"]), got)
			}
		}
	}
	if nodeEntries != 1 {
		t.Errorf("%d EC2 access entries, want 1", nodeEntries)
	}
}

func TestNodePools(t *testing.T) {
	m := public.manifests(t)
	sgs := public.resources("AWS::EC2::SecurityGroup")
	workloadSG := ""
	for id := range sgs {
		if strings.HasPrefix(id, "Workload") {
			workloadSG = id
		}
	}
	nc := m["NodeClass/opencti"]
	if nc == nil {
		t.Fatalf("no NodeClass opencti in %v", keys(m))
	}
	terms := flatten(get(nc, "spec", "securityGroupSelectorTerms"))
	if !strings.Contains(terms, "{{GetAtt:"+workloadSG+".GroupId}}") || !strings.Contains(terms, ".ClusterSecurityGroupId}}") {
		t.Errorf("NodeClass security groups %s: want the workload group %s and the cluster security group", terms, workloadSG)
	}
	if subnets := get(nc, "spec", "subnetSelectorTerms").([]any); len(subnets) != 3 || !strings.Contains(flatten(subnets), "Workload") {
		t.Errorf("NodeClass subnets %v: want the 3 workload subnets", subnets)
	}
	if !strings.HasPrefix(get(nc, "spec", "role").(string), "{{Ref:ClusterNodeRole") {
		t.Errorf("NodeClass role %v: want the cluster's NodeRole", get(nc, "spec", "role"))
	}
	for _, tc := range []struct {
		pool, cpus, categories, capacity, cpuLimit, memLimit string
	}{
		{"user-facing", `["8","16"]`, `["m"]`, `["on-demand"]`, "32", "128Gi"},
		{"ingestion", `["4","8","16"]`, `["c"]`, `["spot","on-demand"]`, "128", "512Gi"},
	} {
		np := m["NodePool/"+tc.pool]
		if np == nil {
			t.Errorf("no NodePool %s", tc.pool)
			continue
		}
		if l := get(np, "spec", "template", "metadata", "labels", "opencti-ha/pool"); l != tc.pool {
			t.Errorf("%s: label %v", tc.pool, l)
		}
		want := fmt.Sprintf(`[{"effect":"NoSchedule","key":"opencti-ha/pool","value":"%s"}]`, tc.pool)
		if got := flatten(get(np, "spec", "template", "spec", "taints")); got != want {
			t.Errorf("%s: taints %s, want %s", tc.pool, got, want)
		}
		if ref := flatten(get(np, "spec", "template", "spec", "nodeClassRef")); ref != `{"group":"eks.amazonaws.com","kind":"NodeClass","name":"opencti"}` {
			t.Errorf("%s: nodeClassRef %s", tc.pool, ref)
		}
		reqs := map[string]string{}
		for _, r := range get(np, "spec", "template", "spec", "requirements").([]any) {
			reqs[get(r, "key").(string)] = get(r, "operator").(string) + flatten(get(r, "values"))
		}
		for key, want := range map[string]string{
			"topology.kubernetes.io/zone":         `In["eu-west-1a","eu-west-1b","eu-west-1c"]`,
			"eks.amazonaws.com/instance-cpu":      "In" + tc.cpus,
			"eks.amazonaws.com/instance-category": "In" + tc.categories,
			"karpenter.sh/capacity-type":          "In" + tc.capacity,
			"kubernetes.io/arch":                  `In["amd64"]`,
		} {
			if reqs[key] != want {
				t.Errorf("%s: requirement %s = %q, want %q", tc.pool, key, reqs[key], want)
			}
		}
		if got := flatten(get(np, "spec", "limits")); got != fmt.Sprintf(`{"cpu":"%s","memory":"%s"}`, tc.cpuLimit, tc.memLimit) {
			t.Errorf("%s: limits %s", tc.pool, got)
		}
	}
	if cm := m["ConfigMap/amazon-vpc-cni"]; get(cm, "data", "enable-network-policy-controller") != "true" {
		t.Errorf("network policy controller not enabled: %v", cm)
	}
	// Defaults: both pools spread over the VPC's zones.
	for _, pool := range []string{"user-facing", "ingestion"} {
		np := private.manifests(t)["NodePool/"+pool]
		if !strings.Contains(flatten(np), `"values":["eu-west-1a","eu-west-1b","eu-west-1c"]`) {
			t.Errorf("default %s pool does not list the 3 zones: %s", pool, flatten(np))
		}
	}
}

func TestIngressClass(t *testing.T) {
	m := public.manifests(t)
	class, params := m["IngressClass/opencti-alb"], m["IngressClassParams/opencti-alb"]
	if get(class, "spec", "controller") != "eks.amazonaws.com/alb" ||
		flatten(get(class, "spec", "parameters")) != `{"apiGroup":"eks.amazonaws.com","kind":"IngressClassParams","name":"opencti-alb"}` {
		t.Errorf("IngressClass: %s", flatten(class))
	}
	// Neither scheme nor subnets are pinned: each Ingress (ui, api) sets its
	// own, which params would otherwise override.
	spec, _ := get(params, "spec").(map[string]any)
	if get(params, "apiVersion") != "eks.amazonaws.com/v1" || spec["scheme"] != nil || spec["subnets"] != nil {
		t.Errorf("IngressClassParams: %s, want no scheme and no subnets", flatten(params))
	}
	if ns := flatten(get(params, "spec", "namespaceSelector")); !strings.Contains(ns, `"values":["opencti"]`) {
		t.Errorf("namespaceSelector %s", ns)
	}
	if public.cluster.IngressClassName() != "opencti-alb" || public.cluster.IngressClass() == nil {
		t.Error("IngressClass not exposed")
	}
	// The IngressClass is deleted before the node pools.
	deps := 0
	for _, d := range *public.cluster.IngressClass().Node().Dependencies() {
		if *d.Node().Id() == "NodePools" {
			deps++
		}
	}
	if deps != 1 {
		t.Error("IngressClass must depend on the NodePools manifest")
	}
}

func TestExternalSecrets(t *testing.T) {
	testutil.Assert(t, func() {
		public.tmpl.HasResourceProperties(jsii.String("Custom::AWSCDK-EKS-HelmChart"), map[string]any{
			"Chart":      "external-secrets",
			"Repository": "https://charts.external-secrets.io",
			"Version":    "2.9.0",
			"Namespace":  "external-secrets",
			"Release":    "external-secrets",
			"Wait":       true,
		})
		public.tmpl.HasResourceProperties(jsii.String("AWS::EKS::PodIdentityAssociation"), map[string]any{
			"Namespace":      "external-secrets",
			"ServiceAccount": "external-secrets",
		})
	})
	charts := helmCharts(public, "external-secrets")
	values := flatten(get(charts[onlyID(t, charts)], "Properties", "Values"))
	for _, want := range []string{`"installCRDs":true`, `"name":"external-secrets"`, `"replicaCount":2`, `"leaderElect":true`} {
		if !strings.Contains(values, want) {
			t.Errorf("chart values %s lack %s", values, want)
		}
	}
	if get(charts[onlyID(t, charts)], "Properties", "SkipCrds") != nil {
		t.Error("the chart must install its CRDs")
	}

	// The role: trusted by Pod Identity only, least privilege.
	var role map[string]any
	for id, r := range public.resources("AWS::IAM::Role") {
		if strings.Contains(id, "ExternalSecretsRole") {
			role = r
		}
	}
	trust := flatten(get(role, "Properties", "AssumeRolePolicyDocument", "Statement"))
	if trust != `[{"Action":["sts:AssumeRole","sts:TagSession"],"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"}}]` {
		t.Errorf("trust policy %s", trust)
	}
	policies := get(role, "Properties", "Policies").([]any)
	if len(policies) != 1 || get(role, "Properties", "ManagedPolicyArns") != nil {
		t.Fatalf("want exactly one inline policy, got %v", policies)
	}
	stmts := get(policies[0], "PolicyDocument", "Statement").([]any)
	if len(stmts) != 2 {
		t.Fatalf("statements: %v", stmts)
	}
	for _, s := range stmts {
		for _, a := range toSlice(get(s, "Action")) {
			if strings.Contains(a.(string), "*") {
				t.Errorf("wildcard action %v", a)
			}
		}
	}
	if got := flatten(get(stmts[0], "Action")); got != `["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"]` {
		t.Errorf("secret actions %s", got)
	}
	if got := flatten(get(stmts[0], "Resource")); got != "arn:{{Ref:AWS::Partition}}:secretsmanager:eu-west-1:123456789012:secret:opencti/test/*" {
		t.Errorf("secret resource %s", got)
	}
	if get(stmts[1], "Action") != "kms:Decrypt" ||
		flatten(get(stmts[1], "Condition")) != `{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}}` {
		t.Errorf("kms statement %s", flatten(stmts[1]))
	}

	store := public.manifests(t)["ClusterSecretStore/opencti-aws-secrets-manager"]
	if get(store, "apiVersion") != "external-secrets.io/v1" ||
		flatten(get(store, "spec", "provider")) != `{"aws":{"region":"eu-west-1","service":"SecretsManager"}}` ||
		flatten(get(store, "spec", "conditions")) != `[{"namespaces":["opencti","keda"]}]` {
		t.Errorf("ClusterSecretStore: %s", flatten(store))
	}
	// The store is applied after the chart (its CRDs and webhook).
	found := false
	for _, d := range *public.cluster.SecretStore().Node().Dependencies() {
		found = found || *d.Node().Id() == "ExternalSecrets"
	}
	if !found || public.cluster.SecretStoreName() != "opencti-aws-secrets-manager" {
		t.Error("SecretStore must depend on the External Secrets chart")
	}
}

func TestMetricsServerAndKubectl(t *testing.T) {
	testutil.Assert(t, func() {
		public.tmpl.HasResourceProperties(jsii.String("AWS::EKS::Addon"), map[string]any{
			"AddonName":    "metrics-server",
			"AddonVersion": "v0.8.0-eksbuild.6",
		})
		public.tmpl.HasResourceProperties(jsii.String("AWS::Lambda::LayerVersion"), map[string]any{
			"Description": assertions.Match_StringLikeRegexp(jsii.String("kubectl")),
		})
		// The kubectl handler runs in the workload subnets.
		public.tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Description": "onEvent handler for EKS kubectl resource provider",
			"VpcConfig":   map[string]any{"SubnetIds": assertions.Match_AnyValue()},
		})
	})
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, public.stack)
	testutil.RequireNoNagErrors(t, private.stack)
}

func TestInvalidPropsFailAtOnce(t *testing.T) {
	app := testutil.NewApp()
	stack := awscdk.NewStack(app, jsii.String("Invalid"), nil)
	ep := cluster.EndpointPublicAndPrivate
	msg := testutil.PanicMessage(func() {
		cluster.NewCluster(stack, "Bad", &cluster.ClusterProps{
			SecretsPrefix:          "opencti/",
			KubernetesVersion:      jsii.String("1.33"),
			EndpointAccess:         &ep,
			PublicAccessCidrs:      []string{"0.0.0.0/0", "10.0.0.1/8"},
			AdminRoleArns:          []string{"arn:aws:iam::123456789012:user/bob"},
			KedaChartVersion:       jsii.String("2.17.0"),
			KedaReplicas:           new(4),
			QueueScalerSecretName:  jsii.String("other/rabbitmq"),
			SecretsRefreshInterval: jsii.String("5s"),
		})
	})
	want := `cluster.NewCluster "Bad": invalid props:
cluster.ClusterProps.Vpc: got nil, want the VPC of the cluster
cluster.ClusterProps.SecretsPrefix: got "opencti/", want 1-100 characters of A-Z a-z 0-9 / _ + = . @ -, not starting or ending with /
cluster.ClusterProps.KubernetesVersion: got "1.33", want 1.34 (the default kubectl layer ships kubectl 1.34; pass KubectlLayer for another version)
cluster.ClusterProps.PublicAccessCidrs[0]: got "0.0.0.0/0", want a network narrower than 0.0.0.0/0 (the Kubernetes API must not be open to the whole internet)
cluster.ClusterProps.PublicAccessCidrs[1]: got "10.0.0.1/8", want an IPv4 network in CIDR notation such as 203.0.113.0/24
cluster.ClusterProps.AdminRoleArns[0]: got "arn:aws:iam::123456789012:user/bob", want an IAM role ARN such as arn:aws:iam::123456789012:role/Admin
cluster.ClusterProps.KedaChartVersion: got "2.17.0", want 2.19.0 or later (KEDA tests Kubernetes 1.34 from 2.19 on)
cluster.ClusterProps.KedaReplicas: got 4, want 1 to 3
cluster.ClusterProps.QueueScalerSecretName: got "other/rabbitmq", want a secret name under SecretsPrefix + "/" (opencti//...): External Secrets may read nothing else
cluster.ClusterProps.SecretsRefreshInterval: got "5s", want a Go duration of at least 1m such as "1h"`
	if msg != want {
		t.Errorf("panic:\n%s\nwant:\n%s", msg, want)
	}
	if stack.Node().TryFindChild(jsii.String("Bad")) != nil {
		t.Error("nothing may be created when props are invalid")
	}
}

func TestPodIdentityHelpers(t *testing.T) {
	app := testutil.NewApp()
	stack := awscdk.NewStack(app, jsii.String("Workloads"), nil)
	role := awsiam.NewRole(stack, jsii.String("PlatformRole"), &awsiam.RoleProps{AssumedBy: cluster.PodIdentityPrincipal()})
	msg := testutil.PanicMessage(func() {
		cluster.NewPodIdentityAssociation(stack, "Bad", &cluster.PodIdentityAssociationProps{Role: role, Namespace: "OpenCTI", ServiceAccount: ""})
	})
	want := `cluster.NewPodIdentityAssociation "Bad": invalid props:
cluster.PodIdentityAssociationProps.Cluster: got nil, want a cluster
cluster.PodIdentityAssociationProps.Namespace: got "OpenCTI", want a Kubernetes name (lower-case letters, digits, '-' and '.')
cluster.PodIdentityAssociationProps.ServiceAccount: got "", want a Kubernetes name (lower-case letters, digits, '-' and '.')`
	if msg != want {
		t.Errorf("panic:\n%s\nwant:\n%s", msg, want)
	}
}

func toSlice(v any) []any {
	if s, ok := v.([]any); ok {
		return s
	}
	return []any{v}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
