package charts_test

import (
	"os"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/charts"
)

// TestReadmeManagerTableIsTheList: charts/README.md's manager table names
// exactly BackgroundManagers(), in order, with their kind and the tiers they
// run on.
func TestReadmeManagerTableIsTheList(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "### Background managers")
	if start < 0 {
		t.Fatal("charts/README.md has no Background managers section")
	}
	section := text[start:]
	if end := strings.Index(section[1:], "\n### "); end >= 0 {
		section = section[:end+1]
	}
	var rows [][]string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	list := charts.BackgroundManagers()
	if len(rows) != len(list) {
		t.Fatalf("README table has %d managers, the list %d", len(rows), len(list))
	}
	for i, m := range list {
		tiers := "off | off | on"
		if m.Kind == charts.PerNode {
			tiers = "on | on | on"
		}
		want := "`" + m.Switch + "` | " + string(m.Kind) + " | " + tiers + " | " + m.Duty
		if got := strings.Join(rows[i], " | "); got != want {
			t.Errorf("README row %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
