package configdoc

import (
	"os"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// TestMain closes the jsii runtime after the tests: jsii-runtime-go unpacks
// its Node.js program into a temporary folder as soon as an imported package
// registers its types, and only Close removes that folder.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}
