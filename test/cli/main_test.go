// Package cli runs the entry point as its users do, on bad configuration and
// pipeline files: synth fails naming every problem, never with a stack
// trace, before the jsii Node.js process starts; and on a valid file whose
// connectors' manifests would exceed the kubectl handler's limit: synth
// refuses it after synthesizing. The CDK CLI's run and the determinism check
// are in package test, which synthesizes prod anyway.
package cli

import (
	"fmt"
	"os"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
)

// repoRoot is the module root (cdk.json, Makefile).
var repoRoot string

func TestMain(m *testing.M) {
	var err error
	if repoRoot, err = e2e.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testmain.Run(m)
}
