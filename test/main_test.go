// Package test holds the cross-stack end-to-end tests of the two embedded
// profiles, each synthesized once in TestMain (dev and prod, with cdk-nag
// and template validation): the stack dependency graph read from the cloud
// assembly manifest, a scan of every template for secret values, what a
// deletion or a failed first creation keeps, CloudFormation limits, the
// manifests against `make render`, and the pull-request workflow. The real
// CDK CLI, the entry point and determinism are in test/cli, the other
// configurations (a real one, a large one) in test/variants: go test runs
// the three packages side by side (test/README.md).
package test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// synthDirs holds, per environment, the cloud assembly synthesized in this
// process with the embedded default configuration (nag applied).
var synthDirs = map[string]string{}

// repoRoot is the module root (cdk.json, Makefile).
var repoRoot string

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		if repoRoot, err = e2e.RepoRoot(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		tmp, err := os.MkdirTemp("", "opencti-ha-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		for _, env := range config.Environments {
			dir := filepath.Join(tmp, "assembly-"+env)
			if err := e2e.Synth(env, "", dir, true); err != nil {
				fmt.Fprintf(os.Stderr, "synth %s: %v\n", env, err)
				return 1
			}
			synthDirs[env] = dir
		}
		return m.Run()
	}()
	os.Exit(code)
}
