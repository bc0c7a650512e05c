package config

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/charts/identities"
	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// OpenCTI configures the OpenCTI workloads: one pinned version for every
// image, the three platform tiers, the workers and the connectors.
type OpenCTI struct {
	// Version is the tag of opencti/platform, opencti/worker and every
	// opencti/connector-* image; all must match. Never "latest".
	// Default: "7.260817.0".
	Version string `yaml:"version"`
	// ImageRepository is the registry path the images come from, e.g. a private
	// ECR mirror "123456789012.dkr.ecr.eu-west-1.amazonaws.com/opencti".
	// Default: "opencti" (Docker Hub).
	ImageRepository string `yaml:"imageRepository"`
	// Namespace is the Kubernetes namespace of every OpenCTI object.
	// Default: "opencti".
	Namespace string `yaml:"namespace"`
	// UI is the platform tier people use through the ui hostname.
	// Default: 1-2 replicas in dev, 2-4 in prod; 2 CPU / 8 GiB in prod.
	UI Tier `yaml:"ui"`
	// ConnectorAPI is the platform tier of connectors and API clients (api hostname).
	// Default: as UI.
	ConnectorAPI Tier `yaml:"connectorApi"`
	// WorkerAPI is the ingestion tier: each of its pods runs a platform
	// (background managers on, reached by nothing outside the pod) and
	// workersPerPlatform workers. With ingestionScaling it scales from
	// minReplicas to maxReplicas on the queue depth; without, it runs at
	// minReplicas. Default: 1-2 replicas in dev, 2-6 in prod.
	WorkerAPI Tier `yaml:"workerApi"`
	// WorkersPerPlatform is how many worker containers every worker-api pod
	// runs beside its platform (OpenCTI: 3, at most 4 per platform), so the
	// ratio holds at every scale. Default: 3.
	WorkersPerPlatform int `yaml:"workersPerPlatform"`
	// Worker sizes each worker container. Default: 250m-1 CPU, 256-512 MiB.
	Worker Resources `yaml:"worker"`
	// IngestionScaling scales the worker-api tier, and so the workers, on
	// the depth of the RabbitMQ queues the workers consume (KEDA).
	// Default: on; dev adds 1 pod a minute and waits 300 s to remove one.
	IngestionScaling IngestionScaling `yaml:"ingestionScaling"`
	// Connectors replaces the default connector list, at most 500 entries
	// (the connector alarms' Metrics Insights limit). Append new connectors
	// at the end: each keeps its chart, its token chart and its nested stack,
	// so adding one changes only the last of each (docs/connectors-at-scale.md).
	// Default (empty): the five
	// built-in file import/export connectors OpenCTI needs.
	Connectors []Connector `yaml:"connectors"`
	// Identities gives the workers and each connector their own OpenCTI user
	// and API token, provisioned at deploy time by a Job that alone holds the
	// initial administrator's token (README "Identities").
	// Default: enabled, rotation 0, tokens without expiry.
	Identities Identities `yaml:"identities"`
	// AdminEmail is APP__ADMIN__EMAIL, the initial administrator's login (its
	// password and token are generated in Secrets Manager).
	// Default: "opencti-admin@<dns.zoneName>".
	AdminEmail string `yaml:"adminEmail"`
	// LogLevel of platform, workers and connectors: error, warn, info or debug.
	// Default: "info".
	LogLevel string `yaml:"logLevel"`
	// SMTP configures outbound e-mail. Default: none.
	SMTP SMTP `yaml:"smtp"`
}

// Tier sizes one platform tier. The ui and connector-api tiers are scaled by
// a HorizontalPodAutoscaler on CPU between MinReplicas and MaxReplicas, the
// worker-api tier by KEDA on the queue depth (opencti.ingestionScaling).
type Tier struct {
	// MinReplicas is the HPA floor (at least 2 in prod, one per zone failure).
	MinReplicas int `yaml:"minReplicas"`
	// MaxReplicas is the HPA ceiling (>= MinReplicas).
	MaxReplicas int `yaml:"maxReplicas"`
	// Resources are the requests and limits of the platform container.
	Resources Resources `yaml:"resources"`
	// HeapMiB is the Node.js heap (NODE_OPTIONS=--max-old-space-size); it must
	// stay below the memory limit. Default: 75% of the memory limit.
	HeapMiB int `yaml:"heapMiB"`
}

// Resources are a container's requests and limits in millicores and MiB.
type Resources struct {
	// CPURequestMillis is the CPU the scheduler reserves, in millicores (1000 = 1 CPU).
	CPURequestMillis int `yaml:"cpuRequestMillis"`
	// CPULimitMillis caps the container's CPU, in millicores; at least the request.
	CPULimitMillis int `yaml:"cpuLimitMillis"`
	// MemoryRequestMiB is the memory the scheduler reserves, in MiB.
	MemoryRequestMiB int `yaml:"memoryRequestMiB"`
	// MemoryLimitMiB is the memory at which the container is killed, in MiB; at least the request.
	MemoryLimitMiB int `yaml:"memoryLimitMiB"`
}

// Connector declares one OpenCTI connector Deployment.
type Connector struct {
	// Name is the image suffix: image opencti/connector-<name>. Lower-case letters,
	// digits and hyphens.
	Name string `yaml:"name"`
	// ID is the connector's CONNECTOR_ID, a UUIDv4 that must never change once
	// deployed. Default: derived from Name, stable across synths.
	ID string `yaml:"id"`
	// Type is CONNECTOR_TYPE, e.g. EXTERNAL_IMPORT, INTERNAL_ENRICHMENT,
	// INTERNAL_IMPORT_FILE, INTERNAL_EXPORT_FILE, STREAM.
	Type string `yaml:"type"`
	// DisplayName is CONNECTOR_NAME. Default: Name.
	DisplayName string `yaml:"displayName"`
	// Scope is CONNECTOR_SCOPE (mime types or entity types). Optional.
	Scope string `yaml:"scope"`
	// Replicas of the connector. Default: 1.
	Replicas int `yaml:"replicas"`
	// Env adds plain environment variables (no secrets here).
	Env map[string]string `yaml:"env"`
	// SecretEnv maps an environment variable to a Secrets Manager secret (name
	// under secretsPrefix) and JSON property, delivered at runtime.
	SecretEnv map[string]SecretRef `yaml:"secretEnv"`
	// Resources of the connector pod. Default: the charts' (requests 100m /
	// 256 MiB, limits 1 CPU / 1 GiB).
	Resources Resources `yaml:"resources"`
	// WritableDir is a directory of the connector's image it writes into
	// (e.g. its working directory): it is copied into a writable emptyDir at
	// start and mounted at the same path, the root file system stays
	// read-only. Default: "" (only /tmp is writable; the default
	// import-document connector gets /opt/opencti-connector-import-document).
	WritableDir string `yaml:"writableDir"`
}

// Identities configures the OpenCTI users and tokens of the workers and the
// connectors: one service account per connector ("[C] <name> <connector>")
// and one for the workers ("[W] <name> workers"), each with its own token in
// its own Kubernetes Secret, read only by its own pods.
type Identities struct {
	// Enabled provisions the identities. false keeps every worker and
	// connector on the initial administrator's token (APP__ADMIN__TOKEN), for
	// platforms that cannot run the provisioning Job; every synth warns while
	// it is off. Default: true.
	Enabled bool `yaml:"enabled"`
	// Rotation: increase it to replace every token; the deploy issues the new
	// tokens, rolls the workers and connectors onto them and only then
	// revokes the old ones. Also re-runs the provisioning (e.g. after a token
	// was revoked by hand). 0 to 2147483647. Default: 0.
	Rotation int `yaml:"rotation"`
	// TokenDuration is the lifetime of the tokens: UNLIMITED, DAYS_30,
	// DAYS_60, DAYS_90 or DAYS_365. A deploy renews a token when less than a
	// third of its lifetime (at most 30 days) is left, so with an expiry
	// deploy at least that often. Default: UNLIMITED.
	TokenDuration string `yaml:"tokenDuration"`
	// HealthTimeoutSeconds bounds the provisioning's wait for OpenCTI to
	// answer /health (a new platform initializes first), 60 to 3600.
	// Default: 1800.
	HealthTimeoutSeconds int `yaml:"healthTimeoutSeconds"`
	// RolloutTimeoutSeconds bounds its wait for the workers and connectors
	// rolled onto new tokens, 60 to 3600. The workers run in the worker-api
	// pods, so a new worker token restarts them, platforms included, one at
	// a time: allow about 300 s per pod at opencti.workerApi.maxReplicas
	// (synth warns otherwise). Default: 1800 (6 pods, prod's maximum).
	RolloutTimeoutSeconds int `yaml:"rolloutTimeoutSeconds"`
}

// SecretRef points at a Secrets Manager secret and, optionally, one JSON key of it.
type SecretRef struct {
	// Secret is the secret name; it must start with secretsPrefix + "/".
	Secret string `yaml:"secret"`
	// Property is the JSON key inside the secret; empty takes the whole value.
	Property string `yaml:"property"`
}

// ConnectorTypes lists the allowed CONNECTOR_TYPE values (the charts').
var ConnectorTypes = charts.ConnectorTypes()

// defaultOpenCTI is the charts' defaults (namespace, images, log level,
// workers per platform, worker resources; prod: their 2 to 4 replicas per
// tier) with the pinned version and each profile's platform sizes.
func defaultOpenCTI(env string) OpenCTI {
	platform := Tier{MinReplicas: 1, MaxReplicas: 2, Resources: Resources{CPURequestMillis: 500, CPULimitMillis: 2000, MemoryRequestMiB: 2048, MemoryLimitMiB: 4096}, HeapMiB: 3072}
	workerAPI := platform
	if env == "prod" {
		platform = Tier{MinReplicas: charts.DefaultMinReplicas, MaxReplicas: charts.DefaultMaxReplicas, Resources: Resources{CPURequestMillis: 2000, CPULimitMillis: 4000, MemoryRequestMiB: 8192, MemoryLimitMiB: 8192}, HeapMiB: 6144}
		workerAPI = platform
		workerAPI.MaxReplicas = 6
	}
	return OpenCTI{
		Version:            "7.260817.0",
		ImageRepository:    charts.DefaultImageRegistry,
		Namespace:          charts.DefaultNamespace,
		UI:                 platform,
		ConnectorAPI:       platform,
		WorkerAPI:          workerAPI,
		WorkersPerPlatform: charts.DefaultWorkersPerPlatform,
		Worker:             resourcesOf(charts.DefaultWorkerResources()),
		IngestionScaling:   defaultIngestionScaling(env),
		LogLevel:           charts.DefaultLogLevel,
		SMTP:               SMTP{Port: 587},
		Identities: Identities{
			Enabled:               true,
			TokenDuration:         charts.DefaultTokenDuration,
			HealthTimeoutSeconds:  charts.DefaultHealthTimeoutSeconds,
			RolloutTimeoutSeconds: charts.DefaultRolloutTimeoutSeconds,
		},
	}
}

// resourcesOf converts the charts' Kubernetes quantities into millicores and
// MiB.
func resourcesOf(r charts.Resources) Resources {
	millis := func(q string) int { v := resource.MustParse(q); return int(v.MilliValue()) }
	mib := func(q string) int { v := resource.MustParse(q); return int(v.Value() >> 20) }
	return Resources{
		CPURequestMillis: millis(r.RequestsCPU), CPULimitMillis: millis(r.LimitsCPU),
		MemoryRequestMiB: mib(r.RequestsMemory), MemoryLimitMiB: mib(r.LimitsMemory),
	}
}

var (
	versionRe = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
)

func (o *OpenCTI) validate(c *Config, p *Problems) {
	if !versionRe.MatchString(o.Version) {
		p.Add("opencti.version", o.Version, "a pinned OpenCTI release such as 7.260817.0 (never latest)")
	}
	if !charts.ValidImageRegistry(o.ImageRepository) {
		p.Add("opencti.imageRepository", o.ImageRepository, "a registry path such as opencti or <account>.dkr.ecr.<region>.amazonaws.com/opencti")
	}
	if !charts.ValidNamespace(o.Namespace) {
		p.Add("opencti.namespace", o.Namespace, "a Kubernetes namespace name (lower-case letters, digits, hyphens)")
	}
	if !charts.ValidEmail(o.AdminEmail) {
		p.Add("opencti.adminEmail", o.AdminEmail, "an e-mail address")
	}
	if !charts.ValidLogLevel(o.LogLevel) {
		p.Add("opencti.logLevel", o.LogLevel, "one of "+strings.Join(charts.LogLevels(), ", "))
	}
	minReplicas := 1
	if c.Environment == "prod" {
		minReplicas = 2
	}
	o.UI.validate("opencti.ui", minReplicas, p)
	o.ConnectorAPI.validate("opencti.connectorApi", minReplicas, p)
	o.WorkerAPI.validate("opencti.workerApi", minReplicas, p)
	if n := o.WorkersPerPlatform; n < charts.MinWorkersPerPlatform || n > charts.MaxWorkersPerPlatform {
		p.Add("opencti.workersPerPlatform", n, fmt.Sprintf("%d to %d (OpenCTI: 3, at most 4 workers per platform)", charts.MinWorkersPerPlatform, charts.MaxWorkersPerPlatform))
	}
	o.Worker.validate("opencti.worker", p)
	o.IngestionScaling.validate(o, p)
	if n := len(o.Connectors); n > monitoringspec.MaxConnectors {
		p.Add("opencti.connectors", problems.Raw(fmt.Sprintf("%d entries", n)),
			fmt.Sprintf("at most %d (one CloudWatch Metrics Insights alarm evaluates at most %d connectors; see docs/connectors-at-scale.md)", monitoringspec.MaxConnectors, monitoringspec.MaxConnectors))
	}
	names := map[string]int{}
	ids := map[string]int{}
	for i, cn := range o.Connectors {
		f := fmt.Sprintf("opencti.connectors[%d]", i)
		if cn.Name == "api" {
			p.Add(f+".name", cn.Name, "a name other than api (opencti-connector-api is the connector-api tier)")
		} else if rule := identities.ConnectorNameProblem(cn.Name); rule != "" && o.Identities.Enabled {
			p.Add(f+".name", cn.Name, rule)
		} else if !charts.ValidConnectorName(cn.Name) {
			p.Add(f+".name", cn.Name, "1-40 lower-case letters, digits or hyphens (image opencti/connector-<name>)")
		} else if j, dup := names[cn.Name]; dup {
			p.Add(f+".name", cn.Name, fmt.Sprintf("a name not already used by opencti.connectors[%d]", j))
		} else {
			names[cn.Name] = i
		}
		if cn.ID != "" {
			if !charts.ValidConnectorID(cn.ID) {
				p.Add(f+".id", cn.ID, "empty (derived from the name) or a lower-case UUIDv4")
			} else if j, dup := ids[cn.ID]; dup {
				p.Add(f+".id", cn.ID, fmt.Sprintf("an ID not already used by opencti.connectors[%d]", j))
			} else {
				ids[cn.ID] = i
			}
		}
		if !contains(charts.ConnectorTypes(), cn.Type) {
			p.Add(f+".type", cn.Type, "one of "+strings.Join(charts.ConnectorTypes(), ", "))
		}
		if cn.Replicas < 0 || cn.Replicas > 10 {
			p.Add(f+".replicas", cn.Replicas, "0 (default 1) to 10")
		}
		for _, k := range sortedKeys(cn.Env) {
			if !charts.ValidEnvName(k) {
				p.Add(f+".env", k, "environment variable names of letters, digits and _")
			}
			if contains(charts.ReservedConnectorEnv(), k) {
				p.Add(f+".env."+k, k, "a variable the chart does not set itself (it sets "+strings.Join(charts.ReservedConnectorEnv(), ", ")+")")
			}
			if o.Identities.Enabled && contains(charts.IdentitiesConnectorEnv(), k) {
				p.Add(f+".env."+k, cn.Env[k], charts.IdentitiesConnectorEnvRule)
			}
		}
		for _, k := range sortedKeys(cn.SecretEnv) {
			ref := cn.SecretEnv[k]
			if !charts.ValidEnvName(k) {
				p.Add(f+".secretEnv", k, "environment variable names of letters, digits and _")
			}
			if contains(charts.ReservedConnectorEnv(), k) {
				p.Add(f+".secretEnv."+k, k, "a variable the chart does not set itself (it sets "+strings.Join(charts.ReservedConnectorEnv(), ", ")+")")
			}
			if _, clash := cn.Env[k]; clash {
				p.Add(f+".secretEnv."+k, k, "a variable not also set in env")
			}
			if o.Identities.Enabled && contains(charts.IdentitiesConnectorEnv(), k) {
				p.Add(f+".secretEnv."+k, k, charts.IdentitiesConnectorEnvRule)
			}
			if !strings.HasPrefix(ref.Secret, c.SecretsPrefix+"/") || len(ref.Secret) <= len(c.SecretsPrefix)+1 {
				p.Add(f+".secretEnv."+k+".secret", ref.Secret, fmt.Sprintf("a secret name under %s/ (the only secrets the cluster may read)", c.SecretsPrefix))
			}
		}
		if cn.Resources != (Resources{}) {
			cn.Resources.validate(f+".resources", p)
		}
		if d := cn.WritableDir; d != "" && !charts.ValidWritableDir(d) {
			p.Add(f+".writableDir", d, "empty, or an absolute clean directory of the image other than / and /tmp, such as /opt/opencti-connector-import-document")
		}
	}
	o.SMTP.validate(c, p)
	o.Identities.validate(p)
}

func (i *Identities) validate(p *Problems) {
	if i.Rotation < 0 || i.Rotation > charts.MaxRotation {
		p.Add("opencti.identities.rotation", i.Rotation, fmt.Sprintf("an integer from 0 to %d (increase it to replace every token)", charts.MaxRotation))
	}
	if !contains(identities.TokenDurations, i.TokenDuration) {
		p.Add("opencti.identities.tokenDuration", i.TokenDuration, "one of "+strings.Join(identities.TokenDurations, ", "))
	}
	for _, t := range []struct {
		field string
		value int
	}{{"healthTimeoutSeconds", i.HealthTimeoutSeconds}, {"rolloutTimeoutSeconds", i.RolloutTimeoutSeconds}} {
		if t.value < charts.MinIdentitiesTimeoutSeconds || t.value > charts.MaxIdentitiesTimeoutSeconds {
			p.Add("opencti.identities."+t.field, t.value, fmt.Sprintf("%d to %d", charts.MinIdentitiesTimeoutSeconds, charts.MaxIdentitiesTimeoutSeconds))
		}
	}
}

func (t *Tier) validate(field string, minReplicas int, p *Problems) {
	if t.MinReplicas < minReplicas || t.MinReplicas > 50 {
		p.Add(field+".minReplicas", t.MinReplicas, fmt.Sprintf("%d to 50", minReplicas))
	}
	if t.MaxReplicas < t.MinReplicas || t.MaxReplicas > 50 {
		p.Add(field+".maxReplicas", t.MaxReplicas, fmt.Sprintf("%d (minReplicas) to 50", t.MinReplicas))
	}
	t.Resources.validate(field+".resources", p)
	if t.HeapMiB < 512 || (t.Resources.MemoryLimitMiB > 0 && t.HeapMiB > t.Resources.MemoryLimitMiB*9/10) {
		p.Add(field+".heapMiB", t.HeapMiB, fmt.Sprintf("512 to %d (90%% of the memory limit, leaving room outside the Node.js heap)", t.Resources.MemoryLimitMiB*9/10))
	}
}

func (r *Resources) validate(field string, p *Problems) {
	if r.CPURequestMillis < 10 {
		p.Add(field+".cpuRequestMillis", r.CPURequestMillis, "at least 10")
	}
	if r.CPULimitMillis < r.CPURequestMillis {
		p.Add(field+".cpuLimitMillis", r.CPULimitMillis, fmt.Sprintf("at least cpuRequestMillis (%d)", r.CPURequestMillis))
	}
	if r.MemoryRequestMiB < 64 {
		p.Add(field+".memoryRequestMiB", r.MemoryRequestMiB, "at least 64")
	}
	if r.MemoryLimitMiB < r.MemoryRequestMiB {
		p.Add(field+".memoryLimitMiB", r.MemoryLimitMiB, fmt.Sprintf("at least memoryRequestMiB (%d)", r.MemoryRequestMiB))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
