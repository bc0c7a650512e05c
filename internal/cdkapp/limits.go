package cdkapp

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The limits a synthesized template must stay under to deploy. CloudFormation
// refuses a template over any of them when the stack is created or updated
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html;
// the CDK CLI uploads every template to the bootstrap bucket, so the S3
// template body limit applies, also to nested stacks).
const (
	// TemplateBytesLimit is the template body passed by S3 URL.
	TemplateBytesLimit = 1_000_000
	// ResourcesLimit, OutputsLimit, ParametersLimit and MappingsLimit are per
	// template (a nested stack has its own).
	ResourcesLimit  = 500
	OutputsLimit    = 200
	ParametersLimit = 200
	MappingsLimit   = 200
	// ManifestBytesLimit is what each Kubernetes manifest a KubernetesManifest
	// (Custom::AWSCDK-EKS-KubernetesResource) carries inline may weigh: the
	// kubectl handler is a Lambda function whose event is limited to 262,144
	// bytes, and an update carries the old and the new manifest plus the
	// request's other fields, so each must stay under 100,000 bytes.
	ManifestBytesLimit = 100_000
)

// ResourceLimitContext is the aws-cdk-lib context key of its own resource
// count check, which throws TooManyResourcesInStack from inside synth (a
// jsii panic, not a message). New sets it to 0 (off): CheckLimits counts the
// resources of every template after synth and reports them as a message.
const ResourceLimitContext = "@aws-cdk/core:stackResourceLimit"

// Measure is what one synthesized template weighs.
type Measure struct {
	// Stack is the template's artifact name: the stack ID, or for a nested
	// stack the file name without ".nested.template.json".
	Stack string
	// File is the template's path.
	File                                  string
	Bytes, Resources, Outputs, Parameters int
	Mappings                              int
	// Manifests are the inline Kubernetes manifests by logical ID, in bytes
	// (the manifest property as compact JSON).
	Manifests map[string]int
}

// LargestManifest is the logical ID and size of the largest manifest ("", 0
// without one).
func (m Measure) LargestManifest() (string, int) {
	id, n := "", 0
	for k, v := range m.Manifests {
		if v > n || (v == n && k < id) {
			id, n = k, v
		}
	}
	return id, n
}

// MeasureTemplates measures every *.template.json under outdir (nested
// assemblies and nested stacks included), sorted by file.
func MeasureTemplates(outdir string) ([]Measure, error) {
	var out []Measure
	err := filepath.WalkDir(outdir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".template.json") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var tpl struct {
			Resources map[string]struct {
				Type       string
				Properties map[string]any
			} `json:"Resources"`
			Outputs    map[string]any `json:"Outputs"`
			Parameters map[string]any `json:"Parameters"`
			Mappings   map[string]any `json:"Mappings"`
		}
		if err := json.Unmarshal(data, &tpl); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		name := strings.TrimSuffix(strings.TrimSuffix(d.Name(), ".template.json"), ".nested")
		m := Measure{Stack: name, File: path, Bytes: len(data), Resources: len(tpl.Resources), Outputs: len(tpl.Outputs),
			Parameters: len(tpl.Parameters), Mappings: len(tpl.Mappings), Manifests: map[string]int{}}
		for id, r := range tpl.Resources {
			if r.Type != "Custom::AWSCDK-EKS-KubernetesResource" {
				continue
			}
			manifest, err := json.Marshal(r.Properties["Manifest"])
			if err != nil {
				return err
			}
			m.Manifests[id] = len(manifest)
		}
		out = append(out, m)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, err
}

// CheckLimits measures every template under outdir and returns one message
// per limit crossed (nil when everything would deploy), each naming the
// stack, the limit, the measured value and, from drivers (stack ID prefix ->
// what drives its size, e.g. "opencti.connectors (300 entries)"), the
// configuration that makes it grow.
func CheckLimits(outdir string, drivers map[string]string) ([]string, error) {
	ms, err := MeasureTemplates(outdir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		driver := driverOf(m.Stack, drivers)
		over := func(what string, got, limit int, unit string) {
			if got > limit {
				out = append(out, fmt.Sprintf("stack %s: %s is %s%s, over CloudFormation's limit of %s%s%s",
					m.Stack, what, thousands(got), unit, thousands(limit), unit, driver))
			}
		}
		over("the template", m.Bytes, TemplateBytesLimit, " bytes")
		over("the resource count", m.Resources, ResourcesLimit, "")
		over("the output count", m.Outputs, OutputsLimit, "")
		over("the parameter count", m.Parameters, ParametersLimit, "")
		over("the mapping count", m.Mappings, MappingsLimit, "")
		ids := make([]string, 0, len(m.Manifests))
		for id := range m.Manifests {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if n := m.Manifests[id]; n > ManifestBytesLimit {
				out = append(out, fmt.Sprintf("stack %s: Kubernetes manifest %s is %s bytes, over the kubectl handler's limit of %s bytes per manifest%s",
					m.Stack, id, thousands(n), thousands(ManifestBytesLimit), driver))
			}
		}
	}
	return out, nil
}

// driverOf is "; it grows with <driver>" for the longest stack ID prefix in
// drivers that starts name, else "".
func driverOf(name string, drivers map[string]string) string {
	best := ""
	for prefix := range drivers {
		if strings.HasPrefix(name, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	if best == "" {
		return ""
	}
	return "; it grows with " + drivers[best]
}

// thousands formats n with comma separators: 1019841 -> "1,019,841".
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
