package test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// TestCdkCLISynthWithoutCredentials runs the pinned CDK CLI as a pipeline
// would, with no AWS credentials at all, and checks what it prints.
func TestCdkCLISynthWithoutCredentials(t *testing.T) {
	e2e.RequireTool(t, filepath.Join(repoRoot, ".tools", "node_modules", ".bin", "cdk"))
	// TestMain ran it: cdk synth --quiet --no-notices --output <tmp> -c env=prod, from the
	// repository root, with e2e.NewToolEnv's environment.
	stderr := &cliRun.stderr
	if cliRun.err != nil {
		t.Fatalf("cdk synth: %v\n%s", cliRun.err, stderr.String())
	}
	if strings.Contains(stderr.String(), "Need to perform AWS calls") {
		t.Errorf("the CLI attempted AWS lookups:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "feature flags are not configured") {
		t.Errorf("cdk.json lacks recommended feature flags:\n%s", stderr.String())
	}
	// The embedded prod profile synthesizes, and says what must change.
	for _, want := range []string{
		"example value still in use, set your own before deploying: dns.zoneName: opencti.example.com",
		"example value still in use, set your own before deploying: cluster.adminRoleArns[0]: arn:aws:iam::000000000000:role/opencti-prod-cluster-admin",
		"monitoring.alarmEmails is empty: no one is notified when a prod alarm fires",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("cdk synth does not warn %q:\n%s", want, stderr.String())
		}
	}
	// That it writes the same files as the in-process synth, byte for byte,
	// is TestDeterministicSynth.
}
