package charts

import (
	"github.com/aws/constructs-go/constructs/v10"
)

// Kubernetes Secrets created by the ExternalSecrets: one per consumer, so a
// pod can read only what it needs.
const (
	// PlatformSecretName holds every platform secret; its keys are the
	// environment variable names (APP__ADMIN__TOKEN, ELASTICSEARCH__PASSWORD, ...).
	PlatformSecretName = "opencti-platform-secrets"
	// PlatformOperatorSecretName holds what the operator keeps in Secrets
	// Manager for every platform tier: the Enterprise Edition licence
	// (APP__ENTERPRISE_EDITION_LICENSE), the SMTP password (SMTP__PASSWORD)
	// and the secret registry (SECRETS__<NAME>__VALUE). It is separate from
	// PlatformSecretName so that a missing or mistyped operator secret shows
	// on its own ExternalSecret and never blocks the generated credentials.
	// It exists only when one of them is configured.
	PlatformOperatorSecretName = "opencti-platform-operator-secrets"
	// WorkerSecretName holds the workers' HEALTH_ACCESS_KEY, and their
	// OPENCTI_TOKEN (the admin token) only when Identities are disabled.
	WorkerSecretName = "opencti-worker-secrets"
	// IdentitiesSecretName holds what the identities Job alone reads: the
	// initial administrator's token (IdentitiesAdminTokenKey) and the health
	// access key (IdentitiesHealthKeyKey).
	IdentitiesSecretName = "opencti-identities-secrets"
	// IdentitiesAdminTokenKey and IdentitiesHealthKeyKey are its keys.
	IdentitiesAdminTokenKey = "OPENCTI_ADMIN_TOKEN"
	IdentitiesHealthKeyKey  = "OPENCTI_HEALTH_ACCESS_KEY"
	// WorkerTokenSecretName holds the workers' own OpenCTI token (key
	// TokenSecretKey), written by the identities Job.
	WorkerTokenSecretName = "opencti-worker-token"
	// TokenSecretKey is the key of OPENCTI_TOKEN in the worker and connector
	// Secrets.
	TokenSecretKey = "OPENCTI_TOKEN"
	// HealthKeySecretKey is the key of the platform's health access key in the
	// worker and connector Secrets (read by their init containers).
	HealthKeySecretKey = "HEALTH_ACCESS_KEY"
)

// ConnectorSecretName is the Secret of one connector: HEALTH_ACCESS_KEY and
// one key per SecretEnv variable (and first OPENCTI_TOKEN, the connector's
// Token, only when Identities are disabled).
func ConnectorSecretName(connectorName string) string {
	return ConnectorObjectName(connectorName) + "-secrets"
}

// ConnectorTokenSecretName is the Secret holding one connector's own OpenCTI
// token (key TokenSecretKey), written by the identities Job.
func ConnectorTokenSecretName(connectorName string) string {
	return ConnectorObjectName(connectorName) + "-token"
}

// KubernetesSecret is one Secret an ExternalSecret creates, with its keys.
type KubernetesSecret struct {
	// Name is the Secret's name in the OpenCTI namespace.
	Name string
	// Keys are the Secret's data keys, in manifest order.
	Keys []string
}

// SecretLayout lists the Kubernetes Secrets the charts create from Secrets
// Manager and their keys, for props after defaults. It returns Validate's
// error for invalid props.
func SecretLayout(props *Props) ([]KubernetesSecret, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	specs := secretSpecs(props.withDefaults())
	out := make([]KubernetesSecret, len(specs))
	for i, s := range specs {
		keys := make([]string, len(s.entries))
		for j, e := range s.entries {
			keys[j] = e.key
		}
		out[i] = KubernetesSecret{Name: s.name, Keys: keys}
	}
	return out, nil
}

type secretEntry struct {
	key string
	ref RemoteRef
}

type secretSpec struct {
	id        string // construct id of the ExternalSecret
	name      string
	component string
	connector string
	entries   []secretEntry
}

// platformSecretEntries are the platform's secret environment variables;
// the Secret key is the variable's name.
func platformSecretEntries(p *Props) []secretEntry {
	s := p.Secrets
	entries := []secretEntry{
		{"APP__ADMIN__PASSWORD", s.AdminPassword},
		{"APP__ADMIN__TOKEN", s.AdminToken},
		{"APP__HEALTH_ACCESS_KEY", s.HealthAccessKey},
		{"APP__ENCRYPTION_KEY", s.EncryptionKey},
		{"ELASTICSEARCH__USERNAME", s.OpenSearchUsername},
		{"ELASTICSEARCH__PASSWORD", s.OpenSearchPassword},
		{"REDIS__PASSWORD", s.RedisAuthToken},
		{"RABBITMQ__USERNAME", s.RabbitMQUsername},
		{"RABBITMQ__PASSWORD", s.RabbitMQPassword},
	}
	for _, k := range sortedKeys(s.PlatformExtra) {
		entries = append(entries, secretEntry{k, s.PlatformExtra[k]})
	}
	return entries
}

// operatorSecretEntries are the platform's operator-provided secret
// variables (see PlatformOperatorSecretName), in manifest order.
func operatorSecretEntries(p *Props) []secretEntry {
	var entries []secretEntry
	if l := p.Auth.EnterpriseLicense; l != nil {
		entries = append(entries, secretEntry{envLicense, *l})
	}
	if p.SMTP != nil && p.SMTP.Password != nil {
		entries = append(entries, secretEntry{"SMTP__PASSWORD", *p.SMTP.Password})
	}
	for _, name := range sortedKeys(p.Auth.SecretRegistry) {
		entries = append(entries, secretEntry{SecretRegistryEnv(name), p.Auth.SecretRegistry[name]})
	}
	return entries
}

// operatorSecretSpecs is the operator Secret, when anything needs it.
func operatorSecretSpecs(p *Props) []secretSpec {
	entries := operatorSecretEntries(p)
	if len(entries) == 0 {
		return nil
	}
	return []secretSpec{{id: "PlatformOperatorSecrets", name: PlatformOperatorSecretName, component: "platform", entries: entries}}
}

func connectorSecretEntries(p *Props, c ConnectorProps) []secretEntry {
	var entries []secretEntry
	if !*p.Identities.Enabled {
		entries = append(entries, secretEntry{TokenSecretKey, *c.Token})
	}
	entries = append(entries, secretEntry{HealthKeySecretKey, p.Secrets.HealthAccessKey})
	for _, k := range sortedKeys(c.SecretEnv) {
		entries = append(entries, secretEntry{k, c.SecretEnv[k]})
	}
	return entries
}

func secretSpecs(p *Props) []secretSpec {
	specs := []secretSpec{platformSecretSpec(p), workerSecretSpec(p)}
	if *p.Identities.Enabled {
		specs = append(specs, identitiesSecretSpec(p))
	}
	specs = append(specs, uiSecretSpecs(p)...)
	specs = append(specs, operatorSecretSpecs(p)...)
	for _, c := range p.Connectors {
		specs = append(specs, connectorSecretSpec(p, c))
	}
	return specs
}

func platformSecretSpec(p *Props) secretSpec {
	return secretSpec{id: "PlatformSecrets", name: PlatformSecretName, component: "platform", entries: platformSecretEntries(p)}
}

// workerSecretSpec is the workers' Secret: the health access key for their
// init container, and the admin token only without Identities.
func workerSecretSpec(p *Props) secretSpec {
	var entries []secretEntry
	if !*p.Identities.Enabled {
		entries = append(entries, secretEntry{TokenSecretKey, p.Secrets.AdminToken})
	}
	entries = append(entries, secretEntry{HealthKeySecretKey, p.Secrets.HealthAccessKey})
	return secretSpec{id: "WorkerSecrets", name: WorkerSecretName, component: ComponentWorker, entries: entries}
}

// identitiesSecretSpec is the Secret only the identities Job mounts: the
// initial administrator's token and the health access key.
func identitiesSecretSpec(p *Props) secretSpec {
	return secretSpec{id: "IdentitiesSecrets", name: IdentitiesSecretName, component: ComponentIdentities, entries: []secretEntry{
		{IdentitiesAdminTokenKey, p.Secrets.AdminToken},
		{IdentitiesHealthKeyKey, p.Secrets.HealthAccessKey},
	}}
}

func connectorSecretSpec(p *Props, c ConnectorProps) secretSpec {
	return secretSpec{
		id: "Connector-" + c.Name + "-Secrets", name: ConnectorSecretName(c.Name),
		component: ComponentConnector, connector: c.Name, entries: connectorSecretEntries(p, c),
	}
}

// ExternalSecret spec (external-secrets.io/v1), the fields this package sets.
type externalSecretSpec struct {
	RefreshInterval string                  `json:"refreshInterval"`
	SecretStoreRef  externalSecretStoreRef  `json:"secretStoreRef"`
	Target          externalSecretTarget    `json:"target"`
	Data            []externalSecretDataRef `json:"data"`
}

type externalSecretStoreRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type externalSecretTarget struct {
	Name           string `json:"name"`
	CreationPolicy string `json:"creationPolicy"`
}

type externalSecretDataRef struct {
	SecretKey string            `json:"secretKey"`
	RemoteRef externalRemoteRef `json:"remoteRef"`
}

type externalRemoteRef struct {
	Key      string `json:"key"`
	Property string `json:"property,omitempty"`
}

// addExternalSecret creates the ExternalSecret of one consumer Secret. The
// Secret is owned by its ExternalSecret (creationPolicy Owner) and no value
// ever appears in a manifest.
func addExternalSecret(scope constructs.Construct, p *Props, s secretSpec) {
	data := make([]externalSecretDataRef, len(s.entries))
	for i, e := range s.entries {
		data[i] = externalSecretDataRef{SecretKey: e.key, RemoteRef: externalRemoteRef{Key: e.ref.Key, Property: e.ref.Property}}
	}
	labels := baseLabels(p)
	labels[LabelComponent] = s.component
	if s.connector != "" {
		labels[LabelConnector] = s.connector
	}
	object{
		apiVersion: "external-secrets.io/v1", kind: "ExternalSecret",
		name: s.name, namespace: *p.Namespace, labels: labels,
		fields: map[string]any{"spec": externalSecretSpec{
			RefreshInterval: *p.SecretRefreshInterval,
			SecretStoreRef:  externalSecretStoreRef{Kind: "ClusterSecretStore", Name: *p.SecretStoreName},
			Target:          externalSecretTarget{Name: s.name, CreationPolicy: "Owner"},
			Data:            data,
		}},
	}.add(p, scope, s.id)
}
