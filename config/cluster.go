package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/constructs/cluster/clusterspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Cluster configures the EKS cluster: its version, who may reach and
// administer its API, the two OpenCTI capacity pools and the add-ons the
// cluster stack installs (External Secrets Operator, metrics-server, KEDA).
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
	// KedaChartVersion pins the KEDA Helm chart (https://kedacore.github.io/charts)
	// that scales the ingestion tier on the queue depth; 2.19.0 or later.
	// Default: "2.20.2".
	KedaChartVersion string `yaml:"kedaChartVersion"`
	// KedaReplicas runs this many KEDA operator and admission webhook pods
	// (one metrics server besides), 1 to 3; they run on the ingestion pool.
	// Default: 1 in dev, 2 in prod.
	KedaReplicas int `yaml:"kedaReplicas"`
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
	UserFacing clusterspec.NodePool `yaml:"userFacing"`
	// Ingestion runs the worker-api tier (with its workers), the connectors
	// and KEDA; its limits must hold opencti.workerApi.maxReplicas + 1 pods
	// (a rollout's surge pod), the connectors and KEDA within 75 %.
	// Default: c or m instances of 4-8 vCPUs (dev, spot allowed) or 4-16 (prod,
	// on-demand), limits 32 vCPU / 128 GiB (dev) or 128 vCPU / 512 GiB (prod).
	Ingestion clusterspec.NodePool `yaml:"ingestion"`
}

// Allowed values of the cluster configuration.
var (
	// ClusterKubernetesVersions are the versions the kubectl layer supports.
	ClusterKubernetesVersions = []string{clusterspec.DefaultKubernetesVersion}
	// ClusterEndpointAccesses are the allowed cluster.endpointAccess values.
	ClusterEndpointAccesses = clusterspec.EndpointAccesses
	// ClusterIngressSchemes are the allowed cluster.ingressScheme values.
	ClusterIngressSchemes = charts.IngressSchemes()
)

// defaultCluster is the construct's defaults (prod); dev has one External
// Secrets replica, smaller pools whose ingestion nodes may be spot
// instances, and a month of control-plane logs.
func defaultCluster(env string) Cluster {
	c := Cluster{
		KubernetesVersion:           clusterspec.DefaultKubernetesVersion,
		EndpointAccess:              clusterspec.EndpointPrivate,
		PublicAccessCidrs:           []string{},
		AdminRoleArns:               []string{"arn:aws:iam::000000000000:role/opencti-prod-cluster-admin"},
		SecretsRefreshInterval:      "1h",
		LogRetentionDays:            365,
		ExternalSecretsChartVersion: clusterspec.DefaultExternalSecretsChartVersion,
		ExternalSecretsReplicas:     clusterspec.DefaultExternalSecretsReplicas,
		MetricsServerVersion:        clusterspec.DefaultMetricsServerVersion,
		KedaChartVersion:            clusterspec.DefaultKedaChartVersion,
		KedaReplicas:                clusterspec.DefaultKedaReplicas,
		IngressScheme:               charts.DefaultIngressScheme,
		NodePools: ClusterNodePools{
			UserFacing: clusterspec.DefaultUserFacingPool(),
			Ingestion:  clusterspec.DefaultIngestionPool(),
		},
	}
	if env == "prod" {
		return c
	}
	c.AdminRoleArns = []string{}
	c.LogRetentionDays = 30
	c.ExternalSecretsReplicas = 1
	c.KedaReplicas = 1
	uf, in := &c.NodePools.UserFacing, &c.NodePools.Ingestion
	uf.InstanceCpus, uf.CPULimit, uf.MemoryLimitGiB = []int{4, 8}, 16, 64
	in.InstanceCpus, in.CapacityTypes, in.CPULimit, in.MemoryLimitGiB = []int{4, 8}, []string{"spot", "on-demand"}, 32, 128
	return c
}

// validate checks the cluster section with the construct's own rules
// (clusterspec), with prod's demands and the kubectl layer's version on top.
func (c *Cluster) validate(cfg *Config, p *Problems) {
	prod := cfg.Environment == "prod"
	if !contains(ClusterKubernetesVersions, c.KubernetesVersion) {
		p.Add("cluster.kubernetesVersion", c.KubernetesVersion,
			"one of "+strings.Join(ClusterKubernetesVersions, ", ")+" (the kubectl layer ships kubectl 1.34)")
	}
	clusterspec.CheckEndpoint(p, problems.YAMLNames("cluster."), c.EndpointAccess, c.PublicAccessCidrs)
	if len(c.AdminRoleArns) == 0 && prod {
		p.Add("cluster.adminRoleArns", c.AdminRoleArns, "at least one IAM role ARN in prod (otherwise nobody can administer the cluster)")
	}
	clusterspec.CheckAdminRoleArns(p, func(i int) string { return fmt.Sprintf("cluster.adminRoleArns[%d]", i) }, c.AdminRoleArns)
	c.NodePools.UserFacing.Check(p, problems.YAMLNames("cluster.nodePools.userFacing."))
	c.NodePools.Ingestion.Check(p, problems.YAMLNames("cluster.nodePools.ingestion."))

	if d, err := time.ParseDuration(c.SecretsRefreshInterval); err != nil || d < time.Minute || d > 24*time.Hour {
		p.Add("cluster.secretsRefreshInterval", c.SecretsRefreshInterval, `a Go duration from 1m to 24h such as "1h"`)
	}
	ValidateLogRetention(p, "cluster.logRetentionDays", c.LogRetentionDays)
	clusterspec.CheckExternalSecretsChartVersion(p, "cluster.externalSecretsChartVersion", c.ExternalSecretsChartVersion)
	clusterspec.CheckExternalSecretsReplicas(p, "cluster.externalSecretsReplicas", c.ExternalSecretsReplicas, prod)
	clusterspec.CheckMetricsServerVersion(p, "cluster.metricsServerVersion", c.MetricsServerVersion)
	clusterspec.CheckKedaChartVersion(p, "cluster.kedaChartVersion", c.KedaChartVersion)
	clusterspec.CheckKedaReplicas(p, "cluster.kedaReplicas", c.KedaReplicas, prod)
	if !contains(ClusterIngressSchemes, c.IngressScheme) {
		p.Add("cluster.ingressScheme", c.IngressScheme, "one of "+strings.Join(ClusterIngressSchemes, ", "))
	}
}
