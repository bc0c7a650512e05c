// Package testmain ends the TestMain of every test binary that imports a
// jsii package (aws-cdk-go, cdk8s, cdk-nag). It depends on jsii-runtime-go
// only, so a package that needs nothing else of the CDK links nothing more.
package testmain

import (
	"os"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// Run runs the tests, closes the jsii runtime and exits with the tests'
// status. jsii-runtime-go unpacks its Node.js program into a temporary
// folder as soon as an imported package registers its types, and starts
// Node.js on the first call; only Close stops the process and removes the
// folder (os.Exit skips deferred calls).
func Run(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}
