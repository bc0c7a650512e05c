package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/constructs/edge/edgespec"
)

// Edge configures what stands between the clients and the two public
// hostnames: each hostname's load balancer scheme, AWS WAF web ACL and
// allowlist, the load balancers' access logs, and how people sign in to the
// ui tier.
type Edge struct {
	// UI configures the load balancer of dns.uiHostname (the ui tier, people
	// with a browser).
	// Default: scheme from cluster.ingressScheme, 6000 requests per IP per
	// window, no allowlist.
	UI EdgeHost `yaml:"ui"`
	// API configures the load balancer of dns.apiHostname (the connector-api
	// tier, API clients and connectors outside the cluster).
	// Default: scheme from cluster.ingressScheme, 30000 requests per IP per
	// window, no allowlist.
	API EdgeHost `yaml:"api"`
	// Waf configures the AWS WAF web ACL of each load balancer (AWS managed
	// rule groups: IP reputation, known bad inputs, common rule set; a per-IP
	// rate limit; the allowlist) and its logs.
	Waf EdgeWaf `yaml:"waf"`
	// AccessLogs configures the S3 bucket both load balancers write their
	// access logs to (under ui/ and api/).
	AccessLogs EdgeAccessLogs `yaml:"accessLogs"`
	// Auth configures sign-in: who manages it (this configuration or
	// OpenCTI's UI), the identity providers of the ui tier, the Enterprise
	// Edition licence and the secret registry. API clients, connectors and
	// workers authenticate with tokens on every tier; the api hostname
	// forwards API routes only and the ui hostname refuses tokens.
	Auth EdgeAuth `yaml:"auth"`
}

// EdgeHost configures the load balancer of one hostname.
type EdgeHost struct {
	// Scheme of the hostname's load balancer: "internet-facing" (public
	// subnets) or "internal" (workload subnets, reachable from the VPC and the
	// networks routed to it; many teams keep the api hostname internal).
	// Empty takes cluster.ingressScheme. Default: "".
	Scheme string `yaml:"scheme"`
	// RateLimit is how many requests one client IP may send per
	// edge.waf.rateLimitWindowSeconds before the web ACL answers 429 Too Many
	// Requests, 10 to 2000000000. Users behind one corporate NAT share an IP:
	// size it for all of them. Default: 6000 (ui), 30000 (api).
	RateLimit int `yaml:"rateLimit"`
	// AllowedCidrs, when not empty, are the only IPv4 networks the web ACL
	// lets reach the hostname; every other address gets 403. Default: [] (all).
	AllowedCidrs []string `yaml:"allowedCidrs"`
}

// EdgeWaf configures both web ACLs (REGIONAL, one per load balancer).
type EdgeWaf struct {
	// RateLimitWindowSeconds is the window over which each client IP's
	// requests are counted for the rate limits: 60, 120, 300 or 600.
	// Default: 300.
	RateLimitWindowSeconds int `yaml:"rateLimitWindowSeconds"`
	// CountRules are rules of the AWS managed rule groups that only count
	// (visible in the WAF logs and metrics) instead of blocking, each
	// "<rule group>/<rule>". OpenCTI request bodies carry threat intelligence
	// (indicators such as ${jndi:...}, URLs with IP addresses, script tags),
	// so the rules that inspect bodies count by default; remove an entry to
	// block.
	// AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY always counts: it
	// blocks bodies over 8 KB, i.e. OpenCTI's GraphQL mutations and file
	// uploads. Default: the body rules of the common and known-bad-inputs
	// rule groups.
	CountRules []string `yaml:"countRules"`
	// LogRetentionDays keeps the WAF logs (CloudWatch Logs groups
	// aws-waf-logs-<name>-ui/-api, KMS-encrypted; only blocked and counted
	// requests, Authorization and Cookie headers redacted) this long (a
	// CloudWatch Logs retention value). Default: 30 in dev, 365 in prod.
	LogRetentionDays int `yaml:"logRetentionDays"`
}

// EdgeAccessLogs configures the load balancers' access log bucket
// (SSE-S3: ALB access logs cannot be written with SSE-KMS).
type EdgeAccessLogs struct {
	// ExpirationDays deletes access log objects this many days after they are
	// written, 1 to 3650. Default: 30 in dev, 365 in prod.
	ExpirationDays int `yaml:"expirationDays"`
}

// EdgeAuth configures sign-in (OpenCTI 7.260817.0: single sign-on is an
// Enterprise Edition feature, providers live in OpenCTI's database and are
// registered on every node, local password sign-in is a database setting;
// see docs/opencti-7.md). Whatever is set here, OpenCTI always lets the
// initial administrator (opencti.adminEmail, password in Secrets Manager)
// sign in with a password: that is the break-glass path.
type EdgeAuth struct {
	// Mode says who manages sign-in. "deployment": this configuration is the
	// source of truth; every platform tier runs with
	// APP__AUTHENTICATION__FORCE_ENV=true (OpenCTI then deletes the
	// providers stored in its database, registers those of each node's
	// environment and refuses authentication edits in its UI), and only the
	// ui tier's environment carries oidc and saml, so their sign-in buttons
	// exist only on dns.uiHostname. "console": providers are managed in
	// OpenCTI's UI (Parameters > Authentications) and registered on every
	// node; oidc and saml must be empty, and secrets supplies the secrets
	// they reference. Default: "deployment" when oidc or saml is set,
	// "console" otherwise.
	Mode string `yaml:"mode"`
	// LocalLogin must stay true: OpenCTI 7 turns local sign-in back on
	// whenever a platform without an identity provider of its own starts
	// (connector-api and worker-api never carry one; OpenID Connect providers
	// register after that check), so false cannot hold in deployment mode.
	// To switch local password sign-in off, use mode console and switch it
	// off in OpenCTI's UI (the initial administrator keeps it). Default: true.
	LocalLogin bool `yaml:"localLogin"`
	// EnterpriseLicense is the Secrets Manager secret (under secretsPrefix)
	// and JSON property holding the Enterprise Edition licence (PEM); every
	// platform tier gets it as APP__ENTERPRISE_EDITION_LICENSE, delivered by
	// External Secrets. Required with oidc or saml unless
	// licenseInPlatformSettings is true. Default: none.
	EnterpriseLicense SecretRef `yaml:"enterpriseLicense"`
	// LicenseInPlatformSettings says the Enterprise Edition licence is
	// stored in OpenCTI's settings (entered in its UI) instead of
	// enterpriseLicense. Default: false.
	LicenseInPlatformSettings bool `yaml:"licenseInPlatformSettings"`
	// Secrets is the secret registry of console mode: each name becomes
	// SECRETS__<NAME>__VALUE on every platform tier, filled from the Secrets
	// Manager secret (under secretsPrefix) and JSON property given, so that
	// providers managed in OpenCTI's UI reference it ("Use external secret";
	// OpenCTI lists the name in lower case) instead of storing the value.
	// Names: upper-case letters, digits and single underscores.
	// Default: none.
	Secrets map[string]SecretRef `yaml:"secrets"`
	// OIDC adds "sign in with OpenID Connect" (OpenCTI's
	// OpenIDConnectStrategy) on the ui tier, deployment mode only; the
	// redirect URI is https://<dns.uiHostname>/auth/oic/callback.
	// Default: none (issuer empty).
	OIDC EdgeOIDC `yaml:"oidc"`
	// SAML adds "sign in with SAML" (OpenCTI's SamlStrategy) on the ui tier,
	// deployment mode only; the assertion consumer service URL is
	// https://<dns.uiHostname>/auth/saml/callback. Default: none (entryPoint
	// empty).
	SAML EdgeSAML `yaml:"saml"`
}

// EdgeOIDC is an OpenID Connect identity provider.
type EdgeOIDC struct {
	// Issuer is the provider's issuer URL (https; OpenCTI reads
	// <issuer>/.well-known/openid-configuration), e.g.
	// https://login.microsoftonline.com/<tenant>/v2.0. Empty disables
	// OpenID Connect. Default: "".
	Issuer string `yaml:"issuer"`
	// ClientID is OpenCTI's client (application) ID at the provider.
	// Required with issuer. Default: "".
	ClientID string `yaml:"clientId"`
	// ClientSecret is the Secrets Manager secret (under secretsPrefix) and
	// JSON property holding the client secret; it reaches only the ui pods,
	// through their Kubernetes Secret. Required with issuer. Default: none.
	ClientSecret SecretRef `yaml:"clientSecret"`
	// Scopes requested at sign-in; must include openid. Default: [openid,
	// email, profile].
	Scopes []string `yaml:"scopes"`
	// Label is the sign-in button's text. Default: "Single sign-on".
	Label string `yaml:"label"`
}

// EdgeSAML is a SAML 2.0 identity provider.
type EdgeSAML struct {
	// EntryPoint is the provider's single sign-on URL (https). Empty disables
	// SAML. Default: "".
	EntryPoint string `yaml:"entryPoint"`
	// Issuer is OpenCTI's entity ID (service provider issuer) as registered at
	// the provider. Required with entryPoint. Default: "".
	Issuer string `yaml:"issuer"`
	// Cert is the Secrets Manager secret (under secretsPrefix) and JSON
	// property holding the provider's signing certificate (PEM). Required with
	// entryPoint. Default: none.
	Cert SecretRef `yaml:"cert"`
	// Label is the sign-in button's text. Default: "Single sign-on (SAML)".
	Label string `yaml:"label"`
}

// Allowed values and defaults of the edge configuration.
var (
	// EdgeSchemes are the allowed edge.ui.scheme and edge.api.scheme values
	// (empty takes cluster.ingressScheme).
	EdgeSchemes = charts.IngressSchemes()
	// EdgeRateLimitWindows are the allowed edge.waf.rateLimitWindowSeconds.
	EdgeRateLimitWindows = edgespec.RateLimitWindows
	// EdgeAuthModes are the allowed edge.auth.mode values (empty takes the
	// default, see EdgeAuth.Mode).
	EdgeAuthModes = []string{"deployment", "console"}
	// EdgeManagedRuleGroups are the AWS managed rule groups of every web ACL,
	// the groups edge.waf.countRules may name.
	EdgeManagedRuleGroups = edgespec.ManagedRuleGroups

	secretRegistryRe = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
	oidcScopeRe      = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`) // RFC 6749 scope-token
)

func defaultEdge(env string) Edge {
	e := Edge{
		UI:  EdgeHost{RateLimit: 6000, AllowedCidrs: []string{}},
		API: EdgeHost{RateLimit: 30000, AllowedCidrs: []string{}},
		Waf: EdgeWaf{
			RateLimitWindowSeconds: edgespec.DefaultRateLimitWindowSeconds,
			CountRules:             edgespec.DefaultCountRules(),
			LogRetentionDays:       30,
		},
		AccessLogs: EdgeAccessLogs{ExpirationDays: 30},
		Auth: EdgeAuth{
			LocalLogin: true,
			OIDC:       EdgeOIDC{Scopes: []string{"openid", "email", "profile"}, Label: "Single sign-on"},
			SAML:       EdgeSAML{Label: "Single sign-on (SAML)"},
		},
	}
	if env == "prod" {
		e.Waf.LogRetentionDays = 365
		e.AccessLogs.ExpirationDays = edgespec.DefaultAccessLogsExpirationDays
	}
	return e
}

// IngressSchemes are the schemes of the ui and api load balancers:
// edge.ui.scheme and edge.api.scheme, each falling back to
// cluster.ingressScheme when empty.
func (c *Config) IngressSchemes() (ui, api string) {
	ui, api = c.Edge.UI.Scheme, c.Edge.API.Scheme
	if ui == "" {
		ui = c.Cluster.IngressScheme
	}
	if api == "" {
		api = c.Cluster.IngressScheme
	}
	return ui, api
}

// EffectiveMode is edge.auth.mode, or its default: "deployment" when an
// identity provider is configured, "console" otherwise.
func (a EdgeAuth) EffectiveMode() string {
	switch {
	case a.Mode != "":
		return a.Mode
	case a.OIDC.Enabled() || a.SAML.Enabled():
		return "deployment"
	default:
		return "console"
	}
}

// Enabled reports whether an OpenID Connect provider is configured (any of
// its identifying fields set).
func (o EdgeOIDC) Enabled() bool {
	return o.Issuer != "" || o.ClientID != "" || o.ClientSecret != (SecretRef{})
}

// Enabled reports whether a SAML provider is configured (any of its
// identifying fields set).
func (s EdgeSAML) Enabled() bool {
	return s.EntryPoint != "" || s.Issuer != "" || s.Cert != (SecretRef{})
}

func (e *Edge) validate(c *Config, p *Problems) {
	for _, h := range []struct {
		field string
		host  EdgeHost
	}{{"edge.ui", e.UI}, {"edge.api", e.API}} {
		h.host.validate(h.field, p)
	}
	e.Waf.validate(p)
	edgespec.CheckAccessLogsExpirationDays(p, "edge.accessLogs.expirationDays", e.AccessLogs.ExpirationDays)
	e.Auth.validate(c, p)
}

func (h *EdgeHost) validate(field string, p *Problems) {
	if h.Scheme != "" && !contains(EdgeSchemes, h.Scheme) {
		p.Add(field+".scheme", h.Scheme, "one of "+strings.Join(EdgeSchemes, ", ")+", or empty for cluster.ingressScheme")
	}
	edgespec.CheckRateLimit(p, field+".rateLimit", h.RateLimit)
	edgespec.CheckAllowedCidrs(p, func(i int) string { return fmt.Sprintf("%s.allowedCidrs[%d]", field, i) }, h.AllowedCidrs)
}

func (w *EdgeWaf) validate(p *Problems) {
	edgespec.CheckRateLimitWindowSeconds(p, "edge.waf.rateLimitWindowSeconds", w.RateLimitWindowSeconds)
	edgespec.CheckCountRules(p, func(i int) string { return fmt.Sprintf("edge.waf.countRules[%d]", i) }, w.CountRules)
	ValidateLogRetention(p, "edge.waf.logRetentionDays", w.LogRetentionDays)
}

func (a *EdgeAuth) validate(c *Config, p *Problems) {
	secretRef := func(field string, ref SecretRef) {
		validateSecretRef(c, p, field, ref)
	}
	httpsURL := func(field, s, what string) {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			p.Add(field, s, "the "+what+" as an https URL")
		}
	}
	if a.Mode != "" && !contains(EdgeAuthModes, a.Mode) {
		p.Add("edge.auth.mode", a.Mode, "one of "+strings.Join(EdgeAuthModes, ", ")+", or empty (deployment with oidc or saml, console otherwise)")
	}
	console := a.EffectiveMode() == "console"
	if !a.LocalLogin {
		p.Add("edge.auth.localLogin", a.LocalLogin, "true (OpenCTI 7 turns local sign-in back on whenever a platform without an identity provider of its own starts; "+
			"to switch it off, set edge.auth.mode: console and switch it off in OpenCTI's UI)")
	}
	consoleIdP := "empty in console mode (providers are managed in OpenCTI's UI; set edge.auth.mode: deployment to manage them here)"
	if o := a.OIDC; o.Enabled() {
		if console {
			p.Add("edge.auth.oidc.issuer", o.Issuer, consoleIdP)
		}
		httpsURL("edge.auth.oidc.issuer", o.Issuer, "identity provider's issuer")
		if strings.TrimSpace(o.ClientID) == "" {
			p.Add("edge.auth.oidc.clientId", o.ClientID, "OpenCTI's client ID at the identity provider")
		}
		secretRef("edge.auth.oidc.clientSecret", o.ClientSecret)
		if !contains(o.Scopes, "openid") {
			p.Add("edge.auth.oidc.scopes", o.Scopes, "a list that includes openid")
		}
		for i, s := range o.Scopes {
			if !oidcScopeRe.MatchString(s) {
				p.Add(fmt.Sprintf("edge.auth.oidc.scopes[%d]", i), s, "one OAuth scope (no spaces or quotes)")
			}
		}
		if strings.TrimSpace(o.Label) == "" {
			p.Add("edge.auth.oidc.label", o.Label, "the sign-in button's text")
		}
	}
	if s := a.SAML; s.Enabled() {
		if console {
			p.Add("edge.auth.saml.entryPoint", s.EntryPoint, consoleIdP)
		}
		httpsURL("edge.auth.saml.entryPoint", s.EntryPoint, "identity provider's single sign-on URL")
		if strings.TrimSpace(s.Issuer) == "" {
			p.Add("edge.auth.saml.issuer", s.Issuer, "OpenCTI's entity ID at the identity provider")
		}
		secretRef("edge.auth.saml.cert", s.Cert)
		if strings.TrimSpace(s.Label) == "" {
			p.Add("edge.auth.saml.label", s.Label, "the sign-in button's text")
		}
	}
	licence := a.EnterpriseLicense != (SecretRef{})
	switch {
	case licence && a.LicenseInPlatformSettings:
		p.Add("edge.auth.licenseInPlatformSettings", true, "false when edge.auth.enterpriseLicense is set (APP__ENTERPRISE_EDITION_LICENSE replaces the licence stored in the settings)")
	case licence:
		secretRef("edge.auth.enterpriseLicense", a.EnterpriseLicense)
	case (a.OIDC.Enabled() || a.SAML.Enabled()) && !a.LicenseInPlatformSettings:
		p.Add("edge.auth.enterpriseLicense.secret", "", fmt.Sprintf("the Secrets Manager secret (under %s/) holding the Enterprise Edition licence, "+
			"or edge.auth.licenseInPlatformSettings: true if the licence is stored in OpenCTI's settings "+
			"(OpenCTI 7 signs people in through OpenID Connect or SAML only under an Enterprise Edition licence)", c.SecretsPrefix))
	}
	if len(a.Secrets) > 0 && !console {
		p.Add("edge.auth.secrets", sortedKeys(a.Secrets), "none in deployment mode (the registry serves providers managed in OpenCTI's UI; set edge.auth.mode: console)")
	}
	for _, name := range sortedKeys(a.Secrets) {
		if !secretRegistryRe.MatchString(name) {
			p.Add("edge.auth.secrets", name, "names of upper-case letters, digits and single underscores, such as OIDC_CLIENT_SECRET (each becomes SECRETS__<NAME>__VALUE)")
		}
		secretRef("edge.auth.secrets."+name, a.Secrets[name])
	}
}

// validateSecretRef checks that ref names a secret the cluster may read
// (under secretsPrefix).
func validateSecretRef(c *Config, p *Problems, field string, ref SecretRef) {
	if !strings.HasPrefix(ref.Secret, c.SecretsPrefix+"/") || len(ref.Secret) <= len(c.SecretsPrefix)+1 {
		p.Add(field+".secret", ref.Secret, fmt.Sprintf("a secret name under %s/ (the only secrets the cluster may read)", c.SecretsPrefix))
	}
}
