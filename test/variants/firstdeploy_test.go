package variants

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// realConfig is a prod configuration a team would deploy: its own zone,
// hostnames, admin role and e-mail addresses, and the images pulled through
// the ECR cache of Docker Hub. It also takes the settings the stacks
// package's variant apps assert without template validation (a
// public-and-private cluster endpoint here; the edge settings of
// config/testdata/variants/edge.yaml, added by realConfigYAML), so that
// their templates pass aws-cdk-lib's validation here.
const realConfig = `environment: prod
account: "123456789012"
dns:
  zoneName: cti.acme.org
  zoneId: Z0123456789ABCDEFGHIJ
  uiHostname: ui.cti.acme.org
  apiHostname: api.cti.acme.org
cluster:
  adminRoleArns: [arn:aws:iam::123456789012:role/platform-admin]
  endpointAccess: public-and-private
  publicAccessCidrs: [203.0.113.0/24]
opencti:
  adminEmail: cti-admin@acme.org
monitoring:
  alarmEmails: [soc@acme.org]
imageCache:
  enabled: true
  credentialsSecretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbC123
`

// realConfigYAML is realConfig with the edge variant's settings.
func realConfigYAML(t *testing.T) string {
	t.Helper()
	edge, err := os.ReadFile("../../config/testdata/variants/edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return realConfig + string(edge)
}

// TestARealConfigurationDeploysWithoutRulesInTheWay: without example values
// no stack carries the CheckExampleValues rule or its parameters, and every
// OpenCTI image is pulled through the cache.
func TestARealConfigurationDeploysWithoutRulesInTheWay(t *testing.T) {
	dir := synthesizeYAML(t, realConfigYAML(t), "real")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if len(paths) != 8 {
		t.Fatalf("%d templates, want 8 (prod: 7 and the Recovery stack)", len(paths))
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var tpl struct {
			Rules      map[string]any
			Parameters map[string]any
		}
		if err := json.Unmarshal(data, &tpl); err != nil {
			t.Fatal(err)
		}
		if _, ok := tpl.Rules["CheckExampleValues"]; ok {
			t.Errorf("%s: CheckExampleValues rule without example values", filepath.Base(p))
		}
		for id := range tpl.Parameters {
			if strings.HasPrefix(id, "ExampleValue") {
				t.Errorf("%s: parameter %s without example values", filepath.Base(p), id)
			}
		}
	}
	images := map[string]bool{}
	for _, obj := range e2e.KubernetesObjects(t, dir) {
		collectImages(obj, images)
	}
	if len(images) < 3 {
		t.Fatalf("only %d images found: %v", len(images), images)
	}
	const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/opencti/"
	for image := range images {
		if !strings.HasPrefix(image, registry) {
			t.Errorf("image %s is not pulled through the cache (%s...)", image, registry)
		}
	}
	resources := e2e.ResourcesOf(t, dir)
	rules := 0
	for _, r := range resources["Cluster"] {
		if r.Type == "AWS::ECR::PullThroughCacheRule" {
			rules++
		}
	}
	if rules != 1 {
		t.Errorf("Cluster stack: %d pull-through cache rules, want 1", rules)
	}
}

// collectImages adds every "image" of containers and init containers in obj.
func collectImages(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "image" {
				into[s] = true
			}
			collectImages(val, into)
		}
	case []any:
		for _, e := range x {
			collectImages(e, into)
		}
	}
}
