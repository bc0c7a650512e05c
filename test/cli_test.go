package test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/e2e"
)

// TestCdkCLISynthWithoutCredentials runs the pinned CDK CLI as a pipeline
// would, with no AWS credentials at all, and checks that it synthesizes the
// same stacks and resources as the in-process synth.
func TestCdkCLISynthWithoutCredentials(t *testing.T) {
	e2e.RequireTool(t, filepath.Join(repoRoot, ".tools", "node_modules", ".bin", "cdk"))
	// TestMain ran it: cdk synth --quiet --no-notices --output <tmp> -c env=prod, from the
	// repository root, with e2e.NewToolEnv's environment.
	stderr, out := &cliRun.stderr, cliRun.out
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
	want, got := resourcesByTemplate(t, synthDirs["prod"]), resourcesByTemplate(t, out)
	if len(got) != len(want) {
		t.Fatalf("CLI synthesized %d templates, in-process %d", len(got), len(want))
	}
	for name, w := range want {
		if g := got[name]; strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: the CLI and the in-process synth disagree on the resources (%d vs %d)", name, len(g), len(w))
		}
	}
}

// resourcesByTemplate lists "LogicalId Type" of every resource per stack
// of the assembly in dir, sorted, CDK metadata aside.
func resourcesByTemplate(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for stack, resources := range e2e.ResourcesOf(t, dir) {
		var rs []string
		for id, r := range resources {
			if r.Type != "AWS::CDK::Metadata" {
				rs = append(rs, id+" "+r.Type)
			}
		}
		sort.Strings(rs)
		out[stack] = rs
	}
	return out
}
