package charts

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

// object describes one Kubernetes object: the typed Go values in fields
// (spec, data, ...) are converted to plain JSON values before they cross into
// jsii.
type object struct {
	apiVersion  string
	kind        string
	name        string
	namespace   string // empty for cluster-scoped objects
	labels      map[string]string
	annotations map[string]string
	fields      map[string]any // top-level fields besides apiVersion, kind, metadata
}

// add creates the ApiObject under scope with the stable construct id.
func (o object) add(scope constructs.Construct, id string) cdk8s.ApiObject {
	md := &cdk8s.ApiObjectMetadata{Name: jsii.String(o.name)}
	if o.namespace != "" {
		md.Namespace = jsii.String(o.namespace)
	}
	if len(o.labels) > 0 {
		md.Labels = stringPtrMap(o.labels)
	}
	if len(o.annotations) > 0 {
		md.Annotations = stringPtrMap(o.annotations)
	}
	api := cdk8s.NewApiObject(scope, jsii.String(id), &cdk8s.ApiObjectProps{
		ApiVersion: jsii.String(o.apiVersion),
		Kind:       jsii.String(o.kind),
		Metadata:   md,
	})
	for _, k := range sortedKeys(o.fields) {
		api.AddJsonPatch(cdk8s.JsonPatch_Add(jsii.String("/"+k), plainJSON(o.fields[k])))
	}
	return api
}

// plainJSON turns a typed value (e.g. an appsv1.DeploymentSpec) into maps,
// slices and scalars through its JSON encoding, dropping nulls.
func plainJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("charts: cannot encode %T: %v", v, err))
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("charts: cannot decode %T: %v", v, err))
	}
	return dropNulls(out)
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil {
				delete(t, k)
				continue
			}
			t[k] = dropNulls(x)
		}
	case []any:
		for i, x := range t {
			t[i] = dropNulls(x)
		}
	}
	return v
}

func stringPtrMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for _, k := range sortedKeys(m) {
		out[k] = jsii.String(m[k])
	}
	return &out
}

// sortedKeys returns a map's keys in order, so objects and lists are built
// deterministically.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
