package cluster

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/opencti-ha/opencti-ha/constructs/cluster/clusterspec"
	"github.com/opencti-ha/opencti-ha/constructs/secrets/secretsspec"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// Kubernetes-side names other packages (the OpenCTI charts) rely on.
const (
	// PoolLabelKey is the node label and NoSchedule taint key that tells the two
	// OpenCTI capacity pools apart; its value is UserFacingPool or IngestionPool.
	PoolLabelKey = "opencti-ha/pool"
	// UserFacingPool runs the ui and connector-api platform tiers.
	UserFacingPool = "user-facing"
	// IngestionPool runs the worker-api tier, the workers and the connectors.
	IngestionPool = "ingestion"
	// NodeClassName is the EKS Auto Mode NodeClass both pools launch from.
	NodeClassName = "opencti"
	// DefaultIngressClassName is the IngressClass backed by the EKS Auto Mode
	// Application Load Balancer controller.
	DefaultIngressClassName = "opencti-alb"
	// DefaultSecretStoreName is the External Secrets ClusterSecretStore that
	// reads AWS Secrets Manager.
	DefaultSecretStoreName = "opencti-aws-secrets-manager"
	// ExternalSecretsNamespace and ExternalSecretsServiceAccount are where the
	// External Secrets Operator controller runs and the identity it uses.
	ExternalSecretsNamespace      = "external-secrets"
	ExternalSecretsServiceAccount = "external-secrets"
	// ExternalSecretsChartRepository serves the external-secrets Helm chart.
	ExternalSecretsChartRepository = "https://charts.external-secrets.io"
	// DefaultExternalSecretsChartVersion is the pinned chart (and operator)
	// version; it serves external-secrets.io/v1 (the only API since 0.17.0).
	DefaultExternalSecretsChartVersion = clusterspec.DefaultExternalSecretsChartVersion
	// DefaultMetricsServerVersion pins the EKS community add-on metrics-server.
	DefaultMetricsServerVersion = clusterspec.DefaultMetricsServerVersion
	// DefaultKubernetesVersion matches the kubectl layer (kubectl 1.34).
	DefaultKubernetesVersion = clusterspec.DefaultKubernetesVersion
)

// EndpointAccess says from where the Kubernetes API can be reached.
type EndpointAccess string

const (
	// EndpointPrivate: only from inside the VPC.
	EndpointPrivate EndpointAccess = clusterspec.EndpointPrivate
	// EndpointPublicAndPrivate: from the VPC and from ClusterProps.PublicAccessCidrs.
	EndpointPublicAndPrivate EndpointAccess = clusterspec.EndpointPublicAndPrivate
)

// NodePool constrains the instances of one OpenCTI node pool and caps its
// size (clusterspec.NodePool, which the configuration's cluster.nodePools
// section reuses).
type NodePool = clusterspec.NodePool

// DefaultUserFacingPool is the user-facing pool when none is given: m
// instances of 4, 8 or 16 vCPUs, on-demand, amd64, at most 64 vCPUs and
// 256 GiB.
func DefaultUserFacingPool() NodePool { return clusterspec.DefaultUserFacingPool() }

// DefaultIngestionPool is the ingestion pool when none is given: c or m
// instances, otherwise as DefaultUserFacingPool, at most 128 vCPUs and 512 GiB.
func DefaultIngestionPool() NodePool { return clusterspec.DefaultIngestionPool() }

// ClusterProps configures NewCluster. Only Vpc and SecretsPrefix are required.
type ClusterProps struct {
	// Vpc the cluster, its nodes and the kubectl provider run in. Required.
	Vpc awsec2.IVpc
	// WorkloadSubnets hold the control-plane ENIs, the nodes and the kubectl
	// provider Lambda; they need egress (NAT) to pull images and charts.
	// Default: the Vpc's private-with-egress subnets.
	WorkloadSubnets *awsec2.SubnetSelection
	// WorkloadSecurityGroup is attached to every node of both OpenCTI pools
	// (beside the cluster security group); data services admit only it.
	// Default: a new group in Vpc with all egress allowed.
	WorkloadSecurityGroup awsec2.ISecurityGroup
	// AvailabilityZones the two pools spread their nodes over (the
	// topology.kubernetes.io/zone requirement). Default: the zones of
	// WorkloadSubnets.
	AvailabilityZones []string
	// KubernetesVersion of the control plane; it must match the kubectl layer.
	// Default: "1.34".
	KubernetesVersion *string
	// KubectlLayer holds kubectl and helm for the kubectl provider.
	// Default: a new kubectl 1.34 layer (constructs/kubectllayer).
	KubectlLayer awslambda.ILayerVersion
	// EndpointAccess of the Kubernetes API. Default: EndpointPrivate.
	EndpointAccess *EndpointAccess
	// PublicAccessCidrs may reach the public endpoint; required (and never
	// 0.0.0.0/0) with EndpointPublicAndPrivate. Default: none.
	PublicAccessCidrs []string
	// AdminRoleArns get cluster-admin through an access entry with
	// AmazonEKSClusterAdminPolicy (cluster scope). Default: none (only the
	// kubectl provider can reach the API).
	AdminRoleArns []string
	// UserFacingPool sizes the "user-facing" NodePool; start from
	// DefaultUserFacingPool() and change what differs.
	// Default: DefaultUserFacingPool().
	UserFacingPool *NodePool
	// IngestionPool sizes the "ingestion" NodePool; start from
	// DefaultIngestionPool() and change what differs.
	// Default: DefaultIngestionPool().
	IngestionPool *NodePool
	// BuiltInNodePools are the EKS Auto Mode built-in pools kept enabled.
	// "general-purpose" runs every pod that tolerates neither OpenCTI taint
	// (External Secrets, metrics-server); "system" runs CriticalAddonsOnly pods.
	// Default: ["system", "general-purpose"].
	BuiltInNodePools []string
	// SecretsPrefix: External Secrets may read only secrets whose name starts
	// with SecretsPrefix + "/". Required.
	SecretsPrefix string
	// SecretStoreNamespaces may use the ClusterSecretStore; KedaNamespace is
	// always added (the queue scaler's credentials are copied there).
	// Default: ["opencti"].
	SecretStoreNamespaces []string
	// ExternalSecretsChartVersion pins the external-secrets chart.
	// Default: DefaultExternalSecretsChartVersion.
	ExternalSecretsChartVersion *string
	// ExternalSecretsReplicas of the operator's controller and webhook, 1 to
	// 5; above 1 they elect a leader and get a PodDisruptionBudget.
	// Default: clusterspec.DefaultExternalSecretsReplicas (2).
	ExternalSecretsReplicas *int
	// MetricsServerVersion pins the metrics-server EKS add-on.
	// Default: DefaultMetricsServerVersion.
	MetricsServerVersion *string
	// KedaChartVersion pins the KEDA Helm chart, 2.19.0 or later.
	// Default: DefaultKedaChartVersion (2.20.2).
	KedaChartVersion *string
	// KedaReplicas of the KEDA operator and admission webhooks, 1 to 3
	// (above 1: a PodDisruptionBudget keeps one); one metrics server besides.
	// Default: clusterspec.DefaultKedaReplicas (2).
	KedaReplicas *int
	// QueueScalerSecretName is the Secrets Manager secret of the broker user
	// whose username and password KEDA's rabbitmq trigger reads the
	// management API with (copied by External Secrets into KedaNamespace);
	// it must lie under SecretsPrefix. Default: SecretsPrefix + "/rabbitmq"
	// (the secret the Data stack's broker creates).
	QueueScalerSecretName *string
	// SecretsRefreshInterval is how often External Secrets re-reads the queue
	// scaler's credentials (a Go duration). Default: "1h".
	SecretsRefreshInterval *string
	// IngressClassName of the Auto Mode ALB IngressClass.
	// Default: DefaultIngressClassName.
	IngressClassName *string
	// IngressNamespaces may create Ingresses of the class (IngressClassParams
	// namespaceSelector). Default: ["opencti"].
	IngressNamespaces []string
	// LogRetention of the control-plane log group /aws/eks/<name>/cluster.
	// Default: awslogs.RetentionDays_ONE_YEAR.
	LogRetention awslogs.RetentionDays
	// RetainEncryptionKey keeps the KMS key that envelope-encrypts Kubernetes
	// Secrets, and the log groups of the kubectl provider, when the stack is
	// deleted or a change replaces them (RETAIN_ON_UPDATE_OR_DELETE: they are
	// still deleted when the stack operation that created them rolls back).
	// Default: false (the key is scheduled for deletion after 30 days, the log
	// groups are deleted).
	RetainEncryptionKey *bool
}

// resolved is ClusterProps with every default filled in (a copy: the caller's
// props are never changed).
type resolved struct {
	ClusterProps
	version, chartVersion, metricsVersion, ingressClass string
	kedaChartVersion, secretsRefresh                    string
	queueScalerSecret                                   string
	queueScalerUsernameField, queueScalerPasswordField  string
	endpoint                                            EndpointAccess
	esoReplicas, kedaReplicas                           int
	retainKey                                           bool
	userFacing, ingestion                               NodePool
}

func resolve(p *ClusterProps) *resolved {
	r := &resolved{ClusterProps: *p}
	defaults.Slice(&r.AvailabilityZones, nil)
	defaults.Slice(&r.PublicAccessCidrs, nil)
	defaults.Slice(&r.AdminRoleArns, nil)
	r.version = defaults.Of(p.KubernetesVersion, DefaultKubernetesVersion)
	r.chartVersion = defaults.Of(p.ExternalSecretsChartVersion, DefaultExternalSecretsChartVersion)
	r.metricsVersion = defaults.Of(p.MetricsServerVersion, DefaultMetricsServerVersion)
	r.ingressClass = defaults.Of(p.IngressClassName, DefaultIngressClassName)
	r.endpoint = defaults.Of(p.EndpointAccess, EndpointPrivate)
	r.esoReplicas = defaults.Of(p.ExternalSecretsReplicas, clusterspec.DefaultExternalSecretsReplicas)
	r.kedaChartVersion = defaults.Of(p.KedaChartVersion, DefaultKedaChartVersion)
	r.kedaReplicas = defaults.Of(p.KedaReplicas, clusterspec.DefaultKedaReplicas)
	r.queueScalerSecret = defaults.Of(p.QueueScalerSecretName, p.SecretsPrefix+"/"+secretsspec.RabbitMQSecretName)
	r.queueScalerUsernameField, r.queueScalerPasswordField = secretsspec.UsernameField, secretsspec.PasswordField
	r.secretsRefresh = defaults.Of(p.SecretsRefreshInterval, "1h")
	r.retainKey = defaults.Of(p.RetainEncryptionKey, false)
	if r.WorkloadSubnets == nil {
		r.WorkloadSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	defaults.Slice(&r.BuiltInNodePools, []string{"system", "general-purpose"})
	defaults.Slice(&r.SecretStoreNamespaces, []string{"opencti"})
	if !slices.Contains(r.SecretStoreNamespaces, KedaNamespace) {
		r.SecretStoreNamespaces = append(slices.Clone(r.SecretStoreNamespaces), KedaNamespace)
	}
	defaults.Slice(&r.IngressNamespaces, []string{"opencti"})
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_ONE_YEAR)
	r.userFacing = defaults.Of(p.UserFacingPool, DefaultUserFacingPool()).Clone()
	r.ingestion = defaults.Of(p.IngestionPool, DefaultIngestionPool()).Clone()
	return r
}
