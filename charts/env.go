package charts

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// reservedPlatformEnv are platform variables ExtraEnv may not replace: the
// secrets (they come from the platform Secret) and the values the probes,
// ports and heap sizing depend on.
func reservedPlatformEnv(p *Props) map[string]bool {
	r := map[string]bool{
		"APP__PORT": true, "NODE_OPTIONS": true, "APP__TELEMETRY__METRICS__EXPORTER_PROMETHEUS": true,
		// The probes use the liveness port; the sign-in mode and the queue
		// type (which RabbitMQ cannot change on an existing queue) are the
		// chart's to set.
		"APP__LIVENESS_PORT": true, envForceEnv: true, "RABBITMQ__QUEUE_TYPE": true,
		envLicense: true, "SMTP__PASSWORD": true,
	}
	for _, e := range platformSecretEntries(p) {
		r[e.key] = true
	}
	for _, e := range uiSecretEntries(p) {
		r[e.key] = true
	}
	for _, e := range operatorSecretEntries(p) {
		r[e.key] = true
	}
	return r
}

// reservedWorkerEnv are worker variables ExtraEnv may not replace.
var reservedWorkerEnv = map[string]bool{
	"OPENCTI_URL": true, "OPENCTI_TOKEN": true, "WORKER_PROMETHEUS_TELEMETRY_PORT": true, envMQVerify: true,
}

// reservedConnectorEnv are connector variables Env and SecretEnv may not set.
var reservedConnectorEnv = map[string]bool{
	"OPENCTI_URL": true, "OPENCTI_TOKEN": true, "CONNECTOR_ID": true, "CONNECTOR_TYPE": true,
	"CONNECTOR_NAME": true, "CONNECTOR_SCOPE": true, "CONNECTOR_AUTO": true,
	"CONNECTOR_EXPOSE_METRICS": true, "CONNECTOR_METRICS_PORT": true, envMQVerify: true,
}

// envMQVerify turns on certificate and host name verification of the broker
// in pycti, for the workers and every connector: create_mq_ssl_context
// (pycti/connector/opencti_connector_helper.py) returns an unverified context
// unless MQ_USE_SSL_REJECT_UNAUTHORIZED is true. Amazon MQ presents a
// publicly trusted certificate for its endpoint name, so the system trust
// store verifies it.
const envMQVerify = "MQ_USE_SSL_REJECT_UNAUTHORIZED"

// platformEnv is a platform tier's environment: the same backing services for
// every tier, the tier's base URL, heap, front-end and manager switches, the
// liveness server, e-mail, its sign-in settings (see authEnv), the secrets,
// then PlatformExtraEnv and the tier's ExtraEnv.
func platformEnv(p *Props, t tier) []corev1.EnvVar {
	e := p.Endpoints
	ui := t.component == ComponentUI
	env := []corev1.EnvVar{
		envValue("NODE_OPTIONS", fmt.Sprintf("--max-old-space-size=%d", *t.props.HeapMiB)),
		envValue("APP__PORT", strconv.Itoa(PlatformPort)),
		// OpenCTI's liveness server (http/httpLiveness.ts) answers GET
		// /health/liveness on this port from the start of the process, before
		// initialization and migrations, without touching any data service.
		envValue("APP__LIVENESS_PORT", strconv.Itoa(PlatformLivenessPort)),
		envValue("APP__BASE_URL", *t.props.BaseURL),
		envValue("APP__ADMIN__EMAIL", *p.AdminEmail),
		// Only the ui tier serves the web front-end; connector-api and
		// worker-api answer browser routes with 503 (httpPlatform.js).
		envValue("APP__ENABLED_UI", strconv.FormatBool(ui)),
	}
	if ui {
		// The session cookie travels over HTTPS only (the ALB terminates TLS).
		env = append(env, envValue("APP__HTTPS_CERT__COOKIE_SECURE", "true"))
	}
	env = append(env,
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
	)
	if *e.RedisMode == "cluster" {
		env = append(env, envValue("REDIS__HOSTNAMES", fmt.Sprintf(`["%s:%d"]`, e.RedisHostname, *e.RedisPort)))
	}
	env = append(env,
		envValue("RABBITMQ__HOSTNAME", e.RabbitMQHostname),
		envValue("RABBITMQ__PORT", strconv.Itoa(int(*e.RabbitMQPort))),
		envValue("RABBITMQ__USE_SSL", "true"),
		// database/rabbitmq.js reads rabbitmq:use_ssl_reject_unauthorized and
		// rabbitmq:management_ssl_reject_unauthorized, both false by default
		// (OpenCTI's configuration page names the first
		// RABBITMQ__SSL_REJECT_UNAUTHORIZED, which nothing reads).
		envValue("RABBITMQ__USE_SSL_REJECT_UNAUTHORIZED", "true"),
		envValue("RABBITMQ__HOSTNAME_MANAGEMENT", *e.RabbitMQManagementHostname),
		envValue("RABBITMQ__PORT_MANAGEMENT", strconv.Itoa(int(*e.RabbitMQManagementPort))),
		envValue("RABBITMQ__MANAGEMENT_SSL", "true"),
		envValue("RABBITMQ__MANAGEMENT_SSL_REJECT_UNAUTHORIZED", "true"),
		envValue("RABBITMQ__VHOST", *e.RabbitMQVHost),
		// x-queue-type of every queue OpenCTI declares; RabbitMQ cannot change
		// the type of an existing queue.
		envValue("RABBITMQ__QUEUE_TYPE", *e.RabbitMQQueueType),
		envValue("MINIO__ENDPOINT", "s3."+e.S3Region+".amazonaws.com"),
		envValue("MINIO__PORT", "443"),
		envValue("MINIO__USE_SSL", "true"),
		envValue("MINIO__USE_AWS_ROLE", "true"),
		envValue("MINIO__BUCKET_NAME", e.S3Bucket),
		envValue("MINIO__BUCKET_REGION", e.S3Region),
	)
	env = append(env, managerEnv(t)...)
	env = append(env, smtpEnv(p)...)
	env = append(env, authEnv(p, t)...)
	for _, s := range platformSecretEntries(p) {
		env = append(env, envSecret(s.key, PlatformSecretName, s.key))
	}
	for _, s := range operatorSecretEntries(p) {
		env = append(env, envSecret(s.key, PlatformOperatorSecretName, s.key))
	}
	env = append(env, tierSecretEnv(p, t)...)
	env = withExtraEnv(env, p.PlatformExtraEnv)
	return withExtraEnv(env, t.props.ExtraEnv)
}
