package charts_test

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/opencti-ha/opencti-ha/charts"
)

// envLines renders a container's environment in manifest order, one
// "NAME=value" or "NAME<-secret/key" line per variable.
func envLines(c corev1.Container) []string {
	out := make([]string, len(c.Env))
	for i, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			out[i] = e.Name + "<-" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		} else {
			out[i] = e.Name + "=" + e.Value
		}
	}
	return out
}

// tierEnv is what every platform tier of validProps() gets before its
// sign-in and secret variables: the data services, the tier's base URL and
// front-end switch, the manager switches and the SMTP settings.
func tierEnv(tier string, queueType string, smtp []string) []string {
	baseURL := map[string]string{
		charts.UIName:           "https://opencti.example.com",
		charts.ConnectorAPIName: "https://api.opencti.example.com",
		charts.WorkerAPIName:    "http://opencti-worker-api.opencti.svc.cluster.local:80",
	}[tier]
	ui := tier == charts.UIName
	env := []string{
		"NODE_OPTIONS=--max-old-space-size=6144",
		"APP__PORT=4000",
		"APP__LIVENESS_PORT=4001",
		"APP__BASE_URL=" + baseURL,
		"APP__ADMIN__EMAIL=admin@opencti.io",
	}
	if ui {
		env = append(env, "APP__ENABLED_UI=true", "APP__HTTPS_CERT__COOKIE_SECURE=true")
	} else {
		env = append(env, "APP__ENABLED_UI=false")
	}
	env = append(env,
		"APP__TELEMETRY__METRICS__ENABLED=true",
		"APP__TELEMETRY__METRICS__EXPORTER_PROMETHEUS=14269",
		"APP__GRAPHQL__PLAYGROUND__ENABLED=false",
		"APP__APP_LOGS__LOGS_FILES=false",
		"APP__APP_LOGS__LOGS_LEVEL=info",
		"APP__AUDIT_LOGS__LOGS_FILES=false",
		"ELASTICSEARCH__URL=https://vpc-opencti-abc123.eu-west-1.es.amazonaws.com",
		"ELASTICSEARCH__ENGINE_SELECTOR=opensearch",
		"REDIS__MODE=single",
		"REDIS__HOSTNAME=master.opencti-redis.abc123.euw1.cache.amazonaws.com",
		"REDIS__PORT=6379",
		"REDIS__USE_SSL=true",
		"RABBITMQ__HOSTNAME=b-1234.mq.eu-west-1.on.aws",
		"RABBITMQ__PORT=5671",
		"RABBITMQ__USE_SSL=true",
		"RABBITMQ__USE_SSL_REJECT_UNAUTHORIZED=true",
		"RABBITMQ__HOSTNAME_MANAGEMENT=b-1234.mq.eu-west-1.on.aws",
		"RABBITMQ__PORT_MANAGEMENT=443",
		"RABBITMQ__MANAGEMENT_SSL=true",
		"RABBITMQ__MANAGEMENT_SSL_REJECT_UNAUTHORIZED=true",
		"RABBITMQ__VHOST=/",
		"RABBITMQ__QUEUE_TYPE="+queueType,
		"MINIO__ENDPOINT=s3.eu-west-1.amazonaws.com",
		"MINIO__PORT=443",
		"MINIO__USE_SSL=true",
		"MINIO__USE_AWS_ROLE=true",
		"MINIO__BUCKET_NAME=opencti-files-123456789012",
		"MINIO__BUCKET_REGION=eu-west-1",
	)
	singleton := map[bool]string{true: "true", false: "false"}[tier == charts.WorkerAPIName]
	for _, m := range []string{"RULE_ENGINE", "HISTORY_MANAGER", "ACTIVITY_MANAGER", "CONNECTOR_MANAGER", "TASK_SCHEDULER",
		"EXPIRATION_SCHEDULER", "NOTIFICATION_MANAGER", "PUBLISHER_MANAGER", "SYNC_MANAGER", "INGESTION_MANAGER",
		"RETENTION_MANAGER", "PLAYBOOK_MANAGER", "FILE_INDEX_MANAGER", "INDICATOR_DECAY_MANAGER", "GARBAGE_COLLECTION_MANAGER",
		"TELEMETRY_MANAGER", "HUB_REGISTRATION_MANAGER", "PIR_MANAGER", "EXCLUSION_LIST_CACHE_BUILD_MANAGER",
		"DATA_SANITY_MANAGER", "KNOWLEDGE_FRESHNESS_MANAGER", "PROVENANCE_BACKFILL_MANAGER", "PLATFORM_USAGE_METRICS_MANAGER",
		"WORKFLOW_STATUS_CLEANUP_MANAGER", "TIMELINE_MANAGER", "IMPORT_CSV_BUILT_IN_CONNECTOR"} {
		env = append(env, m+"__ENABLED="+singleton)
	}
	env = append(env, "EXCLUSION_LIST_CACHE_SYNC_MANAGER__ENABLED=true")
	return append(env, smtp...)
}

// generatedSecrets are the platform Secret's variables, on every tier.
var generatedSecrets = []string{
	"APP__ADMIN__PASSWORD<-opencti-platform-secrets/APP__ADMIN__PASSWORD",
	"APP__ADMIN__TOKEN<-opencti-platform-secrets/APP__ADMIN__TOKEN",
	"APP__HEALTH_ACCESS_KEY<-opencti-platform-secrets/APP__HEALTH_ACCESS_KEY",
	"APP__ENCRYPTION_KEY<-opencti-platform-secrets/APP__ENCRYPTION_KEY",
	"ELASTICSEARCH__USERNAME<-opencti-platform-secrets/ELASTICSEARCH__USERNAME",
	"ELASTICSEARCH__PASSWORD<-opencti-platform-secrets/ELASTICSEARCH__PASSWORD",
	"REDIS__PASSWORD<-opencti-platform-secrets/REDIS__PASSWORD",
	"RABBITMQ__USERNAME<-opencti-platform-secrets/RABBITMQ__USERNAME",
	"RABBITMQ__PASSWORD<-opencti-platform-secrets/RABBITMQ__PASSWORD",
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func checkEnv(t *testing.T, s synthesized, mode string, want map[string][]string) {
	t.Helper()
	for _, tier := range platformNames {
		got := envLines(platformOf(t, s.deployment(t, tier)))
		if !reflect.DeepEqual(got, want[tier]) {
			t.Errorf("%s mode, %s environment:\n got %q\nwant %q", mode, tier, got, want[tier])
		}
	}
}

// TestPlatformEnvDefaultConsoleMode: without an identity provider the
// sign-in is left to OpenCTI (console mode): no FORCE_ENV, no provider, no
// licence; no SMTP either, so e-mail is switched off.
func TestPlatformEnvDefaultConsoleMode(t *testing.T) {
	off := []string{"SMTP__ENABLED=false"}
	want := map[string][]string{}
	for _, tier := range platformNames {
		want[tier] = concat(tierEnv(tier, "classic", off), generatedSecrets)
	}
	checkEnv(t, defaults, "default (console)", want)
	if got := defaults.find("ExternalSecret", charts.PlatformOperatorSecretName); len(got) != 0 {
		t.Errorf("default props create %s", charts.PlatformOperatorSecretName)
	}
}

// TestPlatformEnvDeploymentMode: FORCE_ENV and the local strategy on every
// tier, the identity providers (and their secrets) on the ui tier only, the
// licence from the operator Secret on every tier.
func TestPlatformEnvDeploymentMode(t *testing.T) {
	off := []string{"SMTP__ENABLED=false"}
	signIn := []string{"APP__AUTHENTICATION__FORCE_ENV=true", "PROVIDERS__LOCAL__STRATEGY=LocalStrategy"}
	providers := []string{
		"PROVIDERS__OPENID__STRATEGY=OpenIDConnectStrategy",
		"PROVIDERS__OPENID__CONFIG__LABEL=Single sign-on",
		"PROVIDERS__OPENID__CONFIG__ISSUER=https://login.example.org/realms/cti",
		"PROVIDERS__OPENID__CONFIG__CLIENT_ID=opencti",
		`PROVIDERS__OPENID__CONFIG__REDIRECT_URIS=["https://opencti.example.com/auth/oic/callback"]`,
		`PROVIDERS__OPENID__CONFIG__DEFAULT_SCOPES=["openid","email","profile"]`,
		"PROVIDERS__OPENID__CONFIG__LOGOUT_REMOTE=false",
		"PROVIDERS__SAML__STRATEGY=SamlStrategy",
		"PROVIDERS__SAML__CONFIG__LABEL=Single sign-on (SAML)",
		"PROVIDERS__SAML__CONFIG__ISSUER=opencti-prod",
		"PROVIDERS__SAML__CONFIG__ENTRY_POINT=https://idp.example.org/sso/saml",
		"PROVIDERS__SAML__CONFIG__SAML_CALLBACK_URL=https://opencti.example.com/auth/saml/callback",
		"PROVIDERS__SAML__CONFIG__WANT_ASSERTIONS_SIGNED=true",
		"PROVIDERS__SAML__CONFIG__WANT_AUTHN_RESPONSE_SIGNED=true",
		"PROVIDERS__SAML__CONFIG__LOGOUT_REMOTE=false",
	}
	licence := []string{"APP__ENTERPRISE_EDITION_LICENSE<-opencti-platform-operator-secrets/APP__ENTERPRISE_EDITION_LICENSE"}
	providerSecrets := []string{
		"PROVIDERS__OPENID__CONFIG__CLIENT_SECRET<-opencti-ui-secrets/PROVIDERS__OPENID__CONFIG__CLIENT_SECRET",
		"PROVIDERS__SAML__CONFIG__CERT<-opencti-ui-secrets/PROVIDERS__SAML__CONFIG__CERT",
	}
	checkEnv(t, edge, "deployment", map[string][]string{
		charts.UIName:           concat(tierEnv(charts.UIName, "classic", off), signIn, providers, generatedSecrets, licence, providerSecrets),
		charts.ConnectorAPIName: concat(tierEnv(charts.ConnectorAPIName, "classic", off), signIn, generatedSecrets, licence),
		charts.WorkerAPIName:    concat(tierEnv(charts.WorkerAPIName, "classic", off), signIn, generatedSecrets, licence),
	})
	d := edge.one(t, "ExternalSecret", charts.UISecretName)
	if d.Chart != charts.PlatformChartID || !strings.Contains(string(d.Raw), `"key":"opencti/prod/oidc","property":"clientSecret"`) ||
		!strings.Contains(string(d.Raw), `"key":"opencti/prod/saml","property":"cert"`) {
		t.Errorf("ui ExternalSecret in chart %s: %s", d.Chart, d.Raw)
	}
	op := edge.one(t, "ExternalSecret", charts.PlatformOperatorSecretName)
	if op.Chart != charts.PlatformChartID || !strings.Contains(string(op.Raw),
		`{"remoteRef":{"key":"opencti/prod/enterprise-license","property":"pem"},"secretKey":"APP__ENTERPRISE_EDITION_LICENSE"}`) {
		t.Errorf("operator ExternalSecret in chart %s: %s", op.Chart, op.Raw)
	}
}

// TestPlatformEnvConsoleMode: no FORCE_ENV and no provider anywhere; the
// secret registry and the licence on every tier (OpenCTI registers the
// database providers on every node); SMTPS with its password; quorum queues.
func TestPlatformEnvConsoleMode(t *testing.T) {
	smtp := []string{
		"SMTP__ENABLED=true",
		"SMTP__HOSTNAME=email-smtp.eu-west-1.amazonaws.com",
		"SMTP__PORT=465",
		"SMTP__USE_SSL=true",
		"SMTP__REJECT_UNAUTHORIZED=true",
		"SMTP__FORCED_SENDER_EMAIL=cti@example.com",
		"SMTP__USERNAME=AKIAEXAMPLE",
	}
	operator := []string{
		"APP__ENTERPRISE_EDITION_LICENSE<-opencti-platform-operator-secrets/APP__ENTERPRISE_EDITION_LICENSE",
		"SMTP__PASSWORD<-opencti-platform-operator-secrets/SMTP__PASSWORD",
		"SECRETS__LDAP_BIND__VALUE<-opencti-platform-operator-secrets/SECRETS__LDAP_BIND__VALUE",
		"SECRETS__OIDC_CLIENT_SECRET__VALUE<-opencti-platform-operator-secrets/SECRETS__OIDC_CLIENT_SECRET__VALUE",
	}
	want := map[string][]string{}
	for _, tier := range platformNames {
		want[tier] = concat(tierEnv(tier, "quorum", smtp), generatedSecrets, operator)
	}
	checkEnv(t, console, "console", want)
	if got := console.find("ExternalSecret", charts.UISecretName); len(got) != 0 {
		t.Errorf("console mode creates %s", charts.UISecretName)
	}
	op := console.one(t, "ExternalSecret", charts.PlatformOperatorSecretName)
	for _, ref := range []string{
		`{"remoteRef":{"key":"opencti/prod/enterprise-license"},"secretKey":"APP__ENTERPRISE_EDITION_LICENSE"}`,
		`{"remoteRef":{"key":"opencti/prod/smtp","property":"password"},"secretKey":"SMTP__PASSWORD"}`,
		`{"remoteRef":{"key":"opencti/prod/ldap","property":"password"},"secretKey":"SECRETS__LDAP_BIND__VALUE"}`,
		`{"remoteRef":{"key":"opencti/prod/oidc","property":"clientSecret"},"secretKey":"SECRETS__OIDC_CLIENT_SECRET__VALUE"}`,
	} {
		if !strings.Contains(string(op.Raw), ref) {
			t.Errorf("operator ExternalSecret lacks %s: %s", ref, op.Raw)
		}
	}
	listed := false
	for _, s := range console.charts.Secrets {
		listed = listed || (s.Name == charts.PlatformOperatorSecretName && strings.Join(s.Keys, ",") ==
			"APP__ENTERPRISE_EDITION_LICENSE,SMTP__PASSWORD,SECRETS__LDAP_BIND__VALUE,SECRETS__OIDC_CLIENT_SECRET__VALUE")
	}
	if !listed {
		t.Errorf("Charts.Secrets does not list the operator Secret: %+v", console.charts.Secrets)
	}
}
