package cluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
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
	DefaultExternalSecretsChartVersion = "2.9.0"
	// DefaultMetricsServerVersion pins the EKS community add-on metrics-server.
	DefaultMetricsServerVersion = "v0.8.0-eksbuild.6"
	// DefaultKubernetesVersion matches the kubectl layer (kubectl 1.34).
	DefaultKubernetesVersion = "1.34"
)

// EndpointAccess says from where the Kubernetes API can be reached.
type EndpointAccess string

const (
	// EndpointPrivate: only from inside the VPC.
	EndpointPrivate EndpointAccess = "private"
	// EndpointPublicAndPrivate: from the VPC and from ClusterProps.PublicAccessCidrs.
	EndpointPublicAndPrivate EndpointAccess = "public-and-private"
)

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
	// UserFacingPool sizes the "user-facing" NodePool.
	// Default: see DefaultUserFacingPool.
	UserFacingPool *NodePoolProps
	// IngestionPool sizes the "ingestion" NodePool.
	// Default: see DefaultIngestionPool.
	IngestionPool *NodePoolProps
	// BuiltInNodePools are the EKS Auto Mode built-in pools kept enabled.
	// "general-purpose" runs every pod that tolerates neither OpenCTI taint
	// (External Secrets, metrics-server); "system" runs CriticalAddonsOnly pods.
	// Default: ["system", "general-purpose"].
	BuiltInNodePools []string
	// SecretsPrefix: External Secrets may read only secrets whose name starts
	// with SecretsPrefix + "/". Required.
	SecretsPrefix string
	// SecretStoreNamespaces may use the ClusterSecretStore.
	// Default: ["opencti"].
	SecretStoreNamespaces []string
	// ExternalSecretsChartVersion pins the external-secrets chart.
	// Default: DefaultExternalSecretsChartVersion.
	ExternalSecretsChartVersion *string
	// ExternalSecretsReplicas of the operator's controller and webhook; above 1
	// they elect a leader and get a PodDisruptionBudget. Default: 2.
	ExternalSecretsReplicas *float64
	// MetricsServerVersion pins the metrics-server EKS add-on.
	// Default: DefaultMetricsServerVersion.
	MetricsServerVersion *string
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

// NodePoolProps constrains one OpenCTI NodePool.
type NodePoolProps struct {
	// InstanceCategories (eks.amazonaws.com/instance-category). Default: ["m"].
	InstanceCategories []string
	// InstanceCpus allowed per instance (eks.amazonaws.com/instance-cpu).
	// Default: [4, 8, 16].
	InstanceCpus []float64
	// CapacityTypes (karpenter.sh/capacity-type). Default: ["on-demand"].
	CapacityTypes []string
	// Architectures (kubernetes.io/arch). Default: ["amd64"].
	Architectures []string
	// CPULimit caps the pool's total vCPUs. Default: 64.
	CPULimit *float64
	// MemoryLimitGiB caps the pool's total memory. Default: 256.
	MemoryLimitGiB *float64
}

// DefaultUserFacingPool is the user-facing pool when none is given.
func DefaultUserFacingPool() NodePoolProps {
	return NodePoolProps{
		InstanceCategories: []string{"m"},
		InstanceCpus:       []float64{4, 8, 16},
		CapacityTypes:      []string{"on-demand"},
		Architectures:      []string{"amd64"},
		CPULimit:           ptr(64.0),
		MemoryLimitGiB:     ptr(256.0),
	}
}

// DefaultIngestionPool is the ingestion pool when none is given.
func DefaultIngestionPool() NodePoolProps {
	p := DefaultUserFacingPool()
	p.InstanceCategories = []string{"c", "m"}
	p.CPULimit = ptr(128.0)
	p.MemoryLimitGiB = ptr(512.0)
	return p
}

func ptr[T any](v T) *T { return &v }

// resolved is ClusterProps with every default filled in (a copy: the caller's
// props are never changed).
type resolved struct {
	ClusterProps
	version, chartVersion, metricsVersion, ingressClass string
	endpoint                                            EndpointAccess
	esoReplicas                                         float64
	retainKey                                           bool
	userFacing, ingestion                               NodePoolProps
}

func resolve(p *ClusterProps) *resolved {
	r := &resolved{ClusterProps: *p}
	r.AvailabilityZones = append([]string(nil), p.AvailabilityZones...)
	r.PublicAccessCidrs = append([]string(nil), p.PublicAccessCidrs...)
	r.AdminRoleArns = append([]string(nil), p.AdminRoleArns...)
	r.version = deref(p.KubernetesVersion, DefaultKubernetesVersion)
	r.chartVersion = deref(p.ExternalSecretsChartVersion, DefaultExternalSecretsChartVersion)
	r.metricsVersion = deref(p.MetricsServerVersion, DefaultMetricsServerVersion)
	r.ingressClass = deref(p.IngressClassName, DefaultIngressClassName)
	r.endpoint = deref(p.EndpointAccess, EndpointPrivate)
	r.esoReplicas = deref(p.ExternalSecretsReplicas, 2)
	r.retainKey = deref(p.RetainEncryptionKey, false)
	if r.WorkloadSubnets == nil {
		r.WorkloadSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	if r.BuiltInNodePools == nil {
		r.BuiltInNodePools = []string{"system", "general-purpose"}
	}
	if r.SecretStoreNamespaces == nil {
		r.SecretStoreNamespaces = []string{"opencti"}
	}
	if r.IngressNamespaces == nil {
		r.IngressNamespaces = []string{"opencti"}
	}
	if r.LogRetention == "" {
		r.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	r.userFacing = resolvePool(p.UserFacingPool, DefaultUserFacingPool())
	r.ingestion = resolvePool(p.IngestionPool, DefaultIngestionPool())
	return r
}

func resolvePool(p *NodePoolProps, def NodePoolProps) NodePoolProps {
	if p == nil {
		return def
	}
	out := NodePoolProps{
		InstanceCategories: orDefault(p.InstanceCategories, def.InstanceCategories),
		InstanceCpus:       orDefault(p.InstanceCpus, def.InstanceCpus),
		CapacityTypes:      orDefault(p.CapacityTypes, def.CapacityTypes),
		Architectures:      orDefault(p.Architectures, def.Architectures),
		CPULimit:           def.CPULimit,
		MemoryLimitGiB:     def.MemoryLimitGiB,
	}
	if p.CPULimit != nil {
		out.CPULimit = ptr(*p.CPULimit)
	}
	if p.MemoryLimitGiB != nil {
		out.MemoryLimitGiB = ptr(*p.MemoryLimitGiB)
	}
	return out
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func orDefault[T any](v, def []T) []T {
	if len(v) == 0 {
		return append([]T(nil), def...)
	}
	return append([]T(nil), v...)
}
