package charts

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/opencti-ha/opencti-ha/charts/identities"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

var (
	imageTagRE    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	s3BucketRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	awsRegionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	certificateRE = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$`)
	wafACLRE      = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/[A-Za-z0-9_-]+/[A-Za-z0-9-]+$`)
	albGroupRE    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,57}[a-z0-9])?$`)
	secretKeyRE   = regexp.MustCompile(`^[A-Za-z0-9/_+=.@:-]+$`)
	subnetIDRE    = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
)

// Validate checks props after defaults are applied and reports every problem
// at once (errors.Join). Each message names the field, the value received and
// what is allowed, e.g.
//
//	WorkersPerPlatform: got 5, want 1..4 (OpenCTI serves 3 to 4 workers per platform)
func (p *Props) Validate() error {
	if p == nil {
		return errors.New("Props: got nil, want a *Props")
	}
	r := p.withDefaults()
	v := &validator{}
	v.dnsLabel("Namespace", *r.Namespace)
	v.version(r.Version)
	if !ValidImageRegistry(*r.ImageRegistry) {
		v.add("ImageRegistry", *r.ImageRegistry, `an image repository prefix such as "opencti" or "123456789012.dkr.ecr.eu-west-1.amazonaws.com/opencti" (lowercase, no tag, no trailing "/")`)
	}
	if !ValidEmail(*r.AdminEmail) {
		v.add("AdminEmail", *r.AdminEmail, "an e-mail address")
	}
	if l := *r.LogLevel; !ValidLogLevel(l) {
		v.add("LogLevel", l, "one of "+strings.Join(LogLevels(), ", "))
	}

	reserved := reservedPlatformEnv(r)
	v.env("PlatformExtraEnv", r.PlatformExtraEnv, reserved)
	v.tier("UI", r.UI, reserved)
	v.tier("ConnectorAPI", r.ConnectorAPI, reserved)
	v.tier("WorkerAPI", r.WorkerAPI, reserved)

	if n := *r.WorkersPerPlatform; n < MinWorkersPerPlatform || n > MaxWorkersPerPlatform {
		v.add("WorkersPerPlatform", n, fmt.Sprintf("%d..%d (OpenCTI serves 3 to 4 workers per platform)", MinWorkersPerPlatform, MaxWorkersPerPlatform))
	}
	v.resources("Worker.Resources", *r.Worker.Resources)
	v.env("Worker.ExtraEnv", r.Worker.ExtraEnv, reservedWorkerEnv)
	if q := r.QueueScaling; q != nil {
		pr := &problems.List{}
		q.Check(pr, problems.GoNames("QueueScaling."))
		CheckQueueScalingBounds(pr, QueueScalingBounds{
			Min: int(*r.WorkerAPI.MinReplicas), Max: int(*r.WorkerAPI.MaxReplicas),
			MinField: "WorkerAPI.MinReplicas", MaxField: "WorkerAPI.MaxReplicas", ScalingField: "QueueScaling",
		})
		if err := pr.Err(); err != nil {
			v.errs = append(v.errs, err.(interface{ Unwrap() []error }).Unwrap()...)
		}
	}

	v.connectors(r.Connectors, *r.Identities.Enabled)
	v.identities(r.Identities)
	v.endpoints(r.Endpoints)
	v.secrets(r)

	v.dnsSubdomain("SecretStoreName", *r.SecretStoreName)
	if d, err := time.ParseDuration(*r.SecretRefreshInterval); err != nil || d < 0 {
		v.add("SecretRefreshInterval", *r.SecretRefreshInterval, `a non-negative Go duration such as "1h" or "15m"`)
	}

	v.hostname("Hostnames.UI", r.Hostnames.UI)
	v.hostname("Hostnames.API", r.Hostnames.API)
	if r.Hostnames.UI != "" && r.Hostnames.UI == r.Hostnames.API {
		v.add("Hostnames.API", r.Hostnames.API, "a hostname different from Hostnames.UI (API clients and browsers get separate tiers)")
	}
	v.ingress(r.Ingress)
	v.auth(r)
	v.smtp(r.SMTP)

	if errs := validation.IsQualifiedName(*r.NodePools.LabelKey); len(errs) > 0 {
		v.add("NodePools.LabelKey", *r.NodePools.LabelKey, "a label key such as \"opencti-ha/pool\"")
	}
	v.labelValue("NodePools.UserFacing", *r.NodePools.UserFacing)
	v.labelValue("NodePools.Ingestion", *r.NodePools.Ingestion)

	v.dnsSubdomain("ServiceAccounts.Platform", *r.ServiceAccounts.Platform)
	v.dnsSubdomain("ServiceAccounts.Connector", *r.ServiceAccounts.Connector)
	v.dnsSubdomain("ServiceAccounts.Identities", *r.ServiceAccounts.Identities)

	v.networks(r)
	if r.MonitoringNamespace != nil {
		v.dnsLabel("MonitoringNamespace", *r.MonitoringNamespace)
	}
	return errors.Join(v.errs...)
}

// validator collects problems in field order.
type validator struct{ errs []error }

// add records "<field>: got <value>, want <allowed>".
func (v *validator) add(field string, value any, want string) {
	var got string
	switch x := value.(type) {
	case string:
		got = fmt.Sprintf("%q", x)
	case []string:
		got = fmt.Sprintf("%q", x)
	default:
		got = fmt.Sprintf("%v", x)
	}
	v.errs = append(v.errs, fmt.Errorf("%s: got %s, want %s", field, got, want))
}

func (v *validator) version(tag string) {
	if tag == "" || strings.EqualFold(tag, "latest") || !imageTagRE.MatchString(tag) {
		v.add("Version", tag, `a pinned OpenCTI image tag such as "7.260817.0" (not empty, not "latest")`)
	}
}

func (v *validator) dnsLabel(field, s string) {
	if len(validation.IsDNS1123Label(s)) > 0 {
		v.add(field, s, "a DNS label (lowercase letters, digits and '-', at most 63 characters)")
	}
}

func (v *validator) dnsSubdomain(field, s string) {
	if len(validation.IsDNS1123Subdomain(s)) > 0 {
		v.add(field, s, "a DNS subdomain name (lowercase letters, digits, '-' and '.')")
	}
}

func (v *validator) labelValue(field, s string) {
	if s == "" || len(validation.IsValidLabelValue(s)) > 0 {
		v.add(field, s, "a non-empty label value (letters, digits, '-', '_', '.', at most 63 characters)")
	}
}

// unresolved reports whether s holds a deploy-time value (an AWS CDK token
// such as "${Token[TOKEN.123]}", resolved by CloudFormation): such a value is
// not validated here, the service that produces it guarantees its shape.
func unresolved(s string) bool {
	return strings.Contains(s, "${Token[")
}

func (v *validator) hostname(field, s string) {
	if unresolved(s) {
		return
	}
	if !strings.Contains(s, ".") || len(validation.IsDNS1123Subdomain(s)) > 0 {
		v.add(field, s, "a fully qualified DNS name such as \"opencti.example.com\"")
	}
}

func (v *validator) port(field string, p int32) {
	if p < 1 || p > 65535 {
		v.add(field, p, "1..65535")
	}
}

func (v *validator) url(field, s string, schemes ...string) {
	if unresolved(s) {
		return
	}
	u, err := url.Parse(s)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		v.add(field, s, "an absolute "+strings.Join(schemes, " or ")+" URL")
	}
}

// resources checks the four quantities and that requests fit in limits.
func (v *validator) resources(field string, r Resources) {
	parse := func(name, q string) (resource.Quantity, bool) {
		x, err := resource.ParseQuantity(q)
		if err != nil || x.Sign() <= 0 {
			v.add(field+"."+name, q, `a positive Kubernetes quantity such as "500m", "2", "512Mi" or "8Gi"`)
			return x, false
		}
		return x, true
	}
	rc, ok1 := parse("RequestsCPU", r.RequestsCPU)
	rm, ok2 := parse("RequestsMemory", r.RequestsMemory)
	lc, ok3 := parse("LimitsCPU", r.LimitsCPU)
	lm, ok4 := parse("LimitsMemory", r.LimitsMemory)
	if ok1 && ok3 && rc.Cmp(lc) > 0 {
		v.add(field+".RequestsCPU", r.RequestsCPU, "at most LimitsCPU ("+r.LimitsCPU+")")
	}
	if ok2 && ok4 && rm.Cmp(lm) > 0 {
		v.add(field+".RequestsMemory", r.RequestsMemory, "at most LimitsMemory ("+r.LimitsMemory+")")
	}
}

// env checks extra environment variable names.
func (v *validator) env(field string, env map[string]string, reserved map[string]bool) {
	for _, k := range sortedKeys(env) {
		switch {
		case !ValidEnvName(k):
			v.add(field, k, "environment variable names matching [A-Za-z_][A-Za-z0-9_]*")
		case reserved[k]:
			v.add(field, k, "names the chart does not manage ("+strings.Join(sortedKeys(reserved), ", ")+" are reserved)")
		}
	}
}

func (v *validator) tier(name string, t TierProps, reserved map[string]bool) {
	if *t.MinReplicas < 1 {
		v.add(name+".MinReplicas", *t.MinReplicas, ">= 1")
	}
	if *t.MaxReplicas < *t.MinReplicas || *t.MaxReplicas < 1 {
		v.add(name+".MaxReplicas", *t.MaxReplicas, fmt.Sprintf(">= %s.MinReplicas (%d)", name, *t.MinReplicas))
	}
	if c := *t.TargetCPUUtilization; c < 1 || c > 100 {
		v.add(name+".TargetCPUUtilization", c, "1..100 (percent of the CPU request)")
	}
	v.resources(name+".Resources", *t.Resources)
	if limit, ok := memoryMiB(t.Resources.LimitsMemory); ok && t.HeapMiB != nil {
		if h := int64(*t.HeapMiB); h < 1 || h >= limit {
			v.add(name+".HeapMiB", *t.HeapMiB, fmt.Sprintf("1..%d (below the memory limit %s = %d MiB)", limit-1, t.Resources.LimitsMemory, limit))
		}
	}
	v.url(name+".BaseURL", *t.BaseURL, "http", "https")
	v.env(name+".ExtraEnv", t.ExtraEnv, reserved)
}

func (v *validator) remoteRef(field string, r RemoteRef) {
	if !secretKeyRE.MatchString(r.Key) {
		v.add(field+".Key", r.Key, "a Secrets Manager secret name or ARN")
	}
	if r.Property != "" && strings.ContainsAny(r.Property, " \t\n") {
		v.add(field+".Property", r.Property, "a JSON key without whitespace, or empty for the whole secret")
	}
}

func (v *validator) identities(i IdentitiesProps) {
	if p := identities.DeploymentNameProblem(*i.Deployment); p != "" {
		v.add("Identities.Deployment", *i.Deployment, p)
	}
	if r := *i.Rotation; r < 0 || r > MaxRotation {
		v.add("Identities.Rotation", r, fmt.Sprintf("an integer from 0 to %d (increase it to replace every token)", MaxRotation))
	}
	if d := *i.TokenDuration; !slices.Contains(identities.TokenDurations, d) {
		v.add("Identities.TokenDuration", d, "one of "+strings.Join(identities.TokenDurations, ", "))
	}
	for _, t := range []struct {
		field string
		value int32
	}{{"Identities.HealthTimeoutSeconds", *i.HealthTimeoutSeconds}, {"Identities.RolloutTimeoutSeconds", *i.RolloutTimeoutSeconds}} {
		if t.value < MinIdentitiesTimeoutSeconds || t.value > MaxIdentitiesTimeoutSeconds {
			v.add(t.field, t.value, fmt.Sprintf("%d to %d", MinIdentitiesTimeoutSeconds, MaxIdentitiesTimeoutSeconds))
		}
	}
	if u := i.KubernetesAPIURL; u != nil {
		v.url("Identities.KubernetesAPIURL", *u, "https")
	}
	for j, c := range i.KubernetesAPICIDRs {
		if _, ok := cidr(c); !ok {
			v.add(fmt.Sprintf("Identities.KubernetesAPICIDRs[%d]", j), c, `an IPv4 CIDR without host bits, such as "10.0.0.0/16"`)
		}
	}
}

func (v *validator) connectors(cs []ConnectorProps, identitiesEnabled bool) {
	names := map[string]int{}
	ids := map[string]int{}
	for i, c := range cs {
		f := fmt.Sprintf("Connectors[%d]", i)
		dupName := false
		if len(c.Name) > MaxConnectorNameLength || len(validation.IsDNS1123Label(c.Name)) > 0 {
			v.add(f+".Name", c.Name, "a DNS label of at most 40 characters, the image suffix (e.g. \"export-file-stix\")")
		} else if !ValidConnectorName(c.Name) {
			v.add(f+".Name", c.Name, "a name other than \"api\" (opencti-connector-api is the connector-api tier)")
		} else if j, dup := names[c.Name]; dup {
			dupName = true
			v.add(f+".Name", c.Name, fmt.Sprintf("a name unique among Connectors (Connectors[%d] has it)", j))
		} else {
			names[c.Name] = i
		}
		if !ValidConnectorID(*c.ID) {
			v.add(f+".ID", *c.ID, "a lowercase UUIDv4 such as \"8f2a4c3e-1b7d-4e5f-9a6b-0c1d2e3f4a5b\"")
		} else if j, dup := ids[*c.ID]; dup && !dupName { // a duplicate name already explains a duplicate derived ID
			v.add(f+".ID", *c.ID, fmt.Sprintf("an ID unique among Connectors (Connectors[%d] has it)", j))
		} else {
			ids[*c.ID] = i
		}
		if !slices.Contains(ConnectorTypes(), c.Type) {
			v.add(f+".Type", c.Type, "one of "+strings.Join(ConnectorTypes(), ", "))
		}
		if strings.TrimSpace(c.ConnectorName) == "" {
			v.add(f+".ConnectorName", c.ConnectorName, "the CONNECTOR_NAME shown in OpenCTI (non-empty)")
		}
		if strings.HasPrefix(c.Type, "INTERNAL_") && strings.TrimSpace(c.Scope) == "" {
			v.add(f+".Scope", c.Scope, "a CONNECTOR_SCOPE (required for "+c.Type+")")
		}
		if *c.Replicas < 0 {
			v.add(f+".Replicas", *c.Replicas, ">= 0")
		}
		v.resources(f+".Resources", *c.Resources)
		if d := c.WritableDir; d != nil && !ValidWritableDir(*d) {
			v.add(f+".WritableDir", *d, `an absolute, clean directory of the image other than "/" and "/tmp", such as "/opt/opencti-connector-import-document"`)
		}
		v.env(f+".Env", c.Env, reservedConnectorEnv)
		secretNames := map[string]string{}
		for k := range c.SecretEnv {
			secretNames[k] = ""
		}
		v.env(f+".SecretEnv", secretNames, reservedConnectorEnv)
		for _, k := range sortedKeys(c.SecretEnv) {
			if _, both := c.Env[k]; both {
				v.add(f+".SecretEnv", k, "names not also set in Env")
			}
			if k == HealthKeySecretKey {
				v.add(f+".SecretEnv", k, "a name other than "+HealthKeySecretKey+" (a key of the connector Secret)")
			}
			v.remoteRef(f+".SecretEnv["+k+"]", c.SecretEnv[k])
		}
		if identitiesEnabled {
			for _, k := range IdentitiesConnectorEnv() {
				for _, env := range []struct {
					field string
					set   bool
				}{{".Env", hasKey(c.Env, k)}, {".SecretEnv", hasKey(c.SecretEnv, k)}} {
					if env.set {
						v.add(f+env.field, k, IdentitiesConnectorEnvRule)
					}
				}
			}
			if c.Token != nil {
				v.add(f+".Token", *c.Token, "nil while Identities are enabled (the connector reads its own token from "+ConnectorTokenSecretName(c.Name)+")")
			}
		} else {
			v.remoteRef(f+".Token", *c.Token)
		}
	}
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

func (v *validator) endpoints(e Endpoints) {
	v.url("Endpoints.OpenSearchURL", e.OpenSearchURL, "https")
	v.hostname("Endpoints.RedisHostname", e.RedisHostname)
	v.port("Endpoints.RedisPort", *e.RedisPort)
	if m := *e.RedisMode; m != "single" && m != "cluster" {
		v.add("Endpoints.RedisMode", m, `"single" or "cluster"`)
	}
	v.hostname("Endpoints.RabbitMQHostname", e.RabbitMQHostname)
	v.port("Endpoints.RabbitMQPort", *e.RabbitMQPort)
	if e.RabbitMQManagementHostname != nil && *e.RabbitMQManagementHostname != e.RabbitMQHostname {
		v.hostname("Endpoints.RabbitMQManagementHostname", *e.RabbitMQManagementHostname)
	}
	v.port("Endpoints.RabbitMQManagementPort", *e.RabbitMQManagementPort)
	if *e.RabbitMQVHost == "" {
		v.add("Endpoints.RabbitMQVHost", *e.RabbitMQVHost, `a virtual host such as "/"`)
	}
	if q := *e.RabbitMQQueueType; q != "classic" && q != "quorum" {
		v.add("Endpoints.RabbitMQQueueType", q, `"classic" or "quorum"`)
	}
	if !unresolved(e.S3Bucket) && !s3BucketRE.MatchString(e.S3Bucket) {
		v.add("Endpoints.S3Bucket", e.S3Bucket, "an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')")
	}
	if !unresolved(e.S3Region) && !awsRegionRE.MatchString(e.S3Region) {
		v.add("Endpoints.S3Region", e.S3Region, `an AWS region such as "eu-west-1"`)
	}
}

func (v *validator) secrets(r *Props) {
	s := r.Secrets
	for _, x := range []struct {
		field string
		ref   RemoteRef
	}{
		{"AdminPassword", s.AdminPassword}, {"AdminToken", s.AdminToken},
		{"HealthAccessKey", s.HealthAccessKey}, {"EncryptionKey", s.EncryptionKey},
		{"OpenSearchUsername", s.OpenSearchUsername}, {"OpenSearchPassword", s.OpenSearchPassword},
		{"RedisAuthToken", s.RedisAuthToken},
		{"RabbitMQUsername", s.RabbitMQUsername}, {"RabbitMQPassword", s.RabbitMQPassword},
	} {
		v.remoteRef("Secrets."+x.field, x.ref)
	}
	// PlatformExtra may not shadow a variable the chart sets.
	managed := chartPlatformEnvNames(r)
	for _, k := range sortedKeys(s.PlatformExtra) {
		switch {
		case !ValidEnvName(k):
			v.add("Secrets.PlatformExtra", k, "environment variable names matching [A-Za-z_][A-Za-z0-9_]*")
		case managed[k]:
			v.add("Secrets.PlatformExtra", k, "a variable the chart does not set itself")
		}
		v.remoteRef("Secrets.PlatformExtra["+k+"]", s.PlatformExtra[k])
	}
}

func (v *validator) ingress(in IngressProps) {
	v.dnsSubdomain("Ingress.ClassName", *in.ClassName)
	if !albGroupRE.MatchString(*in.GroupName) {
		v.add("Ingress.GroupName", *in.GroupName, "lowercase letters, digits, '-' and '.', at most 59 characters")
	}
	for _, h := range []struct {
		field string
		props IngressHostProps
	}{{"Ingress.UI", in.UI}, {"Ingress.API", in.API}} {
		if s := *h.props.Scheme; !slices.Contains(IngressSchemes(), s) {
			v.add(h.field+".Scheme", s, `"internet-facing" or "internal"`)
		}
		for i, arn := range h.props.CertificateARNs {
			if !unresolved(arn) && !certificateRE.MatchString(arn) {
				v.add(fmt.Sprintf("%s.CertificateARNs[%d]", h.field, i), arn, "an ACM certificate ARN")
			}
		}
		v.wafACL(h.field+".WafAclARN", h.props.WafAclARN)
		for i, id := range h.props.Subnets {
			if !unresolved(id) && !subnetIDRE.MatchString(id) {
				v.add(fmt.Sprintf("%s.Subnets[%d]", h.field, i), id, `a subnet ID such as "subnet-0123456789abcdef0"`)
			}
		}
	}
	v.wafACL("Ingress.WafAclARN", in.WafAclARN)
	if b := in.AccessLogsBucket; b != nil && !unresolved(*b) && !s3BucketRE.MatchString(*b) {
		v.add("Ingress.AccessLogsBucket", *b, "an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')")
	}
	if !strings.HasPrefix(*in.SSLPolicy, "ELBSecurityPolicy-") {
		v.add("Ingress.SSLPolicy", *in.SSLPolicy, `an ELB security policy such as "ELBSecurityPolicy-TLS13-1-2-2021-06"`)
	}
	if t := *in.IdleTimeoutSeconds; t < 1 || t > 4000 {
		v.add("Ingress.IdleTimeoutSeconds", t, "1..4000")
	}
}

func (v *validator) wafACL(field string, arn *string) {
	if arn != nil && !unresolved(*arn) && !wafACLRE.MatchString(*arn) {
		v.add(field, *arn, "a regional WAFv2 web ACL ARN")
	}
}

// cidr parses an IPv4 CIDR in canonical form (no host bits set).
func cidr(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, false
	}
	return p, true
}

func (v *validator) networks(r *Props) {
	const want = `an IPv4 CIDR without host bits, such as "10.0.0.0/16"`
	vpc, vpcOK := cidr(r.VpcCIDR)
	if !vpcOK {
		v.add("VpcCIDR", r.VpcCIDR, want)
	}
	for i, c := range r.LoadBalancerCIDRs {
		field := fmt.Sprintf("LoadBalancerCIDRs[%d]", i)
		lb, ok := cidr(c)
		switch {
		case !ok:
			if vpcOK || c != r.VpcCIDR { // an invalid VpcCIDR default is reported once
				v.add(field, c, want)
			}
		case vpcOK && (!vpc.Contains(lb.Addr()) || lb.Bits() < vpc.Bits()):
			v.add(field, c, "a CIDR inside VpcCIDR ("+r.VpcCIDR+")")
		}
	}
	if len(r.DataServiceCIDRs) == 0 {
		v.add("DataServiceCIDRs", r.DataServiceCIDRs, "at least one CIDR of the data subnets")
	}
	for i, c := range r.DataServiceCIDRs {
		if _, ok := cidr(c); !ok {
			v.add(fmt.Sprintf("DataServiceCIDRs[%d]", i), c, want)
		}
	}
	for i, c := range r.PlatformHTTPSEgressCIDRs {
		if _, ok := cidr(c); !ok {
			v.add(fmt.Sprintf("PlatformHTTPSEgressCIDRs[%d]", i), c, want)
		}
	}
}

// chartPlatformEnvNames are the variables the chart itself sets on a
// platform tier (without any extra variable).
func chartPlatformEnvNames(r *Props) map[string]bool {
	bare := *r
	bare.PlatformExtraEnv = nil
	bare.Secrets.PlatformExtra = nil
	names := map[string]bool{}
	for _, t := range platformTiers(&bare) {
		t.props.ExtraEnv = nil
		t.props.HeapMiB = ptr(int32(0))
		for _, e := range platformEnv(&bare, t) {
			names[e.Name] = true
		}
	}
	return names
}
