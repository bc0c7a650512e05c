// Package identities carries the OpenCTI identity provisioning program
// (provision.js, run by a Kubernetes Job of the platform image) and the rules
// it applies to names, for the chart that runs the Job and for configuration
// validation. It depends on the standard library only, so the config package
// may import it.
//
// provision.js is the program; this package embeds it (Script), describes its
// input (Spec) and mirrors the rules a configuration must satisfy before the
// Job would accept it (ConnectorNameProblem, DeploymentNameProblem). A test
// runs the JavaScript rules and the Go rules over the same table, so the two
// cannot drift apart. The design and the OpenCTI sources behind it are in
// docs/identities.md.
package identities

import (
	"crypto/sha256"
	_ "embed" // Script
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
)

// Script is provision.js: one CommonJS file that needs only node: built-ins,
// to be mounted from a ConfigMap and run as `node provision.js`.
//
//go:embed provision.js
var Script string

// ScriptFile is the file name the Job runs.
const ScriptFile = "provision.js"

// TokenKey is the key of the token in every identity's Secret.
const TokenKey = "OPENCTI_TOKEN"

// TemplateAnnotation is the pod-template annotation of the Deployments that
// use a token: the ID of the token their pods were started with. The Job sets
// it to roll them onto a new token; charts must not set it.
const TemplateAnnotation = "opencti-ha.io/token-id"

// TokenDurations are OpenCTI's token lifetimes (GraphQL enum TokenDuration).
var TokenDurations = []string{"UNLIMITED", "DAYS_30", "DAYS_60", "DAYS_90", "DAYS_365"}

// The status the Job records for the deploy that waits on it, in the
// ConfigMap StatusConfigMapName(job) (pre-created empty next to the Job, so a
// re-created Job never shows an older run's result). A CloudFormation deploy
// waits with a chain of kubectl lookups, each of at most RelayWaitSeconds
// (the kubectl Lambda stops at 15 minutes): lookup i returns once key
// RelayKey(i) exists. The Job writes RelayKey(1) StatusFirstSeconds after it
// starts and the next key every StatusIntervalSeconds, never the last one;
// when it ends it writes its result into every key not yet written and into
// ResultKey. The last relay thus always holds the result.
const (
	// StatusSuffix ends the status ConfigMap's name: <job>-status.
	StatusSuffix = "-status"
	// RelayPrefix starts each relay key: relay-1, relay-2, ...
	RelayPrefix = "relay-"
	// ResultKey holds the result once the Job has ended.
	ResultKey = "result"
	// StateRunning, StateSucceeded and StateFailed start every status value.
	StateRunning   = "running: "
	StateSucceeded = "succeeded: "
	StateFailed    = "failed: "
	// StatusMaxChars bounds a status value (a CloudFormation custom resource
	// response holds at most 4,096 bytes).
	StatusMaxChars = 2000
	// MaxRelays bounds Spec.StatusRelays.
	MaxRelays = 50
	// StatusFirstSeconds is when the first heartbeat is written after the
	// program starts: the first lookup, started when the Job is created, leaves
	// RelayWaitSeconds - StatusFirstSeconds (9 minutes) for the pod to start.
	StatusFirstSeconds = 240
	// StatusIntervalSeconds separates the next heartbeats; a lookup started
	// when the previous one returned leaves 3 minutes of slack.
	StatusIntervalSeconds = 600
	// RelayWaitSeconds is how long one lookup waits for its key.
	RelayWaitSeconds = 780
)

// StatusConfigMapName is the status ConfigMap of the Job named job.
func StatusConfigMapName(job string) string { return job + StatusSuffix }

// RelayKey is the i-th (1-based) relay key.
func RelayKey(i int) string { return fmt.Sprintf("%s%d", RelayPrefix, i) }

// Relays is how many relay keys cover a Job that runs at most
// deadlineSeconds: one per heartbeat it can write, plus the last (its result).
func Relays(deadlineSeconds int) int {
	if deadlineSeconds <= StatusFirstSeconds {
		return 1
	}
	return (deadlineSeconds-StatusFirstSeconds)/StatusIntervalSeconds + 2
}

// ConnectorNameRule says what a connector name must be to name its OpenCTI
// user; ConnectorNameProblem returns it for a name that is not.
const ConnectorNameRule = `1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit (it names the OpenCTI user "[C] <deployment> <name>")`

// DeploymentNameRule is the same for the deployment name (config Name).
const DeploymentNameRule = "1-40 letters, digits or hyphens, starting with a letter (it prefixes every OpenCTI user, group and role the deployment owns)"

var (
	connectorNameRe  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	deploymentNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,39}$`)
)

// ConnectorNameProblem returns "" when name can name a connector's OpenCTI
// user, otherwise ConnectorNameRule (what is allowed).
func ConnectorNameProblem(name string) string {
	if len(name) <= 40 && connectorNameRe.MatchString(name) {
		return ""
	}
	return ConnectorNameRule
}

// DeploymentNameProblem returns "" when name can prefix the deployment's
// OpenCTI users, groups and roles, otherwise DeploymentNameRule.
func DeploymentNameProblem(name string) string {
	if deploymentNameRe.MatchString(name) {
		return ""
	}
	return DeploymentNameRule
}

// ConnectorUserName is the OpenCTI user of a connector ("[C] " is OpenCTI's
// documented prefix of connector users).
func ConnectorUserName(deployment, connector string) string {
	return fmt.Sprintf("[C] %s %s", deployment, connector)
}

// WorkerUserName is the OpenCTI user the workers share.
func WorkerUserName(deployment string) string {
	return fmt.Sprintf("[W] %s workers", deployment)
}

// Spec is the Job's input (spec.json in its ConfigMap). Zero optional
// fields take the defaults of provision.js.
type Spec struct {
	// Deployment names the deployment (config Name).
	Deployment string `json:"deployment"`
	// Namespace holds the Secrets and Deployments.
	Namespace string `json:"namespace"`
	// OpenCTIURL is the connector-api Service, e.g.
	// http://opencti-connector-api.opencti.svc.cluster.local:80.
	OpenCTIURL string `json:"openctiUrl"`
	// Rotation: changing it replaces every token. Default 0.
	Rotation int `json:"rotation"`
	// TokenDuration is one of TokenDurations. Default UNLIMITED.
	TokenDuration string `json:"tokenDuration,omitempty"`
	// HealthTimeoutSeconds bounds the wait for /health. Default 1800.
	HealthTimeoutSeconds float64 `json:"healthTimeoutSeconds,omitempty"`
	// HealthIntervalSeconds between /health tries. Default 5.
	HealthIntervalSeconds float64 `json:"healthIntervalSeconds,omitempty"`
	// RolloutTimeoutSeconds bounds the wait for each rollout. Default 900.
	RolloutTimeoutSeconds float64 `json:"rolloutTimeoutSeconds,omitempty"`
	// RolloutIntervalSeconds between rollout polls. Default 5.
	RolloutIntervalSeconds float64 `json:"rolloutIntervalSeconds,omitempty"`
	// StatusRelays is the number of relay keys the Job writes into its status
	// ConfigMap (Relays of its deadline). Default 0: no status recorded.
	StatusRelays int `json:"statusRelays,omitempty"`
	// StatusFirstSeconds and StatusIntervalSeconds time the heartbeats.
	// Default StatusFirstSeconds and StatusIntervalSeconds.
	StatusFirstSeconds    float64 `json:"statusFirstSeconds,omitempty"`
	StatusIntervalSeconds float64 `json:"statusIntervalSeconds,omitempty"`
	// Worker is the workers' identity.
	Worker Consumer `json:"worker"`
	// Connectors lists one identity per connector (empty: none).
	Connectors []Connector `json:"connectors"`
}

// Consumer is where an identity's token goes: its Secret and the
// Deployments whose pods read it.
type Consumer struct {
	Secret      string   `json:"secret"`
	Deployments []string `json:"deployments"`
}

// Connector is one connector's identity.
type Connector struct {
	Name        string   `json:"name"`
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Secret      string   `json:"secret"`
	Deployments []string `json:"deployments"`
}

// JSON renders the spec as provision.js reads it, compact (the ConfigMap
// that carries it travels inside a CloudFormation template): identical bytes
// for an identical spec, empty lists as [] (never null).
func (s Spec) JSON() ([]byte, error) {
	c := s
	if c.Worker.Deployments == nil {
		c.Worker.Deployments = []string{}
	}
	c.Connectors = append([]Connector{}, s.Connectors...)
	for i := range c.Connectors {
		if c.Connectors[i].Deployments == nil {
			c.Connectors[i].Deployments = []string{}
		}
	}
	return json.Marshal(c)
}

// ProgramName names the ConfigMap holding the program and its spec after
// both (the ConfigMap is immutable: another spec is another ConfigMap).
func ProgramName(specJSON []byte) string {
	return "opencti-identities-program-" + hash10(specJSON, []byte(Script))
}

// SpecConfigMapName names the ConfigMap of the program's spec (spec.json
// alone; the script has ScriptConfigMapName's) after the spec and the
// script: "opencti-identities-spec-<10 hex>". It differs from
// ProgramName's, the ConfigMap that held both before the script moved to a
// chart of its own: an immutable ConfigMap cannot change in place.
func SpecConfigMapName(specJSON []byte) string {
	return "opencti-identities-spec-" + hash10(specJSON, []byte(Script))
}

// ScriptConfigMapName names the ConfigMap of the program's script after the
// script: a new release of the script is a new (immutable) ConfigMap.
func ScriptConfigMapName() string {
	return "opencti-identities-script-" + hash10([]byte(Script))
}

// JobName names the Job after everything it runs with, its whole spec (the
// pod template names the program's ConfigMap, hence the spec and the
// program, and holds the image): a Job's pod template cannot change, so
// another input is another Job, and a deploy that changes none of them
// applies the same Job again, which does nothing.
func JobName(jobSpecJSON []byte) string {
	return "opencti-identities-" + hash10(jobSpecJSON)
}

// hash10 is the first 10 hex digits of SHA-256 over length-prefixed parts.
func hash10(parts ...[]byte) string {
	h := sha256.New()
	for _, part := range parts {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}
