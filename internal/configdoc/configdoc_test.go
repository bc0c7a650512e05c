package configdoc

import (
	"os"
	"strings"
	"testing"
)

// TestReferenceIsCurrent fails when docs/configuration.md no longer matches
// the config package: run `make docs`.
func TestReferenceIsCurrent(t *testing.T) {
	got, err := Generate("../../config")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatalf("%v: run `make docs`", err)
	}
	if got != string(want) {
		t.Errorf("docs/configuration.md is stale: run `make docs`")
	}
	for _, field := range []string{"`environment`", "`network.vpcCidr`", "`opencti.workersPerPlatform`", "`dns.uiHostname`"} {
		if !strings.Contains(got, "| "+field+" |") {
			t.Errorf("reference lacks %s", field)
		}
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "| `") && strings.HasSuffix(line, "|  |") {
			t.Errorf("field without a doc comment: %s", line)
		}
	}
}
