package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Cluster configures the EKS cluster: its version, who may reach and
// administer its API, the two OpenCTI capacity pools and the add-ons the
// cluster stack installs (External Secrets Operator, metrics-server).
type Cluster struct {
	// KubernetesVersion of the control plane. Only "1.34" is allowed: the
	// kubectl Lambda layer that applies the manifests ships kubectl 1.34.
	// Default: "1.34".
	KubernetesVersion string `yaml:"kubernetesVersion"`
	// EndpointAccess of the Kubernetes API: "private" (reachable only from the
	// VPC; kubectl from a bastion, VPN or the kubectl provider Lambda) or
	// "public-and-private" (also from the internet, but only from
	// PublicAccessCidrs). Default: "private".
	EndpointAccess string `yaml:"endpointAccess"`
	// PublicAccessCidrs are the IPv4 networks allowed to reach the public API
	// endpoint. Required (at least one) with "public-and-private", empty with
	// "private"; 0.0.0.0/0 is never accepted. Default: [].
	PublicAccessCidrs []string `yaml:"publicAccessCidrs"`
	// AdminRoleArns are the IAM roles given cluster-admin (an EKS access entry
	// with AmazonEKSClusterAdminPolicy, cluster scope). At least one in prod.
	// Default: [] in dev; a placeholder role of account 000000000000 in prod:
	// replace it with your administrators' role.
	AdminRoleArns []string `yaml:"adminRoleArns"`
	// NodePools sizes the two OpenCTI capacity pools (EKS Auto Mode NodePools).
	NodePools ClusterNodePools `yaml:"nodePools"`
	// SecretsRefreshInterval is how often External Secrets re-reads every
	// Secrets Manager secret into its Kubernetes Secret (the ExternalSecret
	// refreshInterval, a Go duration of at least 1m). Default: "1h".
	SecretsRefreshInterval string `yaml:"secretsRefreshInterval"`
	// LogRetentionDays keeps the control-plane logs (api, audit,
	// authenticator, controllerManager, scheduler) this long (a CloudWatch Logs
	// retention value). Default: 30 in dev, 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
	// ExternalSecretsChartVersion pins the external-secrets Helm chart
	// (https://charts.external-secrets.io); it must serve external-secrets.io/v1
	// (chart 0.17.0 or later). Default: "2.9.0".
	ExternalSecretsChartVersion string `yaml:"externalSecretsChartVersion"`
	// ExternalSecretsReplicas runs this many External Secrets controller and
	// webhook pods (leader election and a PodDisruptionBudget above 1), 1 to 5.
	// Default: 1 in dev, 2 in prod.
	ExternalSecretsReplicas int `yaml:"externalSecretsReplicas"`
	// MetricsServerVersion pins the EKS community add-on "metrics-server" that
	// HorizontalPodAutoscalers read. Default: "v0.8.0-eksbuild.6".
	MetricsServerVersion string `yaml:"metricsServerVersion"`
	// IngressScheme is the default scheme of the ui and api load balancers:
	// "internet-facing" (in the public subnets) or "internal" (in the workload
	// subnets); edge.ui.scheme and edge.api.scheme override it per hostname.
	// Default: "internet-facing".
	IngressScheme string `yaml:"ingressScheme"`
}

// ClusterNodePools are the two capacity pools. Each is an EKS Auto Mode
// NodePool whose nodes carry the label and NoSchedule taint
// opencti-ha/pool=<name>, spread over the configured availability zones.
type ClusterNodePools struct {
	// UserFacing runs the ui and connector-api platform tiers.
	// Default: m instances of 4-8 vCPUs (dev) or 4-16 (prod), on-demand,
	// limits 16 vCPU / 64 GiB (dev) or 64 vCPU / 256 GiB (prod).
	UserFacing ClusterNodePool `yaml:"userFacing"`
	// Ingestion runs the worker-api tier, the workers and the connectors.
	// Default: c or m instances of 4-8 vCPUs (dev, spot allowed) or 4-16 (prod,
	// on-demand), limits 32 vCPU / 128 GiB (dev) or 128 vCPU / 512 GiB (prod).
	Ingestion ClusterNodePool `yaml:"ingestion"`
}

// ClusterNodePool constrains the EC2 instances one pool may launch and caps
// its total size.
type ClusterNodePool struct {
	// InstanceCategories are EC2 instance category letters (c, m, r, ...).
	InstanceCategories []string `yaml:"instanceCategories"`
	// InstanceCpus are the allowed vCPU counts per instance, each 4 to 192 (at
	// least 4 so that a 2-CPU platform pod fits beside the node's daemons).
	InstanceCpus []int `yaml:"instanceCpus"`
	// CapacityTypes are "on-demand" and/or "spot".
	CapacityTypes []string `yaml:"capacityTypes"`
	// Architectures are "amd64" and/or "arm64".
	Architectures []string `yaml:"architectures"`
	// CPULimit caps the vCPUs of all the pool's nodes together.
	CPULimit int `yaml:"cpuLimit"`
	// MemoryLimitGiB caps the memory of all the pool's nodes together.
	MemoryLimitGiB int `yaml:"memoryLimitGiB"`
}

// Allowed values of the cluster configuration.
var (
	// ClusterKubernetesVersions are the versions the kubectl layer supports.
	ClusterKubernetesVersions = []string{"1.34"}
	// ClusterEndpointAccesses are the allowed cluster.endpointAccess values.
	ClusterEndpointAccesses = []string{"private", "public-and-private"}
	// ClusterIngressSchemes are the allowed cluster.ingressScheme values.
	ClusterIngressSchemes = []string{"internet-facing", "internal"}

	clusterCapacityTypes = []string{"on-demand", "spot"}
	clusterArchitectures = []string{"amd64", "arm64"}
	roleArnRe            = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([\x21-\x7E]+/)*[A-Za-z0-9+=,.@_-]{1,64}$`)
	instanceCategoryRe   = regexp.MustCompile(`^[a-z]{1,3}$`)
	chartVersionRe       = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	addonVersionRe       = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$`)
)

func defaultCluster(env string) Cluster {
	c := Cluster{
		KubernetesVersion:           "1.34",
		EndpointAccess:              "private",
		PublicAccessCidrs:           []string{},
		AdminRoleArns:               []string{},
		SecretsRefreshInterval:      "1h",
		LogRetentionDays:            30,
		ExternalSecretsChartVersion: "2.9.0",
		ExternalSecretsReplicas:     1,
		MetricsServerVersion:        "v0.8.0-eksbuild.6",
		IngressScheme:               "internet-facing",
		NodePools: ClusterNodePools{
			UserFacing: ClusterNodePool{
				InstanceCategories: []string{"m"},
				InstanceCpus:       []int{4, 8},
				CapacityTypes:      []string{"on-demand"},
				Architectures:      []string{"amd64"},
				CPULimit:           16,
				MemoryLimitGiB:     64,
			},
			Ingestion: ClusterNodePool{
				InstanceCategories: []string{"c", "m"},
				InstanceCpus:       []int{4, 8},
				CapacityTypes:      []string{"spot", "on-demand"},
				Architectures:      []string{"amd64"},
				CPULimit:           32,
				MemoryLimitGiB:     128,
			},
		},
	}
	if env == "prod" {
		c.AdminRoleArns = []string{"arn:aws:iam::000000000000:role/opencti-prod-cluster-admin"}
		c.LogRetentionDays = 365
		c.ExternalSecretsReplicas = 2
		c.NodePools.UserFacing.InstanceCpus = []int{4, 8, 16}
		c.NodePools.UserFacing.CPULimit = 64
		c.NodePools.UserFacing.MemoryLimitGiB = 256
		c.NodePools.Ingestion.InstanceCpus = []int{4, 8, 16}
		c.NodePools.Ingestion.CapacityTypes = []string{"on-demand"}
		c.NodePools.Ingestion.CPULimit = 128
		c.NodePools.Ingestion.MemoryLimitGiB = 512
	}
	return c
}

func (c *Cluster) validate(cfg *Config, p *Problems) {
	if !contains(ClusterKubernetesVersions, c.KubernetesVersion) {
		p.Add("cluster.kubernetesVersion", c.KubernetesVersion,
			"one of "+strings.Join(ClusterKubernetesVersions, ", ")+" (the kubectl layer ships kubectl 1.34)")
	}
	if !contains(ClusterEndpointAccesses, c.EndpointAccess) {
		p.Add("cluster.endpointAccess", c.EndpointAccess, "one of "+strings.Join(ClusterEndpointAccesses, ", "))
	}
	c.validateCidrs(p)
	c.validateAdmins(cfg, p)
	c.NodePools.UserFacing.validate("cluster.nodePools.userFacing", p)
	c.NodePools.Ingestion.validate("cluster.nodePools.ingestion", p)

	if d, err := time.ParseDuration(c.SecretsRefreshInterval); err != nil || d < time.Minute || d > 24*time.Hour {
		p.Add("cluster.secretsRefreshInterval", c.SecretsRefreshInterval, `a Go duration from 1m to 24h such as "1h"`)
	}
	ValidateLogRetention(p, "cluster.logRetentionDays", c.LogRetentionDays)
	if !chartVersionRe.MatchString(c.ExternalSecretsChartVersion) {
		p.Add("cluster.externalSecretsChartVersion", c.ExternalSecretsChartVersion, "an exact chart version such as 2.9.0")
	} else if parts := strings.Split(c.ExternalSecretsChartVersion, "."); parts[0] == "0" {
		if minor, _ := strconv.Atoi(parts[1]); minor < 17 {
			p.Add("cluster.externalSecretsChartVersion", c.ExternalSecretsChartVersion,
				"0.17.0 or later (the ClusterSecretStore uses external-secrets.io/v1)")
		}
	}
	if c.ExternalSecretsReplicas < 1 || c.ExternalSecretsReplicas > 5 {
		p.Add("cluster.externalSecretsReplicas", c.ExternalSecretsReplicas, "1 to 5")
	} else if cfg.Environment == "prod" && c.ExternalSecretsReplicas < 2 {
		p.Add("cluster.externalSecretsReplicas", c.ExternalSecretsReplicas, "at least 2 in prod")
	}
	if !addonVersionRe.MatchString(c.MetricsServerVersion) {
		p.Add("cluster.metricsServerVersion", c.MetricsServerVersion, "an EKS add-on version such as v0.8.0-eksbuild.6")
	}
	if !contains(ClusterIngressSchemes, c.IngressScheme) {
		p.Add("cluster.ingressScheme", c.IngressScheme, "one of "+strings.Join(ClusterIngressSchemes, ", "))
	}
}

func (c *Cluster) validateCidrs(p *Problems) {
	switch {
	case c.EndpointAccess == "public-and-private" && len(c.PublicAccessCidrs) == 0:
		p.Add("cluster.publicAccessCidrs", c.PublicAccessCidrs,
			"at least one CIDR when endpointAccess is public-and-private (the public endpoint is never open to all)")
	case c.EndpointAccess == "private" && len(c.PublicAccessCidrs) > 0:
		p.Add("cluster.publicAccessCidrs", c.PublicAccessCidrs, "empty when endpointAccess is private")
	}
	seen := map[string]bool{}
	for i, cidr := range c.PublicAccessCidrs {
		field := fmt.Sprintf("cluster.publicAccessCidrs[%d]", i)
		prefix, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil || !prefix.Addr().Is4() || prefix.Masked() != prefix:
			p.Add(field, cidr, "an IPv4 network in CIDR notation such as 203.0.113.0/24")
		case prefix.Bits() == 0:
			p.Add(field, cidr, "a network narrower than 0.0.0.0/0 (the Kubernetes API must not be open to the whole internet)")
		case seen[cidr]:
			p.Add(field, cidr, "each CIDR once")
		}
		seen[cidr] = true
	}
}

func (c *Cluster) validateAdmins(cfg *Config, p *Problems) {
	if len(c.AdminRoleArns) == 0 && cfg.Environment == "prod" {
		p.Add("cluster.adminRoleArns", c.AdminRoleArns, "at least one IAM role ARN in prod (otherwise nobody can administer the cluster)")
	}
	seen := map[string]bool{}
	for i, arn := range c.AdminRoleArns {
		field := fmt.Sprintf("cluster.adminRoleArns[%d]", i)
		switch {
		case !roleArnRe.MatchString(arn):
			p.Add(field, arn, "an IAM role ARN such as arn:aws:iam::123456789012:role/Admin")
		case seen[arn]:
			p.Add(field, arn, "each role once")
		}
		seen[arn] = true
	}
}

func (n *ClusterNodePool) validate(field string, p *Problems) {
	if len(n.InstanceCategories) == 0 {
		p.Add(field+".instanceCategories", n.InstanceCategories, "at least one EC2 instance category such as m")
	}
	for i, cat := range n.InstanceCategories {
		if !instanceCategoryRe.MatchString(cat) {
			p.Add(fmt.Sprintf("%s.instanceCategories[%d]", field, i), cat, "a lower-case EC2 instance category such as c, m or r")
		}
	}
	if len(n.InstanceCpus) == 0 {
		p.Add(field+".instanceCpus", n.InstanceCpus, "at least one vCPU count such as 4")
	}
	for i, cpu := range n.InstanceCpus {
		if cpu < 4 || cpu > 192 {
			p.Add(fmt.Sprintf("%s.instanceCpus[%d]", field, i), cpu, "a vCPU count from 4 to 192")
		}
	}
	checkSet(p, field+".capacityTypes", n.CapacityTypes, clusterCapacityTypes)
	checkSet(p, field+".architectures", n.Architectures, clusterArchitectures)
	if n.CPULimit < 4 || n.CPULimit > 10000 {
		p.Add(field+".cpuLimit", n.CPULimit, "4 to 10000 vCPUs")
	}
	if n.MemoryLimitGiB < 8 || n.MemoryLimitGiB > 100000 {
		p.Add(field+".memoryLimitGiB", n.MemoryLimitGiB, "8 to 100000 GiB")
	}
}

func checkSet(p *Problems, field string, values, allowed []string) {
	if len(values) == 0 {
		p.Add(field, values, "at least one of "+strings.Join(allowed, ", "))
	}
	for i, v := range values {
		if !contains(allowed, v) {
			p.Add(fmt.Sprintf("%s[%d]", field, i), v, "one of "+strings.Join(allowed, ", "))
		}
	}
}
