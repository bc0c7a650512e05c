package charts

import (
	"maps"
	"regexp"
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
// OpenIDConnectStrategy, "saml" for SamlStrategy; providers-env-deprecated.js).
const (
	OpenIDCallbackPath = "/auth/oic/callback"
	SAMLCallbackPath   = "/auth/saml/callback"
)

// Sign-in management modes (AuthProps.Mode).
const (
	// AuthModeDeployment makes the deployment the source of truth: every
	// platform tier runs with APP__AUTHENTICATION__FORCE_ENV=true, so each
	// node deletes the providers stored in OpenCTI's database, registers only
	// the providers of its own environment and refuses authentication edits
	// in the UI. Only the ui tier's environment carries the identity
	// providers, so their sign-in buttons exist only on the ui host.
	AuthModeDeployment = "deployment"
	// AuthModeConsole leaves sign-in to OpenCTI's UI (Parameters >
	// Authentications): providers live in the database and OpenCTI registers
	// them on every node. The deployment supplies the secret registry
	// (SECRETS__<NAME>__VALUE) those providers reference, on every tier.
	AuthModeConsole = "console"
)

// AuthModes are the allowed AuthProps.Mode values.
func AuthModes() []string { return []string{AuthModeDeployment, AuthModeConsole} }

// AuthProps configures sign-in (OpenCTI 7.260817.0; see docs/opencti-7.md).
// Since 7.260224.0 single sign-on is an Enterprise Edition feature, providers
// are stored in the database and registered on every node, and local
// password sign-in is the database setting local_auth, not a per-node
// switch. API clients, connectors and workers authenticate with a token
// (Authorization: Bearer) on every tier whatever the providers; the
// tier separation is enforced at the edge (see IngressProps), not by OpenCTI.
type AuthProps struct {
	// Mode is AuthModeDeployment or AuthModeConsole.
	// Default: deployment when OpenID or SAML is set, console otherwise.
	Mode *string
	// LocalLogin must stay true (nil means true). In deployment mode every
	// node writes its own PROVIDERS__LOCAL__CONFIG__DISABLED into the shared
	// local_auth setting when it starts, and OpenCTI's safety net then turns
	// local sign-in back on whenever the starting node has no other provider
	// registered: connector-api and worker-api never carry one, and OpenID
	// Connect providers register asynchronously after that check. False can
	// therefore not hold; switch local sign-in off in OpenCTI's UI in console
	// mode, where the safety net counts the database providers every node
	// shares. Default: true.
	LocalLogin *bool
	// OpenID adds an OpenID Connect sign-in button to the ui tier
	// (deployment mode only). Default: none.
	OpenID *OpenIDProps
	// SAML adds a SAML sign-in button to the ui tier (deployment mode only).
	// Default: none.
	SAML *SAMLProps
	// EnterpriseLicense is the Secrets Manager value of the Enterprise
	// Edition licence (a PEM certificate), given to every platform tier as
	// APP__ENTERPRISE_EDITION_LICENSE (it takes precedence over a licence
	// stored in OpenCTI's settings). Required with OpenID or SAML unless
	// LicenseInPlatformSettings is true. Default: none.
	EnterpriseLicense *RemoteRef
	// LicenseInPlatformSettings declares that the Enterprise Edition licence
	// is stored in OpenCTI's settings (entered in the UI), so an identity
	// provider needs no EnterpriseLicense. Default: false.
	LicenseInPlatformSettings *bool
	// SecretRegistry maps a name to a Secrets Manager value, given to every
	// platform tier as SECRETS__<NAME>__VALUE: the secrets that providers
	// managed in OpenCTI's UI reference by name ("Use external secret";
	// OpenCTI lists the name in lower case). Console mode only; names are
	// upper-case letters, digits and single underscores. Default: none.
	SecretRegistry map[string]RemoteRef
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

// Auth environment variables (OpenCTI's nconf reads PROVIDERS__<NAME>__...
// with "__" as nesting, lower-cased, JSON-parsed values; conf.js).
const (
	envForceEnv           = "APP__AUTHENTICATION__FORCE_ENV"
	envLicense            = "APP__ENTERPRISE_EDITION_LICENSE"
	envLocalStrategy      = "PROVIDERS__LOCAL__STRATEGY"
	envOpenIDClientSecret = "PROVIDERS__OPENID__CONFIG__CLIENT_SECRET"
	envSAMLCert           = "PROVIDERS__SAML__CONFIG__CERT"
	defaultOpenIDLabel    = "Single sign-on"
	defaultSAMLLabel      = "Single sign-on (SAML)"
	openIDConnectStrategy = "OpenIDConnectStrategy"
	samlStrategy          = "SamlStrategy"
	localStrategy         = "LocalStrategy"
)

// SecretRegistryEnv is the variable of registry entry name:
// SECRETS__<NAME>__VALUE.
func SecretRegistryEnv(name string) string { return "SECRETS__" + name + "__VALUE" }

var secretRegistryNameRE = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// DefaultOpenIDScopes are the scopes requested when OpenIDProps.Scopes is nil.
func DefaultOpenIDScopes() []string { return []string{"openid", "email", "profile"} }

// withDefaults resolves the optional auth props for the ui hostname.
func (a AuthProps) withDefaults(uiHost string) AuthProps {
	mode := AuthModeConsole
	if a.OpenID != nil || a.SAML != nil {
		mode = AuthModeDeployment
	}
	r := AuthProps{
		Mode:                      orDefault(a.Mode, mode),
		LocalLogin:                orDefault(a.LocalLogin, true),
		LicenseInPlatformSettings: orDefault(a.LicenseInPlatformSettings, false),
		SecretRegistry:            maps.Clone(a.SecretRegistry),
	}
	if a.EnterpriseLicense != nil {
		l := *a.EnterpriseLicense
		r.EnterpriseLicense = &l
	}
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

// authEnv is the plain (non-secret) sign-in environment of tier t.
//
// Deployment mode, every tier: APP__AUTHENTICATION__FORCE_ENV=true and the
// local strategy (enabled: OpenCTI's safety net keeps it on anyway, and every
// node must write the same local_auth value when it starts); the ui tier
// also gets the identity providers. Console mode: nothing, OpenCTI's
// database is the source of truth.
func authEnv(p *Props, t tier) []corev1.EnvVar {
	a := p.Auth.withDefaults(p.Hostnames.UI)
	if *a.Mode != AuthModeDeployment {
		return nil
	}
	env := []corev1.EnvVar{
		envValue(envForceEnv, "true"),
		envValue(envLocalStrategy, localStrategy),
	}
	if t.component != ComponentUI {
		return env
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
	mode := *a.Mode
	if !slices.Contains(AuthModes(), mode) {
		v.add("Auth.Mode", mode, `"deployment" or "console"`)
	}
	if !*a.LocalLogin {
		v.add("Auth.LocalLogin", false, "true (OpenCTI 7 turns local sign-in back on whenever a platform without an identity provider of its own starts; "+
			"switch it off in OpenCTI's UI in console mode)")
	}
	if o := a.OpenID; o != nil {
		if mode == AuthModeConsole {
			v.add("Auth.OpenID.Issuer", o.Issuer, `none in console mode (providers are managed in OpenCTI's UI; Mode "deployment" manages them here)`)
		}
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
		if mode == AuthModeConsole {
			v.add("Auth.SAML.EntryPoint", s.EntryPoint, `none in console mode (providers are managed in OpenCTI's UI; Mode "deployment" manages them here)`)
		}
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
	if l := a.EnterpriseLicense; l != nil {
		v.remoteRef("Auth.EnterpriseLicense", *l)
		if *a.LicenseInPlatformSettings {
			v.add("Auth.LicenseInPlatformSettings", true, "false when Auth.EnterpriseLicense is set (APP__ENTERPRISE_EDITION_LICENSE replaces the licence in the settings)")
		}
	} else if (a.OpenID != nil || a.SAML != nil) && !*a.LicenseInPlatformSettings {
		v.add("Auth.EnterpriseLicense", "", "a Secrets Manager reference to the Enterprise Edition licence, or Auth.LicenseInPlatformSettings true "+
			"(OpenCTI 7 signs people in through OpenID Connect or SAML only under an Enterprise Edition licence)")
	}
	if len(a.SecretRegistry) > 0 && mode != AuthModeConsole {
		v.add("Auth.SecretRegistry", sortedKeys(a.SecretRegistry), "none in deployment mode (the registry serves providers managed in OpenCTI's UI)")
	}
	for _, name := range sortedKeys(a.SecretRegistry) {
		if !secretRegistryNameRE.MatchString(name) {
			v.add("Auth.SecretRegistry", name, `names of upper-case letters, digits and single underscores, such as "OIDC_CLIENT_SECRET"`)
		}
		v.remoteRef("Auth.SecretRegistry["+name+"]", a.SecretRegistry[name])
	}
}
