package config

import (
	"strings"
	"testing"
)

func TestSMTPDefaultsOff(t *testing.T) {
	for _, env := range Environments {
		c, _ := Default(env)
		if c.OpenCTI.SMTP.Enabled() || c.OpenCTI.SMTP.Port != 587 {
			t.Errorf("%s: smtp %+v, want off with port 587", env, c.OpenCTI.SMTP)
		}
	}
}

func TestSMTPAndWritableDirValidationMessages(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *Config)
		want   []string
	}{
		{"valid SES", func(c *Config) {
			c.OpenCTI.SMTP = SMTP{Host: "email-smtp.eu-west-1.amazonaws.com", Port: 587, User: "AKIAEXAMPLE",
				Password: SecretRef{Secret: "opencti/prod/smtp", Property: "password"}, From: "cti@acme.org"}
		}, nil},
		{"settings without a host", func(c *Config) {
			c.OpenCTI.SMTP = SMTP{Port: 587, From: "cti@acme.org"}
		}, []string{`opencti.smtp.host: got "", want the SMTP server's DNS name when user, password or from is set`}},
		{"bad host, port, sender; user without password", func(c *Config) {
			c.OpenCTI.SMTP = SMTP{Host: "smtp:25", Port: 70000, User: "cti", From: "nobody"}
		}, []string{
			`opencti.smtp.host: got "smtp:25", want a lower-case DNS name such as email-smtp.eu-west-1.amazonaws.com`,
			`opencti.smtp.port: got 70000, want 1 to 65535 (587 for STARTTLS, 465 for TLS)`,
			`opencti.smtp.from: got "nobody", want the sender e-mail address`,
			`opencti.smtp.password.secret: got "", want the Secrets Manager secret (under opencti/prod/) holding the password of opencti.smtp.user`,
		}},
		{"password without user, outside the prefix", func(c *Config) {
			c.OpenCTI.SMTP = SMTP{Host: "smtp.acme.org", Port: 465, From: "cti@acme.org", Password: SecretRef{Secret: "mail/smtp"}}
		}, []string{`opencti.smtp.user: got "", want the user name opencti.smtp.password belongs to`}},
		{"password outside the prefix", func(c *Config) {
			c.OpenCTI.SMTP = SMTP{Host: "smtp.acme.org", Port: 465, User: "cti", From: "cti@acme.org", Password: SecretRef{Secret: "mail/smtp"}}
		}, []string{`opencti.smtp.password.secret: got "mail/smtp", want a secret name under opencti/prod/ (the only secrets the cluster may read)`}},
		{"writable dirs", func(c *Config) {
			c.OpenCTI.Connectors = []Connector{
				{Name: "a", Type: "EXTERNAL_IMPORT", WritableDir: "opt/a"},
				{Name: "b", Type: "EXTERNAL_IMPORT", WritableDir: "/tmp"},
				{Name: "c", Type: "EXTERNAL_IMPORT", WritableDir: "/opt/c/"},
				{Name: "d", Type: "EXTERNAL_IMPORT", WritableDir: "/opt/connector-d"},
			}
		}, []string{
			`opencti.connectors[0].writableDir: got "opt/a", want empty, or an absolute clean directory of the image other than / and /tmp, such as /opt/opencti-connector-import-document`,
			`opencti.connectors[1].writableDir: got "/tmp", want empty, or an absolute clean directory of the image other than / and /tmp, such as /opt/opencti-connector-import-document`,
			`opencti.connectors[2].writableDir: got "/opt/c/", want empty, or an absolute clean directory of the image other than / and /tmp, such as /opt/opencti-connector-import-document`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := edgeProblems("prod", tc.mutate)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}

func TestSMTPFromYAML(t *testing.T) {
	c, err := Parse([]byte(`environment: dev
opencti:
  smtp:
    host: email-smtp.eu-west-1.amazonaws.com
    user: AKIAEXAMPLE
    password: {secret: opencti/dev/smtp, property: password}
    from: cti@acme.org
  connectors:
    - {name: import-pdf, type: INTERNAL_IMPORT_FILE, scope: application/pdf, writableDir: /opt/opencti-connector-import-pdf}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if s := c.OpenCTI.SMTP; !s.Enabled() || s.Port != 587 || s.Password.Property != "password" {
		t.Errorf("smtp %+v", s)
	}
	if c.OpenCTI.Connectors[0].WritableDir != "/opt/opencti-connector-import-pdf" {
		t.Errorf("connectors %+v", c.OpenCTI.Connectors)
	}
}
