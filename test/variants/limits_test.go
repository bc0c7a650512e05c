package variants

import (
	"fmt"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// largeConfig grows every list and count a real deployment grows: 30
// connectors and 10 replicas per platform tier.
func largeConfig() string {
	var b strings.Builder
	b.WriteString("environment: prod\nopencti:\n")
	for _, tier := range []string{"ui", "connectorApi", "workerApi"} {
		fmt.Fprintf(&b, "  %s:\n    minReplicas: 10\n    maxReplicas: 20\n", tier)
	}
	b.WriteString("  connectors:\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "  - name: feed-%02d\n    type: EXTERNAL_IMPORT\n    env:\n      FEED_URL: https://feeds.example.org/%02d\n      FEED_INTERVAL: PT1H\n", i, i)
		fmt.Fprintf(&b, "    secretEnv:\n      FEED_API_KEY:\n        secret: opencti/prod/connectors/feed-%02d\n        property: apiKey\n", i)
	}
	return b.String()
}

// TestLargeTemplatesWithinLimits: the large configuration's templates and
// manifests stay within e2e.CheckLimits' margins (dev and prod: the test
// package's TestTemplatesWithinLimits).
func TestLargeTemplatesWithinLimits(t *testing.T) {
	e2e.CheckLimits(t, "large", synthesizeYAML(t, largeConfig(), "large"))
}
