package test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// manifest is the part of cdk.out/manifest.json these tests read.
type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			TemplateFile string `json:"templateFile"`
		} `json:"properties"`
	} `json:"artifacts"`
	Missing []any `json:"missing"`
}

func readManifest(t *testing.T, dir string) manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// stackDeps maps each stack artifact to the stacks it depends on (asset
// manifests left out), sorted.
func stackDeps(m manifest) map[string][]string {
	out := map[string][]string{}
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		deps := []string{}
		for _, d := range a.Dependencies {
			if m.Artifacts[d].Type == "aws:cloudformation:stack" {
				deps = append(deps, d)
			}
		}
		sort.Strings(deps)
		out[id] = deps
	}
	return out
}

// TestStackGraph: Data and Cluster hang off Network only, so the two
// longest-running creations (OpenSearch + Amazon MQ, EKS) run in parallel;
// Edge (WAF, log bucket) depends on nothing; the workloads come after all of
// them, and the DNS records and the alarms after the workloads (so a deletion
// removes records, then Ingresses and their load balancers, then the cluster).
func TestStackGraph(t *testing.T) {
	for env, dir := range synthDirs {
		deps := stackDeps(readManifest(t, dir))
		want := map[string][]string{
			"Network":    {},
			"Edge":       {},
			"Data":       {"Network"},
			"Cluster":    {"Network"},
			"OpenCTI":    {"Cluster", "Data", "Edge", "Network"},
			"EdgeDns":    {"Edge", "OpenCTI"}, // Edge: the web ACLs and bucket its look-ups check
			"Monitoring": {"Cluster", "Data", "OpenCTI"},
		}
		// prod has disaster recovery: the Recovery stack (recovery region)
		// depends on nothing and the Data stack waits for it (its replicas,
		// keys and vault); Cluster still deploys in parallel with both.
		if env == "prod" {
			want["Recovery"] = []string{}
			want["Data"] = []string{"Network", "Recovery"}
		}
		if len(deps) != len(want) {
			t.Errorf("%s: %d stacks %v, want %d", env, len(deps), deps, len(want))
		}
		for stack, w := range want {
			got, ok := deps[stack]
			if !ok {
				t.Errorf("%s: no %s stack in the assembly (have %v)", env, stack, deps)
				continue
			}
			if strings.Join(got, ",") != strings.Join(w, ",") {
				t.Errorf("%s: %s depends on %v, want %v", env, stack, got, w)
			}
		}
	}
}

// TestNoContextLookups: synth needs no AWS account (the CDK CLI would
// otherwise ask AWS for the missing context and fail without credentials).
func TestNoContextLookups(t *testing.T) {
	for env, dir := range synthDirs {
		if m := readManifest(t, dir); len(m.Missing) > 0 {
			t.Errorf("%s: the app asks the CLI for context lookups: %v", env, m.Missing)
		}
	}
}

// secretLike matches values that would be secrets if they appeared literally.
var secretLike = []*regexp.Regexp{
	regexp.MustCompile(`AKIA[0-9A-Z]{16}`),
	regexp.MustCompile(`(?i)"(password|authtoken|masteruserpassword|secretstring)"\s*:\s*"[^"{$]`),
	regexp.MustCompile(`(?i)"ChangeMe"`),
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
}

// TestNoSecretValueInTemplates: every secret-bearing property is a
// {{resolve:secretsmanager:...}} reference or a generated secret, never a
// literal.
func TestNoSecretValueInTemplates(t *testing.T) {
	for env, dir := range synthDirs {
		templates, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
		if len(templates) == 0 {
			t.Fatalf("%s: no templates", env)
		}
		for _, path := range templates {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range secretLike {
				if loc := re.FindIndex(data); loc != nil {
					t.Errorf("%s %s: secret-like literal %q", env, filepath.Base(path), data[loc[0]:min(loc[1]+40, len(data))])
				}
			}
			var tpl map[string]any
			if err := json.Unmarshal(data, &tpl); err != nil {
				t.Fatal(err)
			}
			checkSecretProperties(t, env+" "+filepath.Base(path), tpl)
		}
	}
}

// secretProperties are CloudFormation properties that carry a secret.
var secretProperties = map[string]bool{
	"MasterUserPassword": true, "AuthToken": true, "Password": true, "SecretString": true,
}

func checkSecretProperties(t *testing.T, where string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretProperties[k] {
				if s, ok := val.(string); ok && !strings.HasPrefix(s, "{{resolve:secretsmanager:") {
					t.Errorf("%s: property %s holds a literal %q", where, k, redact(s))
				}
				if m, ok := val.(map[string]any); ok && !referencesSecret(m) {
					t.Errorf("%s: property %s is not a Secrets Manager reference: %v", where, k, m)
				}
			}
			checkSecretProperties(t, where, val)
		}
	case []any:
		for _, e := range x {
			checkSecretProperties(t, where, e)
		}
	}
}

// referencesSecret accepts an intrinsic that builds a {{resolve:secretsmanager:...}}
// reference (Fn::Join of a secret's ARN).
func referencesSecret(m map[string]any) bool {
	data, _ := json.Marshal(m)
	return bytes.Contains(data, []byte("{{resolve:secretsmanager:"))
}

func redact(s string) string {
	if len(s) > 4 {
		return s[:2] + "..."
	}
	return "..."
}
