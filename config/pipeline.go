package config

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// Pipeline configures the optional delivery pipeline: a self-mutating CDK
// Pipelines stack in a tooling account (this file's account and region) that
// takes every push to Branch through synth, then each stage in order. A
// configuration file with a pipeline section deploys only the pipeline; the
// OpenCTI deployments are the stage files it names. Setting any of
// connectionArn, repository or stages turns the pipeline on.
type Pipeline struct {
	// ConnectionArn is the AWS CodeConnections connection (GitHub, GitLab or
	// Bitbucket) in the tooling account through which the pipeline reads the
	// repository: arn:aws:codeconnections:<region>:<account>:connection/<id>
	// (or the older codestar-connections prefix). Create it in the console
	// and finish the handshake there; it is never created by the app.
	// Required with the pipeline. Default: "".
	ConnectionArn string `yaml:"connectionArn"`
	// Repository is the repository the connection reads, "<owner>/<name>"
	// (CDK Pipelines takes exactly two parts). Required with the pipeline.
	// Default: "".
	Repository string `yaml:"repository"`
	// Branch is the branch whose every push runs the pipeline. Default: "main".
	Branch string `yaml:"branch"`
	// Stages are the deployments, in order; each is a configuration file of
	// this repository with its own account and profile, in the pipeline's
	// region, deployed as one stage. Every dev stage comes before the first
	// prod stage; a prod stage waits for a manual approval. Required with the
	// pipeline. Default: [].
	Stages []PipelineStage `yaml:"stages"`
	// SmokeCheckMinutes is how long, after a stage is deployed, the smoke
	// check waits for https://<dns.apiHostname>/health (with the stage's health
	// access key, read from Secrets Manager at run time) to answer 200 before
	// it fails the pipeline, 1 to 60. Default: 20.
	SmokeCheckMinutes int `yaml:"smokeCheckMinutes"`
	// RetentionDays keeps the pipeline's CodeBuild logs (a KMS-encrypted
	// CloudWatch Logs group) and its artefacts (synthesized assemblies, cdk
	// diff reports; a KMS-encrypted bucket) this long: a CloudWatch Logs
	// retention value. Default: 30 in dev, 365 in prod.
	RetentionDays int `yaml:"retentionDays"`
}

// PipelineStage is one deployment of the pipeline.
type PipelineStage struct {
	// Config is the stage's configuration file, relative to the repository
	// root (the folder holding cdk.json): the path `make synth CONFIG=` takes,
	// and the path the pipeline's CodeBuild sees. Its name names the pipeline
	// stage; it must set account (and should set region). Required.
	Config string `yaml:"config"`
}

// Limits and reserved names of the pipeline configuration.
const (
	// MaxPipelineStages bounds pipeline.stages (CodePipeline allows 50 stages
	// per pipeline, each of ours holds about 25 actions).
	MaxPipelineStages = 10
	// DefaultSmokeCheckMinutes is pipeline.smokeCheckMinutes's default: a
	// first deployment's platforms take 90-150 s to boot, an upgrade rolls
	// three tiers one pod at a time.
	DefaultSmokeCheckMinutes = 20
)

// ReservedStageNames are the names of the pipeline's own stages (and of its
// stack's construct): a stage file whose name is one of them would collide.
var ReservedStageNames = []string{"Source", "Build", "UpdatePipeline", "Assets", "Pipeline"}

func defaultPipeline(env string) Pipeline {
	p := Pipeline{Branch: "main", SmokeCheckMinutes: DefaultSmokeCheckMinutes, Stages: []PipelineStage{}, RetentionDays: 30}
	if env == "prod" {
		p.RetentionDays = 365
	}
	return p
}

// Enabled reports whether the configuration describes a pipeline (any of
// connectionArn, repository or stages set).
func (p *Pipeline) Enabled() bool {
	return p.ConnectionArn != "" || p.Repository != "" || len(p.Stages) > 0
}

var (
	connectionArnRe = regexp.MustCompile(`^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]:[0-9]{12}:connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	repositoryRe    = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	repoPathRe      = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
	branchRe        = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,200}$`)
)

// validate checks the pipeline section and loads every stage file with full
// validation; each stage's problems name the stage (index and file).
func (p *Pipeline) validate(c *Config, pr *Problems) {
	if !p.Enabled() {
		return
	}
	if c.Account == "" {
		pr.Add("account", c.Account, "the tooling account's 12-digit ID when pipeline is set (the pipeline stack lives there and deploys to the stages' accounts)")
	}
	c.validateUnusedByPipeline(pr)
	if !connectionArnRe.MatchString(p.ConnectionArn) {
		pr.Add("pipeline.connectionArn", p.ConnectionArn, "a CodeConnections connection ARN, arn:aws:codeconnections:<region>:<account>:connection/<uuid>, created and authorized in the tooling account")
	}
	if !repositoryRe.MatchString(p.Repository) {
		pr.Add("pipeline.repository", p.Repository, "the repository as <owner>/<name>")
	}
	if !branchRe.MatchString(p.Branch) || strings.HasPrefix(p.Branch, "-") || strings.HasPrefix(p.Branch, "/") ||
		strings.HasSuffix(p.Branch, "/") || strings.HasSuffix(p.Branch, ".lock") || strings.Contains(p.Branch, "..") || strings.Contains(p.Branch, "//") {
		pr.Add("pipeline.branch", p.Branch, "a git branch name such as main")
	}
	if p.SmokeCheckMinutes < 1 || p.SmokeCheckMinutes > 60 {
		pr.Add("pipeline.smokeCheckMinutes", p.SmokeCheckMinutes, "1 to 60")
	}
	ValidateLogRetention(pr, "pipeline.retentionDays", p.RetentionDays)
	switch {
	case len(p.Stages) == 0:
		pr.Addf("pipeline.stages", "got no stage, want at least one, each a configuration file (- config: examples/pipeline-dev.yaml)")
		return
	case len(p.Stages) > MaxPipelineStages:
		pr.Addf("pipeline.stages", "got %d stages, want at most %d", len(p.Stages), MaxPipelineStages)
		return
	}
	stages, errs := p.loadStages()
	for _, err := range errs {
		pr.AddErr(err)
	}
	checkStageOrder(stages, pr)
	for _, s := range stages {
		if s.Config.Region != c.Region {
			pr.Add(s.Label()+": region", s.Config.Region, c.Region+", the pipeline's region (a stage in another region needs CodePipeline replication buckets and keys there, which this pipeline does not create)")
		}
	}
}

// validateUnusedByPipeline reports the sections a pipeline configuration
// sets although only the stage files deploy OpenCTI.
func (c *Config) validateUnusedByPipeline(pr *Problems) {
	def, err := Default(c.Environment)
	if err != nil {
		return // environment itself is reported by Validate
	}
	sections := []struct {
		field     string
		got, want any
	}{
		{"secretsPrefix", c.SecretsPrefix, def.SecretsPrefix},
		{"dns", c.DNS, def.DNS},
		{"network", c.Network, def.Network},
		{"data", c.Data, def.Data},
		{"cluster", c.Cluster, def.Cluster},
		{"opencti", c.OpenCTI, def.OpenCTI},
		{"monitoring", c.Monitoring, def.Monitoring},
		{"edge", c.Edge, def.Edge},
		{"render", c.Render, def.Render},
	}
	for _, s := range sections {
		if !reflect.DeepEqual(s.got, s.want) {
			pr.Addf(s.field, "set in a pipeline configuration, which deploys only the pipeline; want it in the stage files (pipeline.stages[].config)")
		}
	}
}

// LoadedStage is one stage of the pipeline, its configuration loaded and
// validated.
type LoadedStage struct {
	// Index is the stage's position in pipeline.stages.
	Index int
	// File is the stage's configuration file, relative to the repository root.
	File string
	// Config is the stage's validated configuration.
	Config *Config
}

// Label names the stage in messages: "pipeline.stages[<index>] (<file>)".
func (s LoadedStage) Label() string {
	return fmt.Sprintf("pipeline.stages[%d] (%s)", s.Index, s.File)
}

// LoadStages loads every stage's configuration file, in order, with full
// validation. It fails with every problem of every stage, each naming the
// stage; a configuration that passed Validate loads without error.
func (p *Pipeline) LoadStages() ([]LoadedStage, error) {
	stages, errs := p.loadStages()
	pr := &Problems{}
	for _, err := range errs {
		pr.AddErr(err)
	}
	checkStageOrder(stages, pr)
	if err := pr.Err(); err != nil {
		return nil, err
	}
	return stages, nil
}

// loadStages returns the stages that loaded and the problems of the others.
func (p *Pipeline) loadStages() ([]LoadedStage, []error) {
	root, rootErr := RepoRoot()
	var out []LoadedStage
	var errs []error
	for i, st := range p.Stages {
		field := fmt.Sprintf("pipeline.stages[%d].config", i)
		if rootErr != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, rootErr))
			continue
		}
		if !validStagePath(st.Config) {
			errs = append(errs, fmt.Errorf("%s: got %s, want the path of a .yaml file relative to the repository root, such as examples/pipeline-dev.yaml", field, problems.Show(st.Config)))
			continue
		}
		label := fmt.Sprintf("pipeline.stages[%d] (%s)", i, st.Config)
		c, err := loadStage(filepath.Join(root, filepath.FromSlash(st.Config)))
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					errs = append(errs, fmt.Errorf("%s: %s", label, line))
				}
			}
			continue
		}
		out = append(out, LoadedStage{Index: i, File: st.Config, Config: c})
	}
	return out, errs
}

func validStagePath(p string) bool {
	if !repoPathRe.MatchString(p) || path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") {
		return false
	}
	return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")
}

// loadStage reads a stage file: a full configuration of one deployment,
// which must not itself describe a pipeline.
func loadStage(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("config: no such file in the repository")
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	var head struct {
		Pipeline any `yaml:"pipeline"`
	}
	if err := yaml.Unmarshal(data, &head); err == nil && head.Pipeline != nil {
		return nil, errors.New("pipeline: got a pipeline section, want none (a stage file describes one deployment; pipelines do not nest)")
	}
	return Parse(data, "")
}

// checkStageOrder records the problems between stages: order of
// environments, targets and names.
func checkStageOrder(stages []LoadedStage, pr *Problems) {
	var firstProd *LoadedStage
	targets := map[string]LoadedStage{}
	names := map[string]LoadedStage{}
	for i := range stages {
		s := stages[i]
		c := s.Config
		label := s.Label()
		if c.Account == "" {
			pr.Add(label+": account", c.Account, "the stage's 12-digit AWS account ID (a pipeline deploys to explicit accounts)")
		} else {
			target := c.Account + "/" + c.Region
			if prev, ok := targets[target]; ok {
				pr.Add(label+": account/region", target, "a target no other stage deploys to; "+prev.Label()+" already does")
			} else {
				targets[target] = s
			}
		}
		switch {
		case c.Environment == "prod" && firstProd == nil:
			firstProd = &stages[i]
		case c.Environment != "prod" && firstProd != nil:
			pr.Add(label+": environment", c.Environment, "every "+c.Environment+" stage before the first prod stage, "+firstProd.Label())
		}
		if contains(ReservedStageNames, c.Name) {
			pr.Add(label+": name", c.Name, "a name other than "+strings.Join(ReservedStageNames, ", ")+" (the pipeline's own stages)")
		} else if prev, ok := names[c.Name]; ok {
			pr.Add(label+": name", c.Name, "a name no other stage uses (it names the pipeline stage); "+prev.Label()+" already does")
		} else {
			names[c.Name] = s
		}
		if _, api := c.IngressSchemes(); api != "internet-facing" {
			field := "edge.api.scheme"
			if c.Edge.API.Scheme == "" {
				field = "cluster.ingressScheme"
			}
			pr.Add(label+": "+field, api, "internet-facing for the api host (the smoke check calls https://"+c.DNS.APIHostname+"/health from CodeBuild in the tooling account)")
		}
	}
}

// RepoRoot is the repository root: the folder holding cdk.json, found from
// the working directory upwards (make, cdk and CodeBuild all run there).
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "cdk.json")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no cdk.json in %s or any folder above it (run from the repository)", wd)
		}
	}
}

// RepoPath returns file (absolute or relative to the working directory) as a
// slash-separated path relative to the repository root, or an error when it
// lies outside the repository: the pipeline's synth step runs `make synth
// CONFIG=<path>` from the root of its own checkout.
func RepoPath(file string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("config file %s: got a file outside the repository %s, want a file inside it (the pipeline's synth step runs `make synth CONFIG=<path>` from the repository root)", file, root)
	}
	if rel = filepath.ToSlash(rel); !repoPathRe.MatchString(rel) {
		return "", fmt.Errorf("config file %s: got %q, want a path of letters, digits, '.', '_', '-' and '/' (the pipeline's synth step passes it to make)", file, rel)
	}
	return rel, nil
}
