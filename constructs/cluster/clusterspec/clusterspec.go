// Package clusterspec holds the rules and defaults of the OpenCTI EKS
// cluster (its API endpoint, administrators, add-on versions, the two
// OpenCTI node pools and the ECR pull-through cache), shared by the
// constructs (cluster.NewCluster, cluster.NewDockerHubCache) and the
// configuration (cluster.*, imageCache.*). It depends on no AWS package.
package clusterspec

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Pinned versions: the defaults of the cluster and its add-ons.
const (
	// DefaultKubernetesVersion matches the kubectl layer (kubectl 1.34).
	DefaultKubernetesVersion = "1.34"
	// DefaultExternalSecretsChartVersion is the pinned external-secrets chart
	// (and operator) version; it serves external-secrets.io/v1 (the only API
	// since 0.17.0).
	DefaultExternalSecretsChartVersion = "2.9.0"
	// DefaultMetricsServerVersion pins the EKS community add-on metrics-server.
	DefaultMetricsServerVersion = "v0.8.0-eksbuild.6"
	// DefaultExternalSecretsReplicas runs the External Secrets controller and
	// webhook highly available.
	DefaultExternalSecretsReplicas = 2
	// DefaultKedaChartVersion is the pinned KEDA Helm chart (and operator)
	// version: kedacore/charts keda 2.20.2, appVersion 2.20.2, tested by KEDA
	// on Kubernetes 1.33 to 1.35.
	DefaultKedaChartVersion = "2.20.2"
	// DefaultKedaReplicas runs the KEDA operator (one leader, one standby)
	// and admission webhooks highly available.
	DefaultKedaReplicas = 2
	// KedaPodCPUMillis and KedaPodMemoryMiB are the requests of each KEDA
	// pod (the chart's defaults for the operator, the webhooks and the
	// metrics server, which the cluster construct keeps).
	KedaPodCPUMillis = 100
	KedaPodMemoryMiB = 100
	// DefaultImageCachePrefix is the ECR repository prefix of the Docker Hub
	// pull-through cache.
	DefaultImageCachePrefix = "docker-hub"
	// PullThroughCacheSecretPrefix starts the name of every Secrets Manager
	// secret ECR accepts as upstream credentials.
	PullThroughCacheSecretPrefix = "ecr-pullthroughcache/"
)

// Endpoint access of the Kubernetes API.
const (
	// EndpointPrivate: only from inside the VPC.
	EndpointPrivate = "private"
	// EndpointPublicAndPrivate: from the VPC and from the public access CIDRs.
	EndpointPublicAndPrivate = "public-and-private"
)

// EndpointAccesses are the allowed endpoint access values.
var EndpointAccesses = []string{EndpointPrivate, EndpointPublicAndPrivate}

// CapacityTypes and Architectures a node pool may allow.
var (
	CapacityTypes = []string{"on-demand", "spot"}
	Architectures = []string{"amd64", "arm64"}
)

// NodePool constrains the EC2 instances one OpenCTI node pool (an EKS Auto
// Mode NodePool) may launch and caps its total size. Every field is set:
// start from DefaultUserFacingPool() or DefaultIngestionPool().
type NodePool struct {
	// InstanceCategories are EC2 instance category letters (c, m, r, ...).
	InstanceCategories []string `yaml:"instanceCategories"`
	// InstanceCpus are the allowed vCPU counts per instance, each 4 to 192 (at
	// least 4 so that a 2-CPU platform pod fits beside the node's daemons).
	InstanceCpus []int `yaml:"instanceCpus"`
	// CapacityTypes are "on-demand" and/or "spot".
	CapacityTypes []string `yaml:"capacityTypes"`
	// Architectures are "amd64" and/or "arm64".
	Architectures []string `yaml:"architectures"`
	// CPULimit caps the vCPUs of all the pool's nodes together, 4 to 10000.
	CPULimit int `yaml:"cpuLimit"`
	// MemoryLimitGiB caps the memory of all the pool's nodes together, 8 to
	// 100000 GiB.
	MemoryLimitGiB int `yaml:"memoryLimitGiB"`
}

// DefaultUserFacingPool runs the ui and connector-api tiers: m instances of
// 4, 8 or 16 vCPUs, on-demand, amd64, at most 64 vCPUs and 256 GiB.
func DefaultUserFacingPool() NodePool {
	return NodePool{
		InstanceCategories: []string{"m"},
		InstanceCpus:       []int{4, 8, 16},
		CapacityTypes:      []string{"on-demand"},
		Architectures:      []string{"amd64"},
		CPULimit:           64,
		MemoryLimitGiB:     256,
	}
}

// DefaultIngestionPool runs the worker-api tier, the workers and the
// connectors: c or m instances, otherwise as DefaultUserFacingPool, at most
// 128 vCPUs and 512 GiB.
func DefaultIngestionPool() NodePool {
	p := DefaultUserFacingPool()
	p.InstanceCategories = []string{"c", "m"}
	p.CPULimit = 128
	p.MemoryLimitGiB = 512
	return p
}

// Clone returns a copy of n that shares no slice with it.
func (n NodePool) Clone() NodePool {
	n.InstanceCategories = slices.Clone(n.InstanceCategories)
	n.InstanceCpus = slices.Clone(n.InstanceCpus)
	n.CapacityTypes = slices.Clone(n.CapacityTypes)
	n.Architectures = slices.Clone(n.Architectures)
	return n
}

var instanceCategoryRe = regexp.MustCompile(`^[a-z]{1,3}$`)

// Check reports every problem of n to p, naming fields with name.
func (n NodePool) Check(p *problems.List, name problems.Names) {
	f := func(goName, yamlName string) string { return name.Of(problems.Field{Go: goName, YAML: yamlName}) }
	categories := f("InstanceCategories", "instanceCategories")
	if len(n.InstanceCategories) == 0 {
		p.Add(categories, n.InstanceCategories, "at least one EC2 instance category such as m")
	}
	for i, cat := range n.InstanceCategories {
		if !instanceCategoryRe.MatchString(cat) {
			p.Add(fmt.Sprintf("%s[%d]", categories, i), cat, "a lower-case EC2 instance category such as c, m or r")
		}
	}
	cpus := f("InstanceCpus", "instanceCpus")
	if len(n.InstanceCpus) == 0 {
		p.Add(cpus, n.InstanceCpus, "at least one vCPU count such as 4")
	}
	for i, cpu := range n.InstanceCpus {
		if cpu < 4 || cpu > 192 {
			p.Add(fmt.Sprintf("%s[%d]", cpus, i), cpu, "a vCPU count from 4 to 192")
		}
	}
	checkSet(p, f("CapacityTypes", "capacityTypes"), n.CapacityTypes, CapacityTypes)
	checkSet(p, f("Architectures", "architectures"), n.Architectures, Architectures)
	if n.CPULimit < 4 || n.CPULimit > 10000 {
		p.Add(f("CPULimit", "cpuLimit"), n.CPULimit, "4 to 10000 vCPUs")
	}
	if n.MemoryLimitGiB < 8 || n.MemoryLimitGiB > 100000 {
		p.Add(f("MemoryLimitGiB", "memoryLimitGiB"), n.MemoryLimitGiB, "8 to 100000 GiB")
	}
}

func checkSet(p *problems.List, field string, values, allowed []string) {
	if len(values) == 0 {
		p.Add(field, values, "at least one of "+strings.Join(allowed, ", "))
	}
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			p.Add(fmt.Sprintf("%s[%d]", field, i), v, "one of "+strings.Join(allowed, ", "))
		}
	}
}

// Fields of the endpoint rules, for reports.
var (
	FieldEndpointAccess    = problems.Field{Go: "EndpointAccess", YAML: "endpointAccess"}
	FieldPublicAccessCidrs = problems.Field{Go: "PublicAccessCidrs", YAML: "publicAccessCidrs"}
)

// CheckEndpoint reports to p an endpoint access other than EndpointAccesses,
// public access CIDRs that do not fit it (at least one for
// public-and-private, none for private), and every CIDR that is not an IPv4
// network narrower than 0.0.0.0/0 or is repeated. Deploy-time values (CDK
// tokens) are not checked.
func CheckEndpoint(p *problems.List, name problems.Names, access string, cidrs []string) {
	if !slices.Contains(EndpointAccesses, access) {
		p.Add(name.Of(FieldEndpointAccess), access, "one of "+strings.Join(EndpointAccesses, ", "))
	}
	field := name.Of(FieldPublicAccessCidrs)
	switch {
	case access == EndpointPublicAndPrivate && len(cidrs) == 0:
		p.Add(field, cidrs, "at least one CIDR when "+name.Short(FieldEndpointAccess)+" is public-and-private (the public endpoint is never open to all)")
	case access == EndpointPrivate && len(cidrs) > 0:
		p.Add(field, cidrs, "empty when "+name.Short(FieldEndpointAccess)+" is private")
	}
	seen := map[string]bool{}
	for i, cidr := range cidrs {
		if isToken(cidr) {
			continue
		}
		f := fmt.Sprintf("%s[%d]", field, i)
		prefix, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil || !prefix.Addr().Is4() || prefix.Masked() != prefix:
			p.Add(f, cidr, "an IPv4 network in CIDR notation such as 203.0.113.0/24")
		case prefix.Bits() == 0:
			p.Add(f, cidr, "a network narrower than 0.0.0.0/0 (the Kubernetes API must not be open to the whole internet)")
		case seen[cidr]:
			p.Add(f, cidr, "each CIDR once")
		}
		seen[cidr] = true
	}
}

var roleArnRe = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([\x21-\x7E]+/)*[A-Za-z0-9+=,.@_-]{1,64}$`)

// ValidRoleArn reports whether arn is an IAM role ARN.
func ValidRoleArn(arn string) bool { return roleArnRe.MatchString(arn) }

// CheckAdminRoleArns reports to p every entry that is not a literal IAM role
// ARN, every repeated one, and every one whose access entry would get the
// same construct ID as an earlier one (AdminAccessID); field(i) names entry
// i.
func CheckAdminRoleArns(p *problems.List, field func(i int) string, arns []string) {
	seen := map[string]bool{}
	ids := map[string]string{}
	for i, arn := range arns {
		switch {
		case isToken(arn):
			p.Add(field(i), arn, "a literal role ARN (its construct ID is derived from it)")
		case !ValidRoleArn(arn):
			p.Add(field(i), arn, "an IAM role ARN such as arn:aws:iam::123456789012:role/Admin")
		case seen[arn]:
			p.Add(field(i), arn, "each role once")
		case ids[AdminAccessID(arn)] != "":
			p.Add(field(i), arn, fmt.Sprintf("a role whose account and name differ from %s in more than punctuation (both would be access entry %s)", ids[AdminAccessID(arn)], AdminAccessID(arn)))
		}
		seen[arn] = true
		if ValidRoleArn(arn) && ids[AdminAccessID(arn)] == "" {
			ids[AdminAccessID(arn)] = arn
		}
	}
}

// AdminAccessID is the construct ID of the access entry of one admin role
// ARN: "AdminAccess" and the letters and digits of its account and role
// name. It is derived from the ARN, never from its position in the list, so
// reordering the list changes nothing.
func AdminAccessID(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	var b strings.Builder
	b.WriteString("AdminAccess")
	if len(parts) < 6 {
		return b.String()
	}
	for _, r := range parts[4] + strings.TrimPrefix(parts[5], "role/") {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	chartVersionRe = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	addonVersionRe = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$`)
)

// CheckExternalSecretsChartVersion reports v to p, as field, unless it is an
// exact chart version that serves external-secrets.io/v1 (0.17.0 or later).
func CheckExternalSecretsChartVersion(p *problems.List, field, v string) {
	if !chartVersionRe.MatchString(v) {
		p.Add(field, v, "an exact chart version such as "+DefaultExternalSecretsChartVersion)
	} else if parts := strings.Split(v, "."); parts[0] == "0" {
		if minor, _ := strconv.Atoi(parts[1]); minor < 17 {
			p.Add(field, v, "0.17.0 or later (the ClusterSecretStore uses external-secrets.io/v1)")
		}
	}
}

// CheckExternalSecretsReplicas reports n to p, as field, unless it is 1 to 5
// (at least 2 when production).
func CheckExternalSecretsReplicas(p *problems.List, field string, n int, production bool) {
	if n < 1 || n > 5 {
		p.Add(field, n, "1 to 5")
	} else if production && n < 2 {
		p.Add(field, n, "at least 2 in prod")
	}
}

// CheckMetricsServerVersion reports v to p, as field, unless it is an EKS
// add-on version.
func CheckMetricsServerVersion(p *problems.List, field, v string) {
	if !addonVersionRe.MatchString(v) {
		p.Add(field, v, "an EKS add-on version such as "+DefaultMetricsServerVersion)
	}
}

var (
	// ECR's pattern for a pull-through cache rule's repository prefix.
	imageCachePrefixRe = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	// A complete secret ARN; groups: partition, region, account.
	imageCacheSecretArnRe = regexp.MustCompile(`^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):([0-9]{12}):secret:ecr-pullthroughcache/[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$`)
)

// CheckImageCachePrefix reports prefix to p, as field, unless ECR accepts it
// as a pull-through cache rule's repository prefix.
func CheckImageCachePrefix(p *problems.List, field, prefix string) {
	if len(prefix) < 2 || len(prefix) > 30 || !imageCachePrefixRe.MatchString(prefix) {
		p.Add(field, prefix, fmt.Sprintf("2-30 lower-case letters, digits and . _ - / (ECR's repository prefix pattern) such as %q", DefaultImageCachePrefix))
	}
}

// ParseImageCacheSecretArn splits the complete ARN of a secret whose name
// starts with PullThroughCacheSecretPrefix; ok is false for anything else.
func ParseImageCacheSecretArn(arn string) (region, account string, ok bool) {
	m := imageCacheSecretArnRe.FindStringSubmatch(arn)
	if m == nil {
		return "", "", false
	}
	return m[2], m[3], true
}

// CheckImageCacheSecretArn reports arn to p, as field, unless it is the
// complete ARN of a secret ECR accepts as Docker Hub credentials.
func CheckImageCacheSecretArn(p *problems.List, field, arn string) {
	if _, _, ok := ParseImageCacheSecretArn(arn); !ok {
		p.Add(field, arn, fmt.Sprintf("a complete secret ARN (with its 6-character suffix) whose name starts with %q (ECR accepts no other name)", PullThroughCacheSecretPrefix))
	}
}

// isToken reports whether s is a deploy-time value (an AWS CDK token).
func isToken(s string) bool { return strings.Contains(s, "${Token[") }

// KedaPods is the number of KEDA pods for replicas: the operator and the
// admission webhooks replicas each, and one metrics server (only one serves
// the external metrics API).
func KedaPods(replicas int) int { return 2*replicas + 1 }

// CheckKedaChartVersion reports v to p, as field, unless it is an exact chart
// version of 2.19.0 or later (the first KEDA tested on Kubernetes 1.34; the
// charts' ScaledObject also needs HPA ownership transfer, KEDA 2.15).
func CheckKedaChartVersion(p *problems.List, field, v string) {
	if !chartVersionRe.MatchString(v) {
		p.Add(field, v, "an exact chart version such as "+DefaultKedaChartVersion)
		return
	}
	parts := strings.Split(v, ".")
	major, _ := strconv.Atoi(parts[0])
	minor, _ := strconv.Atoi(parts[1])
	if major < 2 || major == 2 && minor < 19 {
		p.Add(field, v, "2.19.0 or later (KEDA tests Kubernetes 1.34 from 2.19 on)")
	}
}

// CheckKedaReplicas reports n to p, as field, unless it is 1 to 3 (at least
// 2 when production).
func CheckKedaReplicas(p *problems.List, field string, n int, production bool) {
	if n < 1 || n > 3 {
		p.Add(field, n, "1 to 3")
	} else if production && n < 2 {
		p.Add(field, n, "at least 2 in prod")
	}
}
