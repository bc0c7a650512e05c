package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// identitiesJobName matches the identities Job's name (and its status
// ConfigMap's): a hash of the Job's spec, which differs between a synth (the
// Job gets the cluster endpoint from the Cluster stack at deploy time) and a
// render (the endpoint in the render section).
var identitiesJobName = regexp.MustCompile(`^opencti-identities-[0-9a-f]{10}(-status)?$`)

func objectKeys(objs []map[string]any) []string {
	var keys []string
	for _, o := range objs {
		meta, _ := o["metadata"].(map[string]any)
		name := identitiesJobName.ReplaceAllString(stringOf(meta["name"]), "opencti-identities-<job>$1")
		keys = append(keys, o["kind"].(string)+" "+stringOf(meta["namespace"])+"/"+name)
	}
	sort.Strings(keys)
	return keys
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// TestRenderMatchesSynth: `make render` and `make synth` say the same thing:
// the same objects (kind, namespace, name) for the same profile.
func TestRenderMatchesSynth(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./bin/render", "-config", "examples/render.yaml", "-out", out)
	cmd.Dir = repoRoot
	cmd.Env = e2e.ToolEnv(t, repoRoot)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("render: %v\n%s", err, b)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	if len(files) < 5 {
		t.Fatalf("render wrote %d files, want one per chart (at least 5)", len(files))
	}
	var rendered []map[string]any
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(data), "\n---\n") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var o map[string]any
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			rendered = append(rendered, o)
		}
	}
	synthesized := e2e.KubernetesObjects(t, synthDirs["prod"])
	want, got := objectKeys(synthesized), objectKeys(rendered)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("render and synth disagree:\nsynth:  %v\nrender: %v", want, got)
	}
}

// TestRenderOptOutWarnsAndKeepsTheAdminToken: `make render` of a
// configuration that opts out of the identities prints the warning and
// renders the workers and connectors on the admin token, without any
// identities object.
func TestRenderOptOutWarnsAndKeepsTheAdminToken(t *testing.T) {
	example, err := os.ReadFile(filepath.Join(repoRoot, "examples", "render.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "optout.yaml")
	if err := os.WriteFile(path, append(example, []byte("opencti:\n  identities:\n    enabled: false\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./bin/render", "-config", path, "-out", out)
	cmd.Dir = repoRoot
	cmd.Env = e2e.ToolEnv(t, repoRoot)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("render: %v\n%s", err, stderr.String())
	}
	const warning = "render: warning: opencti.identities.enabled is false: every worker and connector runs with the initial administrator's token (APP__ADMIN__TOKEN)"
	if !strings.Contains(stderr.String(), warning) {
		t.Errorf("render did not warn:\n%s", stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	var all strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		all.Write(data)
	}
	text := all.String()
	if len(files) != 5 || strings.Contains(text, "opencti-identities") || strings.Contains(text, "-token\n") || strings.Contains(text, "wait-for-token") {
		t.Errorf("the opt-out rendered %d files with identities objects", len(files))
	}
	if !strings.Contains(text, "secretKey: OPENCTI_TOKEN") {
		t.Error("the workers' and connectors' ExternalSecrets lack the admin token")
	}
}

// TestManifestsAreWiredToTheDataStack: the platform's backing-service
// settings come from the Data stack's outputs at deploy time, never from
// literals.
func TestManifestsAreWiredToTheDataStack(t *testing.T) {
	for _, o := range e2e.KubernetesObjects(t, synthDirs["prod"]) {
		if o["kind"] != "Deployment" || !strings.HasPrefix(stringOf(o["metadata"].(map[string]any)["name"]), "opencti-") {
			continue
		}
		name := o["metadata"].(map[string]any)["name"].(string)
		spec := o["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
		for _, c := range spec["containers"].([]any) {
			for _, e := range c.(map[string]any)["env"].([]any) {
				env := e.(map[string]any)
				switch env["name"] {
				case "ELASTICSEARCH__URL", "REDIS__HOSTNAME", "RABBITMQ__HOSTNAME", "MINIO__BUCKET_NAME":
					if v := stringOf(env["value"]); !strings.Contains(v, "TOKEN") {
						t.Errorf("%s: %s = %q, want the Data stack's output", name, env["name"], v)
					}
				}
			}
		}
	}
}
