// Package brokerspec holds the rules and defaults of OpenCTI's Amazon MQ for
// RabbitMQ broker, shared by the construct (broker.NewBroker) and the
// configuration (data.broker). It depends on no AWS package.
package brokerspec

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Deployment modes of an Amazon MQ for RabbitMQ broker.
const (
	DeploymentModeSingleInstance = "SINGLE_INSTANCE"
	DeploymentModeClusterMultiAZ = "CLUSTER_MULTI_AZ"
)

// Settings size the broker. Every field is set: start from DefaultSettings()
// and change what differs.
type Settings struct {
	// EngineVersion is the pinned "<major>.<minor>" RabbitMQ version, at least
	// 3.13 (Amazon MQ applies patch releases itself in the maintenance window);
	// 4.x runs only on mq.m7g instance types. Default: "3.13".
	EngineVersion string `yaml:"engineVersion"`
	// InstanceType of the broker nodes: mq.t3.micro, mq.m5.* or mq.m7g.*; a
	// cluster needs mq.m5.large, mq.m7g.large or larger.
	// Default: "mq.m5.large".
	InstanceType string `yaml:"instanceType"`
	// DeploymentMode is "SINGLE_INSTANCE" or "CLUSTER_MULTI_AZ" (three nodes
	// over three Availability Zones behind one endpoint; required in
	// production). Default: "CLUSTER_MULTI_AZ".
	DeploymentMode string `yaml:"deploymentMode"`
	// MaintenanceWindow is when Amazon MQ patches the broker and applies
	// configuration changes (a single instance is unavailable meanwhile).
	MaintenanceWindow MaintenanceWindow `yaml:"maintenanceWindow"`
}

// MaintenanceWindow is the start of a weekly maintenance window.
type MaintenanceWindow struct {
	// DayOfWeek is MONDAY to SUNDAY. Default: "SUNDAY".
	DayOfWeek string `yaml:"dayOfWeek"`
	// TimeOfDay is "HH:MM" (24 h). Default: "03:00".
	TimeOfDay string `yaml:"timeOfDay"`
	// TimeZone is "UTC" or an IANA time zone such as "Europe/Paris".
	// Default: "UTC".
	TimeZone string `yaml:"timeZone"`
}

// DefaultSettings are a three-node RabbitMQ 3.13 cluster on mq.m5.large,
// maintained on Sundays at 03:00 UTC.
func DefaultSettings() Settings {
	return Settings{
		EngineVersion:     "3.13",
		InstanceType:      "mq.m5.large",
		DeploymentMode:    DeploymentModeClusterMultiAZ,
		MaintenanceWindow: DefaultMaintenanceWindow(),
	}
}

// DefaultMaintenanceWindow starts on Sundays at 03:00 UTC.
func DefaultMaintenanceWindow() MaintenanceWindow {
	return MaintenanceWindow{DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC"}
}

// Fields of Settings, for reports.
var (
	FieldEngineVersion  = problems.Field{Go: "EngineVersion", YAML: "engineVersion"}
	FieldInstanceType   = problems.Field{Go: "InstanceType", YAML: "instanceType"}
	FieldDeploymentMode = problems.Field{Go: "DeploymentMode", YAML: "deploymentMode"}
	FieldDayOfWeek      = problems.Field{Go: "MaintenanceWindow.DayOfWeek", YAML: "maintenanceWindow.dayOfWeek"}
	FieldTimeOfDay      = problems.Field{Go: "MaintenanceWindow.TimeOfDay", YAML: "maintenanceWindow.timeOfDay"}
	FieldTimeZone       = problems.Field{Go: "MaintenanceWindow.TimeZone", YAML: "maintenanceWindow.timeZone"}
)

// Limits are what the deployment adds to the broker's own rules.
type Limits struct {
	// Production demands a CLUSTER_MULTI_AZ broker.
	Production bool
}

// Weekdays are the allowed MaintenanceWindow.DayOfWeek values.
var Weekdays = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}

var (
	versionRe      = regexp.MustCompile(`^(\d+)\.(\d+)$`)
	instanceTypeRe = regexp.MustCompile(`^mq\.(t3\.micro|m5\.(large|xlarge|2xlarge|4xlarge)|m7g\.(medium|large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge))$`)
	timeOfDayRe    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	timeZoneRe     = regexp.MustCompile(`^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$`)
)

// ParseVersion splits a pinned "<major>.<minor>" engine version.
func ParseVersion(v string) (major, minor int, ok bool) {
	m := versionRe.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, true
}

// ValidInstanceType reports whether t is an Amazon MQ for RabbitMQ instance type.
func ValidInstanceType(t string) bool { return instanceTypeRe.MatchString(t) }

// ClusterCapable reports whether instanceType can run a CLUSTER_MULTI_AZ broker.
func ClusterCapable(instanceType string) bool {
	return instanceType != "mq.t3.micro" && instanceType != "mq.m7g.medium"
}

// Check reports every problem of s to p, naming fields with name.
func (s Settings) Check(p *problems.List, name problems.Names, limits Limits) {
	major, minor, versionOK := ParseVersion(s.EngineVersion)
	switch {
	case !versionOK:
		p.Add(name.Of(FieldEngineVersion), s.EngineVersion, `a pinned "<major>.<minor>" RabbitMQ version, at least 3.13`)
	case major < 3 || (major == 3 && minor < 13):
		p.Add(name.Of(FieldEngineVersion), s.EngineVersion, "at least 3.13 (the oldest Amazon MQ for RabbitMQ version still supported)")
	}
	cluster := s.DeploymentMode == DeploymentModeClusterMultiAZ
	switch {
	case !cluster && s.DeploymentMode != DeploymentModeSingleInstance:
		p.Add(name.Of(FieldDeploymentMode), s.DeploymentMode, `"SINGLE_INSTANCE" or "CLUSTER_MULTI_AZ"`)
	case limits.Production && !cluster:
		p.Add(name.Of(FieldDeploymentMode), s.DeploymentMode, `"CLUSTER_MULTI_AZ" in prod`)
	}
	switch {
	case !ValidInstanceType(s.InstanceType):
		p.Add(name.Of(FieldInstanceType), s.InstanceType, "an Amazon MQ for RabbitMQ instance type: mq.t3.micro, mq.m5.large..4xlarge or mq.m7g.medium..16xlarge")
	case cluster && !ClusterCapable(s.InstanceType):
		p.Add(name.Of(FieldInstanceType), s.InstanceType, "mq.m5.large, mq.m7g.large or larger with CLUSTER_MULTI_AZ")
	case versionOK && major >= 4 && !strings.HasPrefix(s.InstanceType, "mq.m7g."):
		p.Add(name.Of(FieldInstanceType), s.InstanceType, "an mq.m7g instance type (RabbitMQ 4 runs only on mq.m7g)")
	}
	w := s.MaintenanceWindow
	if !slices.Contains(Weekdays, w.DayOfWeek) {
		p.Add(name.Of(FieldDayOfWeek), w.DayOfWeek, "one of "+strings.Join(Weekdays, ", "))
	}
	if !timeOfDayRe.MatchString(w.TimeOfDay) {
		p.Add(name.Of(FieldTimeOfDay), w.TimeOfDay, `"HH:MM" (24 h)`)
	}
	if !timeZoneRe.MatchString(w.TimeZone) {
		p.Add(name.Of(FieldTimeZone), w.TimeZone, `"UTC" or an IANA time zone such as "Europe/Paris"`)
	}
}
