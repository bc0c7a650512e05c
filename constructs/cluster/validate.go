package cluster

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

var (
	roleArnRe = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([\x21-\x7E]+/)*[A-Za-z0-9+=,.@_-]{1,64}$`)
	dnsLabel  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
)

// validate reports every problem of the resolved props at once, each naming
// the prop, the value and what is allowed. Unresolved tokens are not checked.
func (r *resolved) validate() error {
	var errs []error
	add := func(field string, value any, allowed string) {
		errs = append(errs, fmt.Errorf("%s: got %v, want %s", field, show(value), allowed))
	}
	if r.Vpc == nil {
		add("Vpc", nil, "a VPC")
	}
	if strings.TrimSpace(r.SecretsPrefix) == "" || strings.HasSuffix(r.SecretsPrefix, "/") || strings.HasPrefix(r.SecretsPrefix, "/") || strings.ContainsAny(r.SecretsPrefix, "*?") {
		add("SecretsPrefix", r.SecretsPrefix, `a secret name prefix such as "opencti/prod" (no leading or trailing /, no wildcards)`)
	}
	if r.KubectlLayer == nil && r.version != DefaultKubernetesVersion {
		add("KubernetesVersion", r.version, DefaultKubernetesVersion+" (the default kubectl layer ships kubectl 1.34; pass KubectlLayer for another version)")
	}
	switch r.endpoint {
	case EndpointPrivate:
		if len(r.PublicAccessCidrs) > 0 {
			add("PublicAccessCidrs", r.PublicAccessCidrs, "none with EndpointPrivate")
		}
	case EndpointPublicAndPrivate:
		if len(r.PublicAccessCidrs) == 0 {
			add("PublicAccessCidrs", r.PublicAccessCidrs, "at least one CIDR with EndpointPublicAndPrivate (the endpoint is never open to all)")
		}
	default:
		add("EndpointAccess", string(r.endpoint), `"private" or "public-and-private"`)
	}
	for i, cidr := range r.PublicAccessCidrs {
		if isToken(cidr) {
			continue
		}
		prefix, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil || !prefix.Addr().Is4() || prefix.Masked() != prefix:
			add(fmt.Sprintf("PublicAccessCidrs[%d]", i), cidr, "an IPv4 CIDR such as 203.0.113.0/24")
		case prefix.Bits() == 0:
			add(fmt.Sprintf("PublicAccessCidrs[%d]", i), cidr, "a network narrower than 0.0.0.0/0")
		}
	}
	ids := map[string]string{}
	for i, arn := range r.AdminRoleArns {
		if isToken(arn) {
			add(fmt.Sprintf("AdminRoleArns[%d]", i), arn, "a literal role ARN (its construct ID is derived from it)")
			continue
		}
		if !roleArnRe.MatchString(arn) {
			add(fmt.Sprintf("AdminRoleArns[%d]", i), arn, "an IAM role ARN such as arn:aws:iam::123456789012:role/Admin")
			continue
		}
		id := adminAccessID(arn)
		if prev, dup := ids[id]; dup {
			add(fmt.Sprintf("AdminRoleArns[%d]", i), arn, "a role not already listed ("+prev+")")
		}
		ids[id] = arn
	}
	for _, pool := range []struct {
		name string
		p    NodePoolProps
	}{{"UserFacingPool", r.userFacing}, {"IngestionPool", r.ingestion}} {
		for _, cpu := range pool.p.InstanceCpus {
			if cpu < 1 || cpu != float64(int(cpu)) {
				add(pool.name+".InstanceCpus", pool.p.InstanceCpus, "whole vCPU counts of at least 1")
				break
			}
		}
		for _, ct := range pool.p.CapacityTypes {
			if ct != "on-demand" && ct != "spot" {
				add(pool.name+".CapacityTypes", pool.p.CapacityTypes, `"on-demand" and/or "spot"`)
				break
			}
		}
		if *pool.p.CPULimit <= 0 || *pool.p.MemoryLimitGiB <= 0 {
			add(pool.name+" limits", fmt.Sprintf("%v vCPU / %v GiB", *pool.p.CPULimit, *pool.p.MemoryLimitGiB), "positive limits")
		}
	}
	for _, np := range r.BuiltInNodePools {
		if np != "system" && np != "general-purpose" {
			add("BuiltInNodePools", r.BuiltInNodePools, `a subset of "system", "general-purpose"`)
			break
		}
	}
	if r.esoReplicas < 1 || r.esoReplicas > 5 || r.esoReplicas != float64(int(r.esoReplicas)) {
		add("ExternalSecretsReplicas", r.esoReplicas, "1 to 5")
	}
	if !dnsLabel.MatchString(r.ingressClass) {
		add("IngressClassName", r.ingressClass, "a DNS label such as opencti-alb")
	}
	for _, ns := range [][]string{r.SecretStoreNamespaces, r.IngressNamespaces} {
		if len(ns) == 0 {
			add("SecretStoreNamespaces/IngressNamespaces", ns, "at least one namespace")
		}
		for _, n := range ns {
			if !dnsLabel.MatchString(n) {
				add("SecretStoreNamespaces/IngressNamespaces", n, "a Kubernetes namespace name")
			}
		}
	}
	return errors.Join(errs...)
}

func isToken(s string) bool {
	return *awscdk.Token_IsUnresolved(&s)
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		return fmt.Sprintf("%q", x)
	case []string:
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprintf("%v", x)
	}
}

// adminAccessID is the construct ID of the access entry of one admin role:
// derived from the ARN (never from its position in the list), so reordering
// the list changes nothing.
func adminAccessID(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	var b strings.Builder
	b.WriteString("AdminAccess")
	for _, r := range parts[4] + strings.TrimPrefix(parts[5], "role/") {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
