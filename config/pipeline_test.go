package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testConnection = "arn:aws:codeconnections:eu-west-1:111122223333:connection/3f6b2a9e-81c4-4d57-a0e2-9c5d7e14b6f3"
	stageDir       = "config/testdata/pipeline/"
)

// pipelineConfig is a valid pipeline configuration of the tooling account
// 111122223333 with the given stage files (under config/testdata/pipeline).
func pipelineConfig(stages ...string) *Config {
	c, _ := Default("prod")
	c.Name = "delivery"
	c.Account = "111122223333"
	c.Pipeline.ConnectionArn = testConnection
	c.Pipeline.Repository = "acme/opencti-ha"
	for _, s := range stages {
		c.Pipeline.Stages = append(c.Pipeline.Stages, PipelineStage{Config: stageDir + s})
	}
	return c
}

func TestPipelineIsOffByDefault(t *testing.T) {
	for _, env := range Environments {
		c, _ := Default(env)
		if c.Pipeline.Enabled() {
			t.Errorf("%s: the embedded profile describes a pipeline", env)
		}
		if c.Pipeline.Branch != "main" || c.Pipeline.SmokeCheckMinutes != DefaultSmokeCheckMinutes {
			t.Errorf("%s: pipeline defaults %+v", env, c.Pipeline)
		}
	}
}

func TestValidPipeline(t *testing.T) {
	c := pipelineConfig("dev.yaml", "prod.yaml")
	if err := c.Validate(); err != nil {
		t.Fatalf("valid pipeline rejected:\n%v", err)
	}
	stages, err := c.Pipeline.LoadStages()
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || stages[0].Config.Name != "stage-dev" || stages[1].Config.Environment != "prod" || stages[1].Index != 1 {
		t.Fatalf("stages = %+v", stages)
	}
	if got := stages[1].Label(); got != "pipeline.stages[1] (config/testdata/pipeline/prod.yaml)" {
		t.Errorf("label = %q", got)
	}
	// Stage files are validated as deployments: the prod stage takes the
	// prod profile's defaults.
	if !stages[1].Config.RetainData || stages[1].Config.Network.NatGateways != 3 {
		t.Errorf("prod stage did not load over the prod profile: %+v", stages[1].Config.Network)
	}
}

// TestPipelineValidation names each bad input and the exact line it yields.
func TestPipelineValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *Config)
		want   []string
	}{
		{"missing connection ARN", func(c *Config) { c.Pipeline.ConnectionArn = "" },
			[]string{`pipeline.connectionArn: got "", want a CodeConnections connection ARN, arn:aws:codeconnections:<region>:<account>:connection/<uuid>, created and authorized in the tooling account`}},
		{"connection ARN of another service", func(c *Config) {
			c.Pipeline.ConnectionArn = "arn:aws:codecommit:eu-west-1:111122223333:opencti-ha"
		}, []string{`pipeline.connectionArn: got "arn:aws:codecommit:eu-west-1:111122223333:opencti-ha", want a CodeConnections connection ARN, arn:aws:codeconnections:<region>:<account>:connection/<uuid>, created and authorized in the tooling account`}},
		{"repository without owner", func(c *Config) { c.Pipeline.Repository = "opencti-ha" },
			[]string{`pipeline.repository: got "opencti-ha", want the repository as <owner>/<name>`}},
		{"branch", func(c *Config) { c.Pipeline.Branch = "feature..x" },
			[]string{`pipeline.branch: got "feature..x", want a git branch name such as main`}},
		{"smoke check too long", func(c *Config) { c.Pipeline.SmokeCheckMinutes = 90 },
			[]string{`pipeline.smokeCheckMinutes: got 90, want 1 to 60`}},
		{"retention", func(c *Config) { c.Pipeline.RetentionDays = 100 },
			[]string{`pipeline.retentionDays: got 100, want a CloudWatch Logs retention in days, one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`}},
		{"no tooling account", func(c *Config) { c.Account = "" },
			[]string{`account: got "", want the tooling account's 12-digit ID when pipeline is set (the pipeline stack lives there and deploys to the stages' accounts)`}},
		{"no stages", func(c *Config) { c.Pipeline.Stages = nil },
			[]string{`pipeline.stages: got no stage, want at least one, each a configuration file (- config: examples/pipeline-dev.yaml)`}},
		{"deployment settings in the pipeline file", func(c *Config) { c.Network.VpcCidr = "10.99.0.0/16"; c.DNS.ZoneID = "Z99" },
			[]string{
				`dns: set in a pipeline configuration, which deploys only the pipeline; want it in the stage files (pipeline.stages[].config)`,
				`network: set in a pipeline configuration, which deploys only the pipeline; want it in the stage files (pipeline.stages[].config)`,
			}},
		{"prod before dev", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "prod.yaml"}, {Config: stageDir + "dev.yaml"}}
		}, []string{`pipeline.stages[1] (config/testdata/pipeline/dev.yaml): environment: got "dev", want every dev stage before the first prod stage, pipeline.stages[0] (config/testdata/pipeline/prod.yaml)`}},
		{"same account and region", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "dev.yaml"}, {Config: stageDir + "dev-same-target.yaml"}}
		}, []string{`pipeline.stages[1] (config/testdata/pipeline/dev-same-target.yaml): account/region: got "222233334444/eu-west-1", want a target no other stage deploys to; pipeline.stages[0] (config/testdata/pipeline/dev.yaml) already does`}},
		{"same file twice", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "dev.yaml"}, {Config: stageDir + "dev.yaml"}}
		}, []string{
			`pipeline.stages[1] (config/testdata/pipeline/dev.yaml): account/region: got "222233334444/eu-west-1", want a target no other stage deploys to; pipeline.stages[0] (config/testdata/pipeline/dev.yaml) already does`,
			`pipeline.stages[1] (config/testdata/pipeline/dev.yaml): name: got "stage-dev", want a name no other stage uses (it names the pipeline stage); pipeline.stages[0] (config/testdata/pipeline/dev.yaml) already does`,
		}},
		{"stage without account", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "dev-no-account.yaml"}}
		}, []string{`pipeline.stages[0] (config/testdata/pipeline/dev-no-account.yaml): account: got "", want the stage's 12-digit AWS account ID (a pipeline deploys to explicit accounts)`}},
		{"stage file that fails validation", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "dev.yaml"}, {Config: stageDir + "invalid.yaml"}}
		}, []string{
			`pipeline.stages[1] (config/testdata/pipeline/invalid.yaml): availabilityZones[0]: got "eu-west-1a", want a zone of region eu-central-1 (eu-central-1a, eu-central-1b, ...)`,
			`pipeline.stages[1] (config/testdata/pipeline/invalid.yaml): opencti.version: got "latest", want a pinned OpenCTI release such as 7.260817.0 (never latest)`,
		}},
		{"missing stage file", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "nope.yaml"}}
		}, []string{`pipeline.stages[0] (config/testdata/pipeline/nope.yaml): config: no such file in the repository`}},
		{"stage path outside the repository", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: "../outside.yaml"}, {Config: "/etc/opencti.yaml"}, {Config: "examples/pipeline-dev.json"}}
		}, []string{
			`pipeline.stages[0].config: got "../outside.yaml", want the path of a .yaml file relative to the repository root, such as examples/pipeline-dev.yaml`,
			`pipeline.stages[1].config: got "/etc/opencti.yaml", want the path of a .yaml file relative to the repository root, such as examples/pipeline-dev.yaml`,
			`pipeline.stages[2].config: got "examples/pipeline-dev.json", want the path of a .yaml file relative to the repository root, such as examples/pipeline-dev.yaml`,
		}},
		{"nested pipeline", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "nested.yaml"}}
		}, []string{`pipeline.stages[0] (config/testdata/pipeline/nested.yaml): pipeline: got a pipeline section, want none (a stage file describes one deployment; pipelines do not nest)`}},
		{"internal api host", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "internal-api.yaml"}}
		}, []string{`pipeline.stages[0] (config/testdata/pipeline/internal-api.yaml): edge.api.scheme: got "internal", want internet-facing for the api host (the smoke check calls https://api.dev.opencti.example.com/health from CodeBuild in the tooling account)`}},
		{"stage in another region", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "other-region.yaml"}}
		}, []string{`pipeline.stages[0] (config/testdata/pipeline/other-region.yaml): region: got "eu-central-1", want eu-west-1, the pipeline's region (a stage in another region needs CodePipeline replication buckets and keys there, which this pipeline does not create)`}},
		{"reserved stage name", func(c *Config) {
			c.Pipeline.Stages = []PipelineStage{{Config: stageDir + "reserved-name.yaml"}}
		}, []string{`pipeline.stages[0] (config/testdata/pipeline/reserved-name.yaml): name: got "Assets", want a name other than Source, Build, UpdatePipeline, Assets, Pipeline (the pipeline's own stages)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := pipelineConfig("dev.yaml", "prod.yaml")
			tc.mutate(c)
			err := c.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !containsLine(err.Error(), w) {
					t.Errorf("got:\n%v\nwant a line:\n%s", err, w)
				}
			}
			// LoadStages reports the same stage problems as Validate.
			if _, lerr := c.Pipeline.LoadStages(); lerr != nil {
				for _, line := range strings.Split(lerr.Error(), "\n") {
					if !containsLine(err.Error(), line) {
						t.Errorf("LoadStages reports %q, Validate does not", line)
					}
				}
			}
		})
	}
	t.Run("every problem at once", func(t *testing.T) {
		c := pipelineConfig("prod.yaml", "dev.yaml", "invalid.yaml")
		c.Pipeline.ConnectionArn = ""
		err := c.Validate()
		for _, w := range []string{
			`pipeline.connectionArn: got "", want a CodeConnections connection ARN, arn:aws:codeconnections:<region>:<account>:connection/<uuid>, created and authorized in the tooling account`,
			`pipeline.stages[1] (config/testdata/pipeline/dev.yaml): environment: got "dev", want every dev stage before the first prod stage, pipeline.stages[0] (config/testdata/pipeline/prod.yaml)`,
			`pipeline.stages[2] (config/testdata/pipeline/invalid.yaml): opencti.version: got "latest", want a pinned OpenCTI release such as 7.260817.0 (never latest)`,
		} {
			if err == nil || !containsLine(err.Error(), w) {
				t.Errorf("got:\n%v\nwant a line:\n%s", err, w)
			}
		}
	})
}

// TestPipelineFileLoads reads a pipeline configuration the way the entry
// point does: stage paths are relative to the repository root, whatever the
// working directory below it.
func TestPipelineFileLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pipeline.yaml")
	body := "environment: prod\nname: delivery\naccount: \"111122223333\"\npipeline:\n  connectionArn: " + testConnection +
		"\n  repository: acme/opencti-ha\n  stages:\n    - config: " + stageDir + "dev.yaml\n    - config: " + stageDir + "prod.yaml\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load("", path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Pipeline.Enabled() || c.Pipeline.Branch != "main" || c.Pipeline.RetentionDays != 365 {
		t.Errorf("pipeline = %+v", c.Pipeline)
	}
	if _, err := RepoPath(path); err == nil || !strings.Contains(err.Error(), "got a file outside the repository") {
		t.Errorf("RepoPath of a file outside the repository: %v", err)
	}
	rel, err := RepoPath("testdata/pipeline/dev.yaml")
	if err != nil || rel != "config/testdata/pipeline/dev.yaml" {
		t.Errorf("RepoPath = %q, %v", rel, err)
	}
}

func TestExamplePipeline(t *testing.T) {
	c, err := Load("", "../examples/pipeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stages, err := c.Pipeline.LoadStages()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range stages {
		got = append(got, s.Config.Name+"@"+s.Config.Account+"/"+s.Config.Environment)
		if ex := s.Config.ExampleValues(); len(ex) > 0 {
			t.Errorf("%s still uses example values: %q", s.Label(), ex)
		}
	}
	if strings.Join(got, " ") != "opencti-dev@418227093651/dev opencti-prod@527316480924/prod" {
		t.Errorf("example stages = %v", got)
	}
}
