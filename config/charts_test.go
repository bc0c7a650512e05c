package config_test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
)

// TestChartPropsSignInQueuesAndEmail: the configuration's sign-in mode,
// licence, registry, SMTP and broker deployment mode reach the chart props.
func TestChartPropsSignInQueuesAndEmail(t *testing.T) {
	prod, _ := config.Default("prod")
	dev, _ := config.Default("dev")
	for cfg, want := range map[*config.Config]string{prod: "quorum", dev: "classic"} {
		p := cfg.ChartProps()
		if got := *p.Endpoints.RabbitMQQueueType; got != want {
			t.Errorf("%s (%s broker): queue type %q, want %q", cfg.Environment, cfg.Data.Broker.DeploymentMode, got, want)
		}
		if *p.Auth.Mode != charts.AuthModeConsole || p.Auth.EnterpriseLicense != nil || p.SMTP != nil {
			t.Errorf("%s: default auth %+v / smtp %+v, want console mode, no licence, no SMTP", cfg.Environment, p.Auth, p.SMTP)
		}
	}

	prod.Edge.Auth.OIDC = config.EdgeOIDC{Issuer: "https://login.acme.org", ClientID: "opencti",
		ClientSecret: config.SecretRef{Secret: "opencti/prod/oidc", Property: "clientSecret"}, Scopes: []string{"openid"}, Label: "SSO"}
	prod.Edge.Auth.EnterpriseLicense = config.SecretRef{Secret: "opencti/prod/enterprise-license", Property: "pem"}
	prod.OpenCTI.SMTP = config.SMTP{Host: "email-smtp.eu-west-1.amazonaws.com", Port: 587, User: "AKIA",
		Password: config.SecretRef{Secret: "opencti/prod/smtp", Property: "password"}, From: "cti@acme.org"}
	prod.OpenCTI.Connectors = []config.Connector{{Name: "import-pdf", Type: "INTERNAL_IMPORT_FILE", Scope: "application/pdf", WritableDir: "/opt/x"}}
	p := prod.ChartProps()
	if *p.Auth.Mode != charts.AuthModeDeployment || p.Auth.OpenID == nil || p.Auth.OpenID.ClientSecret.Key != "opencti/prod/oidc" ||
		*p.Auth.EnterpriseLicense != (charts.RemoteRef{Key: "opencti/prod/enterprise-license", Property: "pem"}) {
		t.Errorf("deployment auth %+v", p.Auth)
	}
	if s := p.SMTP; s == nil || s.Host != "email-smtp.eu-west-1.amazonaws.com" || *s.Port != 587 || *s.Username != "AKIA" ||
		*s.Password != (charts.RemoteRef{Key: "opencti/prod/smtp", Property: "password"}) || s.From != "cti@acme.org" {
		t.Errorf("smtp %+v", p.SMTP)
	}
	if d := p.Connectors[0].WritableDir; d == nil || *d != "/opt/x" {
		t.Errorf("writable dir %v", d)
	}

	prod.Edge.Auth = config.EdgeAuth{Mode: "console", LocalLogin: true,
		Secrets: map[string]config.SecretRef{"OIDC_CLIENT_SECRET": {Secret: "opencti/prod/oidc", Property: "clientSecret"}}}
	p = prod.ChartProps()
	if *p.Auth.Mode != charts.AuthModeConsole || p.Auth.OpenID != nil ||
		p.Auth.SecretRegistry["OIDC_CLIENT_SECRET"] != (charts.RemoteRef{Key: "opencti/prod/oidc", Property: "clientSecret"}) {
		t.Errorf("console auth %+v", p.Auth)
	}
}
