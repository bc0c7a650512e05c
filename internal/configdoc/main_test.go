package configdoc

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/testmain"
)

// TestMain closes the jsii runtime the packages under test import.
func TestMain(m *testing.M) { testmain.Run(m) }
