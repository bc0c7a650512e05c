package cluster

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// addCompute creates the node role of the OpenCTI pools (with its EC2 access
// entry), the NodeClass carrying the workload security group, the two tainted
// NodePools and the VPC CNI setting that makes Auto Mode enforce
// NetworkPolicies.
func (c *cluster) addCompute(r *resolved, workloadSubnets *awsec2.SelectedSubnets) {
	// A custom NodeClass needs its own node role and an access entry of type
	// EC2 with AmazonEKSAutoNodePolicy (EKS creates one only for the built-in
	// pools' role).
	nodeRole := awsiam.NewRole(c.Construct, jsii.String("NodeRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("EKS Auto Mode nodes of the OpenCTI node pools"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonEKSWorkerNodeMinimalPolicy")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonEC2ContainerRegistryPullOnly")),
		},
	})
	c.nodeRole = nodeRole
	c.cluster.GrantAccess(jsii.String("NodeRoleAccess"), nodeRole.RoleArn(), &[]awseksv2.IAccessPolicy{
		awseksv2.AccessPolicy_FromAccessPolicyName(jsii.String("AmazonEKSAutoNodePolicy"), &awseksv2.AccessPolicyNameOptions{
			AccessScopeType: awseksv2.AccessScopeType_CLUSTER,
		}),
	}, &awseksv2.GrantAccessOptions{AccessEntryType: awseksv2.AccessEntryType_EC2})

	subnetTerms := []any{}
	for _, id := range *workloadSubnets.SubnetIds {
		subnetTerms = append(subnetTerms, map[string]any{"id": *id})
	}
	nodeClass := map[string]any{
		"apiVersion": "eks.amazonaws.com/v1",
		"kind":       "NodeClass",
		"metadata":   map[string]any{"name": NodeClassName},
		"spec": map[string]any{
			"role":                *nodeRole.RoleName(),
			"subnetSelectorTerms": subnetTerms,
			// The cluster security group keeps node <-> control plane and node
			// <-> node traffic (and is the one the ALB controller opens to its
			// load balancers); the workload group is what the data services admit.
			"securityGroupSelectorTerms": []any{
				map[string]any{"id": *c.cluster.ClusterSecurityGroupId()},
				map[string]any{"id": *c.workloadSG.SecurityGroupId()},
			},
			"networkPolicy":          "DefaultAllow",
			"networkPolicyEventLogs": "Disabled",
			"snatPolicy":             "Random",
			"ephemeralStorage":       map[string]any{"size": "80Gi", "iops": 3000, "throughput": 125},
		},
	}
	docs := []*map[string]any{&nodeClass}
	for _, pool := range []struct {
		name  string
		props NodePool
	}{{UserFacingPool, r.userFacing}, {IngestionPool, r.ingestion}} {
		np := nodePool(pool.name, pool.props, r.AvailabilityZones)
		docs = append(docs, &np)
	}
	c.nodePools = awseksv2.NewKubernetesManifest(c.Construct, jsii.String("NodePools"), &awseksv2.KubernetesManifestProps{
		Cluster:   c.cluster,
		Manifest:  &docs,
		Overwrite: jsii.Bool(true),
	})
	// Nodes must be allowed to join before a pool launches one.
	c.nodePools.Node().AddDependency(c.cluster.Node().FindChild(jsii.String("NodeRoleAccess")))

	// EKS Auto Mode enforces NetworkPolicies only when this controller setting
	// is on (and the NodeClass sets networkPolicy); the OpenCTI charts ship
	// NetworkPolicies that must not be silently ignored.
	awseksv2.NewKubernetesManifest(c.Construct, jsii.String("NetworkPolicyController"), &awseksv2.KubernetesManifestProps{
		Cluster:   c.cluster,
		Overwrite: jsii.Bool(true),
		Manifest: &[]*map[string]any{{
			"apiVersion": "v1",
			"kind":       "ConfigMap",
			"metadata":   map[string]any{"name": "amazon-vpc-cni", "namespace": "kube-system"},
			"data":       map[string]any{"enable-network-policy-controller": "true"},
		}},
	})
}

// nodePool is one karpenter.sh/v1 NodePool of the OpenCTI NodeClass: its
// nodes carry the label and NoSchedule taint PoolLabelKey=name and spread
// over zones.
func nodePool(name string, p NodePool, zones []string) map[string]any {
	cpus := make([]string, len(p.InstanceCpus))
	for i, v := range p.InstanceCpus {
		cpus[i] = strconv.Itoa(v)
	}
	req := func(key string, values []string) map[string]any {
		return map[string]any{"key": key, "operator": "In", "values": values}
	}
	return map[string]any{
		"apiVersion": "karpenter.sh/v1",
		"kind":       "NodePool",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{PoolLabelKey: name}},
				"spec": map[string]any{
					"nodeClassRef": map[string]any{"group": "eks.amazonaws.com", "kind": "NodeClass", "name": NodeClassName},
					"taints":       []any{map[string]any{"key": PoolLabelKey, "value": name, "effect": "NoSchedule"}},
					"requirements": []any{
						req("topology.kubernetes.io/zone", zones),
						req("karpenter.sh/capacity-type", p.CapacityTypes),
						req("kubernetes.io/arch", p.Architectures),
						req("eks.amazonaws.com/instance-category", p.InstanceCategories),
						req("eks.amazonaws.com/instance-cpu", cpus),
						map[string]any{"key": "eks.amazonaws.com/instance-generation", "operator": "Gt", "values": []string{"4"}},
					},
					// Nodes are replaced every two weeks (Auto Mode caps node life at 21 days).
					"expireAfter": "336h",
				},
			},
			"limits": map[string]any{
				"cpu":    strconv.Itoa(p.CPULimit),
				"memory": fmt.Sprintf("%dGi", p.MemoryLimitGiB),
			},
			"disruption": map[string]any{
				"consolidationPolicy": "WhenEmptyOrUnderutilized",
				"consolidateAfter":    "5m",
				// One node at a time, so PodDisruptionBudgets and zone spread hold.
				"budgets": []any{map[string]any{"nodes": "1"}},
			},
		},
	}
}
