package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// appBinary is the entry point, built once for this package
// (.build/test-cli/opencti-ha).
func appBinary(t *testing.T) string {
	t.Helper()
	bin, err := e2e.BuildApp(repoRoot, "test-cli")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestEntryPointRejectsBadConfig runs the app binary the way `make synth
// CONFIG=...` does and checks that a bad file fails synth, naming every
// problem.
// rejected runs the app binary bin as `make synth CONFIG=<file>` does, on a
// file holding yaml, in the clean tool environment, and returns its output;
// the test fails at once if synth accepted the file.
func rejected(t *testing.T, bin, yaml string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, _ := json.Marshal(map[string]string{"config": path})
	cmd := exec.Command(bin)
	cmd.Dir = repoRoot
	cmd.Env = e2e.ToolEnv(t, repoRoot, "CDK_OUTDIR="+t.TempDir(), "CDK_CONTEXT_JSON="+string(ctx))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("synth accepted the file:\n%s", out)
	}
	return out
}

func TestEntryPointRejectsBadConfig(t *testing.T) {
	bin := appBinary(t)
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key and wrong type", "environment: prod\nnetwork:\n  natGatways: 3\n  flowLogRetentionDays: forever\n",
			[]string{"field natGatways not found", "cannot unmarshal !!str `forever` into int"}},
		{"garbage", "\x00\x01 not: [yaml", []string{"not valid YAML"}},
		{"bad values", "opencti:\n  version: latest\n  workersPerPlatform: 9\n",
			[]string{`opencti.version: got "latest"`, "opencti.workersPerPlatform: got 9, want 1 to 4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := rejected(t, bin, tc.yaml)
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
