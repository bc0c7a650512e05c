package cli

import (
	"strings"
	"testing"
)

// TestEntryPointRejectsBadPipeline runs the app binary the way `make synth
// CONFIG=...` does on bad pipeline configurations: every problem is listed,
// naming the stage (index and file) and the field, and no stack trace.
func TestEntryPointRejectsBadPipeline(t *testing.T) {
	bin := appBinary(t)
	const head = "environment: prod\nname: delivery\naccount: \"111122223333\"\n"
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"prod before dev, missing connection, invalid stage", head + `pipeline:
  repository: acme/opencti-ha
  stages:
    - config: config/testdata/pipeline/prod.yaml
    - config: config/testdata/pipeline/dev.yaml
    - config: config/testdata/pipeline/invalid.yaml
`, []string{
			`pipeline.connectionArn: got "", want a CodeConnections connection ARN`,
			`pipeline.stages[1] (config/testdata/pipeline/dev.yaml): environment: got "dev", want every dev stage before the first prod stage, pipeline.stages[0] (config/testdata/pipeline/prod.yaml)`,
			`pipeline.stages[2] (config/testdata/pipeline/invalid.yaml): opencti.version: got "latest"`,
		}},
		{"pipeline file outside the repository", head + `pipeline:
  connectionArn: arn:aws:codeconnections:eu-west-1:111122223333:connection/3f6b2a9e-81c4-4d57-a0e2-9c5d7e14b6f3
  repository: acme/opencti-ha
  stages:
    - config: config/testdata/pipeline/dev.yaml
`, []string{"got a file outside the repository", "want a file inside it (the pipeline's synth step runs `make synth CONFIG=<path>` from the repository root)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := rejected(t, bin, tc.yaml)
			text := string(out)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "goroutine ") || strings.Contains(text, "panic:") {
				t.Errorf("a stack trace reached the user:\n%s", text)
			}
		})
	}
}
