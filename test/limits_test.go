package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CloudFormation and Lambda limits, with the margin the tests keep.
const (
	templateBytesLimit = 1_000_000 // CloudFormation template body (S3 upload)
	resourcesLimit     = 500
	outputsLimit       = 200
	parametersLimit    = 200
	margin             = 0.8
	manifestBytesLimit = 100_000 // each inline Kubernetes manifest; the kubectl Lambda event max is 262,144 and an update carries old + new
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

func TestTemplatesWithinLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "large.yaml")
	if err := os.WriteFile(path, []byte(largeConfig()), 0o600); err != nil {
		t.Fatal(err)
	}
	large, err := synthesizeFile(path, "assembly-large")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{"dev": synthDirs["dev"], "prod": synthDirs["prod"], "large": large}
	for name, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var tpl struct {
				Resources  map[string]map[string]any `json:"Resources"`
				Outputs    map[string]any            `json:"Outputs"`
				Parameters map[string]any            `json:"Parameters"`
			}
			if err := json.Unmarshal(data, &tpl); err != nil {
				t.Fatal(err)
			}
			where := name + " " + filepath.Base(p)
			t.Logf("%s: %d bytes, %d resources, %d outputs", where, len(data), len(tpl.Resources), len(tpl.Outputs))
			if float64(len(data)) > margin*templateBytesLimit {
				t.Errorf("%s: %d bytes, over 80%% of CloudFormation's %d", where, len(data), templateBytesLimit)
			}
			if float64(len(tpl.Resources)) > margin*resourcesLimit {
				t.Errorf("%s: %d resources, over 80%% of %d", where, len(tpl.Resources), resourcesLimit)
			}
			if float64(len(tpl.Outputs)) > margin*outputsLimit || float64(len(tpl.Parameters)) > margin*parametersLimit {
				t.Errorf("%s: %d outputs, %d parameters: over 80%% of %d", where, len(tpl.Outputs), len(tpl.Parameters), outputsLimit)
			}
			for id, r := range tpl.Resources {
				if r["Type"] != "Custom::AWSCDK-EKS-KubernetesResource" {
					continue
				}
				manifest, _ := json.Marshal(r["Properties"].(map[string]any)["Manifest"])
				if len(manifest) > manifestBytesLimit {
					t.Errorf("%s: manifest %s is %d bytes, over %d", where, id, len(manifest), manifestBytesLimit)
				}
			}
		}
	}
}
