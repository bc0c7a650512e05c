// Package cluster provides the EKS cluster OpenCTI runs on: an awseksv2
// (native AWS::EKS::Cluster) cluster in EKS Auto Mode with API-only
// authentication (access entries), envelope encryption of Kubernetes Secrets,
// every control-plane log type, a kubectl provider in the private subnets, two
// tainted OpenCTI capacity pools, the Auto Mode ALB IngressClass, the External
// Secrets Operator reading AWS Secrets Manager through EKS Pod Identity,
// metrics-server, and KEDA with the credentials of the queue scaler.
package cluster

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/kubectllayer"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Cluster is the EKS cluster with everything OpenCTI needs from it. Every
// resource it made is exposed so that other stacks can depend on it.
type Cluster interface {
	constructs.Construct
	// Cluster is the EKS cluster (AWS::EKS::Cluster, Auto Mode, access entries).
	Cluster() awseksv2.Cluster
	// SecretsKey envelope-encrypts Kubernetes Secrets (rotation on).
	SecretsKey() awskms.IKey
	// KubectlLayer is the kubectl/helm layer of the kubectl provider.
	KubectlLayer() awslambda.ILayerVersion
	// NodeRole is the IAM role of the nodes of both OpenCTI pools.
	NodeRole() awsiam.IRole
	// WorkloadSecurityGroup is attached to every node of both OpenCTI pools.
	WorkloadSecurityGroup() awsec2.ISecurityGroup
	// NodePools is the manifest with the NodeClass and the two NodePools.
	NodePools() awseksv2.KubernetesManifest
	// IngressClassName is the name Ingresses put in spec.ingressClassName.
	IngressClassName() string
	// IngressClass is the manifest of the IngressClass and its
	// IngressClassParams. Manifests holding Ingresses should depend on it, so
	// that CloudFormation deletes them (and the ALBs they made) first.
	IngressClass() awseksv2.KubernetesManifest
	// SecretStoreName is the ClusterSecretStore ExternalSecrets reference.
	SecretStoreName() string
	// SecretStore is the manifest of the ClusterSecretStore.
	SecretStore() awseksv2.KubernetesManifest
	// ExternalSecrets is the External Secrets Operator Helm release.
	ExternalSecrets() awseksv2.HelmChart
	// ExternalSecretsRole is the Pod Identity role of the operator.
	ExternalSecretsRole() awsiam.IRole
	// MetricsServer is the metrics-server EKS add-on.
	MetricsServer() awseksv2.Addon
	// ExternalSecretsPodIdentity binds ExternalSecretsRole to the operator's
	// service account.
	ExternalSecretsPodIdentity() awseksv2.CfnPodIdentityAssociation
	// Keda is the KEDA Helm release (CRDs, operator, admission webhooks,
	// metrics server): manifests that hold ScaledObjects depend on it.
	Keda() awseksv2.HelmChart
	// QueueScalerAuthentication is the manifest of the ExternalSecret that
	// copies the broker user's credentials into KedaNamespace and of the
	// ClusterTriggerAuthentication QueueScalerAuthenticationName that reads
	// them: the ScaledObject's manifest depends on it.
	QueueScalerAuthentication() awseksv2.KubernetesManifest
	// QueueScalerAuthenticationName names that ClusterTriggerAuthentication.
	QueueScalerAuthenticationName() string
	// AddPodIdentity associates role with the service account
	// namespace/serviceAccount through EKS Pod Identity. The association is
	// created in scope, which should be in the stack that owns role (a workload
	// stack that depends on the cluster's stack) so that no reference points
	// back from the cluster's stack. role must trust PodIdentityPrincipal().
	AddPodIdentity(scope constructs.Construct, id, namespace, serviceAccount string, role awsiam.IRole) awseksv2.CfnPodIdentityAssociation
}

type cluster struct {
	constructs.Construct
	cluster           awseksv2.Cluster
	key               awskms.IKey
	layer             awslambda.ILayerVersion
	nodeRole          awsiam.IRole
	workloadSG        awsec2.ISecurityGroup
	nodePools         awseksv2.KubernetesManifest
	ingressClassName  string
	ingressClass      awseksv2.KubernetesManifest
	secretStore       awseksv2.KubernetesManifest
	externalSecrets   awseksv2.HelmChart
	externalSecretsRl awsiam.IRole
	metricsServer     awseksv2.Addon
	esoAssociation    awseksv2.CfnPodIdentityAssociation
	keda              awseksv2.HelmChart
	queueScalerAuth   awseksv2.KubernetesManifest
}

// NewCluster creates the cluster and its add-ons under scope. It panics with
// an *problems.InvalidProps, listing every invalid prop, before it creates
// anything.
func NewCluster(scope constructs.Construct, id string, props *ClusterProps) Cluster {
	if props == nil {
		props = &ClusterProps{}
	}
	r := resolve(props)
	problems.PanicIfInvalid("cluster.NewCluster", id, r.validate())
	c := &cluster{ingressClassName: r.ingressClass}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)

	workloadSubnets := r.Vpc.SelectSubnets(r.WorkloadSubnets)
	if len(r.AvailabilityZones) == 0 {
		r.AvailabilityZones = uniqueSorted(*workloadSubnets.AvailabilityZones)
	}
	c.workloadSG = r.WorkloadSecurityGroup
	if c.workloadSG == nil {
		c.workloadSG = awsec2.NewSecurityGroup(c.Construct, jsii.String("WorkloadSecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              r.Vpc,
			Description:      jsii.String("OpenCTI nodes and pods"),
			AllowAllOutbound: jsii.Bool(true),
		})
	}
	c.layer = r.KubectlLayer
	if c.layer == nil {
		c.layer = kubectllayer.NewKubectlV34Layer(c.Construct, "KubectlLayer")
	}

	keyRemoval := awscdk.RemovalPolicy_DESTROY
	if r.retainKey {
		keyRemoval = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	}
	c.key = awskms.NewKey(c.Construct, jsii.String("SecretsKey"), &awskms.KeyProps{
		Description:       jsii.String("Envelope encryption of the Kubernetes Secrets of " + *c.Node().Path()),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     keyRemoval,
	})

	endpoint := awseksv2.EndpointAccess_PRIVATE()
	if r.endpoint == EndpointPublicAndPrivate {
		endpoint = awseksv2.EndpointAccess_PUBLIC_AND_PRIVATE().OnlyFrom(*jsii.Strings(r.PublicAccessCidrs...)...)
	}
	c.cluster = awseksv2.NewCluster(c.Construct, jsii.String("Resource"), &awseksv2.ClusterProps{
		Version:        awseksv2.KubernetesVersion_Of(jsii.String(r.version)),
		Vpc:            r.Vpc,
		VpcSubnets:     &[]*awsec2.SubnetSelection{r.WorkloadSubnets},
		EndpointAccess: endpoint,
		ClusterLogging: &[]awseksv2.ClusterLoggingTypes{
			awseksv2.ClusterLoggingTypes_API,
			awseksv2.ClusterLoggingTypes_AUDIT,
			awseksv2.ClusterLoggingTypes_AUTHENTICATOR,
			awseksv2.ClusterLoggingTypes_CONTROLLER_MANAGER,
			awseksv2.ClusterLoggingTypes_SCHEDULER,
		},
		SecretsEncryptionKey: c.key,
		// kubectl and helm run in a Lambda inside the workload subnets, so
		// manifests and charts are applied by CloudFormation even when the API
		// endpoint is private.
		KubectlProviderOptions: &awseksv2.KubectlProviderOptions{
			KubectlLayer:   c.layer,
			PrivateSubnets: workloadSubnets.Subnets,
		},
		DefaultCapacityType: awseksv2.DefaultCapacityType_AUTOMODE,
		Compute:             &awseksv2.ComputeConfig{NodePools: jsii.Strings(r.BuiltInNodePools...)},
		// Nobody is admin by accident: only AdminRoleArns and the kubectl
		// provider get access entries.
		BootstrapClusterCreatorAdminPermissions: jsii.Bool(false),
	})

	// The kubectl provider's functions log to log groups aws-cdk-lib creates
	// with RETAIN; they follow the key instead (deleted in dev, and in prod
	// kept except when the operation that created them rolls back).
	awscdk.RemovalPolicies_Of(c.cluster).Apply(keyRemoval, &awscdk.RemovalPolicyProps{
		ApplyToResourceTypes: jsii.Strings("AWS::Logs::LogGroup"),
	})

	// aws-cdk-lib writes EncryptionConfig[].Resources = ["secrets"] for envelope
	// encryption; the CloudFormation schema calls the property deprecated because
	// "secrets" is the only value EKS accepts, not because it stopped working.
	awscdk.Validations_Of(c.cluster).Acknowledge(&awscdk.Acknowledgment{
		Id:     jsii.String("CloudFormation-Validate::W9009"),
		Reason: jsii.String("EncryptionConfig.Resources is [secrets], the one value EKS accepts; set by aws-cdk-lib for KMS envelope encryption"),
	})

	awslogs.NewLogRetention(c.Construct, jsii.String("ControlPlaneLogRetention"), &awslogs.LogRetentionProps{
		LogGroupName: awscdk.Fn_Join(jsii.String(""), jsii.Strings("/aws/eks/", *c.cluster.ClusterName(), "/cluster")),
		Retention:    r.LogRetention,
	})

	for _, arn := range r.AdminRoleArns {
		c.cluster.GrantClusterAdmin(jsii.String(adminAccessID(arn)), jsii.String(arn))
	}

	c.addCompute(r, workloadSubnets)
	c.addIngressClass(r)
	c.addExternalSecrets(r, stack)
	c.addKeda(r)
	c.metricsServer = awseksv2.NewAddon(c.Construct, jsii.String("MetricsServer"), &awseksv2.AddonProps{
		Cluster:          c.cluster,
		AddonName:        jsii.String("metrics-server"),
		AddonVersion:     jsii.String(r.metricsVersion),
		PreserveOnDelete: jsii.Bool(false),
	})
	c.suppressNagFindings(r)
	return c
}

func (c *cluster) Cluster() awseksv2.Cluster                    { return c.cluster }
func (c *cluster) SecretsKey() awskms.IKey                      { return c.key }
func (c *cluster) KubectlLayer() awslambda.ILayerVersion        { return c.layer }
func (c *cluster) NodeRole() awsiam.IRole                       { return c.nodeRole }
func (c *cluster) WorkloadSecurityGroup() awsec2.ISecurityGroup { return c.workloadSG }
func (c *cluster) NodePools() awseksv2.KubernetesManifest       { return c.nodePools }
func (c *cluster) IngressClassName() string                     { return c.ingressClassName }
func (c *cluster) IngressClass() awseksv2.KubernetesManifest    { return c.ingressClass }
func (c *cluster) SecretStoreName() string                      { return DefaultSecretStoreName }
func (c *cluster) SecretStore() awseksv2.KubernetesManifest     { return c.secretStore }
func (c *cluster) ExternalSecrets() awseksv2.HelmChart          { return c.externalSecrets }
func (c *cluster) ExternalSecretsRole() awsiam.IRole            { return c.externalSecretsRl }
func (c *cluster) MetricsServer() awseksv2.Addon                { return c.metricsServer }
func (c *cluster) ExternalSecretsPodIdentity() awseksv2.CfnPodIdentityAssociation {
	return c.esoAssociation
}
func (c *cluster) Keda() awseksv2.HelmChart { return c.keda }
func (c *cluster) QueueScalerAuthentication() awseksv2.KubernetesManifest {
	return c.queueScalerAuth
}
func (c *cluster) QueueScalerAuthenticationName() string { return QueueScalerAuthenticationName }

func (c *cluster) AddPodIdentity(scope constructs.Construct, id, namespace, serviceAccount string, role awsiam.IRole) awseksv2.CfnPodIdentityAssociation {
	return NewPodIdentityAssociation(scope, id, &PodIdentityAssociationProps{
		Cluster:        c.cluster,
		Namespace:      namespace,
		ServiceAccount: serviceAccount,
		Role:           role,
	})
}

func uniqueSorted(in []*string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != nil && !seen[*s] {
			seen[*s] = true
			out = append(out, *s)
		}
	}
	sort.Strings(out)
	return out
}
