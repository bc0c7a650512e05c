package test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDeterministicSynth: the prod app synthesized twice in the same process
// (TestMain: with and without template validation) writes the same files,
// byte for byte.
func TestDeterministicSynth(t *testing.T) {
	compareTrees(t, synthDirs["prod"], prodAgainDir)
}

func compareTrees(t *testing.T, a, b string) {
	t.Helper()
	files := 0
	err := filepath.Walk(a, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, path)
		if rel == "validation-report.json" {
			return nil // written only when validation runs
		}
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			t.Errorf("%s: only in the first synth", rel)
			return nil
		}
		files++
		if !bytes.Equal(want, got) {
			t.Errorf("%s differs between two synths of the same configuration", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4 {
		t.Fatalf("compared only %d files", files)
	}
}
