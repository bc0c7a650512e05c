package config

import (
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/edge/edgespec"
)

func TestEdgeDefaultsPerEnvironment(t *testing.T) {
	dev, prod := defaultEdge("dev"), defaultEdge("prod")
	for env, e := range map[string]Edge{"dev": dev, "prod": prod} {
		if e.UI.Scheme != "" || e.API.Scheme != "" {
			t.Errorf("%s: schemes %q/%q, want empty (cluster.ingressScheme)", env, e.UI.Scheme, e.API.Scheme)
		}
		if e.UI.RateLimit != 6000 || e.API.RateLimit != 30000 || e.Waf.RateLimitWindowSeconds != 300 {
			t.Errorf("%s: rate limits %d/%d per %d s", env, e.UI.RateLimit, e.API.RateLimit, e.Waf.RateLimitWindowSeconds)
		}
		if len(e.UI.AllowedCidrs) != 0 || len(e.API.AllowedCidrs) != 0 {
			t.Errorf("%s: allowlists %v/%v, want none", env, e.UI.AllowedCidrs, e.API.AllowedCidrs)
		}
		if strings.Join(e.Waf.CountRules, ",") != strings.Join(edgespec.DefaultCountRules(), ",") {
			t.Errorf("%s: count rules %v", env, e.Waf.CountRules)
		}
		if !e.Auth.LocalLogin || e.Auth.OIDC.Enabled() || e.Auth.SAML.Enabled() || e.Auth.Mode != "" || e.Auth.EffectiveMode() != "console" ||
			e.Auth.EnterpriseLicense != (SecretRef{}) || e.Auth.LicenseInPlatformSettings || len(e.Auth.Secrets) != 0 {
			t.Errorf("%s: auth %+v, want console mode, local login, no identity provider, licence or registry", env, e.Auth)
		}
	}
	if dev.Waf.LogRetentionDays != 30 || prod.Waf.LogRetentionDays != 365 || dev.AccessLogs.ExpirationDays != 30 || prod.AccessLogs.ExpirationDays != 365 {
		t.Errorf("retention: dev %d/%d, prod %d/%d", dev.Waf.LogRetentionDays, dev.AccessLogs.ExpirationDays, prod.Waf.LogRetentionDays, prod.AccessLogs.ExpirationDays)
	}
}

func TestIngressSchemesFallBackToTheCluster(t *testing.T) {
	c, _ := Default("prod")
	if ui, api := c.IngressSchemes(); ui != "internet-facing" || api != "internet-facing" {
		t.Errorf("defaults: %q/%q", ui, api)
	}
	c.Cluster.IngressScheme = "internal"
	c.Edge.UI.Scheme = "internet-facing"
	if ui, api := c.IngressSchemes(); ui != "internet-facing" || api != "internal" {
		t.Errorf("ui set, api from cluster.ingressScheme: %q/%q", ui, api)
	}
}

// edgeProblems validates the whole configuration of env after mutate (so that
// rules spanning sections, such as dns, are included).
func edgeProblems(env string, mutate func(c *Config)) []string {
	c, _ := Default(env)
	mutate(c)
	if err := c.Validate(); err != nil {
		return strings.Split(err.Error(), "\n")
	}
	return nil
}

func TestEdgeValidationMessages(t *testing.T) {
	oidc := func(c *Config) {
		c.Edge.Auth.OIDC.Issuer = "https://login.example.org/realms/cti"
		c.Edge.Auth.OIDC.ClientID = "opencti"
		c.Edge.Auth.OIDC.ClientSecret = SecretRef{Secret: c.SecretsPrefix + "/oidc", Property: "clientSecret"}
		c.Edge.Auth.EnterpriseLicense = SecretRef{Secret: c.SecretsPrefix + "/enterprise-license", Property: "pem"}
	}
	const noLicence = `edge.auth.enterpriseLicense.secret: got "", want the Secrets Manager secret (under opencti/prod/) holding the Enterprise Edition licence, ` +
		`or edge.auth.licenseInPlatformSettings: true if the licence is stored in OpenCTI's settings ` +
		`(OpenCTI 7 signs people in through OpenID Connect or SAML only under an Enterprise Edition licence)`
	const noLocalLogin = `edge.auth.localLogin: got false, want true (OpenCTI 7 turns local sign-in back on whenever a platform without an identity provider of its own starts; ` +
		`to switch it off, set edge.auth.mode: console and switch it off in OpenCTI's UI)`
	cases := []struct {
		name   string
		env    string
		mutate func(c *Config)
		want   []string
	}{
		{
			name:   "hostname outside the zone",
			env:    "prod",
			mutate: func(c *Config) { c.DNS.APIHostname = "api.example.net" },
			want:   []string{`dns.apiHostname: got "api.example.net", want a name inside the zone opencti.example.com (ending in .opencti.example.com)`},
		},
		{
			name: "malformed allowlist CIDRs",
			env:  "dev",
			mutate: func(c *Config) {
				c.Edge.API.AllowedCidrs = []string{"203.0.113.0/24", "203.0.113.7/24", "2001:db8::/32", "0.0.0.0/0", "not-a-cidr", "203.0.113.0/24"}
			},
			want: []string{
				`edge.api.allowedCidrs[1]: got "203.0.113.7/24", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
				`edge.api.allowedCidrs[2]: got "2001:db8::/32", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
				`edge.api.allowedCidrs[3]: got "0.0.0.0/0", want a network narrower than 0.0.0.0/0 (leave the list empty to admit every address)`,
				`edge.api.allowedCidrs[4]: got "not-a-cidr", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
				`edge.api.allowedCidrs[5]: got "203.0.113.0/24", want each CIDR once`,
			},
		},
		{
			name: "rate limit of 0, unknown scheme, waf settings",
			env:  "prod",
			mutate: func(c *Config) {
				c.Edge.UI.RateLimit = 0
				c.Edge.API.Scheme = "public"
				c.Edge.Waf.RateLimitWindowSeconds = 30
				c.Edge.Waf.CountRules = []string{"CrossSiteScripting_BODY", "AWSManagedRulesCommonRuleSet/GenericRFI_BODY", "AWSManagedRulesCommonRuleSet/GenericRFI_BODY", "AWSManagedRulesSQLiRuleSet/SQLi_BODY"}
				c.Edge.Waf.LogRetentionDays = 10
				c.Edge.AccessLogs.ExpirationDays = 0
			},
			want: []string{
				`edge.ui.rateLimit: got 0, want 10 to 2000000000 requests per client IP per window (the range of an AWS WAF rate-based rule)`,
				`edge.api.scheme: got "public", want one of internet-facing, internal, or empty for cluster.ingressScheme`,
				`edge.waf.rateLimitWindowSeconds: got 30, want one of [60 120 300 600] (the evaluation windows AWS WAF offers)`,
				`edge.waf.countRules[0]: got "CrossSiteScripting_BODY", want <rule group>/<rule> with a rule group among AWSManagedRulesAmazonIpReputationList, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesCommonRuleSet, e.g. AWSManagedRulesCommonRuleSet/CrossSiteScripting_BODY`,
				`edge.waf.countRules[2]: got "AWSManagedRulesCommonRuleSet/GenericRFI_BODY", want each rule once`,
				`edge.waf.countRules[3]: got "AWSManagedRulesSQLiRuleSet/SQLi_BODY", want <rule group>/<rule> with a rule group among AWSManagedRulesAmazonIpReputationList, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesCommonRuleSet, e.g. AWSManagedRulesCommonRuleSet/CrossSiteScripting_BODY`,
				`edge.waf.logRetentionDays: got 10, want a CloudWatch Logs retention in days, one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`,
				`edge.accessLogs.expirationDays: got 0, want 1 to 3650 days`,
			},
		},
		{
			name: "OIDC without issuer, client secret outside secretsPrefix",
			env:  "prod",
			mutate: func(c *Config) {
				c.Edge.Auth.OIDC.ClientID = "opencti"
				c.Edge.Auth.OIDC.ClientSecret = SecretRef{Secret: "other-team/oidc", Property: "clientSecret"}
				c.Edge.Auth.OIDC.Scopes = []string{"email", "profile groups"}
				c.Edge.Auth.LicenseInPlatformSettings = true
			},
			want: []string{
				`edge.auth.oidc.issuer: got "", want the identity provider's issuer as an https URL`,
				`edge.auth.oidc.clientSecret.secret: got "other-team/oidc", want a secret name under opencti/prod/ (the only secrets the cluster may read)`,
				`edge.auth.oidc.scopes: got ["email" "profile groups"], want a list that includes openid`,
				`edge.auth.oidc.scopes[1]: got "profile groups", want one OAuth scope (no spaces or quotes)`,
			},
		},
		{
			name: "OIDC issuer over plain HTTP, no client ID",
			env:  "dev",
			mutate: func(c *Config) {
				oidc(c)
				c.Edge.Auth.OIDC.Issuer = "http://login.example.org/realms/cti"
				c.Edge.Auth.OIDC.ClientID = " "
			},
			want: []string{
				`edge.auth.oidc.issuer: got "http://login.example.org/realms/cti", want the identity provider's issuer as an https URL`,
				`edge.auth.oidc.clientId: got " ", want OpenCTI's client ID at the identity provider`,
			},
		},
		{
			name: "SAML without certificate",
			env:  "dev",
			mutate: func(c *Config) {
				c.Edge.Auth.SAML.EntryPoint = "https://idp.example.org/sso/saml"
				c.Edge.Auth.LicenseInPlatformSettings = true
			},
			want: []string{
				`edge.auth.saml.issuer: got "", want OpenCTI's entity ID at the identity provider`,
				`edge.auth.saml.cert.secret: got "", want a secret name under opencti/dev/ (the only secrets the cluster may read)`,
			},
		},
		{
			name:   "local login off, with or without an identity provider",
			env:    "prod",
			mutate: func(c *Config) { oidc(c); c.Edge.Auth.LocalLogin = false },
			want:   []string{noLocalLogin},
		},
		{
			name:   "identity provider without a licence",
			env:    "prod",
			mutate: func(c *Config) { oidc(c); c.Edge.Auth.EnterpriseLicense = SecretRef{} },
			want:   []string{noLicence},
		},
		{
			name: "licence twice, and outside secretsPrefix",
			env:  "prod",
			mutate: func(c *Config) {
				oidc(c)
				c.Edge.Auth.LicenseInPlatformSettings = true
			},
			want: []string{`edge.auth.licenseInPlatformSettings: got true, want false when edge.auth.enterpriseLicense is set (APP__ENTERPRISE_EDITION_LICENSE replaces the licence stored in the settings)`},
		},
		{
			name: "licence outside secretsPrefix, unknown mode",
			env:  "prod",
			mutate: func(c *Config) {
				c.Edge.Auth.Mode = "helm"
				c.Edge.Auth.EnterpriseLicense = SecretRef{Secret: "licences/opencti"}
			},
			want: []string{
				`edge.auth.mode: got "helm", want one of deployment, console, or empty (deployment with oidc or saml, console otherwise)`,
				`edge.auth.enterpriseLicense.secret: got "licences/opencti", want a secret name under opencti/prod/ (the only secrets the cluster may read)`,
			},
		},
		{
			name: "identity providers in console mode",
			env:  "prod",
			mutate: func(c *Config) {
				oidc(c)
				c.Edge.Auth.Mode = "console"
				c.Edge.Auth.SAML = EdgeSAML{EntryPoint: "https://idp.example.org/sso/saml", Issuer: "opencti", Cert: SecretRef{Secret: "opencti/prod/saml"}, Label: "SAML"}
			},
			want: []string{
				`edge.auth.oidc.issuer: got "https://login.example.org/realms/cti", want empty in console mode (providers are managed in OpenCTI's UI; set edge.auth.mode: deployment to manage them here)`,
				`edge.auth.saml.entryPoint: got "https://idp.example.org/sso/saml", want empty in console mode (providers are managed in OpenCTI's UI; set edge.auth.mode: deployment to manage them here)`,
			},
		},
		{
			name: "secret registry in deployment mode, bad names and refs",
			env:  "dev",
			mutate: func(c *Config) {
				oidc(c)
				c.Edge.Auth.Secrets = map[string]SecretRef{
					"OIDC_CLIENT_SECRET": {Secret: "opencti/dev/oidc", Property: "clientSecret"},
					"ldap__bind":         {Secret: "opencti/dev/ldap"},
					"SAML_KEY":           {Secret: "other/saml"},
				}
			},
			want: []string{
				`edge.auth.secrets: got ["OIDC_CLIENT_SECRET" "SAML_KEY" "ldap__bind"], want none in deployment mode (the registry serves providers managed in OpenCTI's UI; set edge.auth.mode: console)`,
				`edge.auth.secrets.SAML_KEY.secret: got "other/saml", want a secret name under opencti/dev/ (the only secrets the cluster may read)`,
				`edge.auth.secrets: got "ldap__bind", want names of upper-case letters, digits and single underscores, such as OIDC_CLIENT_SECRET (each becomes SECRETS__<NAME>__VALUE)`,
			},
		},
		{
			name: "all at once",
			env:  "prod",
			mutate: func(c *Config) {
				c.DNS.UIHostname = "ui.example.net"
				c.Edge.UI.Scheme = "external"
				c.Edge.API.RateLimit = 0
				c.Edge.API.AllowedCidrs = []string{"10.0.0.0/33"}
				c.Edge.Auth.LocalLogin = false
				c.Edge.Auth.OIDC.ClientSecret = SecretRef{Secret: "opencti/prod"}
			},
			want: []string{
				`dns.uiHostname: got "ui.example.net", want a name inside the zone opencti.example.com (ending in .opencti.example.com)`,
				`edge.ui.scheme: got "external", want one of internet-facing, internal, or empty for cluster.ingressScheme`,
				`edge.api.rateLimit: got 0, want 10 to 2000000000 requests per client IP per window (the range of an AWS WAF rate-based rule)`,
				`edge.api.allowedCidrs[0]: got "10.0.0.0/33", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
				noLocalLogin,
				`edge.auth.oidc.issuer: got "", want the identity provider's issuer as an https URL`,
				`edge.auth.oidc.clientId: got "", want OpenCTI's client ID at the identity provider`,
				`edge.auth.oidc.clientSecret.secret: got "opencti/prod", want a secret name under opencti/prod/ (the only secrets the cluster may read)`,
				noLicence,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := edgeProblems(tc.env, tc.mutate)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
	// Complete sign-in settings validate, in both modes.
	for name, mutate := range map[string]func(c *Config){
		"deployment with OpenID Connect and a licence": oidc,
		"deployment, licence in the settings": func(c *Config) {
			oidc(c)
			c.Edge.Auth.EnterpriseLicense = SecretRef{}
			c.Edge.Auth.LicenseInPlatformSettings = true
		},
		"console with a registry and a licence": func(c *Config) {
			c.Edge.Auth.Mode = "console"
			c.Edge.Auth.EnterpriseLicense = SecretRef{Secret: "opencti/prod/enterprise-license"}
			c.Edge.Auth.Secrets = map[string]SecretRef{"OIDC_CLIENT_SECRET": {Secret: "opencti/prod/oidc", Property: "clientSecret"}}
		},
	} {
		if got := edgeProblems("prod", mutate); got != nil {
			t.Errorf("%s: %v", name, got)
		}
	}
}

func TestEdgeAuthEffectiveMode(t *testing.T) {
	for _, tc := range []struct {
		auth EdgeAuth
		want string
	}{
		{EdgeAuth{}, "console"},
		{EdgeAuth{OIDC: EdgeOIDC{Issuer: "https://idp"}}, "deployment"},
		{EdgeAuth{SAML: EdgeSAML{EntryPoint: "https://idp"}}, "deployment"},
		{EdgeAuth{Mode: "deployment"}, "deployment"},
		{EdgeAuth{Mode: "console", OIDC: EdgeOIDC{Issuer: "https://idp"}}, "console"},
	} {
		if got := tc.auth.EffectiveMode(); got != tc.want {
			t.Errorf("%+v: mode %q, want %q", tc.auth, got, tc.want)
		}
	}
}

func TestEdgeFromYAML(t *testing.T) {
	c, err := Parse([]byte(`environment: prod
edge:
  api:
    scheme: internal
    allowedCidrs: [203.0.113.0/24]
  waf:
    countRules: []
  auth:
    enterpriseLicense: {secret: opencti/prod/enterprise-license, property: pem}
    saml:
      entryPoint: https://idp.example.org/sso/saml
      issuer: opencti-prod
      cert: {secret: opencti/prod/saml, property: cert}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if ui, api := c.IngressSchemes(); ui != "internet-facing" || api != "internal" {
		t.Errorf("schemes %q/%q", ui, api)
	}
	if len(c.Edge.Waf.CountRules) != 0 || c.Edge.API.RateLimit != 30000 || !c.Edge.Auth.SAML.Enabled() || c.Edge.Auth.SAML.Label != "Single sign-on (SAML)" ||
		c.Edge.Auth.EffectiveMode() != "deployment" || c.Edge.Auth.EnterpriseLicense.Property != "pem" {
		t.Errorf("edge %+v", c.Edge)
	}
	if _, err := Parse([]byte("edge:\n  ui:\n    rateLimits: 5\n"), ""); err == nil || !strings.Contains(err.Error(), "field rateLimits not found") {
		t.Errorf("unknown edge key: %v", err)
	}
}
