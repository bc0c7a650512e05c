// Package scaleconfig writes the configuration the scale checks synthesize:
// the prod profile with N external-import connectors (each with its own
// environment and a secret from Secrets Manager) and a number of replicas per
// platform tier. `make bench` and the limits test use it, so both measure the
// same deployment. It depends on the standard library only.
package scaleconfig

import (
	"fmt"
	"strings"
)

// YAML is the prod configuration with connectors external-import connectors
// named feed-000, feed-001, ... and minReplicas (maxReplicas twice that) on
// the ui, connector-api and worker-api tiers; replicas 0 keeps the profile's.
func YAML(connectors, replicas int) string {
	var b strings.Builder
	b.WriteString("environment: prod\nopencti:\n")
	if replicas > 0 {
		for _, tier := range []string{"ui", "connectorApi", "workerApi"} {
			fmt.Fprintf(&b, "  %s:\n    minReplicas: %d\n    maxReplicas: %d\n", tier, replicas, 2*replicas)
		}
	}
	if connectors > 0 {
		b.WriteString("  connectors:\n")
	}
	for i := 0; i < connectors; i++ {
		fmt.Fprintf(&b, "  - name: feed-%03d\n    type: EXTERNAL_IMPORT\n    env:\n      FEED_URL: https://feeds.example.org/%03d\n      FEED_INTERVAL: PT1H\n", i, i)
		fmt.Fprintf(&b, "    secretEnv:\n      FEED_API_KEY:\n        secret: opencti/prod/connectors/feed-%03d\n        property: apiKey\n", i)
	}
	return b.String()
}
