package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/cluster"
	"github.com/opencti-ha/opencti-ha/constructs/monitoring"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// ClusterStackProps configures the Cluster stack.
type ClusterStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration; Cluster, SecretsPrefix,
	// AvailabilityZones, RetainData, OpenCTI.Namespace and ImageCache are read.
	// KEDA is installed whatever opencti.ingestionScaling says (a few small
	// pods), so that turning queue scaling on needs no change to this stack.
	Config *config.Config
	// Network provides the VPC, its subnets and the workload security group.
	Network *NetworkStack
}

// ClusterStack is the EKS cluster OpenCTI runs on and what the workload stack
// needs from it. It depends on the Network stack only, so it deploys in
// parallel with the Data stack.
type ClusterStack struct {
	awscdk.Stack
	// Construct is the cluster construct with every resource it made.
	Construct cluster.Cluster
	// Cluster is the EKS cluster: attach charts with AddCdk8sChart (Namespace
	// first, each chart well under 100 KB).
	Cluster awseksv2.Cluster
	// IngressClassName goes into every Ingress's spec.ingressClassName.
	IngressClassName string
	// IngressClass is the manifest of the IngressClass: make manifests that
	// hold Ingresses depend on it so that they (and their ALBs) are deleted
	// first.
	IngressClass awseksv2.KubernetesManifest
	// NodePools is the manifest of the NodeClass and the two tainted NodePools.
	NodePools awseksv2.KubernetesManifest
	// SecretStoreName is the ClusterSecretStore that ExternalSecrets reference.
	SecretStoreName string
	// SecretStore is the manifest of that ClusterSecretStore: make manifests
	// that hold ExternalSecrets depend on it.
	SecretStore awseksv2.KubernetesManifest
	// SecretsRefreshInterval is the refreshInterval every ExternalSecret uses.
	SecretsRefreshInterval string
	// Keda is the KEDA Helm release: manifests that hold ScaledObjects
	// depend on it (its CRDs and admission webhooks).
	Keda awseksv2.HelmChart
	// QueueScalerAuthentication is the manifest of the broker credentials in
	// KEDA's namespace and the ClusterTriggerAuthentication that reads them.
	QueueScalerAuthentication awseksv2.KubernetesManifest
	// QueueScalerAuthenticationName names that ClusterTriggerAuthentication.
	QueueScalerAuthenticationName string
	// Observability is the CloudWatch Observability add-on (Container Insights).
	Observability monitoring.ObservabilityAddon
	// ImageCache is the ECR pull-through cache of Docker Hub the OpenCTI
	// images come from (config imageCache); nil when it is disabled.
	ImageCache cluster.DockerHubCache
}

// NewClusterStack creates the Cluster stack from props.Config.Cluster.
func NewClusterStack(scope constructs.Construct, id string, props *ClusterStackProps) *ClusterStack {
	cfg := props.Config
	c := cfg.Cluster
	stack := awscdk.NewStack(scope, &id, &props.StackProps)

	endpoint := cluster.EndpointAccess(c.EndpointAccess)
	cl := cluster.NewCluster(stack, "Cluster", &cluster.ClusterProps{
		Vpc:                         props.Network.Vpc,
		WorkloadSubnets:             &props.Network.WorkloadSubnets,
		WorkloadSecurityGroup:       props.Network.WorkloadSecurityGroup,
		AvailabilityZones:           cfg.AvailabilityZones,
		KubernetesVersion:           jsii.String(c.KubernetesVersion),
		EndpointAccess:              &endpoint,
		PublicAccessCidrs:           c.PublicAccessCidrs,
		AdminRoleArns:               c.AdminRoleArns,
		UserFacingPool:              &c.NodePools.UserFacing,
		IngestionPool:               &c.NodePools.Ingestion,
		SecretsPrefix:               cfg.SecretsPrefix,
		SecretStoreNamespaces:       []string{cfg.OpenCTI.Namespace},
		ExternalSecretsChartVersion: jsii.String(c.ExternalSecretsChartVersion),
		ExternalSecretsReplicas:     &c.ExternalSecretsReplicas,
		MetricsServerVersion:        jsii.String(c.MetricsServerVersion),
		KedaChartVersion:            jsii.String(c.KedaChartVersion),
		KedaReplicas:                &c.KedaReplicas,
		QueueScalerSecretName:       jsii.String(cfg.SecretsPrefix + "/" + charts.SecretSuffixRabbitMQ),
		SecretsRefreshInterval:      jsii.String(c.SecretsRefreshInterval),
		IngressNamespaces:           []string{cfg.OpenCTI.Namespace},
		LogRetention:                awsutil.LogRetention(c.LogRetentionDays),
		RetainEncryptionKey:         jsii.Bool(cfg.RetainData),
	})
	// Container Insights (node and pod metrics, container logs) feeds the
	// Monitoring stack's EKS alarms and dashboard rows.
	observability := monitoring.NewObservabilityAddon(stack, "Observability", &monitoring.ObservabilityAddonProps{
		Cluster:       cl.Cluster(),
		LogRetention:  awsutil.LogRetention(cfg.Monitoring.LogRetentionDays),
		RemovalPolicy: removalPolicy(cfg),
	})
	// The OpenCTI stack depends on this one, so the rule exists before the
	// first pod pulls an image through it.
	var imageCache cluster.DockerHubCache
	if ic := cfg.ImageCache; ic.Enabled {
		imageCache = cluster.NewDockerHubCache(stack, "ImageCache", &cluster.DockerHubCacheProps{
			CredentialsSecretArn: jsii.String(ic.CredentialsSecretArn),
			RepositoryPrefix:     jsii.String(ic.RepositoryPrefix),
			NodeRoles:            []awsiam.IRole{cl.NodeRole()},
		})
	}
	return &ClusterStack{
		ImageCache:                    imageCache,
		Observability:                 observability,
		Stack:                         stack,
		Construct:                     cl,
		Cluster:                       cl.Cluster(),
		IngressClassName:              cl.IngressClassName(),
		IngressClass:                  cl.IngressClass(),
		NodePools:                     cl.NodePools(),
		SecretStoreName:               cl.SecretStoreName(),
		SecretStore:                   cl.SecretStore(),
		SecretsRefreshInterval:        c.SecretsRefreshInterval,
		Keda:                          cl.Keda(),
		QueueScalerAuthentication:     cl.QueueScalerAuthentication(),
		QueueScalerAuthenticationName: cl.QueueScalerAuthenticationName(),
	}
}

// AddPodIdentity gives the pods of namespace/serviceAccount the credentials
// of role (EKS Pod Identity; the agent is built into Auto Mode nodes). role
// must trust cluster.PodIdentityPrincipal() (pods.eks.amazonaws.com,
// sts:AssumeRole + sts:TagSession). The association is created in role's
// stack under id, so that a workload stack's role never makes the Cluster
// stack refer back to it. Make the manifests whose pods use the service
// account depend on the returned association.
func (s *ClusterStack) AddPodIdentity(id, namespace, serviceAccount string, role awsiam.IRole) awseksv2.CfnPodIdentityAssociation {
	return s.Construct.AddPodIdentity(awscdk.Stack_Of(role), id, namespace, serviceAccount, role)
}
