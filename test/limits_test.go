package test

import (
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// TestTemplatesWithinLimits: every template of dev and prod below 80% of
// CloudFormation's template size, resources, outputs and parameters, and each
// inline Kubernetes manifest below 100 KB (e2e.CheckLimits); the large
// configuration is checked in test/variants.
func TestTemplatesWithinLimits(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		e2e.CheckLimits(t, name, synthDirs[name])
	}
}
