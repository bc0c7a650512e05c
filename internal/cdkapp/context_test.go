package cdkapp

import (
	"os"
	"path/filepath"
	"testing"
)

// TestContextReadsTheVariableAndTheOverflowFile: the values the CDK CLI
// passes in CDK_CONTEXT_JSON and, when there are too many, in the file
// CONTEXT_OVERFLOW_LOCATION_ENV names, as aws-cdk-lib's App merges them.
func TestContextReadsTheVariableAndTheOverflowFile(t *testing.T) {
	overflow := filepath.Join(t.TempDir(), "context.json")
	if err := os.WriteFile(overflow, []byte(`{"config":"examples/dr.yaml","validate":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CDK_CONTEXT_JSON", `{"env":"prod","nag":"false","config":"ignored.yaml"}`)
	t.Setenv("CONTEXT_OVERFLOW_LOCATION_ENV", overflow)
	for key, want := range map[string]string{"env": "prod", "nag": "false", "config": "examples/dr.yaml", "validate": "true", "absent": ""} {
		if got := ContextString(key); got != want {
			t.Errorf("ContextString(%q) = %q, want %q", key, got, want)
		}
	}
	if !ContextFlag("validate") || ContextFlag("nag") || ContextFlag("absent") {
		t.Errorf("ContextFlag: validate %v, nag %v, absent %v; want true, false, false", ContextFlag("validate"), ContextFlag("nag"), ContextFlag("absent"))
	}

	t.Setenv("CDK_CONTEXT_JSON", "")
	t.Setenv("CONTEXT_OVERFLOW_LOCATION_ENV", "")
	t.Chdir(t.TempDir()) // no cdk.json above the temporary folder
	if ctx := Context(); len(ctx) != 0 {
		t.Errorf("no context passed: got %v, want none", ctx)
	}
}

// TestContextStartsFromCdkJSON: without the CLI (make synth runs the binary
// with CDK_CONTEXT_JSON from the Makefile), cdk.json's context counts, as it
// does in the App New creates; what the CLI passes overrides it.
func TestContextStartsFromCdkJSON(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{"context":{"env":"prod","nag":"false"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Setenv("CONTEXT_OVERFLOW_LOCATION_ENV", "")
	t.Setenv("CDK_CONTEXT_JSON", "")
	if got := ContextString("env"); got != "prod" {
		t.Errorf("env from cdk.json: %q, want prod", got)
	}
	t.Setenv("CDK_CONTEXT_JSON", `{"env":"dev"}`)
	if got, nag := ContextString("env"), ContextString("nag"); got != "dev" || nag != "false" {
		t.Errorf("env %q, nag %q: want dev (the CLI's) and false (cdk.json's)", got, nag)
	}
}
