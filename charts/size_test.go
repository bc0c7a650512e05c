package charts_test

import (
	"fmt"
	"testing"

	"github.com/opencti-ha/opencti-ha/charts"
)

// The CDK stack inlines each chart into a CloudFormation custom resource; the
// kubectl Lambda event (old + new manifest on update) is limited to 256 KiB.
const maxChartBytes = 100 * 1000

func TestChartsStayUnder100KB(t *testing.T) {
	for name, s := range map[string]synthesized{"default": defaults, "large": large, "scaling": scaling} {
		for id, size := range s.sizes {
			t.Logf("%s props: chart %s is %d bytes", name, id, size)
			if size >= maxChartBytes {
				t.Errorf("%s props: chart %s is %d bytes, want < %d", name, id, size, maxChartBytes)
			}
		}
	}
}

// TestChartsStayUnder100KBWith100Connectors: connector charts are split, the
// identities charts stay under the limit, and the namespace chart does not
// grow with the connectors.
func TestChartsStayUnder100KBWith100Connectors(t *testing.T) {
	p := largeProps()
	for i := len(p.Connectors); i < 100; i++ {
		c := p.Connectors[len(p.Connectors)-1]
		c.Name, c.ConnectorName = fmt.Sprintf("feed-%03d", i), fmt.Sprintf("Feed %03d", i)
		p.Connectors = append(p.Connectors, c)
	}
	s, err := synth(p)
	if err != nil {
		t.Fatal(err)
	}
	for id, size := range s.sizes {
		if size >= maxChartBytes {
			t.Errorf("100 connectors: chart %s is %d bytes, want < %d", id, size, maxChartBytes)
		}
	}
	t.Logf("100 connectors: namespace chart %d bytes, %d connectors charts, first %d bytes, identities %d and %d bytes", s.sizes[charts.NamespaceChartID],
		len(s.charts.Connectors), s.sizes[charts.ConnectorsChartID(0)], s.sizes[charts.IdentitiesChartID], s.sizes[charts.IdentitiesJobChartID])
	if s.sizes[charts.NamespaceChartID] != large.sizes[charts.NamespaceChartID] {
		t.Errorf("the namespace chart grows with the connectors: %d vs %d bytes", s.sizes[charts.NamespaceChartID], large.sizes[charts.NamespaceChartID])
	}
}

func TestChartOrderAndIDs(t *testing.T) {
	var ids []string
	for _, c := range large.charts.All() {
		ids = append(ids, *c.Node().Id())
	}
	want := []string{"Namespace", "Platform", "IdentitiesTokens", "Identities", "IdentitiesScript", "IdentitiesJob", "Connectors", "Connectors2", "Connectors3", "Connectors4", "Ingress"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("charts %v, want %v", ids, want)
	}
	ids = nil
	for _, c := range scaling.charts.All() {
		ids = append(ids, *c.Node().Id())
	}
	want = []string{"Namespace", "Platform", "IdentitiesTokens", "Identities", "IdentitiesScript", "IdentitiesJob", "Scaling", "Connectors", "Ingress"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("with QueueScaling: charts %v, want %v (the ScaledObject after the Deployment it scales, and after the identities Job)", ids, want)
	}
	ids = nil
	for _, c := range disabled.charts.All() {
		ids = append(ids, *c.Node().Id())
	}
	if want := []string{"Namespace", "Platform", "Connectors", "Ingress"}; fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("Identities disabled: charts %v, want %v", ids, want)
	}
}
