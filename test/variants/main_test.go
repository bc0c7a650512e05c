// Package variants synthesizes the whole app for the configurations other
// than the embedded profiles, once each, with cdk-nag and template
// validation: a real prod configuration (no example value left, images
// through the ECR cache) and a large one (30 connectors, 10 replicas per
// tier) against CloudFormation's limits.
package variants

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// tmpRoot holds the assemblies; TestMain removes it.
var tmpRoot string

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		if tmpRoot, err = os.MkdirTemp("", "opencti-ha-variants-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmpRoot)
		return m.Run()
	}()
	os.Exit(code)
}

// synthesizeYAML writes content to a configuration file and synthesizes the
// app for it into a folder named name.
func synthesizeYAML(t *testing.T, content, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmpRoot, "assembly-"+name)
	if err := e2e.Synth("", path, dir, true, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}
