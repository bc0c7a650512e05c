package config

import (
	"fmt"
	"regexp"
	"strings"
)

// The embedded profiles must synthesize on a machine without an AWS account,
// so they name an example hosted zone (the reserved example.com domain), its
// hostnames and admin e-mail address, an all-zero hosted zone ID and, in
// prod, an example cluster-admin role of the non-existent account
// 000000000000. A deployment overrides them in its configuration file.
const exampleAccount = "000000000000"

// exampleZoneIDRe matches the embedded profiles' zone IDs
// (Z0000000000000000000D, Z0000000000000000000P): Route 53 never issues an
// all-zero ID.
var exampleZoneIDRe = regexp.MustCompile(`^Z0+[A-Z]?$`)

// ExampleValue is a field that still holds one of the embedded profiles'
// example values: a deployment with it cannot work (no such zone, no such
// role) or would sign the admin in with an address nobody receives.
type ExampleValue struct {
	// Field is the field's YAML path, e.g. "dns.zoneName" or
	// "cluster.adminRoleArns[0]".
	Field string
	// Value is the example value the field holds.
	Value string
	// Want says what the field must hold instead.
	Want string
}

// Message is the sentence that stops a deployment with this example value
// (the AssertDescription of the stacks' CheckExampleValues rule).
func (e ExampleValue) Message() string {
	return fmt.Sprintf("%s still holds the example value %q: set it to %s in your configuration file (-c config=<file>; see docs/configuration.md)",
		e.Field, e.Value, e.Want)
}

// Placeholders lists, in a stable order, every field that still holds an
// example value: a zone, hostname or e-mail address in a domain reserved for
// examples (example.com, example.net, example.org, .example; RFC 2606), an
// all-zero hosted zone ID, and the account 000000000000 (as account or in an
// admin role ARN). Synth accepts them, so that the embedded profiles work on
// a fresh machine; the stacks refuse to deploy with them (CheckExampleValues
// rule) and synth warns about each.
func (c *Config) Placeholders() []ExampleValue {
	var out []ExampleValue
	add := func(field, value, want string) {
		out = append(out, ExampleValue{Field: field, Value: value, Want: want})
	}
	if c.Account == exampleAccount {
		add("account", c.Account, "your 12-digit AWS account ID or leave it empty")
	}
	if isExampleDomain(c.DNS.ZoneName) {
		add("dns.zoneName", c.DNS.ZoneName, "the domain of your Route 53 hosted zone")
	}
	if exampleZoneIDRe.MatchString(c.DNS.ZoneID) {
		add("dns.zoneId", c.DNS.ZoneID, "the ID of your Route 53 hosted zone")
	}
	if isExampleDomain(c.DNS.UIHostname) {
		add("dns.uiHostname", c.DNS.UIHostname, "the ui hostname in your own zone")
	}
	if isExampleDomain(c.DNS.APIHostname) {
		add("dns.apiHostname", c.DNS.APIHostname, "the api hostname in your own zone")
	}
	for i, arn := range c.Cluster.AdminRoleArns {
		if strings.Contains(arn, ":"+exampleAccount+":") {
			add(fmt.Sprintf("cluster.adminRoleArns[%d]", i), arn, "an IAM role of your account that administers the cluster")
		}
	}
	if at := strings.LastIndex(c.OpenCTI.AdminEmail, "@"); at >= 0 && isExampleDomain(c.OpenCTI.AdminEmail[at+1:]) {
		add("opencti.adminEmail", c.OpenCTI.AdminEmail, "the e-mail address of the OpenCTI admin user")
	}
	return out
}

// isExampleDomain reports whether name is, or is inside, a domain RFC 2606
// reserves for examples.
func isExampleDomain(name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, d := range []string{"example.com", "example.net", "example.org", "example"} {
		if name == d || strings.HasSuffix(name, "."+d) {
			return true
		}
	}
	return false
}

// ExampleValues lists the fields that still hold the embedded profiles'
// example values, each as "field: value", and a prod sign-in that names
// neither an identity provider nor console mode. Synth warns about every one: a deployment with them
// would fail (no such zone, no such role) or fall short of production.
func (c *Config) ExampleValues() []string {
	var out []string
	for _, e := range c.Placeholders() {
		out = append(out, e.Field+": "+e.Value)
	}
	// An explicit console mode means single sign-on is managed in OpenCTI's UI.
	if a := c.Edge.Auth; c.Environment == "prod" && a.Mode == "" && !a.OIDC.Enabled() && !a.SAML.Enabled() {
		out = append(out, "edge.auth: people sign in with local passwords only; set edge.auth.oidc or edge.auth.saml (deployment mode) or manage single sign-on in OpenCTI's UI (edge.auth.mode: console)")
	}
	return out
}
