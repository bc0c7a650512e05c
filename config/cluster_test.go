package config

import (
	"strings"
	"testing"
)

func TestClusterDefaultsPerEnvironment(t *testing.T) {
	dev, prod := defaultCluster("dev"), defaultCluster("prod")
	for env, c := range map[string]Cluster{"dev": dev, "prod": prod} {
		if c.KubernetesVersion != "1.34" || c.EndpointAccess != "private" || len(c.PublicAccessCidrs) != 0 {
			t.Errorf("%s: version %q endpoint %q cidrs %v; want 1.34, private, none", env, c.KubernetesVersion, c.EndpointAccess, c.PublicAccessCidrs)
		}
		if c.SecretsRefreshInterval != "1h" || c.ExternalSecretsChartVersion != "2.9.0" || c.MetricsServerVersion != "v0.8.0-eksbuild.6" {
			t.Errorf("%s: pinned versions/interval changed: %+v", env, c)
		}
	}
	if len(dev.AdminRoleArns) != 0 || len(prod.AdminRoleArns) != 1 {
		t.Errorf("admin roles: dev %v, prod %v", dev.AdminRoleArns, prod.AdminRoleArns)
	}
	if prod.ExternalSecretsReplicas < 2 || prod.LogRetentionDays != 365 {
		t.Errorf("prod: ESO replicas %d, log retention %d", prod.ExternalSecretsReplicas, prod.LogRetentionDays)
	}
	if got := prod.NodePools.Ingestion.CapacityTypes; len(got) != 1 || got[0] != "on-demand" {
		t.Errorf("prod ingestion pool must be on-demand only, got %v", got)
	}
	if prod.NodePools.UserFacing.CPULimit <= dev.NodePools.UserFacing.CPULimit {
		t.Errorf("prod user-facing pool must be larger than dev")
	}
}

// validCluster returns a configuration with a valid cluster section for env
// (only the cluster section is validated by these tests).
func clusterProblems(env string, mutate func(c *Cluster)) []string {
	cfg := &Config{Environment: env, Cluster: defaultCluster(env)}
	mutate(&cfg.Cluster)
	p := &Problems{}
	cfg.Cluster.validate(cfg, p)
	if err := p.Err(); err != nil {
		return strings.Split(err.Error(), "\n")
	}
	return nil
}

func TestClusterDefaultsValidate(t *testing.T) {
	for _, env := range Environments {
		if got := clusterProblems(env, func(*Cluster) {}); got != nil {
			t.Errorf("%s defaults: %v", env, got)
		}
	}
}

func TestClusterValidationMessages(t *testing.T) {
	cases := []struct {
		name   string
		env    string
		mutate func(c *Cluster)
		want   []string
	}{
		{
			name:   "unknown Kubernetes version",
			env:    "dev",
			mutate: func(c *Cluster) { c.KubernetesVersion = "1.33" },
			want:   []string{`cluster.kubernetesVersion: got "1.33", want one of 1.34 (the kubectl layer ships kubectl 1.34)`},
		},
		{
			name:   "unknown endpoint access",
			env:    "dev",
			mutate: func(c *Cluster) { c.EndpointAccess = "public" },
			want:   []string{`cluster.endpointAccess: got "public", want one of private, public-and-private`},
		},
		{
			name: "endpoint CIDR not a CIDR",
			env:  "dev",
			mutate: func(c *Cluster) {
				c.EndpointAccess = "public-and-private"
				c.PublicAccessCidrs = []string{"203.0.113.0/33", "10.1.2.3/16", "2001:db8::/32"}
			},
			want: []string{
				`cluster.publicAccessCidrs[0]: got "203.0.113.0/33", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
				`cluster.publicAccessCidrs[1]: got "10.1.2.3/16", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
				`cluster.publicAccessCidrs[2]: got "2001:db8::/32", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
			},
		},
		{
			name:   "public endpoint without CIDRs",
			env:    "dev",
			mutate: func(c *Cluster) { c.EndpointAccess = "public-and-private" },
			want:   []string{`cluster.publicAccessCidrs: got [], want at least one CIDR when endpointAccess is public-and-private (the public endpoint is never open to all)`},
		},
		{
			name:   "CIDRs with a private endpoint",
			env:    "dev",
			mutate: func(c *Cluster) { c.PublicAccessCidrs = []string{"203.0.113.0/24"} },
			want:   []string{`cluster.publicAccessCidrs: got ["203.0.113.0/24"], want empty when endpointAccess is private`},
		},
		{
			name: "0.0.0.0/0",
			env:  "dev",
			mutate: func(c *Cluster) {
				c.EndpointAccess = "public-and-private"
				c.PublicAccessCidrs = []string{"0.0.0.0/0"}
			},
			want: []string{`cluster.publicAccessCidrs[0]: got "0.0.0.0/0", want a network narrower than 0.0.0.0/0 (the Kubernetes API must not be open to the whole internet)`},
		},
		{
			name:   "empty admin role list in prod",
			env:    "prod",
			mutate: func(c *Cluster) { c.AdminRoleArns = nil },
			want:   []string{`cluster.adminRoleArns: got [], want at least one IAM role ARN in prod (otherwise nobody can administer the cluster)`},
		},
		{
			name:   "empty admin role list is fine in dev",
			env:    "dev",
			mutate: func(c *Cluster) { c.AdminRoleArns = nil },
		},
		{
			name: "admin role ARN shape and duplicates",
			env:  "dev",
			mutate: func(c *Cluster) {
				c.AdminRoleArns = []string{
					"arn:aws:iam::123456789012:user/alice",
					"arn:aws:iam::123456789012:role/ops/Admin",
					"arn:aws:iam::123456789012:role/ops/Admin",
				}
			},
			want: []string{
				`cluster.adminRoleArns[0]: got "arn:aws:iam::123456789012:user/alice", want an IAM role ARN such as arn:aws:iam::123456789012:role/Admin`,
				`cluster.adminRoleArns[2]: got "arn:aws:iam::123456789012:role/ops/Admin", want each role once`,
			},
		},
		{
			// Each role gets an access entry whose construct ID is derived
			// from its account and name; before the rule was shared with
			// the construct, this file passed validation and the cluster
			// construct panicked during synth.
			name: "admin roles that would share an access entry",
			env:  "dev",
			mutate: func(c *Cluster) {
				c.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/ops-admin", "arn:aws:iam::123456789012:role/ops/admin"}
			},
			want: []string{
				`cluster.adminRoleArns[1]: got "arn:aws:iam::123456789012:role/ops/admin", want a role whose account and name differ from arn:aws:iam::123456789012:role/ops-admin in more than punctuation (both would be access entry AdminAccess123456789012opsadmin)`,
			},
		},
		{
			name: "node pool sizes",
			env:  "dev",
			mutate: func(c *Cluster) {
				c.NodePools.UserFacing.InstanceCpus = []int{2}
				c.NodePools.UserFacing.CapacityTypes = []string{"reserved"}
				c.NodePools.Ingestion.InstanceCategories = nil
				c.NodePools.Ingestion.Architectures = []string{"x86"}
				c.NodePools.Ingestion.CPULimit = 0
			},
			want: []string{
				`cluster.nodePools.userFacing.instanceCpus[0]: got 2, want a vCPU count from 4 to 192`,
				`cluster.nodePools.userFacing.capacityTypes[0]: got "reserved", want one of on-demand, spot`,
				`cluster.nodePools.ingestion.instanceCategories: got [], want at least one EC2 instance category such as m`,
				`cluster.nodePools.ingestion.architectures[0]: got "x86", want one of amd64, arm64`,
				`cluster.nodePools.ingestion.cpuLimit: got 0, want 4 to 10000 vCPUs`,
			},
		},
		{
			name: "add-on versions, interval, retention, scheme",
			env:  "prod",
			mutate: func(c *Cluster) {
				c.SecretsRefreshInterval = "30s"
				c.LogRetentionDays = 42
				c.ExternalSecretsChartVersion = "0.16.2"
				c.ExternalSecretsReplicas = 1
				c.MetricsServerVersion = "latest"
				c.IngressScheme = "public"
			},
			want: []string{
				`cluster.secretsRefreshInterval: got "30s", want a Go duration from 1m to 24h such as "1h"`,
				`cluster.logRetentionDays: got 42, want a CloudWatch Logs retention in days, one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`,
				`cluster.externalSecretsChartVersion: got "0.16.2", want 0.17.0 or later (the ClusterSecretStore uses external-secrets.io/v1)`,
				`cluster.externalSecretsReplicas: got 1, want at least 2 in prod`,
				`cluster.metricsServerVersion: got "latest", want an EKS add-on version such as v0.8.0-eksbuild.6`,
				`cluster.ingressScheme: got "public", want one of internet-facing, internal`,
			},
		},
		{
			name: "all at once",
			env:  "prod",
			mutate: func(c *Cluster) {
				c.KubernetesVersion = "1.35"
				c.EndpointAccess = "public-and-private"
				c.PublicAccessCidrs = []string{"not-a-cidr", "0.0.0.0/0"}
				c.AdminRoleArns = []string{}
			},
			want: []string{
				`cluster.kubernetesVersion: got "1.35", want one of 1.34 (the kubectl layer ships kubectl 1.34)`,
				`cluster.publicAccessCidrs[0]: got "not-a-cidr", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
				`cluster.publicAccessCidrs[1]: got "0.0.0.0/0", want a network narrower than 0.0.0.0/0 (the Kubernetes API must not be open to the whole internet)`,
				`cluster.adminRoleArns: got [], want at least one IAM role ARN in prod (otherwise nobody can administer the cluster)`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := clusterProblems(tc.env, tc.mutate)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}
