package charts

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/util/validation"
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
