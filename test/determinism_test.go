package test

import (
	"path/filepath"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// TestDeterministicSynth: the prod app synthesized twice, in this process
// (TestMain, with template validation) and by the CDK CLI in another
// (TestMain's background `cdk synth`, which builds and runs the app binary),
// writes the same files, byte for byte.
func TestDeterministicSynth(t *testing.T) {
	e2e.RequireTool(t, filepath.Join(repoRoot, ".tools", "node_modules", ".bin", "cdk"))
	if cliRun.err != nil {
		t.Fatalf("cdk synth: %v\n%s", cliRun.err, cliRun.stderr.String())
	}
	files, diffs, err := e2e.SameTree(synthDirs["prod"], cliRun.out)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
	if files < 20 {
		t.Fatalf("compared only %d files", files)
	}
}
