package cli

import (
	"fmt"
	"strings"
	"testing"
)

// TestEntryPointRefusesWhatWouldNotDeploy runs the app binary as `make
// synth CONFIG=...` does with connectors whose manifests weigh more than the
// kubectl handler takes: the configuration is valid, so this is the one test
// of the package whose binary starts the jsii runtime and synthesizes; synth
// then fails with a message naming the stack, the manifest, the limit, the
// size and the configuration, and no stack trace.
func TestEntryPointRefusesWhatWouldNotDeploy(t *testing.T) {
	var b strings.Builder
	b.WriteString("environment: dev\nopencti:\n  connectors:\n")
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&b, "  - name: bulky-%d\n    type: EXTERNAL_IMPORT\n    env:\n      FEED_RULES: %s\n", i, strings.Repeat("r", 14000))
	}
	out := string(rejected(t, appBinary(t), b.String()))
	want := "opencti-ha: synth refused, CloudFormation or the kubectl handler would reject this deployment:\n" +
		"  stack OpenCTI: Kubernetes manifest ChartConnectors548B9ECD is 180,510 bytes, over the kubectl handler's limit of 100,000 bytes per manifest; it grows with opencti.connectors (8 entries)\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("output does not end with %q:\n%s", want, lastLines(out, 10))
	}
	if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
		t.Errorf("a stack trace reached the user:\n%s", out)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
