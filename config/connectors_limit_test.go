package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestConnectorsAtMost500: the connector alarms evaluate at most 500
// connectors (one Metrics Insights time series each), so the configuration
// accepts 500 and refuses 501, naming the field.
func TestConnectorsAtMost500(t *testing.T) {
	list := func(n int) string {
		var b strings.Builder
		b.WriteString("environment: dev\nopencti:\n  connectors:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "  - name: feed-%03d\n    type: EXTERNAL_IMPORT\n", i)
		}
		return b.String()
	}
	// 500 connectors need a larger node pool than dev's: only the count is
	// checked here.
	if _, err := Load("", writeFile(t, list(500))); err != nil && strings.Contains(err.Error(), "opencti.connectors:") {
		t.Errorf("500 connectors: %v", err)
	}
	_, err := Load("", writeFile(t, list(501)))
	want := "opencti.connectors: got 501 entries, want at most 500 (one CloudWatch Metrics Insights alarm evaluates at most 500 connectors; see docs/connectors-at-scale.md)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("501 connectors: %v, want %q", err, want)
	}
}
