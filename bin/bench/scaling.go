package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/scaleconfig"
)

// scaleCounts are the connector counts of the connector-scaling table.
var scaleCounts = []int{5, 60, 300}

// connectorScaling synthesizes the prod profile with 5, 60 and 300
// external-import connectors (internal/scaleconfig) runs times each and
// prints the median synth time, the peak memory, the largest template and
// manifest and the most resources in one template, then the synth time each
// added connector costs; then it synthesizes 301 connectors and lists every
// resource whose properties differ from the 300-connector synth (what
// `cdk diff` would show for adding one connector).
func connectorScaling(tmp, bin string, runs int) {
	type row struct {
		n                  int
		r                  result
		stacks             int
		template, manifest cdkapp.Measure
		manifestID         string
		manifestBytes      int
		resources          cdkapp.Measure
	}
	var rows []row
	synthN := func(n, i int) (string, run) {
		cfg := filepath.Join(tmp, fmt.Sprintf("scale-%d.yaml", n))
		check(os.WriteFile(cfg, []byte(scaleconfig.YAML(n, 0)), 0o600))
		out := filepath.Join(tmp, fmt.Sprintf("scale-%d-%d", n, i))
		ctx, _ := json.Marshal(map[string]string{"env": "prod", "config": cfg})
		return out, timeRun([]string{bin}, []string{"CDK_OUTDIR=" + out, "CDK_CONTEXT_JSON=" + string(ctx)})
	}
	for _, n := range scaleCounts {
		rw := row{n: n, r: result{name: fmt.Sprintf("%d connectors", n)}}
		var out string
		for i := 0; i < runs; i++ {
			o, r := synthN(n, i)
			rw.r.runs = append(rw.r.runs, r)
			out = o
		}
		ms, err := cdkapp.MeasureTemplates(out)
		check(err)
		rw.stacks = len(ms)
		for _, m := range ms {
			if m.Bytes > rw.template.Bytes {
				rw.template = m
			}
			if m.Resources > rw.resources.Resources {
				rw.resources = m
			}
			if id, b := m.LargestManifest(); b > rw.manifestBytes {
				rw.manifest, rw.manifestID, rw.manifestBytes = m, id, b
			}
		}
		rows = append(rows, rw)
	}
	fmt.Printf("\nConnector scaling (prod profile, N external-import connectors, %d runs each, median):\n\n", runs)
	fmt.Printf("| connectors | synth wall | peak memory | templates | largest template | largest manifest | most resources in a template |\n|---|---|---|---|---|---|---|\n")
	for _, rw := range rows {
		fmt.Printf("| %d | %.2f s | %.0f MiB | %d | %s: %d bytes (%.0f %% of 1,000,000) | %s %s: %d bytes (%.0f %% of 100,000) | %s: %d (of 500) |\n",
			rw.n, rw.r.median().Seconds(), rw.r.peakMiB(), rw.stacks, rw.template.Stack, rw.template.Bytes, 100*float64(rw.template.Bytes)/cdkapp.TemplateBytesLimit,
			rw.manifest.Stack, rw.manifestID, rw.manifestBytes, 100*float64(rw.manifestBytes)/cdkapp.ManifestBytesLimit, rw.resources.Stack, rw.resources.Resources)
	}
	first, last := rows[0], rows[len(rows)-1]
	per := (last.r.median() - first.r.median()) / time.Duration(last.n-first.n)
	fmt.Printf("\nsynth time per added connector (%d to %d): %.1f ms (budget: 10 ms)\n", first.n, last.n, float64(per.Microseconds())/1000)

	before, _ := synthN(300, 100)
	after, _ := synthN(301, 100)
	changed := changedResources(before, after)
	fmt.Printf("\nadding connector 301 to 300 changes %d resources:\n", len(changed))
	for _, c := range changed {
		fmt.Printf("  %s\n", c)
	}
}

// changedResources lists "<stack> <logical ID> (<type>): added|removed|changed"
// for every resource that differs between two assemblies.
func changedResources(a, b string) []string {
	load := func(dir string) map[string]map[string]any {
		out := map[string]map[string]any{}
		paths, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
		check(err)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			check(err)
			var tpl struct {
				Resources map[string]map[string]any `json:"Resources"`
			}
			check(json.Unmarshal(data, &tpl))
			stack := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(p), ".template.json"), ".nested")
			for id, r := range tpl.Resources {
				out[stack+" "+id] = r
			}
		}
		return out
	}
	x, y := load(a), load(b)
	var out []string
	for k, r := range y {
		old, ok := x[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s (%v): added", k, r["Type"]))
		case !reflect.DeepEqual(old, r):
			out = append(out, fmt.Sprintf("%s (%v): changed", k, r["Type"]))
		}
	}
	for k, r := range x {
		if _, ok := y[k]; !ok {
			out = append(out, fmt.Sprintf("%s (%v): removed", k, r["Type"]))
		}
	}
	sort.Strings(out)
	return out
}
