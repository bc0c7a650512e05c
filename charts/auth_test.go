package charts_test

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
)

// TestUISignInProviders: the ui tier gets the identity providers as OpenCTI
// PROVIDERS__* variables, their secrets from its own Secret, never literal.
func TestUISignInProviders(t *testing.T) {
	env := envOf(t, edge.deployment(t, charts.UIName).Spec.Template.Spec.Containers[0])
	for k, want := range map[string]string{
		"PROVIDERS__LOCAL__STRATEGY":                          "LocalStrategy",
		"PROVIDERS__LOCAL__CONFIG__DISABLED":                  "true",
		"PROVIDERS__OPENID__STRATEGY":                         "OpenIDConnectStrategy",
		"PROVIDERS__OPENID__CONFIG__LABEL":                    "Single sign-on",
		"PROVIDERS__OPENID__CONFIG__ISSUER":                   "https://login.example.org/realms/cti",
		"PROVIDERS__OPENID__CONFIG__CLIENT_ID":                "opencti",
		"PROVIDERS__OPENID__CONFIG__REDIRECT_URIS":            `["https://opencti.example.com/auth/oic/callback"]`,
		"PROVIDERS__OPENID__CONFIG__DEFAULT_SCOPES":           `["openid","email","profile"]`,
		"PROVIDERS__OPENID__CONFIG__LOGOUT_REMOTE":            "false",
		"PROVIDERS__SAML__STRATEGY":                           "SamlStrategy",
		"PROVIDERS__SAML__CONFIG__ISSUER":                     "opencti-prod",
		"PROVIDERS__SAML__CONFIG__ENTRY_POINT":                "https://idp.example.org/sso/saml",
		"PROVIDERS__SAML__CONFIG__SAML_CALLBACK_URL":          "https://opencti.example.com/auth/saml/callback",
		"PROVIDERS__SAML__CONFIG__WANT_ASSERTIONS_SIGNED":     "true",
		"PROVIDERS__SAML__CONFIG__WANT_AUTHN_RESPONSE_SIGNED": "true",
	} {
		if e, ok := env[k]; !ok || e.Value != want || e.ValueFrom != nil {
			t.Errorf("ui %s = %+v, want %q", k, e, want)
		}
	}
	for _, k := range []string{"PROVIDERS__OPENID__CONFIG__CLIENT_SECRET", "PROVIDERS__SAML__CONFIG__CERT"} {
		e := env[k]
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
			e.ValueFrom.SecretKeyRef.Name != charts.UISecretName || e.ValueFrom.SecretKeyRef.Key != k {
			t.Errorf("ui %s = %+v, want a secretKeyRef to %s/%s", k, e, charts.UISecretName, k)
		}
	}
	// The ExternalSecret of the ui Secret sits next to the ui Deployment.
	d := edge.one(t, "ExternalSecret", charts.UISecretName)
	if d.Chart != charts.PlatformChartID || !strings.Contains(string(d.Raw), `"key":"opencti/prod/oidc","property":"clientSecret"`) ||
		!strings.Contains(string(d.Raw), `"key":"opencti/prod/saml","property":"cert"`) {
		t.Errorf("ui ExternalSecret in chart %s: %s", d.Chart, d.Raw)
	}
	listed := false
	for _, s := range edge.charts.Secrets {
		listed = listed || (s.Name == charts.UISecretName && strings.Join(s.Keys, ",") == "PROVIDERS__OPENID__CONFIG__CLIENT_SECRET,PROVIDERS__SAML__CONFIG__CERT")
	}
	if !listed {
		t.Errorf("Charts.Secrets does not list the ui Secret: %+v", edge.charts.Secrets)
	}
}

// TestAPITiersAcceptTokensOnly: connector-api and worker-api never get an
// identity provider or its secrets, and no user signs in there with a
// password (OpenCTI resolves Bearer tokens whatever the providers).
func TestAPITiersAcceptTokensOnly(t *testing.T) {
	for _, s := range []synthesized{defaults, edge} {
		for _, name := range []string{charts.ConnectorAPIName, charts.WorkerAPIName} {
			env := envOf(t, s.deployment(t, name).Spec.Template.Spec.Containers[0])
			if env["PROVIDERS__LOCAL__STRATEGY"].Value != "LocalStrategy" || env["PROVIDERS__LOCAL__CONFIG__DISABLED"].Value != "true" {
				t.Errorf("%s: local strategy %+v / %+v, want disabled", name, env["PROVIDERS__LOCAL__STRATEGY"], env["PROVIDERS__LOCAL__CONFIG__DISABLED"])
			}
			for k, e := range env {
				if (strings.HasPrefix(k, "PROVIDERS__OPENID") || strings.HasPrefix(k, "PROVIDERS__SAML")) ||
					(e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == charts.UISecretName) {
					t.Errorf("%s: %s must stay on the ui tier", name, k)
				}
			}
		}
	}
	// Without an identity provider the ui keeps local passwords and has no
	// Secret of its own.
	env := envOf(t, defaults.deployment(t, charts.UIName).Spec.Template.Spec.Containers[0])
	if _, off := env["PROVIDERS__LOCAL__CONFIG__DISABLED"]; off || env["PROVIDERS__LOCAL__STRATEGY"].Value != "LocalStrategy" {
		t.Errorf("default ui: local strategy %+v, disabled %+v", env["PROVIDERS__LOCAL__STRATEGY"], env["PROVIDERS__LOCAL__CONFIG__DISABLED"])
	}
	if got := defaults.find("ExternalSecret", charts.UISecretName); len(got) != 0 {
		t.Errorf("default props create %s", charts.UISecretName)
	}
}

func TestAuthValidation(t *testing.T) {
	p := validProps()
	p.Auth.OpenID = &charts.OpenIDProps{Issuer: "http://login.example.org", Scopes: []string{"email"},
		ClientSecret: charts.RemoteRef{Key: "bad key"}}
	p.Auth.SAML = &charts.SAMLProps{EntryPoint: "idp.example.org", Label: jsii.String(" ")}
	p.Secrets.PlatformExtra = map[string]charts.RemoteRef{"PROVIDERS__SAML__CONFIG__CERT": {Key: "opencti/saml"}}
	p.UI.ExtraEnv = map[string]string{"PROVIDERS__OPENID__CONFIG__CLIENT_SECRET": "literal"}
	err := p.Validate()
	if err == nil {
		t.Fatal("invalid auth accepted")
	}
	for _, want := range []string{
		`UI.ExtraEnv: got "PROVIDERS__OPENID__CONFIG__CLIENT_SECRET", want names the chart does not manage`,
		`Secrets.PlatformExtra: got "PROVIDERS__SAML__CONFIG__CERT", want a variable the chart does not set itself`,
		`Auth.OpenID.Issuer: got "http://login.example.org", want an absolute https URL`,
		`Auth.OpenID.ClientID: got "", want OpenCTI's client ID at the identity provider`,
		`Auth.OpenID.ClientSecret.Key: got "bad key", want a Secrets Manager secret name or ARN`,
		`Auth.OpenID.Scopes: got ["email"], want a list that includes "openid"`,
		`Auth.SAML.EntryPoint: got "idp.example.org", want an absolute https URL`,
		`Auth.SAML.Issuer: got "", want OpenCTI's entity ID at the identity provider`,
		`Auth.SAML.Cert.Key: got "", want a Secrets Manager secret name or ARN`,
		`Auth.SAML.Label: got " ", want the sign-in button's text`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
