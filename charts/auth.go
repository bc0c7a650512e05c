package charts

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// UISecretName is the Secret only the ui pods read: the identity providers'
// secrets (OpenID Connect client secret, SAML certificate), keyed by their
// environment variable names. It exists only when Auth needs one.
const UISecretName = "opencti-ui-secrets"

// OpenCTI's callback paths of its default provider identifiers ("oic" for
// OpenIDConnectStrategy, "saml" for SamlStrategy; providers.js).
const (
	OpenIDCallbackPath = "/auth/oic/callback"
	SAMLCallbackPath   = "/auth/saml/callback"
)

// AuthProps configures how people sign in to the ui tier, as OpenCTI
// PROVIDERS__* settings. The connector-api and worker-api tiers never get an
// identity provider: API clients, connectors and workers authenticate with a
// token (Authorization: Bearer), which OpenCTI resolves whatever providers are
// configured, so those tiers turn the local password strategy off. In every
// tier, OpenCTI keeps password sign-in for the initial administrator
// (AdminEmail) when the local strategy is off: the break-glass path.
type AuthProps struct {
	// LocalLogin keeps OpenCTI's local e-mail and password strategy
	// (LocalStrategy) for every user of the ui tier; false leaves password
	// sign-in to the initial administrator only. Default: true.
	LocalLogin *bool
	// OpenID adds an OpenID Connect sign-in button to the ui tier.
	// Default: none.
	OpenID *OpenIDProps
	// SAML adds a SAML sign-in button to the ui tier. Default: none.
	SAML *SAMLProps
}

// OpenIDProps is an OpenID Connect identity provider
// (PROVIDERS__OPENID__*, strategy OpenIDConnectStrategy).
type OpenIDProps struct {
	// Issuer is the provider's issuer URL (https). Required.
	Issuer string
	// ClientID is OpenCTI's client ID at the provider. Required.
	ClientID string
	// ClientSecret is the Secrets Manager value of the client secret; it
	// reaches the ui pods only, through UISecretName. Required.
	ClientSecret RemoteRef
	// Scopes requested at sign-in (PROVIDERS__OPENID__CONFIG__DEFAULT_SCOPES);
	// must include "openid". Default: openid, email, profile.
	Scopes []string
	// Label is the sign-in button's text. Default: "Single sign-on".
	Label *string
	// RedirectURI is the callback registered at the provider.
	// Default: https://<Hostnames.UI>/auth/oic/callback.
	RedirectURI *string
}

// SAMLProps is a SAML 2.0 identity provider (PROVIDERS__SAML__*, strategy
// SamlStrategy). Signed assertions and signed responses are required.
type SAMLProps struct {
	// EntryPoint is the provider's single sign-on URL (https). Required.
	EntryPoint string
	// Issuer is OpenCTI's entity ID at the provider. Required.
	Issuer string
	// Cert is the Secrets Manager value of the provider's signing certificate
	// (PEM); it reaches the ui pods only, through UISecretName. Required.
	Cert RemoteRef
	// Label is the sign-in button's text. Default: "Single sign-on (SAML)".
	Label *string
	// CallbackURL is the assertion consumer service URL registered at the
	// provider. Default: https://<Hostnames.UI>/auth/saml/callback.
	CallbackURL *string
}

// Auth environment variables (OpenCTI reads PROVIDERS__<NAME>__... with "__"
// as nesting and JSON-parsed values).
const (
	envLocalStrategy      = "PROVIDERS__LOCAL__STRATEGY"
	envLocalDisabled      = "PROVIDERS__LOCAL__CONFIG__DISABLED"
	envOpenIDClientSecret = "PROVIDERS__OPENID__CONFIG__CLIENT_SECRET"
	envSAMLCert           = "PROVIDERS__SAML__CONFIG__CERT"
	defaultOpenIDLabel    = "Single sign-on"
	defaultSAMLLabel      = "Single sign-on (SAML)"
	openIDConnectStrategy = "OpenIDConnectStrategy"
	samlStrategy          = "SamlStrategy"
	localStrategy         = "LocalStrategy"
)

// DefaultOpenIDScopes are the scopes requested when OpenIDProps.Scopes is nil.
func DefaultOpenIDScopes() []string { return []string{"openid", "email", "profile"} }

// withDefaults resolves the optional auth props for the ui hostname.
func (a AuthProps) withDefaults(uiHost string) AuthProps {
	r := AuthProps{LocalLogin: orDefault(a.LocalLogin, true)}
	if a.OpenID != nil {
		o := *a.OpenID
		if o.Scopes == nil {
			o.Scopes = DefaultOpenIDScopes()
		} else {
			o.Scopes = slices.Clone(o.Scopes)
		}
		o.Label = orDefault(o.Label, defaultOpenIDLabel)
		o.RedirectURI = orDefault(o.RedirectURI, "https://"+uiHost+OpenIDCallbackPath)
		r.OpenID = &o
	}
	if a.SAML != nil {
		s := *a.SAML
		s.Label = orDefault(s.Label, defaultSAMLLabel)
		s.CallbackURL = orDefault(s.CallbackURL, "https://"+uiHost+SAMLCallbackPath)
		r.SAML = &s
	}
	return r
}

// authEnv is the plain (non-secret) sign-in environment of tier t. The ui
// tier gets the configured providers; connector-api and worker-api accept
// tokens only (local strategy off; OpenCTI keeps the administrator's
// password sign-in as a fallback).
func authEnv(p *Props, t tier) []corev1.EnvVar {
	a := p.Auth.withDefaults(p.Hostnames.UI)
	env := []corev1.EnvVar{envValue(envLocalStrategy, localStrategy)}
	if t.component != ComponentUI {
		return append(env, envValue(envLocalDisabled, "true"))
	}
	if !*a.LocalLogin {
		env = append(env, envValue(envLocalDisabled, "true"))
	}
	if o := a.OpenID; o != nil {
		env = append(env,
			envValue("PROVIDERS__OPENID__STRATEGY", openIDConnectStrategy),
			envValue("PROVIDERS__OPENID__CONFIG__LABEL", *o.Label),
			envValue("PROVIDERS__OPENID__CONFIG__ISSUER", o.Issuer),
			envValue("PROVIDERS__OPENID__CONFIG__CLIENT_ID", o.ClientID),
			envValue("PROVIDERS__OPENID__CONFIG__REDIRECT_URIS", mustJSON([]string{*o.RedirectURI})),
			envValue("PROVIDERS__OPENID__CONFIG__DEFAULT_SCOPES", mustJSON(o.Scopes)),
			envValue("PROVIDERS__OPENID__CONFIG__LOGOUT_REMOTE", "false"),
		)
	}
	if s := a.SAML; s != nil {
		env = append(env,
			envValue("PROVIDERS__SAML__STRATEGY", samlStrategy),
			envValue("PROVIDERS__SAML__CONFIG__LABEL", *s.Label),
			envValue("PROVIDERS__SAML__CONFIG__ISSUER", s.Issuer),
			envValue("PROVIDERS__SAML__CONFIG__ENTRY_POINT", s.EntryPoint),
			envValue("PROVIDERS__SAML__CONFIG__SAML_CALLBACK_URL", *s.CallbackURL),
			envValue("PROVIDERS__SAML__CONFIG__WANT_ASSERTIONS_SIGNED", strconv.FormatBool(true)),
			envValue("PROVIDERS__SAML__CONFIG__WANT_AUTHN_RESPONSE_SIGNED", strconv.FormatBool(true)),
			envValue("PROVIDERS__SAML__CONFIG__LOGOUT_REMOTE", "false"),
		)
	}
	return env
}

// uiSecretEntries are the ui tier's secret environment variables (the
// identity providers' secrets), in manifest order.
func uiSecretEntries(p *Props) []secretEntry {
	var out []secretEntry
	if p.Auth.OpenID != nil {
		out = append(out, secretEntry{envOpenIDClientSecret, p.Auth.OpenID.ClientSecret})
	}
	if p.Auth.SAML != nil {
		out = append(out, secretEntry{envSAMLCert, p.Auth.SAML.Cert})
	}
	return out
}

// uiSecretSpecs is the ui tier's own Secret, when Auth needs one.
func uiSecretSpecs(p *Props) []secretSpec {
	entries := uiSecretEntries(p)
	if len(entries) == 0 {
		return nil
	}
	return []secretSpec{{id: "UiSecrets", name: UISecretName, component: ComponentUI, entries: entries}}
}

// tierSecretEnv reads tier t's own secret variables from its Secret.
func tierSecretEnv(p *Props, t tier) []corev1.EnvVar {
	if t.component != ComponentUI {
		return nil
	}
	var env []corev1.EnvVar
	for _, s := range uiSecretEntries(p) {
		env = append(env, envSecret(s.key, UISecretName, s.key))
	}
	return env
}

// auth checks AuthProps after defaults.
func (v *validator) auth(r *Props) {
	a := r.Auth.withDefaults(r.Hostnames.UI)
	if o := a.OpenID; o != nil {
		v.url("Auth.OpenID.Issuer", o.Issuer, "https")
		if strings.TrimSpace(o.ClientID) == "" {
			v.add("Auth.OpenID.ClientID", o.ClientID, "OpenCTI's client ID at the identity provider")
		}
		v.remoteRef("Auth.OpenID.ClientSecret", o.ClientSecret)
		if !slices.Contains(o.Scopes, "openid") {
			v.add("Auth.OpenID.Scopes", o.Scopes, `a list that includes "openid"`)
		}
		v.url("Auth.OpenID.RedirectURI", *o.RedirectURI, "https")
		if strings.TrimSpace(*o.Label) == "" {
			v.add("Auth.OpenID.Label", *o.Label, "the sign-in button's text")
		}
	}
	if s := a.SAML; s != nil {
		v.url("Auth.SAML.EntryPoint", s.EntryPoint, "https")
		if strings.TrimSpace(s.Issuer) == "" {
			v.add("Auth.SAML.Issuer", s.Issuer, "OpenCTI's entity ID at the identity provider")
		}
		v.remoteRef("Auth.SAML.Cert", s.Cert)
		v.url("Auth.SAML.CallbackURL", *s.CallbackURL, "https")
		if strings.TrimSpace(*s.Label) == "" {
			v.add("Auth.SAML.Label", *s.Label, "the sign-in button's text")
		}
	}
}
