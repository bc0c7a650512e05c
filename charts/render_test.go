package charts_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opencti-ha/opencti-ha/charts"
)

func TestRenderWritesOneDeterministicFilePerChart(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	props := scalingProps()
	start := time.Now()
	a, err := charts.Render(props, dirA)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(props, scalingProps()) {
		t.Error("Render modified the caller's Props")
	}
	t.Logf("Render: %v", time.Since(start).Round(time.Millisecond))
	b, err := charts.Render(scalingProps(), dirB)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"00-namespace.k8s.yaml", "01-platform.k8s.yaml", "02-identitiestokens.k8s.yaml", "03-identities.k8s.yaml",
		"04-identitiesscript.k8s.yaml", "05-identitiesjob.k8s.yaml", "06-scaling.k8s.yaml", "07-connectors.k8s.yaml", "08-ingress.k8s.yaml"}
	if len(a) != len(want) || len(b) != len(want) {
		t.Fatalf("Render wrote %v and %v, want %v", a, b, want)
	}
	for i := range want {
		if filepath.Base(a[i]) != want[i] {
			t.Errorf("file %d: got %s, want %s", i, filepath.Base(a[i]), want[i])
		}
		x, err := os.ReadFile(a[i])
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(b[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two renders", want[i])
		}
		if strings.Contains(string(x), "ChangeMe") {
			t.Errorf("%s contains a default secret", want[i])
		}
		if dump := os.Getenv("CHARTS_DUMP"); dump != "" {
			_ = os.WriteFile(filepath.Join(dump, want[i]), x, 0o644)
		}
	}
	// A second render into the same directory replaces the files: without
	// QueueScaling there is no scaling file, and the stale one is gone.
	c, err := charts.Render(validProps(), dirA)
	left, _ := filepath.Glob(filepath.Join(dirA, "*.k8s.yaml"))
	if err != nil || len(c) != len(want)-1 || len(left) != len(c) {
		t.Errorf("re-render into the same directory: %v, %v; the directory holds %v", c, err, left)
	}
}

func TestRenderRejectsInvalidProps(t *testing.T) {
	p := validProps()
	p.Version = "latest"
	dir := t.TempDir()
	if files, err := charts.Render(p, dir); err == nil || files != nil {
		t.Fatalf("Render(latest) = %v, %v; want an error and no file", files, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Render wrote %d entries for invalid props", len(entries))
	}
}
