package charts_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/charts"
)

// withConnectors is largeProps with n connectors, feed-000 ... in list order.
func withConnectors(n int) *charts.Props {
	p := largeProps()
	last := p.Connectors[len(p.Connectors)-1]
	p.Connectors = nil
	for i := 0; i < n; i++ {
		c := last
		c.Name, c.ConnectorName, c.ID = fmt.Sprintf("feed-%03d", i), fmt.Sprintf("Feed %03d", i), nil
		p.Connectors = append(p.Connectors, c)
	}
	return p
}

// TestAddingAConnectorChangesOnlyItsCharts: appending connector 101 to 100
// (both fill partial charts) changes the last connectors chart, the last
// tokens chart, the identities RBAC (the Role lists every token Secret and
// Deployment) and the Job's chart (its spec lists every connector), and no
// other chart. (test/scale checks the sizes with 300.)
func TestAddingAConnectorChangesOnlyItsCharts(t *testing.T) {
	before, err := synth(withConnectors(100))
	if err != nil {
		t.Fatal(err)
	}
	after, err := synth(withConnectors(101))
	if err != nil {
		t.Fatal(err)
	}
	chartJSON := func(s synthesized) map[string][]byte {
		out := map[string][]byte{}
		for _, d := range s.docs {
			out[d.Chart] = append(append(out[d.Chart], d.Raw...), '\n')
		}
		return out
	}
	b, a := chartJSON(before), chartJSON(after)
	var changed []string
	for id, x := range a {
		if !bytes.Equal(b[id], x) {
			changed = append(changed, id)
		}
	}
	sort.Strings(changed)
	want := []string{charts.ConnectorsChartID(12), charts.IdentitiesChartID, charts.IdentitiesJobChartID, charts.IdentitiesTokensChartID(1)}
	sort.Strings(want)
	if strings.Join(changed, " ") != strings.Join(want, " ") {
		t.Errorf("adding a connector changed charts %v, want %v", changed, want)
	}
	if len(a) != len(b) {
		t.Errorf("%d charts before, %d after", len(b), len(a))
	}
}
