package charts

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// BackgroundManagers lists OpenCTI's background managers; each is switched by
// <NAME>__ENABLED: off on the ui and connector-api tiers, on on worker-api.
func BackgroundManagers() []string {
	return []string{
		"RULE_ENGINE", "HISTORY_MANAGER", "TASK_SCHEDULER", "EXPIRATION_SCHEDULER",
		"SYNC_MANAGER", "RETENTION_MANAGER", "NOTIFICATION_MANAGER", "PUBLISHER_MANAGER",
		"INGESTION_MANAGER", "PLAYBOOK_MANAGER", "ACTIVITY_MANAGER", "CONNECTOR_MANAGER",
		"FILE_INDEX_MANAGER", "INDICATOR_DECAY_MANAGER", "GARBAGE_COLLECTION_MANAGER",
		"IMPORT_CSV_BUILT_IN_CONNECTOR",
	}
}

// reservedPlatformEnv are platform variables ExtraEnv may not replace: the
// secrets (they come from the platform Secret) and the values the probes,
// ports and heap sizing depend on.
func reservedPlatformEnv(p *Props) map[string]bool {
	r := map[string]bool{
		"APP__PORT": true, "NODE_OPTIONS": true, "APP__TELEMETRY__METRICS__EXPORTER_PROMETHEUS": true,
	}
	for _, e := range platformSecretEntries(p) {
		r[e.key] = true
	}
	for _, e := range uiSecretEntries(p) {
		r[e.key] = true
	}
	return r
}

// reservedWorkerEnv are worker variables ExtraEnv may not replace.
var reservedWorkerEnv = map[string]bool{
	"OPENCTI_URL": true, "OPENCTI_TOKEN": true, "WORKER_PROMETHEUS_TELEMETRY_PORT": true,
}

// reservedConnectorEnv are connector variables Env and SecretEnv may not set.
var reservedConnectorEnv = map[string]bool{
	"OPENCTI_URL": true, "OPENCTI_TOKEN": true, "CONNECTOR_ID": true, "CONNECTOR_TYPE": true,
	"CONNECTOR_NAME": true, "CONNECTOR_SCOPE": true, "CONNECTOR_AUTO": true,
	"CONNECTOR_EXPOSE_METRICS": true, "CONNECTOR_METRICS_PORT": true,
}

// platformEnv is a platform tier's environment: the same backing services for
// every tier, the tier's base URL, heap and manager switches, its sign-in
// providers (see authEnv), then PlatformExtraEnv and the tier's ExtraEnv.
func platformEnv(p *Props, t tier) []corev1.EnvVar {
	e := p.Endpoints
	env := []corev1.EnvVar{
		envValue("NODE_OPTIONS", fmt.Sprintf("--max-old-space-size=%d", *t.props.HeapMiB)),
		envValue("APP__PORT", strconv.Itoa(PlatformPort)),
		envValue("APP__BASE_URL", *t.props.BaseURL),
		envValue("APP__ADMIN__EMAIL", *p.AdminEmail),
		envValue("APP__TELEMETRY__METRICS__ENABLED", "true"),
		envValue("APP__TELEMETRY__METRICS__EXPORTER_PROMETHEUS", strconv.Itoa(PlatformMetricsPort)),
		envValue("APP__GRAPHQL__PLAYGROUND__ENABLED", "false"),
		// Logs go to stdout only: the root file system is read-only.
		envValue("APP__APP_LOGS__LOGS_FILES", "false"),
		envValue("APP__APP_LOGS__LOGS_LEVEL", *p.LogLevel),
		envValue("APP__AUDIT_LOGS__LOGS_FILES", "false"),
		envValue("ELASTICSEARCH__URL", e.OpenSearchURL),
		envValue("ELASTICSEARCH__ENGINE_SELECTOR", "opensearch"),
		envValue("REDIS__MODE", *e.RedisMode),
		envValue("REDIS__HOSTNAME", e.RedisHostname),
		envValue("REDIS__PORT", strconv.Itoa(int(*e.RedisPort))),
		envValue("REDIS__USE_SSL", "true"),
	}
	if *e.RedisMode == "cluster" {
		env = append(env, envValue("REDIS__HOSTNAMES", fmt.Sprintf(`["%s:%d"]`, e.RedisHostname, *e.RedisPort)))
	}
	env = append(env,
		envValue("RABBITMQ__HOSTNAME", e.RabbitMQHostname),
		envValue("RABBITMQ__PORT", strconv.Itoa(int(*e.RabbitMQPort))),
		envValue("RABBITMQ__USE_SSL", "true"),
		envValue("RABBITMQ__HOSTNAME_MANAGEMENT", *e.RabbitMQManagementHostname),
		envValue("RABBITMQ__PORT_MANAGEMENT", strconv.Itoa(int(*e.RabbitMQManagementPort))),
		envValue("RABBITMQ__MANAGEMENT_SSL", "true"),
		envValue("RABBITMQ__VHOST", *e.RabbitMQVHost),
		envValue("MINIO__ENDPOINT", "s3."+e.S3Region+".amazonaws.com"),
		envValue("MINIO__PORT", "443"),
		envValue("MINIO__USE_SSL", "true"),
		envValue("MINIO__USE_AWS_ROLE", "true"),
		envValue("MINIO__BUCKET_NAME", e.S3Bucket),
		envValue("MINIO__BUCKET_REGION", e.S3Region),
	)
	for _, m := range BackgroundManagers() {
		env = append(env, envValue(m+"__ENABLED", strconv.FormatBool(t.managers)))
	}
	env = append(env, authEnv(p, t)...)
	for _, s := range platformSecretEntries(p) {
		env = append(env, envSecret(s.key, PlatformSecretName, s.key))
	}
	env = append(env, tierSecretEnv(p, t)...)
	env = withExtraEnv(env, p.PlatformExtraEnv)
	return withExtraEnv(env, t.props.ExtraEnv)
}
