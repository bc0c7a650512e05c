// Package pipeline is the optional delivery pipeline of opencti-ha: a
// self-mutating CDK Pipelines stack in a tooling account that takes every
// push through synth (`make synth` with the pinned tools), then each stage of
// the configuration in order: a cdk diff report, a manual approval before
// prod, the deployment of the whole app in the stage's account and region,
// and a smoke check of the platform's /health. See README.md.
package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/objectstore"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/stacks"
)

// StackID is the construct ID of the pipeline stack: its cloud assembly
// artifact, which the self-mutation step deploys (`cdk deploy Pipeline`).
const StackID = "Pipeline"

// Paths and names the steps share with the repository.
const (
	// DiffScript and SmokeCheckScript are run from the source checkout.
	DiffScript       = "stacks/pipeline/scripts/diff.sh"
	SmokeCheckScript = "stacks/pipeline/scripts/smoke-check.sh"
	// AssemblyDir is where the synth step writes the cloud assembly (make
	// synth's OUT) and where the diff steps find it.
	AssemblyDir = "cdk.out"
	// DiffReportDir is the diff step's output artefact.
	DiffReportDir = "diff-report"
	// SourceActionName names the source action (and its stage, "Source").
	SourceActionName = "Source"
)

// PipelineStackProps configures NewPipelineStack.
type PipelineStackProps struct {
	// Config is the validated pipeline configuration (Pipeline enabled):
	// Name, Account, Region, RetainData, Environment and Pipeline are read.
	// Required.
	Config *config.Config
	// ConfigPath is the pipeline configuration file relative to the
	// repository root (config.RepoPath): the synth step runs `make synth
	// CONFIG=<ConfigPath>`. Required.
	ConfigPath string
	// Stages are the loaded stages (Config.Pipeline.LoadStages). Required.
	Stages []config.LoadedStage
	// Tools are the versions .tools pins (ReadTools). Required.
	Tools Tools
	// Nag applies cdk-nag's AwsSolutions pack to every stage (the app's
	// aspects do not cross a Stage's boundary). Default: false.
	Nag bool
}

// PipelineStack is the delivery pipeline and everything it owns in the
// tooling account.
type PipelineStack struct {
	awscdk.Stack
	// Pipeline is the CDK Pipelines construct, already built.
	Pipeline pipelines.CodePipeline
	// Stages are the deployments, in order.
	Stages []*DeploymentStage
	// ArtifactBucket holds the pipeline's artefacts (source, cloud assembly,
	// diff reports), encrypted with ArtifactKey.
	ArtifactBucket awss3.IBucket
	// ArtifactKey encrypts the artefacts; the stages' deploy roles may
	// decrypt them (CDK Pipelines adds them to its policy).
	ArtifactKey awskms.IKey
	// LogGroup receives the logs of every CodeBuild step, encrypted with LogKey.
	LogGroup awslogs.ILogGroup
	// LogKey encrypts LogGroup.
	LogKey awskms.IKey
	// SmokeCheckRoles are the roles the stages' smoke checks run as, in stage order.
	SmokeCheckRoles []awsiam.IRole
}

var configPathRe = regexp.MustCompile(`^[A-Za-z0-9._/-]+\.ya?ml$`)

func (p *PipelineStackProps) validate() error {
	var errs []error
	if p.Config == nil || !p.Config.Pipeline.Enabled() {
		errs = append(errs, errors.New("pipeline.PipelineStackProps.Config: got no pipeline configuration, want one with pipeline set"))
	} else if p.Config.Account == "" {
		errs = append(errs, errors.New("pipeline.PipelineStackProps.Config.Account: got \"\", want the tooling account"))
	}
	if !configPathRe.MatchString(p.ConfigPath) || strings.HasPrefix(p.ConfigPath, "/") || strings.Contains(p.ConfigPath, "..") {
		errs = append(errs, fmt.Errorf("pipeline.PipelineStackProps.ConfigPath: got %q, want a .yaml path relative to the repository root", p.ConfigPath))
	}
	if len(p.Stages) == 0 {
		errs = append(errs, errors.New("pipeline.PipelineStackProps.Stages: got none, want the loaded stages"))
	}
	if p.Tools.CdkCli == "" || p.Tools.Node == "" {
		errs = append(errs, errors.New("pipeline.PipelineStackProps.Tools: got no versions, want ReadTools' result"))
	}
	return errors.Join(errs...)
}

// NewPipelineStack creates the pipeline stack in scope (the App) and every
// stage next to it. It panics before creating anything if props are invalid.
func NewPipelineStack(scope constructs.Construct, id string, props *PipelineStackProps) *PipelineStack {
	if err := props.validate(); err != nil {
		panic(err)
	}
	cfg, pc := props.Config, props.Config.Pipeline
	names := make([]string, len(props.Stages))
	for i, s := range props.Stages {
		names[i] = s.Config.Name
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)},
		StackName:             jsii.String(cfg.Name + "-" + StackID),
		Description:           jsii.String(fmt.Sprintf("opencti-ha delivery pipeline: %s@%s through %s", pc.Repository, pc.Branch, strings.Join(names, ", "))),
		TerminationProtection: jsii.Bool(cfg.RetainData),
	})
	s := &PipelineStack{Stack: stack}
	removal := awscdk.RemovalPolicy_DESTROY
	if cfg.RetainData {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	s.storage(cfg, removal)

	source := pipelines.CodePipelineSource_Connection(jsii.String(pc.Repository), jsii.String(pc.Branch), &pipelines.ConnectionSourceOptions{
		ConnectionArn: jsii.String(pc.ConnectionArn),
		ActionName:    jsii.String(SourceActionName),
		TriggerOnPush: jsii.Bool(true),
	})
	synth := pipelines.NewCodeBuildStep(jsii.String("Synth"), &pipelines.CodeBuildStepProps{
		Input: source,
		// make synth installs .tools (npm ci: the CDK CLI and Node.js for
		// jsii, from the lockfile), builds the app and synthesizes this
		// pipeline and every stage into cdk.out. It performs no AWS call:
		// the configurations name their availability zones.
		Commands:               jsii.Strings("make synth CONFIG=" + props.ConfigPath + " OUT=" + AssemblyDir),
		PrimaryOutputDirectory: jsii.String(AssemblyDir),
		Env: &map[string]*string{
			"GOTOOLCHAIN": jsii.String(GoToolchain),
			"GOFLAGS":     jsii.String("-mod=readonly"),
		},
		// Compiling aws-cdk-go's bindings from a cold cache needs memory.
		BuildEnvironment: &awscodebuild.BuildEnvironment{ComputeType: awscodebuild.ComputeType_LARGE},
		Timeout:          awscdk.Duration_Minutes(jsii.Number(60)),
	})

	s.Pipeline = pipelines.NewCodePipeline(stack, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		PipelineName: jsii.String(cfg.Name),
		// A stage with disaster recovery deploys a stack in its recovery
		// region: CodePipeline then keeps that region's artefacts in a
		// replication bucket of a support stack, which must be KMS-encrypted
		// for a cross-account deployment.
		CrossAccountKeys:        jsii.Bool(crossRegion(props.Stages)),
		PipelineType:            awscodepipeline.PipelineType_V2,
		Synth:                   synth,
		ArtifactBucket:          s.ArtifactBucket,
		SelfMutation:            jsii.Bool(true),
		CliVersion:              jsii.String(props.Tools.CdkCli),
		CdkAssetsCliVersion:     jsii.String(CdkAssetsVersion),
		PublishAssetsInParallel: jsii.Bool(false),
		CodeBuildDefaults: &pipelines.CodeBuildOptions{
			BuildEnvironment: &awscodebuild.BuildEnvironment{
				BuildImage:  awscodebuild.LinuxBuildImage_STANDARD_7_0(),
				ComputeType: awscodebuild.ComputeType_SMALL,
			},
			PartialBuildSpec: awscodebuild.BuildSpec_FromObject(&map[string]any{
				"version": "0.2",
				"env":     map[string]any{"shell": "bash"},
				"phases": map[string]any{"install": map[string]any{"runtime-versions": map[string]any{
					"golang": CodeBuildImageGoRuntime,
					"nodejs": CodeBuildImageNodeRuntime,
				}}},
			}),
			Logging: &awscodebuild.LoggingOptions{CloudWatch: &awscodebuild.CloudWatchLoggingOptions{LogGroup: s.LogGroup}},
			Timeout: awscdk.Duration_Minutes(jsii.Number(30)),
		},
	})

	for _, ls := range props.Stages {
		s.addStage(scope, props, ls, source, synth)
	}
	s.Pipeline.BuildPipeline()
	s.hardenCrossRegionSupport(removal)
	s.grantConnection(pc.ConnectionArn)
	s.suppressNagFindings()
	return s
}

// crossRegion reports whether a stage deploys outside its own region (a
// recovery region).
func crossRegion(stages []config.LoadedStage) bool {
	for _, st := range stages {
		if st.Config.DR.Enabled {
			return true
		}
	}
	return false
}

// storage creates the keys, the artefact bucket and the log group.
func (s *PipelineStack) storage(cfg *config.Config, removal awscdk.RemovalPolicy) {
	days := cfg.Pipeline.RetentionDays
	s.ArtifactKey = secrets.NewKey(s.Stack, "ArtifactKey", &secrets.KeyProps{
		Description:   jsii.String(cfg.Name + " pipeline artefacts (source, cloud assemblies, diff reports)"),
		RemovalPolicy: removal,
	})
	s.LogKey = secrets.NewKey(s.Stack, "LogKey", &secrets.KeyProps{
		Description:   jsii.String(cfg.Name + " pipeline build logs"),
		RemovalPolicy: removal,
	})
	// CloudWatch Logs encrypts the log group with the key; only this region's
	// logs service, for log groups of this account, may use it.
	secrets.AllowCloudWatchLogs(s.LogKey, &secrets.CloudWatchLogsGrant{StatementID: jsii.String("AllowCloudWatchLogsOfThisAccount")})
	s.LogGroup = awslogs.NewLogGroup(s.Stack, jsii.String("BuildLogs"), &awslogs.LogGroupProps{
		Retention:     awsutil.LogRetention(days),
		EncryptionKey: s.LogKey,
		RemovalPolicy: removal,
	})
	accessLogs := objectstore.NewAccessLogsBucket(s.Stack, "AccessLogsBucket", &objectstore.AccessLogsBucketProps{
		ExpirationDays: &days,
		RemovalPolicy:  removal,
	})
	s.ArtifactBucket = awss3.NewBucket(s.Stack, jsii.String("ArtifactBucket"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          s.ArtifactKey,
		BucketKeyEnabled:       jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String("artifacts/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireArtifacts"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(float64(days))),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
		RemovalPolicy:     removal,
		AutoDeleteObjects: jsii.Bool(removal == awscdk.RemovalPolicy_DESTROY),
	})
}

// addStage adds one deployment: diff (and approval for prod) before, smoke
// check after.
func (s *PipelineStack) addStage(scope constructs.Construct, props *PipelineStackProps, ls config.LoadedStage,
	source pipelines.CodePipelineSource, synth pipelines.CodeBuildStep) {
	cfg, c := props.Config, ls.Config
	partition := *s.Stack.Partition()
	smokeRoleName := ToolingSmokeCheckRoleName(cfg.Name, c.Name)
	stage := NewDeploymentStage(scope, &DeploymentStageProps{
		Config:                      c,
		ToolingAccount:              cfg.Account,
		SmokeCheckPrincipalRoleName: smokeRoleName,
		Nag:                         props.Nag,
	})
	s.Stages = append(s.Stages, stage)

	lookupRole := fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-lookup-role-%s-%s", partition, c.Account, bootstrapQualifier(s.Stack), c.Account, c.Region)
	diff := pipelines.NewCodeBuildStep(jsii.String("Diff"), &pipelines.CodeBuildStepProps{
		Input:            source,
		AdditionalInputs: &map[string]pipelines.IFileSetProducer{AssemblyDir: synth},
		Commands:         jsii.Strings("bash " + DiffScript),
		Env: &map[string]*string{
			"STAGE_NAME":                jsii.String(c.Name),
			"STAGE_ASSEMBLY":            jsii.String(AssemblyDir + "/" + *stage.ArtifactId()),
			"LOOKUP_ROLE_ARN":           jsii.String(lookupRole),
			"REPORT_DIR":                jsii.String(DiffReportDir),
			"CDK_DISABLE_CLI_TELEMETRY": jsii.String("true"),
		},
		PrimaryOutputDirectory: jsii.String(DiffReportDir),
		// The stage account's read-only CDK lookup role, trusted by this
		// account through `cdk bootstrap --trust`.
		RolePolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssumeStageLookupRole"),
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: jsii.Strings(lookupRole),
		})},
	})
	pre := []pipelines.Step{diff}
	if c.Environment == "prod" {
		approve := pipelines.NewManualApprovalStep(jsii.String("Approve"), &pipelines.ManualApprovalStepProps{
			Comment: jsii.String(fmt.Sprintf("Deploy %s (prod) to %s/%s? Read this run's cdk diff report first: the output artefact of the %s stage's Diff action.",
				c.Name, c.Account, c.Region, c.Name)),
		})
		approve.AddStepDependency(diff)
		pre = append(pre, approve)
	}

	targetRole := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, c.Account, SmokeCheckRoleName(c))
	smokeRole := awsiam.NewRole(s.Stack, jsii.String(c.Name+"SmokeCheckRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(smokeRoleName),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("codebuild.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("opencti-ha pipeline: smoke check of %s (assumes %s)", c.Name, SmokeCheckRoleName(c))),
	})
	s.SmokeCheckRoles = append(s.SmokeCheckRoles, smokeRole)
	smoke := pipelines.NewCodeBuildStep(jsii.String("SmokeCheck"), &pipelines.CodeBuildStepProps{
		Input:    source,
		Commands: jsii.Strings("bash " + SmokeCheckScript),
		Env: &map[string]*string{
			"SMOKE_ROLE_ARN":  jsii.String(targetRole),
			"SECRET_ID":       jsii.String(stacks.DataSecretName(c, stacks.HealthAccessKeySecretSuffix)),
			"SECRET_FIELD":    jsii.String(stacks.HealthAccessKeySecretField),
			"STAGE_REGION":    jsii.String(c.Region),
			"API_HOST":        jsii.String(c.DNS.APIHostname),
			"TIMEOUT_SECONDS": jsii.String(fmt.Sprint(props.Config.Pipeline.SmokeCheckMinutes * 60)),
		},
		Role: smokeRole,
		RolePolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssumeStageSmokeCheckRole"),
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: jsii.Strings(targetRole),
		})},
		Timeout: awscdk.Duration_Minutes(jsii.Number(float64(props.Config.Pipeline.SmokeCheckMinutes + 10))),
	})
	s.Pipeline.AddStage(stage.Stage, &pipelines.AddStageOpts{Pre: &pre, Post: &[]pipelines.Step{smoke}})
}

// grantConnection lets the source action use a connection with the
// codeconnections prefix too: CDK grants codestar-connections:UseConnection
// only, and IAM matches an action's prefix to the resource's
// (docs.aws.amazon.com/dtconsole/latest/userguide/rename.html).
func (s *PipelineStack) grantConnection(arn string) {
	if !strings.Contains(arn, ":codeconnections:") {
		return
	}
	role := s.sourceActionRole()
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("UseCodeConnection"),
		Actions:   jsii.Strings("codeconnections:UseConnection"),
		Resources: jsii.Strings(arn),
	}))
}

func (s *PipelineStack) sourceActionRole() awsiam.IRole {
	n := s.Pipeline.Pipeline().Node().TryFindChild(jsii.String(SourceActionName))
	if n != nil {
		n = n.Node().TryFindChild(jsii.String(SourceActionName))
	}
	if n != nil {
		n = n.Node().TryFindChild(jsii.String("CodePipelineActionRole"))
	}
	role, ok := n.(awsiam.IRole)
	if !ok {
		panic("pipeline: the source action's role is not at Pipeline/Pipeline/Source/Source/CodePipelineActionRole (aws-cdk-lib changed?)")
	}
	return role
}

// ToolingSmokeCheckRoleName is the name of the tooling account's role the
// smoke check of stage runs as, "<pipeline>-smoke-<stage>", shortened with a
// hash to IAM's 64 characters.
func ToolingSmokeCheckRoleName(pipelineName, stageName string) string {
	name := pipelineName + "-smoke-" + stageName
	if len(name) <= 64 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:55] + "-" + hex.EncodeToString(sum[:])[:8]
}

// bootstrapQualifier is the CDK bootstrap qualifier the stages' stacks use:
// the context's @aws-cdk/core:bootstrapQualifier, else CDK's default.
func bootstrapQualifier(scope constructs.Construct) string {
	if q, ok := scope.Node().TryGetContext(jsii.String("@aws-cdk/core:bootstrapQualifier")).(string); ok && q != "" {
		return q
	}
	return *awscdk.DefaultStackSynthesizer_DEFAULT_QUALIFIER()
}
