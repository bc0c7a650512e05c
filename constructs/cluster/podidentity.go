package cluster

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// PodIdentityPrincipal is the trust of every EKS Pod Identity role: the
// pods.eks.amazonaws.com service may sts:AssumeRole and sts:TagSession (the
// agent tags the session with cluster, namespace and service account).
// The Pod Identity agent is built into EKS Auto Mode nodes.
func PodIdentityPrincipal() awsiam.IPrincipal {
	return awsiam.NewSessionTagsPrincipal(awsiam.NewServicePrincipal(jsii.String("pods.eks.amazonaws.com"), nil))
}

// PodIdentityAssociationProps configures NewPodIdentityAssociation. All fields
// are required.
type PodIdentityAssociationProps struct {
	// Cluster whose pods get the role.
	Cluster awseksv2.ICluster
	// Namespace and ServiceAccount name the Kubernetes service account whose
	// pods get the role's credentials.
	Namespace, ServiceAccount string
	// Role to hand out; it must trust PodIdentityPrincipal().
	Role awsiam.IRole
}

// NewPodIdentityAssociation associates props.Role with a service account
// (AWS::EKS::PodIdentityAssociation). Create it before the pods that use the
// service account start: credentials are injected at pod creation.
func NewPodIdentityAssociation(scope constructs.Construct, id string, props *PodIdentityAssociationProps) awseksv2.CfnPodIdentityAssociation {
	if props == nil {
		props = &PodIdentityAssociationProps{}
	}
	const f = "cluster.PodIdentityAssociationProps."
	pr := &problems.List{}
	if props.Cluster == nil {
		pr.Add(f+"Cluster", props.Cluster, "a cluster")
	}
	if props.Role == nil {
		pr.Add(f+"Role", props.Role, "an IAM role that trusts pods.eks.amazonaws.com")
	}
	for _, fv := range [][2]string{{"Namespace", props.Namespace}, {"ServiceAccount", props.ServiceAccount}} {
		if !isToken(fv[1]) && !dnsSubdomain(fv[1]) {
			pr.Add(f+fv[0], fv[1], "a Kubernetes name (lower-case letters, digits, '-' and '.')")
		}
	}
	problems.PanicIfInvalid("cluster.NewPodIdentityAssociation", id, pr.Err())
	return awseksv2.NewCfnPodIdentityAssociation(scope, jsii.String(id), &awseksv2.CfnPodIdentityAssociationProps{
		ClusterName:    props.Cluster.ClusterName(),
		Namespace:      jsii.String(props.Namespace),
		ServiceAccount: jsii.String(props.ServiceAccount),
		RoleArn:        props.Role.RoleArn(),
	})
}

func dnsSubdomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !dnsLabel.MatchString(label) {
			return false
		}
	}
	return true
}
