package config

import (
	"fmt"
	"strings"
)

// The embedded profiles must synthesize on a machine without an AWS account,
// so they name an example hosted zone (the reserved example.com domain) and,
// in prod, an example cluster-admin role of the non-existent account
// 000000000000. A deployment overrides them in its configuration file.
const (
	exampleZoneName    = "opencti.example.com"
	exampleAccountPart = ":000000000000:"
)

// ExampleValues lists the fields that still hold the embedded profiles'
// example values, each as "field: value", and a prod sign-in that names
// neither an identity provider nor console mode. Synth warns about every one: a deployment with them
// would fail (no such zone, no such role) or fall short of production.
func (c *Config) ExampleValues() []string {
	var out []string
	if c.DNS.ZoneName == exampleZoneName || strings.HasSuffix(c.DNS.ZoneName, ".example.com") {
		out = append(out, fmt.Sprintf("dns.zoneName: %s (with dns.zoneId %s)", c.DNS.ZoneName, c.DNS.ZoneID))
	}
	for i, arn := range c.Cluster.AdminRoleArns {
		if strings.Contains(arn, exampleAccountPart) {
			out = append(out, fmt.Sprintf("cluster.adminRoleArns[%d]: %s", i, arn))
		}
	}
	// An explicit console mode means single sign-on is managed in OpenCTI's UI.
	if a := c.Edge.Auth; c.Environment == "prod" && a.Mode == "" && !a.OIDC.Enabled() && !a.SAML.Enabled() {
		out = append(out, "edge.auth: people sign in with local passwords only; set edge.auth.oidc or edge.auth.saml (deployment mode) or manage single sign-on in OpenCTI's UI (edge.auth.mode: console)")
	}
	return out
}
