package cluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/jsii-runtime-go"
)

// addIngressClass creates the IngressClass served by the EKS Auto Mode ALB
// controller (eks.amazonaws.com/alb) and its IngressClassParams: which
// namespaces may use it. The params pin neither scheme nor subnets (either
// would override every Ingress's annotation): each Ingress chooses its own
// with alb.ingress.kubernetes.io/scheme and .../subnets, so the ui and api
// load balancers may differ (e.g. an internal api). Without the subnets
// annotation the controller picks the subnets tagged kubernetes.io/role/elb
// (internet-facing) or kubernetes.io/role/internal-elb (internal).
//
// Deletion order: Ingresses live in the workload stack, which depends on this
// stack, so CloudFormation deletes them first; kubectl delete waits for the
// controller's finalizer, i.e. for the ALB to be gone, before the IngressClass,
// the NodePools and the cluster are deleted.
func (c *cluster) addIngressClass(r *resolved) {
	params := map[string]any{
		"apiVersion": "eks.amazonaws.com/v1",
		"kind":       "IngressClassParams",
		"metadata":   map[string]any{"name": r.ingressClass},
		"spec": map[string]any{
			"namespaceSelector": map[string]any{"matchExpressions": []any{map[string]any{
				"key": "kubernetes.io/metadata.name", "operator": "In", "values": r.IngressNamespaces,
			}}},
		},
	}
	class := map[string]any{
		"apiVersion": "networking.k8s.io/v1",
		"kind":       "IngressClass",
		"metadata":   map[string]any{"name": r.ingressClass},
		"spec": map[string]any{
			"controller": "eks.amazonaws.com/alb",
			"parameters": map[string]any{"apiGroup": "eks.amazonaws.com", "kind": "IngressClassParams", "name": r.ingressClass},
		},
	}
	c.ingressClass = awseksv2.NewKubernetesManifest(c.Construct, jsii.String("IngressClass"), &awseksv2.KubernetesManifestProps{
		Cluster:   c.cluster,
		Manifest:  &[]*map[string]any{&params, &class},
		Overwrite: jsii.Bool(true),
	})
	// ALBs forward to pods on the OpenCTI pools: keep the pools until every
	// Ingress (and so every ALB) is gone.
	c.ingressClass.Node().AddDependency(c.nodePools)
}
