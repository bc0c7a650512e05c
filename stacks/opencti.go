package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/charts/attach"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/cluster"
	"github.com/opencti-ha/opencti-ha/constructs/identitiesgate"
	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/constructs/recovery"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
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
	// IdentitiesGate waits for the identities Job and fails the deploy with
	// its message; the workers and connectors depend on it. nil when
	// opencti.identities.enabled is false.
	IdentitiesGate identitiesgate.IdentitiesGate
	// Restore restores the OpenCTI indices (dr.restoreFrom) after the
	// pre-upgrade snapshot and before every manifest; nil without a restore.
	Restore recovery.Restore
}

// NewOpenCTIStack creates the OpenCTI workloads stack.
func NewOpenCTIStack(scope constructs.Construct, id string, props *OpenCTIStackProps) *OpenCTIStack {
	cfg, data, cl := props.Config, props.Data.Outputs, props.Cluster
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	s := &OpenCTIStack{Stack: stack}
	uiScheme, apiScheme := cfg.IngressSchemes()

	// What the configuration decides, and what only this deployment knows:
	// the data services' endpoints, the VPC's ranges and subnets, the
	// certificates, web ACLs and log bucket of the edge, the cluster's
	// IngressClass and secret store.
	chartProps := cfg.ChartProps()
	e := &chartProps.Endpoints
	e.OpenSearchURL, e.RedisHostname, e.RabbitMQHostname = *data.OpenSearchURL, *data.RedisHostname, *data.RabbitMQHostname
	e.RedisPort, e.RedisMode = int32p(data.RedisPort), jsii.String(data.RedisMode)
	e.RabbitMQPort, e.RabbitMQManagementHostname = int32p(data.RabbitMQPort), data.RabbitMQManagementHostname
	e.RabbitMQManagementPort, e.RabbitMQVHost = int32p(data.RabbitMQManagementPort), jsii.String(data.RabbitMQVHost)
	e.S3Bucket, e.S3Region = *data.Bucket.BucketName(), *data.BucketRegion
	chartProps.VpcCIDR = cfg.Network.VpcCidr
	chartProps.LoadBalancerCIDRs = loadBalancerCidrs(props.Network, uiScheme, apiScheme)
	chartProps.DataServiceCIDRs = cidrsOf(*props.Network.Vpc.IsolatedSubnets())
	in := &chartProps.Ingress
	in.ClassName = jsii.String(cl.IngressClassName)
	in.UI.CertificateARNs = []string{*props.Network.UICertificate.CertificateArn()}
	in.API.CertificateARNs = []string{*props.Network.APICertificate.CertificateArn()}
	in.UI.Subnets = loadBalancerSubnetIDs(props.Network, uiScheme)
	in.API.Subnets = loadBalancerSubnetIDs(props.Network, apiScheme)
	if edge := props.Edge; edge != nil {
		in.UI.WafAclARN, in.API.WafAclARN = edge.UIWebACL.WebACLArn(), edge.APIWebACL.WebACLArn()
		in.AccessLogsBucket = edge.AccessLogsBucket.BucketName()
	}
	chartProps.SecretStoreName = jsii.String(cl.SecretStoreName)
	chartProps.SecretRefreshInterval = jsii.String(cl.SecretsRefreshInterval)
	if q := chartProps.QueueScaling; q != nil {
		q.Authentication = charts.TriggerAuthenticationRef{Name: cl.QueueScalerAuthenticationName, Kind: charts.ClusterTriggerAuthenticationKind}
	}
	// The identities Job calls the Kubernetes API at the cluster endpoint,
	// which resolves to the control plane's network interfaces in the
	// workload subnets: EKS Auto Mode's network policy engine checks egress
	// before Service translation, so the kubernetes Service's ClusterIP would
	// never match an egress rule.
	chartProps.Identities.KubernetesAPIURL = cl.Cluster.ClusterEndpoint()
	chartProps.Identities.KubernetesAPICIDRs = cidrsOf(*props.Network.Vpc.SelectSubnets(&props.Network.WorkloadSubnets).Subnets)
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
	props.Data.ObjectStore.GrantReadWrite(role)
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

	// A restore (dr.restoreFrom): from the snapshot replica of this region
	// (a failover), the pre-upgrade snapshots or the DR repository (in
	// place), after the pre-upgrade snapshot (an in-place restore that also
	// moves opencti.version back snapshots the bad state first) and before
	// any OpenCTI tier starts.
	dependsOn := []constructs.IDependable{s.UpgradeSnapshot.Resource()}
	if dr := cfg.DR; dr.Restoring() {
		rp := &recovery.RestoreProps{
			Domain:        os,
			Vpc:           props.Network.Vpc,
			Subnets:       &props.Network.WorkloadSubnets,
			SecurityGroup: props.Network.WorkloadSecurityGroup,
			Snapshot:      jsii.String(dr.RestoreFrom),
			Overwrite:     jsii.Bool(dr.Overwrite),
			Generation:    &dr.RestoreGeneration,
			LogRetention:  awsutil.LogRetention(cfg.Monitoring.LogRetentionDays),
			RemovalPolicy: removalPolicy(cfg),
		}
		switch dr.RestoreSource {
		case recoveryspec.SourceReplica:
			rp.ReplicaBucket = awss3.Bucket_FromBucketName(stack, jsii.String("SnapshotReplica"),
				jsii.String(recoveryspec.SnapshotReplicaBucket(cfg.Name, *stack.Account(), cfg.Region)))
			rp.ReplicaKey = props.Data.Recovery.SnapshotReplicaKey
		case recoveryspec.SourceScheduled:
			rp.RepositoryName = jsii.String(recoveryspec.RepositoryName)
		default:
			rp.RepositoryName = jsii.String(opensearch.SnapshotRepositoryName)
		}
		s.Restore = recovery.NewRestore(stack, "Restore", rp)
		s.Restore.Node().AddDependency(s.UpgradeSnapshot.Resource())
		dependsOn = append(dependsOn, s.Restore.Resource())
	}

	// Apply in order, each chart after the one before; the first after the
	// ClusterSecretStore its ExternalSecrets use, the Ingresses after the
	// IngressClass. The OpenCTI stack depends on the Cluster stack, so on
	// deletion CloudFormation removes the Ingresses (and the load balancers
	// they made) before the IngressClass, the node pools and the cluster.
	s.Manifests = attach.Charts(stack, &attach.Props{
		Cluster:             cl.Cluster,
		Charts:              built,
		SecretStore:         cl.SecretStore,
		PlatformPodIdentity: s.PlatformPodIdentity,
		IngressClass:        cl.IngressClass,
		// The ScaledObject needs KEDA's CRDs and names the trigger's
		// authentication.
		ScalerDependsOn:   []constructs.IDependable{cl.Keda, cl.QueueScalerAuthentication},
		DependsOn:         dependsOn,
		GateLogRetention:  awsutil.LogRetention(cfg.Monitoring.LogRetentionDays),
		GateRemovalPolicy: removalPolicy(cfg),
	})
	if g, ok := stack.Node().TryFindChild(jsii.String("Chart" + attach.IdentitiesGateID)).(identitiesgate.IdentitiesGate); ok {
		s.IdentitiesGate = g
	}
	return s
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
