// Package opensearchspec holds the rules and defaults of an OpenCTI
// OpenSearch domain's sizing, shared by the construct (opensearch.NewDomain)
// and the configuration (data.opensearch). It depends on no AWS package, so
// that the configuration and `make render` never load aws-cdk-lib.
package opensearchspec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Sizing sizes an OpenSearch Service domain. Every field is set: start from
// DefaultSizing() and change what differs.
type Sizing struct {
	// EngineVersion is "OpenSearch_<major>.<minor>", at least OpenSearch_2.9
	// (OpenCTI's minimum); raising it upgrades the domain in place.
	// Default: "OpenSearch_2.19".
	EngineVersion string `yaml:"engineVersion"`
	// DataNodes is the number of data nodes; with a zone awareness of 2 or 3
	// it must be a multiple of it, so every zone holds the same number.
	// Default: 3 (one per Availability Zone).
	DataNodes int `yaml:"dataNodes"`
	// DataNodeInstanceType of the data nodes (an instance type ending in
	// ".search"; OpenCTI asks for >= 8 GiB per node). Default:
	// "r7g.large.search" (2 vCPU, 16 GiB).
	DataNodeInstanceType string `yaml:"dataNodeInstanceType"`
	// MasterNodes is the number of dedicated cluster manager nodes: 0 (none),
	// 3 or 5; production needs 3 or 5. Default: 3.
	MasterNodes int `yaml:"masterNodes"`
	// MasterNodeInstanceType of the dedicated masters (ignored with 0 master
	// nodes). Default: "m7g.large.search".
	MasterNodeInstanceType string `yaml:"masterNodeInstanceType"`
	// VolumeSizeGiB is the gp3 EBS volume of each data node, at least 10.
	// Default: 100.
	VolumeSizeGiB int `yaml:"volumeSizeGiB"`
	// ZoneAwareness is the number of Availability Zones the data nodes and
	// replica shards spread over: 1 (off), 2 or 3, at most the zones the VPC
	// spans; production needs at least 2. Default: 3.
	ZoneAwareness int `yaml:"zoneAwareness"`
}

// DefaultSizing is a highly available domain: 3 data nodes (16 GiB) over 3
// zones, 3 dedicated masters, 100 GiB per node.
func DefaultSizing() Sizing {
	return Sizing{
		EngineVersion:          "OpenSearch_2.19",
		DataNodes:              3,
		DataNodeInstanceType:   "r7g.large.search",
		MasterNodes:            3,
		MasterNodeInstanceType: "m7g.large.search",
		VolumeSizeGiB:          100,
		ZoneAwareness:          3,
	}
}

// Fields of Sizing, for reports.
var (
	FieldEngineVersion          = problems.Field{Go: "EngineVersion", YAML: "engineVersion"}
	FieldDataNodes              = problems.Field{Go: "DataNodes", YAML: "dataNodes"}
	FieldDataNodeInstanceType   = problems.Field{Go: "DataNodeInstanceType", YAML: "dataNodeInstanceType"}
	FieldMasterNodes            = problems.Field{Go: "MasterNodes", YAML: "masterNodes"}
	FieldMasterNodeInstanceType = problems.Field{Go: "MasterNodeInstanceType", YAML: "masterNodeInstanceType"}
	FieldVolumeSizeGiB          = problems.Field{Go: "VolumeSizeGiB", YAML: "volumeSizeGiB"}
	FieldZoneAwareness          = problems.Field{Go: "ZoneAwareness", YAML: "zoneAwareness"}
)

// Limits are what the deployment a domain belongs to adds to the domain's
// own rules. The zero value adds nothing.
type Limits struct {
	// AvailabilityZones is how many zones the VPC spans; ZoneAwareness may not
	// exceed it. 0: not checked.
	AvailabilityZones int
	// Production demands what a production domain needs: at least 2 zones and
	// 3 or 5 dedicated masters.
	Production bool
}

var engineVersionRe = regexp.MustCompile(`^OpenSearch_(\d+)\.(\d+)$`)

// ParseEngineVersion splits "OpenSearch_<major>.<minor>".
func ParseEngineVersion(v string) (major, minor int, ok bool) {
	m := engineVersionRe.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, true
}

// Check reports every problem of s to p, naming fields with name.
func (s Sizing) Check(p *problems.List, name problems.Names, limits Limits) {
	if major, minor, ok := ParseEngineVersion(s.EngineVersion); !ok {
		p.Add(name.Of(FieldEngineVersion), s.EngineVersion, `"OpenSearch_<major>.<minor>", at least OpenSearch_2.9`)
	} else if major < 2 || (major == 2 && minor < 9) {
		p.Add(name.Of(FieldEngineVersion), s.EngineVersion, "at least OpenSearch_2.9 (OpenCTI's minimum)")
	}
	zoneOK := true
	switch za := s.ZoneAwareness; {
	case za < 1 || za > 3:
		p.Add(name.Of(FieldZoneAwareness), za, "1, 2 or 3 (availability zones)")
		zoneOK = false
	case limits.AvailabilityZones > 0 && za > limits.AvailabilityZones:
		p.Add(name.Of(FieldZoneAwareness), za, fmt.Sprintf("at most the number of availabilityZones (%d)", limits.AvailabilityZones))
	case limits.Production && za < 2:
		p.Add(name.Of(FieldZoneAwareness), za, "2 or 3 in prod (the domain must survive the loss of a zone)")
	}
	switch n := s.DataNodes; {
	case n < 1:
		p.Add(name.Of(FieldDataNodes), n, "at least 1")
	case zoneOK && s.ZoneAwareness > 1 && n%s.ZoneAwareness != 0:
		p.Add(name.Of(FieldDataNodes), n, fmt.Sprintf("a multiple of %s (%d), so every zone holds the same number of nodes", name.Of(FieldZoneAwareness), s.ZoneAwareness))
	}
	switch n := s.MasterNodes; {
	case n != 0 && n != 3 && n != 5:
		p.Add(name.Of(FieldMasterNodes), n, "0, 3 or 5 (dedicated masters need an odd quorum)")
	case limits.Production && n == 0:
		p.Add(name.Of(FieldMasterNodes), n, "3 or 5 in prod (dedicated cluster manager nodes)")
	}
	for _, f := range []struct {
		field problems.Field
		v     string
	}{{FieldDataNodeInstanceType, s.DataNodeInstanceType}, {FieldMasterNodeInstanceType, s.MasterNodeInstanceType}} {
		if !ValidInstanceType(f.v) {
			p.Add(name.Of(f.field), f.v, `an OpenSearch instance type such as "r7g.large.search"`)
		}
	}
	if s.VolumeSizeGiB < 10 {
		p.Add(name.Of(FieldVolumeSizeGiB), s.VolumeSizeGiB, "at least 10")
	}
}

// ValidInstanceType reports whether t is an OpenSearch Service instance type
// ("<family>.<size>.search").
func ValidInstanceType(t string) bool {
	return strings.HasSuffix(t, ".search") && len(t) > len(".search")
}
