package charts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// SMTPProps configures OpenCTI's outbound e-mail (notifications, digests,
// password reset) through OpenCTI's SMTP__* settings (database/smtp.js).
type SMTPProps struct {
	// Host is the SMTP server, e.g. "email-smtp.eu-west-1.amazonaws.com".
	// Required.
	Host string
	// Port is the SMTP server's port; the platform egress NetworkPolicy opens
	// this port only. Default: 587.
	Port *int32
	// ImplicitTLS connects with TLS from the first byte (SMTP__USE_SSL=true,
	// "SMTPS"); otherwise the connection is upgraded with STARTTLS when the
	// server offers it. Default: true on ports 465 and 2465, false otherwise.
	ImplicitTLS *bool
	// Username is SMTP__USERNAME. Default: none (no authentication).
	Username *string
	// Password is the Secrets Manager value of SMTP__PASSWORD; required with
	// Username. Default: none.
	Password *RemoteRef
	// From is the sender address of every e-mail
	// (SMTP__FORCED_SENDER_EMAIL; without it OpenCTI uses the platform e-mail
	// of its settings). Required.
	From string
	// EgressCIDRs are where platform pods may open connections on Port.
	// Default: ["0.0.0.0/0"] (a NetworkPolicy cannot name a host).
	EgressCIDRs []string
}

// DefaultSMTPPort is SMTPProps.Port when nil (submission with STARTTLS).
const DefaultSMTPPort = 587

func (s SMTPProps) withDefaults() SMTPProps {
	r := s
	r.Port = orDefault(s.Port, DefaultSMTPPort)
	r.ImplicitTLS = orDefault(s.ImplicitTLS, *r.Port == 465 || *r.Port == 2465)
	if len(s.EgressCIDRs) == 0 {
		r.EgressCIDRs = []string{"0.0.0.0/0"}
	} else {
		r.EgressCIDRs = slices.Clone(s.EgressCIDRs)
	}
	return r
}

// smtpEnv is the plain SMTP environment of every platform tier. Without
// SMTPProps the platform's e-mail is switched off (SMTP__ENABLED=false), so
// OpenCTI does not try localhost:25 at every start.
func smtpEnv(p *Props) []corev1.EnvVar {
	if p.SMTP == nil {
		return []corev1.EnvVar{envValue("SMTP__ENABLED", "false")}
	}
	s := p.SMTP.withDefaults()
	env := []corev1.EnvVar{
		envValue("SMTP__ENABLED", "true"),
		envValue("SMTP__HOSTNAME", s.Host),
		envValue("SMTP__PORT", strconv.Itoa(int(*s.Port))),
		envValue("SMTP__USE_SSL", strconv.FormatBool(*s.ImplicitTLS)),
		// Verify the server's certificate (OpenCTI's default is false).
		envValue("SMTP__REJECT_UNAUTHORIZED", "true"),
		envValue("SMTP__FORCED_SENDER_EMAIL", s.From),
	}
	if s.Username != nil {
		env = append(env, envValue("SMTP__USERNAME", *s.Username))
	}
	return env
}

func (v *validator) smtp(s *SMTPProps) {
	if s == nil {
		return
	}
	r := s.withDefaults()
	v.hostname("SMTP.Host", r.Host)
	v.port("SMTP.Port", *r.Port)
	if !ValidEmail(r.From) {
		v.add("SMTP.From", r.From, "the sender e-mail address")
	}
	switch {
	case r.Username != nil && strings.TrimSpace(*r.Username) == "":
		v.add("SMTP.Username", *r.Username, "a user name, or nil for no authentication")
	case r.Username != nil && r.Password == nil:
		v.add("SMTP.Password", "", "a Secrets Manager reference to the password of SMTP.Username")
	case r.Username == nil && r.Password != nil:
		v.add("SMTP.Username", "", "the user name the SMTP.Password belongs to")
	}
	if r.Password != nil {
		v.remoteRef("SMTP.Password", *r.Password)
	}
	for i, c := range r.EgressCIDRs {
		if _, ok := cidr(c); !ok {
			v.add(fmt.Sprintf("SMTP.EgressCIDRs[%d]", i), c, `an IPv4 CIDR without host bits, such as "10.0.0.0/16"`)
		}
	}
}
