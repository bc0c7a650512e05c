package charts_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
)

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
		`Auth.EnterpriseLicense: got "", want a Secrets Manager reference to the Enterprise Edition licence, or Auth.LicenseInPlatformSettings true ` +
			`(OpenCTI 7 signs people in through OpenID Connect or SAML only under an Enterprise Edition licence)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestAuthModeValidation(t *testing.T) {
	openID := func() *charts.OpenIDProps {
		return &charts.OpenIDProps{Issuer: "https://login.example.org", ClientID: "opencti", ClientSecret: charts.RemoteRef{Key: "opencti/oidc"}}
	}
	licence := &charts.RemoteRef{Key: "opencti/licence"}
	tests := []struct {
		name string
		auth charts.AuthProps
		want []string
	}{
		{"deployment with a licence", charts.AuthProps{OpenID: openID(), EnterpriseLicense: licence}, nil},
		{"deployment, licence in the settings", charts.AuthProps{OpenID: openID(), LicenseInPlatformSettings: jsii.Bool(true)}, nil},
		{"console with a registry", charts.AuthProps{Mode: jsii.String("console"),
			SecretRegistry: map[string]charts.RemoteRef{"OIDC_SECRET": {Key: "opencti/oidc"}}}, nil},
		{"unknown mode, local login off", charts.AuthProps{Mode: jsii.String("env"), LocalLogin: jsii.Bool(false)}, []string{
			`Auth.Mode: got "env", want "deployment" or "console"`,
			`Auth.LocalLogin: got false, want true (OpenCTI 7 turns local sign-in back on whenever a platform without an identity provider of its own starts; ` +
				`switch it off in OpenCTI's UI in console mode)`,
		}},
		{"identity provider in console mode, licence twice", charts.AuthProps{Mode: jsii.String("console"), OpenID: openID(),
			EnterpriseLicense: licence, LicenseInPlatformSettings: jsii.Bool(true)}, []string{
			`Auth.OpenID.Issuer: got "https://login.example.org", want none in console mode (providers are managed in OpenCTI's UI; Mode "deployment" manages them here)`,
			`Auth.LicenseInPlatformSettings: got true, want false when Auth.EnterpriseLicense is set (APP__ENTERPRISE_EDITION_LICENSE replaces the licence in the settings)`,
		}},
		{"registry in deployment mode, bad names", charts.AuthProps{Mode: jsii.String("deployment"),
			SecretRegistry: map[string]charts.RemoteRef{"oidc": {Key: "opencti/oidc"}, "A__B": {Key: ""}}}, []string{
			`Auth.SecretRegistry: got ["A__B" "oidc"], want none in deployment mode (the registry serves providers managed in OpenCTI's UI)`,
			`Auth.SecretRegistry: got "A__B", want names of upper-case letters, digits and single underscores, such as "OIDC_CLIENT_SECRET"`,
			`Auth.SecretRegistry[A__B].Key: got "", want a Secrets Manager secret name or ARN`,
			`Auth.SecretRegistry: got "oidc", want names of upper-case letters, digits and single underscores, such as "OIDC_CLIENT_SECRET"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProps()
			p.Auth = tt.auth
			if got := problems(p.Validate()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestAuthSecretsCannotBeShadowed: the licence, the SMTP password and the
// registry entries come from Secrets Manager only, never from ExtraEnv.
func TestAuthSecretsCannotBeShadowed(t *testing.T) {
	p := consoleProps()
	p.PlatformExtraEnv = map[string]string{"APP__ENTERPRISE_EDITION_LICENSE": "-----BEGIN", "SECRETS__LDAP_BIND__VALUE": "x",
		"APP__AUTHENTICATION__FORCE_ENV": "false", "RABBITMQ__QUEUE_TYPE": "classic", "APP__LIVENESS_PORT": "9"}
	err := p.Validate()
	for _, name := range []string{"APP__ENTERPRISE_EDITION_LICENSE", "SECRETS__LDAP_BIND__VALUE", "APP__AUTHENTICATION__FORCE_ENV",
		"RABBITMQ__QUEUE_TYPE", "APP__LIVENESS_PORT"} {
		if err == nil || !strings.Contains(err.Error(), `PlatformExtraEnv: got "`+name+`", want names the chart does not manage`) {
			t.Errorf("%s accepted in PlatformExtraEnv: %v", name, err)
		}
	}
}
