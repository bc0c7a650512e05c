// Package cachespec holds the rules and defaults of OpenCTI's ElastiCache
// (Valkey or Redis OSS) replication group, shared by the construct
// (cache.NewReplicationGroup) and the configuration (data.redis). It depends
// on no AWS package.
package cachespec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Settings size a cluster-mode-disabled replication group. Every field is
// set: start from DefaultSettings() and change what differs.
type Settings struct {
	// Engine is "valkey" or "redis" (Redis OSS). Default: "valkey".
	Engine string `yaml:"engine"`
	// EngineVersion is "<major>.<minor>": valkey 7.2 or later, redis 7.1 or
	// later (OpenCTI needs Redis >= 7.1). Default: "8.0".
	EngineVersion string `yaml:"engineVersion"`
	// NodeType is the cache node type (OpenCTI needs >= 1 GiB of memory).
	// Default: "cache.r7g.large".
	NodeType string `yaml:"nodeType"`
	// Replicas is the number of read replicas of the primary, 0 to 5;
	// replicas exist to take over, so replicas > 0 requires MultiAz.
	// Default: 2 (primary + 2 replicas over 3 Availability Zones).
	Replicas int `yaml:"replicas"`
	// MultiAz turns on Multi-AZ with automatic failover; it needs at least one
	// replica and is required in production. Default: true.
	MultiAz bool `yaml:"multiAz"`
	// SnapshotRetentionDays keeps daily automatic snapshots this long, 0 to
	// 35 (at least 1 in production). Default: 7.
	SnapshotRetentionDays int `yaml:"snapshotRetentionDays"`
}

// DefaultSettings are a Multi-AZ Valkey 8.0 group of a primary and two
// replicas on cache.r7g.large, snapshots kept 7 days.
func DefaultSettings() Settings {
	return Settings{
		Engine:                "valkey",
		EngineVersion:         "8.0",
		NodeType:              "cache.r7g.large",
		Replicas:              2,
		MultiAz:               true,
		SnapshotRetentionDays: 7,
	}
}

// Fields of Settings, for reports.
var (
	FieldEngine                = problems.Field{Go: "Engine", YAML: "engine"}
	FieldEngineVersion         = problems.Field{Go: "EngineVersion", YAML: "engineVersion"}
	FieldNodeType              = problems.Field{Go: "NodeType", YAML: "nodeType"}
	FieldReplicas              = problems.Field{Go: "Replicas", YAML: "replicas"}
	FieldMultiAz               = problems.Field{Go: "MultiAz", YAML: "multiAz"}
	FieldSnapshotRetentionDays = problems.Field{Go: "SnapshotRetentionDays", YAML: "snapshotRetentionDays"}
)

// MinEngineVersion is the lowest "<major>.<minor>" accepted per engine.
var MinEngineVersion = map[string][2]int{"valkey": {7, 2}, "redis": {7, 1}}

// Limits are what the deployment adds to the replication group's own rules.
type Limits struct {
	// Production demands Multi-AZ and at least one day of snapshots.
	Production bool
}

var (
	versionRe  = regexp.MustCompile(`^(\d+)\.(\d+)$`)
	nodeTypeRe = regexp.MustCompile(`^cache\.[a-z0-9]+\.[a-z0-9]+$`)
)

// Check reports every problem of s to p, naming fields with name.
func (s Settings) Check(p *problems.List, name problems.Names, limits Limits) {
	engineMin, engineOK := MinEngineVersion[s.Engine]
	if !engineOK {
		p.Add(name.Of(FieldEngine), s.Engine, `"valkey" or "redis"`)
	}
	if m := versionRe.FindStringSubmatch(s.EngineVersion); m == nil {
		p.Add(name.Of(FieldEngineVersion), s.EngineVersion, `"<major>.<minor>", e.g. "8.0"`)
	} else if major, minor := atoi(m[1]), atoi(m[2]); engineOK && (major < engineMin[0] || (major == engineMin[0] && minor < engineMin[1])) {
		p.Add(name.Of(FieldEngineVersion), s.EngineVersion, fmt.Sprintf("at least %d.%d for %s (OpenCTI needs Redis >= 7.1)", engineMin[0], engineMin[1], s.Engine))
	}
	if !nodeTypeRe.MatchString(s.NodeType) {
		p.Add(name.Of(FieldNodeType), s.NodeType, `a cache node type such as "cache.r7g.large"`)
	}
	switch r := s.Replicas; {
	case r < 0 || r > 5:
		p.Add(name.Of(FieldReplicas), r, "0 to 5")
	case r > 0 && !s.MultiAz:
		p.Add(name.Of(FieldMultiAz), s.MultiAz, fmt.Sprintf("true when %s is %d (replicas exist to take over from the primary)", name.Of(FieldReplicas), r))
	case r == 0 && s.MultiAz:
		p.Add(name.Of(FieldMultiAz), s.MultiAz, fmt.Sprintf("false when %s is 0 (Multi-AZ fails over to a replica)", name.Of(FieldReplicas)))
	case limits.Production && !s.MultiAz:
		p.Add(name.Of(FieldMultiAz), s.MultiAz, fmt.Sprintf("true in prod, with %s of at least 1", name.Of(FieldReplicas)))
	}
	switch n := s.SnapshotRetentionDays; {
	case n < 0 || n > 35:
		p.Add(name.Of(FieldSnapshotRetentionDays), n, "0 to 35")
	case limits.Production && n < 1:
		p.Add(name.Of(FieldSnapshotRetentionDays), n, "1 to 35 in prod")
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// NodeVCPUs is the number of vCPUs of an ElastiCache node type, by the size
// rule of the current node families (AWS "Supported node types"): micro,
// small and medium 2 (cache.t2.micro and cache.t2.small 1), large 2, xlarge
// 4, <n>xlarge 4n. ok is false for a size the rule does not cover (metal).
func NodeVCPUs(nodeType string) (vcpus int, ok bool) {
	parts := strings.Split(nodeType, ".")
	if len(parts) != 3 || parts[0] != "cache" {
		return 0, false
	}
	family, size := parts[1], parts[2]
	switch {
	case family == "t2" && (size == "micro" || size == "small"):
		return 1, true
	case size == "micro" || size == "small" || size == "medium" || size == "large":
		return 2, true
	case size == "xlarge":
		return 4, true
	case strings.HasSuffix(size, "xlarge"):
		n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
		if err != nil || n < 2 {
			return 0, false
		}
		return 4 * n, true
	}
	return 0, false
}
