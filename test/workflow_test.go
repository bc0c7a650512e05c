package test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/opencti-ha/opencti-ha/stacks/pipeline"
)

// workflow is the part of a GitHub Actions workflow these tests read.
type workflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		RunsOn string `yaml:"runs-on"`
		Steps  []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// readmeCICommands are the commands of the README's "Continuous
// integration" section: its first ```sh block.
func readmeCICommands(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Continuous integration\n")
	if !ok {
		t.Fatal(`README.md has no "## Continuous integration" section`)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatal("the Continuous integration section has no ```sh block")
	}
	block, _, _ = strings.Cut(block, "```")
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		out = append(out, strings.TrimSpace(line))
	}
	return out
}

// TestPullRequestWorkflow: the workflow for forks parses, runs on every pull
// request exactly the README's commands, pins every action by commit SHA,
// caches Go and npm, and uses the versions the repository pins.
func TestPullRequestWorkflow(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, ".github", "workflows", "pull-request.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&wf); err != nil {
		t.Fatalf("the workflow is not valid YAML: %v", err)
	}
	if _, ok := wf.On["pull_request"]; !ok || len(wf.On) != 1 {
		t.Errorf("triggers = %v, want pull_request only", wf.On)
	}
	if len(wf.Permissions) != 1 || wf.Permissions["contents"] != "read" {
		t.Errorf("permissions = %v, want contents: read only", wf.Permissions)
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(wf.Jobs))
	}
	sha := regexp.MustCompile(`^[a-z-]+/[a-z-]+@[0-9a-f]{40}$`)
	var runs []string
	uses := map[string]map[string]string{}
	for _, job := range wf.Jobs {
		for _, s := range job.Steps {
			switch {
			case s.Run != "":
				runs = append(runs, strings.TrimSpace(s.Run))
			case s.Uses != "":
				if !sha.MatchString(s.Uses) {
					t.Errorf("action %q is not pinned by a full commit SHA", s.Uses)
				}
				name, _, _ := strings.Cut(s.Uses, "@")
				uses[name] = s.With
			}
		}
	}
	want := readmeCICommands(t)
	if strings.Join(runs, "\n") != strings.Join(want, "\n") {
		t.Errorf("the workflow runs %q, the README says %q", runs, want)
	}
	if strings.Join(want, "\n") != "make test\nmake synth ENV=prod" {
		t.Errorf("README CI commands = %q", want)
	}
	root := repoRoot
	tools, err := pipeline.ReadTools(root)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]map[string]string{
		"actions/checkout":   {"persist-credentials": "false"},
		"actions/setup-go":   {"go-version": strings.TrimPrefix(pipeline.GoToolchain, "go"), "cache": "true", "cache-dependency-path": "go.sum"},
		"actions/setup-node": {"node-version": tools.Node, "cache": "npm", "cache-dependency-path": ".tools/package-lock.json"},
	}
	for action, with := range checks {
		got, ok := uses[action]
		if !ok {
			t.Errorf("the workflow does not use %s", action)
			continue
		}
		for k, v := range with {
			if got[k] != v {
				t.Errorf("%s %s = %q, want %q", action, k, got[k], v)
			}
		}
	}
	// The Go the workflow and the pipeline pin is at least go.mod's.
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go ([0-9.]+)$`).FindSubmatch(mod)
	if goLine == nil || !versionAtLeast(strings.TrimPrefix(pipeline.GoToolchain, "go"), string(goLine[1])) {
		t.Errorf("pinned %s is older than go.mod's go %s", pipeline.GoToolchain, goLine)
	}
}

// versionAtLeast compares dotted numeric versions.
func versionAtLeast(v, min string) bool {
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = atoi(a[i])
		}
		if i < len(b) {
			y = atoi(b[i])
		}
		if x != y {
			return x > y
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
