// Package secretsspec holds the rules of the Secrets Manager names of an
// OpenCTI deployment, shared by the constructs (secrets.NewOpenCTISecrets,
// cluster.NewCluster) and the configuration (secretsPrefix). It depends on
// no AWS package.
package secretsspec

import (
	"regexp"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

var namePrefixRe = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,100}$`)

// ValidNamePrefix reports whether prefix may start the names of the
// deployment's secrets ("<prefix>/admin", ...) and scope a reader to
// "secret:<prefix>/*": 1-100 characters Secrets Manager allows in a name, no
// wildcard, not starting or ending with "/".
func ValidNamePrefix(prefix string) bool {
	return namePrefixRe.MatchString(prefix) && !strings.HasPrefix(prefix, "/") && !strings.HasSuffix(prefix, "/")
}

// CheckNamePrefix reports prefix to p, as field, unless ValidNamePrefix.
// Deploy-time values (CDK tokens) are not checked.
func CheckNamePrefix(p *problems.List, field, prefix string) {
	if !strings.Contains(prefix, "${Token[") && !ValidNamePrefix(prefix) {
		p.Add(field, prefix, "1-100 characters of A-Z a-z 0-9 / _ + = . @ -, not starting or ending with /")
	}
}

// Names, below the deployment's prefix, of the secrets an OpenCTI deployment
// creates (the Data stack: "<prefix>/admin", ...), and the JSON fields inside
// them. The constructs create them under these names and the charts'
// ExternalSecrets read them by these names.
const (
	AdminSecretName           = "admin"
	HealthAccessKeySecretName = "health-access-key"
	EncryptionKeySecretName   = "encryption-key"
	OpenSearchSecretName      = "opensearch"
	RedisSecretName           = "redis"
	RabbitMQSecretName        = "rabbitmq"

	// UsernameField and PasswordField are the fields of every credentials
	// secret (the admin password, OpenSearch, Redis, RabbitMQ).
	UsernameField = "username"
	PasswordField = "password"
	// AdminTokenField holds APP__ADMIN__TOKEN in the admin secret.
	AdminTokenField = "token"
	// HealthAccessKeyField holds APP__HEALTH_ACCESS_KEY.
	HealthAccessKeyField = "accessKey"
	// EncryptionKeyField holds APP__ENCRYPTION_KEY.
	EncryptionKeyField = "key"
)
