package charts

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"

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

// add creates the ApiObject under scope with the stable construct id and,
// when p comes from NewCharts, records it (builtObjects).
func (o object) add(p *Props, scope constructs.Construct, id string) cdk8s.ApiObject {
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
	// One call with every patch: each jsii call is a round trip to the
	// Node.js process.
	keys := sortedKeys(o.fields)
	patches := make([]cdk8s.JsonPatch, len(keys))
	values := make(map[string]any, len(keys))
	for i, k := range keys {
		values[k] = plainJSON(o.fields[k])
		patches[i] = cdk8s.JsonPatch_Add(jsii.String("/"+k), values[k])
	}
	if len(patches) > 0 {
		api.AddJsonPatch(patches...)
	}
	if p != nil && p.built != nil {
		p.built.record(scope, id, o, values)
	}
	return api
}

// builtObjects records, for the charts NewCharts creates, each chart's
// objects as cdk8s synthesizes them (ApiObject.toJson), in creation order,
// so that Charts.Manifest returns them without a call into cdk8s: a
// chart's toJson resolves the dependencies of every construct of the whole
// cdk8s App, so that attaching n charts one toJson at a time costs n², and
// every manifest crossing from Node.js into Go costs as much again (the
// jsii kernel inspects each value of type any). The Go values are those
// that crossed into cdk8s (plainJSON), and those that come back from a
// chart's toJson are equal to them: the objects hold no cdk8s Lazy or
// resolvable values (an aws-cdk-lib token is a plain string to cdk8s), they
// are direct children of their chart with no dependencies between them (so
// cdk8s lists them in creation order; the charts' dependencies on each other
// never reorder a chart's objects), and neither this package nor cdk8s 2.68
// adds the construct validations toJson would run. TestManifestIsWhatCdk8sSynthesizes
// compares the two for every fixture.
type builtObjects struct {
	mu sync.Mutex
	// namespace is each chart's default namespace (cdk8s.ChartProps), which
	// cdk8s gives the objects that set none.
	namespace map[constructs.Construct]string
	objects   map[constructs.Construct][]map[string]any
	// outside is set when an object was created in a scope that is not one
	// of the registered charts, or with an integer-like construct ID: then
	// nothing recorded is used.
	outside bool
}

func newBuiltObjects() *builtObjects {
	return &builtObjects{namespace: map[constructs.Construct]string{}, objects: map[constructs.Construct][]map[string]any{}}
}

// chart registers a chart and its default namespace ("" for none).
func (b *builtObjects) chart(chart cdk8s.Chart, namespace string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.namespace[chart] = namespace
	b.objects[chart] = []map[string]any{}
}

// record adds o, whose top-level fields are values (already plain JSON), to
// scope's objects. The result is what cdk8s 2.68's ApiObject.toJson gives:
// apiVersion, kind, the metadata without empty labels or annotations (the
// chart's namespace for an object that sets none) and the fields, which the
// JSON patches add as they are.
func (b *builtObjects) record(scope constructs.Construct, id string, o object, values map[string]any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	chartNamespace, ok := b.namespace[scope]
	// A construct's children are the keys of a JavaScript object, which
	// lists integer-like keys first: cdk8s's order would then not be the
	// creation order.
	if !ok || integerLike(id) {
		b.outside = true
		return
	}
	md := map[string]any{"name": o.name}
	switch {
	case o.namespace != "":
		md["namespace"] = o.namespace
	case chartNamespace != "":
		md["namespace"] = chartNamespace
	}
	if len(o.labels) > 0 {
		md["labels"] = anyMap(o.labels)
	}
	if len(o.annotations) > 0 {
		md["annotations"] = anyMap(o.annotations)
	}
	obj := map[string]any{"apiVersion": o.apiVersion, "kind": o.kind, "metadata": md}
	for k, v := range values {
		obj[k] = v
	}
	b.objects[scope] = append(b.objects[scope], obj)
}

// manifest is a deep copy of the chart's recorded objects; false if the
// chart is not registered or an object was created outside the charts.
func (b *builtObjects) manifest(chart cdk8s.Chart) ([]map[string]any, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	objs, ok := b.objects[chart]
	if !ok || b.outside {
		return nil, false
	}
	out := make([]map[string]any, len(objs))
	for i, o := range objs {
		out[i] = deepCopy(o).(map[string]any)
	}
	return out, true
}

// integerLike reports whether JavaScript treats id as an array index.
func integerLike(id string) bool {
	if id == "" || len(id) > 10 || (len(id) > 1 && id[0] == '0') {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// deepCopy copies the maps and slices of a plain JSON value, so that a
// caller changing a manifest never changes the record.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
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
