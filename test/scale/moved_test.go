package scale

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/charts/attach"
	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// TestMovedChartsKeepTheirPlaceInTheStack: the connectors charts that a
// deployment made before nested stacks held in the OpenCTI stack (charts 5
// to 16) keep a manifest resource there, under the construct ID the chart
// had, holding only the chart's "moved" ConfigMap and updated after the
// nested stack that now applies the chart: an upgrade updates these
// resources instead of deleting them, and so never runs `kubectl delete` on
// the connectors' objects. Charts 1 to 4 stay in the stack; charts 17 and
// later never were in it and have no such resource.
func TestMovedChartsKeepTheirPlaceInTheStack(t *testing.T) {
	read := func(file string) map[string]e2e.TemplateResource {
		t.Helper()
		return e2e.TemplateResources(t, filepath.Join(outdir, file))
	}
	parent := read("OpenCTI.template.json")
	nestedStacks := map[int]string{} // k -> logical ID of the k-th nested stack
	for id, r := range parent {
		if m := regexp.MustCompile(`^ChartConnectorsStack(\d+)`).FindStringSubmatch(id); m != nil && r.Type == "AWS::CloudFormation::Stack" {
			var k int
			fmt.Sscan(m[1], &k)
			nestedStacks[k] = id
		}
	}
	if len(nestedStacks) != 5 {
		t.Fatalf("nested stacks %v, want 5", nestedStacks)
	}
	var moved []string
	for id, r := range parent {
		if r.Type != "Custom::AWSCDK-EKS-KubernetesResource" {
			continue
		}
		manifest := fmt.Sprint(r.Properties["Manifest"])
		if !strings.Contains(manifest, "opencti-ha-moved-") {
			continue
		}
		moved = append(moved, id)
		// ChartConnectors<n><hash>: the construct ID of chart n in the stack.
		m := regexp.MustCompile(`^Chart(Connectors(\d+))[0-9A-F]{8}$`).FindStringSubmatch(id)
		if m == nil {
			t.Errorf("%s: not the logical ID of a connectors chart's manifest in the stack", id)
			continue
		}
		var n int
		fmt.Sscan(m[2], &n)
		if n < attach.InlineConnectorsCharts+1 || n > attach.PreviouslyInlineConnectorsCharts {
			t.Errorf("%s: chart %d has a moved-chart resource, want only charts %d to %d", id, n, attach.InlineConnectorsCharts+1, attach.PreviouslyInlineConnectorsCharts)
			continue
		}
		if want := attach.MovedChartConfigMap(m[1]); !strings.Contains(manifest, `"name":"`+want+`"`) || strings.Contains(manifest, `"kind":"Deployment"`) {
			t.Errorf("%s: manifest %.300s, want only the ConfigMap %s", id, manifest, want)
		}
		k := (n-1-attach.InlineConnectorsCharts)/attach.ConnectorsChartsPerNestedStack + 1
		if !slices.Contains(r.DependsOn, nestedStacks[k]) {
			t.Errorf("%s depends on %v, want the nested stack %s that applies chart %d", id, r.DependsOn, nestedStacks[k], n)
		}
		if r.Properties["PruneLabel"] == nil {
			t.Errorf("%s: no prune label: its update would not prune by the label the chart's objects used to carry", id)
		}
	}
	if want := attach.PreviouslyInlineConnectorsCharts - attach.InlineConnectorsCharts; len(moved) != want {
		t.Errorf("%d moved-chart resources %v, want %d (charts %d to %d)", len(moved), moved, want, attach.InlineConnectorsCharts+1, attach.PreviouslyInlineConnectorsCharts)
	}
	// The chart itself is applied in its nested stack, with its connectors.
	files, _ := filepath.Glob(filepath.Join(outdir, "*.nested.template.json"))
	found := false
	for _, f := range files {
		for id, r := range read(filepath.Base(f)) {
			if strings.HasPrefix(id, "Chart"+charts.ConnectorsChartID(4)) && r.Type == "Custom::AWSCDK-EKS-KubernetesResource" &&
				strings.Contains(fmt.Sprint(r.Properties["Manifest"]), `"kind":"Deployment"`) {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no nested stack applies chart %s with its Deployments", charts.ConnectorsChartID(4))
	}
}
