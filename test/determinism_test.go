package test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// TestDeterministicSynth: the prod app synthesized twice in the same process
// (TestMain: with and without template validation) writes the same files,
// byte for byte.
func TestDeterministicSynth(t *testing.T) {
	files, diffs, err := e2e.SameTree(synthDirs["prod"], prodAgainDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
	if files < 4 {
		t.Fatalf("compared only %d files", files)
	}
}
