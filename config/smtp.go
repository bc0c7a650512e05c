package config

import (
	"fmt"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/constructs/network/networkspec"
)

// SMTP configures OpenCTI's outbound e-mail (notifications, digests,
// password reset) on every platform tier (OpenCTI's SMTP__* settings). The
// platform egress NetworkPolicy is opened to port only, and only when host is
// set. Amazon SES: host email-smtp.<region>.amazonaws.com, port 587, user
// and password the SES SMTP credentials.
type SMTP struct {
	// Host is the SMTP server's DNS name. Empty: no outbound e-mail
	// (SMTP__ENABLED=false). Default: "".
	Host string `yaml:"host"`
	// Port of the SMTP server, 1 to 65535: 465 and 2465 speak TLS from the
	// first byte, any other port is upgraded with STARTTLS when the server
	// offers it. The server's certificate is always verified. Default: 587.
	Port int `yaml:"port"`
	// User is the SMTP user name. Empty: no authentication. Default: "".
	User string `yaml:"user"`
	// Password is the Secrets Manager secret (under secretsPrefix) and JSON
	// property holding the password of user; required with user. It reaches
	// the platform pods through External Secrets. Default: none.
	Password SecretRef `yaml:"password"`
	// From is the sender address of every e-mail (SMTP__FORCED_SENDER_EMAIL;
	// the platform e-mail of OpenCTI's settings is not used then). Required
	// with host. Default: "".
	From string `yaml:"from"`
}

// Enabled reports whether outbound e-mail is configured.
func (s SMTP) Enabled() bool { return s.Host != "" }

func (s *SMTP) validate(c *Config, p *Problems) {
	if !s.Enabled() {
		if s.User != "" || s.Password != (SecretRef{}) || s.From != "" {
			p.Add("opencti.smtp.host", s.Host, "the SMTP server's DNS name when user, password or from is set")
		}
		return
	}
	if !networkspec.ValidHostname(s.Host) {
		p.Add("opencti.smtp.host", s.Host, "a lower-case DNS name such as email-smtp.eu-west-1.amazonaws.com")
	}
	if s.Port < 1 || s.Port > 65535 {
		p.Add("opencti.smtp.port", s.Port, "1 to 65535 (587 for STARTTLS, 465 for TLS)")
	}
	if !charts.ValidEmail(s.From) {
		p.Add("opencti.smtp.from", s.From, "the sender e-mail address")
	}
	switch {
	case s.User != "" && s.Password == (SecretRef{}):
		p.Add("opencti.smtp.password.secret", "", fmt.Sprintf("the Secrets Manager secret (under %s/) holding the password of opencti.smtp.user", c.SecretsPrefix))
	case s.User == "" && s.Password != (SecretRef{}):
		p.Add("opencti.smtp.user", s.User, "the user name opencti.smtp.password belongs to")
	case s.Password != (SecretRef{}):
		validateSecretRef(c, p, "opencti.smtp.password", s.Password)
	}
}
