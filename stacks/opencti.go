package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/cluster"
	"github.com/opencti-ha/opencti-ha/constructs/upgradesnapshot"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// OpenCTIStackProps configures the OpenCTI workloads stack.
type OpenCTIStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration.
	Config *config.Config
	// Network gives the VPC ranges (NetworkPolicies) and the certificates.
	Network *NetworkStack
	// Data gives every endpoint, secret name and the bucket.
	Data *DataStack
	// Cluster is where the manifests are applied.
	Cluster *ClusterStack
	// Edge gives each Ingress its web ACL and the access log bucket.
	// Default: nil (no web ACL, no access logs).
	Edge *EdgeStack
}

// OpenCTIStack attaches the tiered OpenCTI charts to the cluster and gives the
// platform pods their AWS access.
type OpenCTIStack struct {
	awscdk.Stack
	// Charts are the cdk8s charts, as attached.
	Charts *charts.Charts
	// Manifests are the attached charts by chart ID, in apply order.
	Manifests []awseksv2.KubernetesManifest
	// PlatformRole is the IAM role of the platform pods (EKS Pod Identity): read
	// and write on the OpenCTI bucket and its KMS key, nothing else.
	PlatformRole awsiam.IRole
	// PlatformPodIdentity binds PlatformRole to the platform ServiceAccount.
	PlatformPodIdentity awseksv2.CfnPodIdentityAssociation
	// UpgradeSnapshot takes a manual OpenSearch snapshot whenever the OpenCTI
	// version changes; every manifest depends on it.
	UpgradeSnapshot upgradesnapshot.UpgradeSnapshot
}

// NewOpenCTIStack creates the OpenCTI workloads stack.
func NewOpenCTIStack(scope constructs.Construct, id string, props *OpenCTIStackProps) *OpenCTIStack {
	cfg, data, cl := props.Config, props.Data.Outputs, props.Cluster
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	s := &OpenCTIStack{Stack: stack}
	uiScheme, apiScheme := cfg.IngressSchemes()

	chartProps := charts.PropsFromConfig(cfg, charts.Inputs{
		Endpoints: charts.Endpoints{
			OpenSearchURL:              *data.OpenSearchURL,
			RedisHostname:              *data.RedisHostname,
			RedisPort:                  int32p(data.RedisPort),
			RedisMode:                  jsii.String(data.RedisMode),
			RabbitMQHostname:           *data.RabbitMQHostname,
			RabbitMQPort:               int32p(data.RabbitMQPort),
			RabbitMQManagementHostname: data.RabbitMQManagementHostname,
			RabbitMQManagementPort:     int32p(data.RabbitMQManagementPort),
			RabbitMQVHost:              jsii.String(data.RabbitMQVHost),
			S3Bucket:                   *data.Bucket.BucketName(),
			S3Region:                   *data.BucketRegion,
		},
		VpcCIDR:               cfg.Network.VpcCidr,
		LoadBalancerCIDRs:     loadBalancerCidrs(props.Network, uiScheme, apiScheme),
		DataServiceCIDRs:      cidrsOf(*props.Network.Vpc.IsolatedSubnets()),
		UICertificateARNs:     []string{*props.Network.UICertificate.CertificateArn()},
		APICertificateARNs:    []string{*props.Network.APICertificate.CertificateArn()},
		UISubnetIDs:           loadBalancerSubnetIDs(props.Network, uiScheme),
		APISubnetIDs:          loadBalancerSubnetIDs(props.Network, apiScheme),
		UIWafAclARN:           edgeValue(props.Edge, func(e *EdgeStack) *string { return e.UIWebACL.WebACLArn() }),
		APIWafAclARN:          edgeValue(props.Edge, func(e *EdgeStack) *string { return e.APIWebACL.WebACLArn() }),
		AccessLogsBucket:      edgeValue(props.Edge, func(e *EdgeStack) *string { return e.AccessLogsBucket.BucketName() }),
		IngressClassName:      cl.IngressClassName,
		SecretStoreName:       cl.SecretStoreName,
		SecretRefreshInterval: cl.SecretsRefreshInterval,
	})
	k8s := cdk8s.NewApp(nil)
	built, err := charts.NewCharts(k8s, chartProps)
	if err != nil {
		panic("OpenCTI charts: " + err.Error())
	}
	s.Charts = built

	// Platform pods reach S3 with this role (MINIO__USE_AWS_ROLE=true).
	role := awsiam.NewRole(stack, jsii.String("PlatformRole"), &awsiam.RoleProps{
		AssumedBy:   cluster.PodIdentityPrincipal(),
		Description: jsii.String("OpenCTI platform pods (EKS Pod Identity): the OpenCTI file bucket and its KMS key"),
	})
	data.Bucket.GrantReadWrite(role, nil)
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("OpenCTI stores files under arbitrary keys of its one bucket (bucket/*) and S3 object encryption needs kms:GenerateDataKey*/ReEncrypt* on the bucket's key only; no other bucket or key is named"),
		AppliesTo: &[]any{"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*", map[string]any{"regex": "/^Resource::<.*Bucket.*\\.Arn>/\\*$/"}},
	}}, jsii.Bool(true))
	s.PlatformRole = role
	platformSA := charts.DefaultPlatformServiceAccount
	s.PlatformPodIdentity = cl.AddPodIdentity("PlatformPodIdentity", cfg.OpenCTI.Namespace, platformSA, role)

	// Before any manifest of a new OpenCTI version is applied, a manual
	// OpenSearch snapshot is taken (a custom resource keyed on the version:
	// CloudFormation updates it, and so snapshots, only when the version changes).
	os := props.Data.OpenSearch
	s.UpgradeSnapshot = upgradesnapshot.NewUpgradeSnapshot(stack, "PreUpgradeSnapshot", &upgradesnapshot.UpgradeSnapshotProps{
		Version:          cfg.OpenCTI.Version,
		Vpc:              props.Network.Vpc,
		Subnets:          &props.Network.WorkloadSubnets,
		SecurityGroup:    props.Network.WorkloadSecurityGroup,
		DomainEndpoint:   os.Endpoint(),
		DomainArn:        os.Domain().DomainArn(),
		MasterUserSecret: os.MasterUserSecret(),
		SnapshotBucket:   os.SnapshotBucket(),
		SnapshotRole:     os.SnapshotRole(),
		LogRetention:     awsutil.LogRetention(cfg.Monitoring.LogRetentionDays),
		RemovalPolicy:    removalPolicy(cfg),
	})

	// Apply in order, each chart after the one before; the first after the
	// ClusterSecretStore its ExternalSecrets use, the Ingresses after the
	// IngressClass. The OpenCTI stack depends on the Cluster stack, so on
	// deletion CloudFormation removes the Ingresses (and the load balancers
	// they made) before the IngressClass, the node pools and the cluster.
	var prev awseksv2.KubernetesManifest
	for _, chart := range built.All() {
		chartID := *chart.Node().Id()
		m := awseksv2.NewKubernetesManifest(stack, jsii.String("Chart"+chartID), &awseksv2.KubernetesManifestProps{
			Cluster:  cl.Cluster,
			Manifest: manifestOf(chart),
			// A changed object is replaced in place; pruning removes objects
			// a new version of the chart no longer has.
			Overwrite: jsii.Bool(true),
			Prune:     jsii.Bool(true),
		})
		m.Node().AddDependency(s.UpgradeSnapshot.Resource())
		if prev == nil {
			m.Node().AddDependency(cl.SecretStore)
		} else {
			m.Node().AddDependency(prev)
		}
		if chart == built.Platform {
			m.Node().AddDependency(s.PlatformPodIdentity)
		}
		if chart == built.Ingress {
			m.Node().AddDependency(cl.IngressClass)
		}
		s.Manifests = append(s.Manifests, m)
		prev = m
	}
	return s
}

// manifestOf is the chart's objects as the list KubernetesManifest takes.
func manifestOf(chart cdk8s.Chart) *[]*map[string]any {
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

// loadBalancerCidrs are the ranges the load balancers live in, which the
// NetworkPolicies admit: the public subnets if a load balancer is
// internet-facing, the workload subnets if one is internal (both when the
// schemes differ).
func loadBalancerCidrs(n *NetworkStack, schemes ...string) []string {
	var public, private bool
	for _, s := range schemes {
		public = public || s != "internal"
		private = private || s == "internal"
	}
	var out []string
	if public {
		out = append(out, cidrsOf(*n.Vpc.PublicSubnets())...)
	}
	if private {
		out = append(out, cidrsOf(*n.Vpc.PrivateSubnets())...)
	}
	return out
}

// loadBalancerSubnetIDs are the subnets of a load balancer of the scheme:
// the public subnets, or the workload subnets for an internal one.
func loadBalancerSubnetIDs(n *NetworkStack, scheme string) []string {
	sel := n.PublicSubnets
	if scheme == "internal" {
		sel = n.WorkloadSubnets
	}
	var out []string
	for _, id := range *n.Vpc.SelectSubnets(&sel).SubnetIds {
		out = append(out, *id)
	}
	return out
}

// edgeValue is get(e), or "" without an Edge stack.
func edgeValue(e *EdgeStack, get func(*EdgeStack) *string) string {
	if e == nil {
		return ""
	}
	return *get(e)
}

func cidrsOf[S interface{ Ipv4CidrBlock() *string }](subnets []S) []string {
	out := make([]string, len(subnets))
	for i, s := range subnets {
		out[i] = *s.Ipv4CidrBlock()
	}
	return out
}

func int32p(n int) *int32 {
	v := int32(n)
	return &v
}
