package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
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
	// Auth configures how people sign in to the ui tier (OpenCTI's
	// PROVIDERS__* settings). The connector-api and worker-api tiers accept
	// API tokens only.
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

// EdgeAuth configures sign-in on the ui tier. Whatever is set here, OpenCTI
// always lets the initial administrator (opencti.adminEmail, password in
// Secrets Manager) sign in with a password: that is the break-glass path.
type EdgeAuth struct {
	// LocalLogin keeps OpenCTI's local e-mail and password sign-in
	// (LocalStrategy) for every user of the ui tier. In prod it must be true
	// unless an identity provider (oidc or saml) is set; with one, set it false
	// so that people sign in only through the identity provider.
	// Default: true (the embedded profiles name no identity provider).
	LocalLogin bool `yaml:"localLogin"`
	// OIDC adds "sign in with OpenID Connect" (OpenCTI's
	// OpenIDConnectStrategy); the redirect URI is
	// https://<dns.uiHostname>/auth/oic/callback. Default: none (issuer empty).
	OIDC EdgeOIDC `yaml:"oidc"`
	// SAML adds "sign in with SAML" (OpenCTI's SamlStrategy); the assertion
	// consumer service URL is https://<dns.uiHostname>/auth/saml/callback.
	// Default: none (entryPoint empty).
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
	EdgeSchemes = []string{"internet-facing", "internal"}
	// EdgeRateLimitWindows are the allowed edge.waf.rateLimitWindowSeconds.
	EdgeRateLimitWindows = []int{60, 120, 300, 600}
	// EdgeManagedRuleGroups are the AWS managed rule groups of every web ACL,
	// the groups edge.waf.countRules may name.
	EdgeManagedRuleGroups = []string{"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesCommonRuleSet"}

	wafRuleNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	oidcScopeRe   = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`) // RFC 6749 scope-token
)

// Rate limit bounds of an AWS WAF rate-based rule.
const (
	edgeMinRateLimit = 10
	edgeMaxRateLimit = 2_000_000_000
)

// DefaultEdgeCountRules are the managed rules that count instead of block by
// default: those that inspect the request body, which in OpenCTI carries
// threat intelligence.
func DefaultEdgeCountRules() []string {
	return []string{
		"AWSManagedRulesCommonRuleSet/CrossSiteScripting_BODY",
		"AWSManagedRulesCommonRuleSet/GenericLFI_BODY",
		"AWSManagedRulesCommonRuleSet/GenericRFI_BODY",
		"AWSManagedRulesCommonRuleSet/EC2MetaDataSSRF_BODY",
		"AWSManagedRulesKnownBadInputsRuleSet/Log4JRCE_BODY",
		"AWSManagedRulesKnownBadInputsRuleSet/JavaDeserializationRCE_BODY",
	}
}

func defaultEdge(env string) Edge {
	e := Edge{
		UI:  EdgeHost{RateLimit: 6000, AllowedCidrs: []string{}},
		API: EdgeHost{RateLimit: 30000, AllowedCidrs: []string{}},
		Waf: EdgeWaf{
			RateLimitWindowSeconds: 300,
			CountRules:             DefaultEdgeCountRules(),
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
		e.AccessLogs.ExpirationDays = 365
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
	if n := e.AccessLogs.ExpirationDays; n < 1 || n > 3650 {
		p.Add("edge.accessLogs.expirationDays", n, "1 to 3650 days")
	}
	e.Auth.validate(c, p)
}

func (h *EdgeHost) validate(field string, p *Problems) {
	if h.Scheme != "" && !contains(EdgeSchemes, h.Scheme) {
		p.Add(field+".scheme", h.Scheme, "one of "+strings.Join(EdgeSchemes, ", ")+", or empty for cluster.ingressScheme")
	}
	if h.RateLimit < edgeMinRateLimit || h.RateLimit > edgeMaxRateLimit {
		p.Add(field+".rateLimit", h.RateLimit, fmt.Sprintf("%d to %d requests per client IP per window (the range of an AWS WAF rate-based rule)", edgeMinRateLimit, edgeMaxRateLimit))
	}
	seen := map[string]bool{}
	for i, cidr := range h.AllowedCidrs {
		f := fmt.Sprintf("%s.allowedCidrs[%d]", field, i)
		prefix, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil || !prefix.Addr().Is4() || prefix.Masked() != prefix:
			p.Add(f, cidr, "an IPv4 network in CIDR notation such as 203.0.113.0/24")
		case prefix.Bits() == 0:
			p.Add(f, cidr, "a network narrower than 0.0.0.0/0 (leave the list empty to admit every address)")
		case seen[cidr]:
			p.Add(f, cidr, "each CIDR once")
		}
		seen[cidr] = true
	}
}

func (w *EdgeWaf) validate(p *Problems) {
	ok := false
	for _, s := range EdgeRateLimitWindows {
		ok = ok || s == w.RateLimitWindowSeconds
	}
	if !ok {
		p.Add("edge.waf.rateLimitWindowSeconds", w.RateLimitWindowSeconds, fmt.Sprintf("one of %v (the evaluation windows AWS WAF offers)", EdgeRateLimitWindows))
	}
	seen := map[string]bool{}
	for i, r := range w.CountRules {
		f := fmt.Sprintf("edge.waf.countRules[%d]", i)
		group, rule, found := strings.Cut(r, "/")
		switch {
		case !found || !contains(EdgeManagedRuleGroups, group) || !wafRuleNameRe.MatchString(rule):
			p.Add(f, r, "<rule group>/<rule> with a rule group among "+strings.Join(EdgeManagedRuleGroups, ", ")+", e.g. AWSManagedRulesCommonRuleSet/CrossSiteScripting_BODY")
		case seen[r]:
			p.Add(f, r, "each rule once")
		}
		seen[r] = true
	}
	ValidateLogRetention(p, "edge.waf.logRetentionDays", w.LogRetentionDays)
}

func (a *EdgeAuth) validate(c *Config, p *Problems) {
	secretRef := func(field string, ref SecretRef) {
		if !strings.HasPrefix(ref.Secret, c.SecretsPrefix+"/") || len(ref.Secret) <= len(c.SecretsPrefix)+1 {
			p.Add(field+".secret", ref.Secret, fmt.Sprintf("a secret name under %s/ (the only secrets the cluster may read)", c.SecretsPrefix))
		}
	}
	httpsURL := func(field, s, what string) {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			p.Add(field, s, "the "+what+" as an https URL")
		}
	}
	if o := a.OIDC; o.Enabled() {
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
		httpsURL("edge.auth.saml.entryPoint", s.EntryPoint, "identity provider's single sign-on URL")
		if strings.TrimSpace(s.Issuer) == "" {
			p.Add("edge.auth.saml.issuer", s.Issuer, "OpenCTI's entity ID at the identity provider")
		}
		secretRef("edge.auth.saml.cert", s.Cert)
		if strings.TrimSpace(s.Label) == "" {
			p.Add("edge.auth.saml.label", s.Label, "the sign-in button's text")
		}
	}
	if c.Environment == "prod" && !a.LocalLogin && !a.OIDC.Enabled() && !a.SAML.Enabled() {
		p.Add("edge.auth.localLogin", a.LocalLogin, "true in prod unless edge.auth.oidc or edge.auth.saml is set (otherwise only the initial administrator could sign in)")
	}
}
