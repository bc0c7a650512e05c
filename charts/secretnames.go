package charts

import "github.com/opencti-ha/opencti-ha/constructs/secrets/secretsspec"

// Names of the Secrets Manager secrets an opencti-ha deployment creates below
// its secrets prefix, and the JSON fields inside them: the names the
// constructs create them under (secretsspec, shared with constructs/secrets),
// so the ExternalSecrets always name secrets and fields that exist.
const (
	SecretSuffixAdmin           = secretsspec.AdminSecretName
	SecretSuffixHealthAccessKey = secretsspec.HealthAccessKeySecretName
	SecretSuffixEncryptionKey   = secretsspec.EncryptionKeySecretName
	SecretSuffixOpenSearch      = secretsspec.OpenSearchSecretName
	SecretSuffixRedis           = secretsspec.RedisSecretName
	SecretSuffixRabbitMQ        = secretsspec.RabbitMQSecretName

	SecretFieldAdminPassword   = secretsspec.PasswordField
	SecretFieldAdminToken      = secretsspec.AdminTokenField
	SecretFieldHealthAccessKey = secretsspec.HealthAccessKeyField
	SecretFieldEncryptionKey   = secretsspec.EncryptionKeyField
	SecretFieldUsername        = secretsspec.UsernameField
	SecretFieldPassword        = secretsspec.PasswordField
)

// SecretsFor returns the Secrets Manager references of the secrets the Data
// stack creates under prefix.
func SecretsFor(prefix string) Secrets {
	ref := func(suffix, field string) RemoteRef {
		return RemoteRef{Key: prefix + "/" + suffix, Property: field}
	}
	return Secrets{
		AdminPassword:      ref(SecretSuffixAdmin, SecretFieldAdminPassword),
		AdminToken:         ref(SecretSuffixAdmin, SecretFieldAdminToken),
		HealthAccessKey:    ref(SecretSuffixHealthAccessKey, SecretFieldHealthAccessKey),
		EncryptionKey:      ref(SecretSuffixEncryptionKey, SecretFieldEncryptionKey),
		OpenSearchUsername: ref(SecretSuffixOpenSearch, SecretFieldUsername),
		OpenSearchPassword: ref(SecretSuffixOpenSearch, SecretFieldPassword),
		RedisAuthToken:     ref(SecretSuffixRedis, SecretFieldPassword),
		RabbitMQUsername:   ref(SecretSuffixRabbitMQ, SecretFieldUsername),
		RabbitMQPassword:   ref(SecretSuffixRabbitMQ, SecretFieldPassword),
	}
}
