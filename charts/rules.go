package charts

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// The rules below are the charts' own; the configuration (config.OpenCTI)
// applies the same functions to its opencti section, so that a file is
// rejected at load time, with its YAML field names, for exactly what the
// charts would reject.

// Bounds of Props.WorkersPerPlatform: OpenCTI serves 3 to 4 workers per
// platform.
const (
	MinWorkersPerPlatform = 1
	MaxWorkersPerPlatform = 4
)

// MaxConnectorNameLength bounds ConnectorProps.Name, so that every object
// name derived from it stays a valid DNS label.
const MaxConnectorNameLength = 40

// LogLevels are the allowed Props.LogLevel values.
func LogLevels() []string { return []string{"error", "warn", "info", "debug"} }

// ConnectorTypes are the allowed ConnectorProps.Type values.
func ConnectorTypes() []string {
	return []string{"EXTERNAL_IMPORT", "INTERNAL_ENRICHMENT", "INTERNAL_IMPORT_FILE",
		"INTERNAL_EXPORT_FILE", "INTERNAL_ANALYSIS", "STREAM"}
}

// IngressSchemes are the allowed IngressHostProps.Scheme values.
func IngressSchemes() []string { return []string{"internet-facing", "internal"} }

// ReservedConnectorEnv lists, sorted, the variables a connector's Env and
// SecretEnv may not set: the chart sets them from the connector's fields.
func ReservedConnectorEnv() []string { return sortedKeys(reservedConnectorEnv) }

// IdentitiesConnectorEnv lists the variables a connector's Env and SecretEnv
// may not set while Identities are enabled: with
// CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT=true pycti's helper would use its
// OPENCTI_TOKEN as an administrator to create a user of its own (in
// OpenCTI's built-in Connectors group) and read that user's legacy
// api_token, which OpenCTI 7 no longer exposes (docs/identities.md).
func IdentitiesConnectorEnv() []string {
	return []string{"CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT", "CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT_CONFIDENCE_LEVEL"}
}

// IdentitiesConnectorEnvRule says what IdentitiesConnectorEnv variables
// must be.
const IdentitiesConnectorEnvRule = "unset (the deployment creates each connector's OpenCTI user; auto-creation needs the admin token in the connector)"

// Bounds of IdentitiesProps.HealthTimeoutSeconds and RolloutTimeoutSeconds,
// and of IdentitiesProps.Rotation.
const (
	MinIdentitiesTimeoutSeconds = 60
	MaxIdentitiesTimeoutSeconds = 3600
	MaxRotation                 = 2147483647
)

var (
	emailRE         = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`)
	envNameRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	imageRegistryRE = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)
)

// ValidEmail reports whether s is an e-mail address OpenCTI accepts as the
// admin's login or as a sender (local part, "@", a domain with a dot).
func ValidEmail(s string) bool { return emailRE.MatchString(s) }

// ValidEnvName reports whether name is an environment variable name the
// charts accept ([A-Za-z_][A-Za-z0-9_]*).
func ValidEnvName(name string) bool { return envNameRE.MatchString(name) }

// ValidImageRegistry reports whether s is a repository prefix the images can
// live under (lower case, no tag, no trailing "/").
func ValidImageRegistry(s string) bool { return imageRegistryRE.MatchString(s) }

// ValidConnectorName reports whether name can name a connector: a DNS label
// of at most MaxConnectorNameLength characters. "api" is taken by the
// connector-api tier (opencti-connector-api).
func ValidConnectorName(name string) bool {
	return len(name) <= MaxConnectorNameLength && len(validation.IsDNS1123Label(name)) == 0 && name != "api"
}

// ValidConnectorID reports whether id is a lower-case UUIDv4, the form
// OpenCTI expects of CONNECTOR_ID.
func ValidConnectorID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.Version() == 4 && u.Variant() == uuid.RFC4122 && u.String() == id
}

// ValidWritableDir reports whether d can be a connector's WritableDir: an
// absolute, clean directory other than "/" and "/tmp".
func ValidWritableDir(d string) bool {
	return strings.HasPrefix(d, "/") && path.Clean(d) == d && d != "/" && d != "/tmp"
}

// ValidLogLevel reports whether l is one of LogLevels().
func ValidLogLevel(l string) bool { return slices.Contains(LogLevels(), l) }

// ValidNamespace reports whether ns can be a Kubernetes namespace (a DNS
// label).
func ValidNamespace(ns string) bool { return len(validation.IsDNS1123Label(ns)) == 0 }

// Bounds of QueueScaling (its Check): what KEDA and the HPA accept, narrowed
// to what makes sense for platforms that take 1.5 to 2.5 minutes to start.
const (
	MinMessagesPerReplica       = 100
	MaxMessagesPerReplica       = 10_000_000
	MaxScaleUpWindowSeconds     = 3600
	MinScaleUpPodsPerMinute     = 1
	MaxScaleUpPodsPerMinute     = 10
	MinScaleDownWindowSeconds   = 300
	MaxScaleDownWindowSeconds   = 3600
	MinScaleDownIntervalSeconds = 60
	MaxScaleDownIntervalSeconds = 1800
	MinCPUTargetPercent         = 50
	MaxCPUTargetPercent         = 95
	MinFallbackFailureThreshold = 1
	MaxFallbackFailureThreshold = 20
)

// Fields of QueueScaling, for reports.
var (
	FieldMessagesPerReplica       = problems.Field{Go: "MessagesPerReplica", YAML: "messagesPerReplica"}
	FieldScaleUpWindowSeconds     = problems.Field{Go: "ScaleUpWindowSeconds", YAML: "scaleUpWindowSeconds"}
	FieldScaleUpPodsPerMinute     = problems.Field{Go: "ScaleUpPodsPerMinute", YAML: "scaleUpPodsPerMinute"}
	FieldScaleDownWindowSeconds   = problems.Field{Go: "ScaleDownWindowSeconds", YAML: "scaleDownWindowSeconds"}
	FieldScaleDownIntervalSeconds = problems.Field{Go: "ScaleDownIntervalSeconds", YAML: "scaleDownIntervalSeconds"}
	FieldCPUTargetPercent         = problems.Field{Go: "CPUTargetPercent", YAML: "cpuTargetPercent"}
	FieldFallbackFailureThreshold = problems.Field{Go: "FallbackFailureThreshold", YAML: "fallbackFailureThreshold"}
)

// Check reports every field of q out of its range to p, naming fields with
// name (problems.GoNames("QueueScaling.") in the charts,
// problems.YAMLNames("opencti.ingestionScaling.") in the configuration).
func (q QueueScaling) Check(p *problems.List, name problems.Names) {
	between := func(f problems.Field, v, lo, hi int, suffix string) {
		if v < lo || v > hi {
			p.Add(name.Of(f), v, fmt.Sprintf("%d to %d%s", lo, hi, suffix))
		}
	}
	between(FieldMessagesPerReplica, q.MessagesPerReplica, MinMessagesPerReplica, MaxMessagesPerReplica, " waiting messages per worker-api pod")
	between(FieldScaleUpWindowSeconds, q.ScaleUpWindowSeconds, 0, MaxScaleUpWindowSeconds, "")
	between(FieldScaleUpPodsPerMinute, q.ScaleUpPodsPerMinute, MinScaleUpPodsPerMinute, MaxScaleUpPodsPerMinute, "")
	between(FieldScaleDownWindowSeconds, q.ScaleDownWindowSeconds, MinScaleDownWindowSeconds, MaxScaleDownWindowSeconds,
		" (at least two 150-second platform starts)")
	between(FieldScaleDownIntervalSeconds, q.ScaleDownIntervalSeconds, MinScaleDownIntervalSeconds, MaxScaleDownIntervalSeconds, "")
	if c := q.CPUTargetPercent; c != 0 && (c < MinCPUTargetPercent || c > MaxCPUTargetPercent) {
		p.Add(name.Of(FieldCPUTargetPercent), c, fmt.Sprintf("0 (no CPU trigger) or %d to %d", MinCPUTargetPercent, MaxCPUTargetPercent))
	}
	between(FieldFallbackFailureThreshold, q.FallbackFailureThreshold, MinFallbackFailureThreshold, MaxFallbackFailureThreshold, "")
	a := q.Authentication
	if a.Name != "" && len(validation.IsDNS1123Subdomain(a.Name)) > 0 {
		p.Add(name.Of(problems.Field{Go: "Authentication.Name", YAML: "authentication.name"}), a.Name, "a Kubernetes object name such as "+DefaultQueueScalerAuthenticationName)
	}
	if a.Kind != "" && a.Kind != ClusterTriggerAuthenticationKind && a.Kind != TriggerAuthenticationKind {
		p.Add(name.Of(problems.Field{Go: "Authentication.Kind", YAML: "authentication.kind"}), a.Kind, ClusterTriggerAuthenticationKind+" or "+TriggerAuthenticationKind)
	}
}

// QueueScalingBounds are the worker-api tier's replica bounds, and the names
// the report gives them, for CheckQueueScalingBounds.
type QueueScalingBounds struct {
	// Min and Max are the tier's minimum and maximum replicas.
	Min, Max int
	// MinField, MaxField and ScalingField name the two bounds and the queue
	// scaling in the report.
	MinField, MaxField, ScalingField string
}

// CheckQueueScalingBounds reports to p a maximum equal to the minimum with
// queue scaling on: the queue could then add no pod. (A maximum below the
// minimum is the tier's own rule.)
func CheckQueueScalingBounds(p *problems.List, b QueueScalingBounds) {
	if b.Max == b.Min && b.Min >= 1 {
		p.Add(b.MaxField, b.Max, fmt.Sprintf("more than %s (%d) with %s (queue-depth scaling needs room above the minimum)", b.MinField, b.Min, b.ScalingField))
	}
}
