package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/stacks"
)

// DeploymentStageProps configures NewDeploymentStage.
type DeploymentStageProps struct {
	// Config is the stage's validated configuration (account set). Required.
	Config *config.Config
	// ToolingAccount is the pipeline's account. Required.
	ToolingAccount string
	// SmokeCheckPrincipalRoleName is the tooling account's role the stage's
	// smoke check runs as. Required.
	SmokeCheckPrincipalRoleName string
	// Nag applies cdk-nag's AwsSolutions pack to the stage. Aspects stop at a
	// Stage's boundary and CDK Pipelines synthesizes a stage when it is added
	// to the pipeline, so the pack must be applied here, before that.
	// Default: false.
	Nag bool
}

// DeploymentStage is one deployment of the pipeline: the whole app of a
// configuration file (Data and Cluster in parallel, as with `cdk deploy
// --all`) plus the stage's pipeline access stack, in the stage's account and
// region, all tagged with the stage's tags.
type DeploymentStage struct {
	awscdk.Stage
	// Config is the stage's configuration.
	Config *config.Config
	// App is every OpenCTI stack of the stage.
	App *stacks.OpenCTIApp
	// Access holds the smoke check's role.
	Access *AccessStack
}

// NewDeploymentStage creates the stage named after the configuration
// (cfg.Name: it names the CodePipeline stage and the cloud assembly folder
// assembly-<name>).
func NewDeploymentStage(scope constructs.Construct, props *DeploymentStageProps) *DeploymentStage {
	cfg := props.Config
	env := &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)}
	stage := awscdk.NewStage(scope, jsii.String(cfg.Name), &awscdk.StageProps{Env: env})
	app := stacks.NewOpenCTIApp(stage, cfg)
	for _, ex := range cfg.ExampleValues() {
		msg := "example value still in use, set your own before deploying: " + ex
		awscdk.Annotations_Of(app.Network.Stack).AddWarningV2(jsii.String("opencti-ha:exampleValue"), jsii.String(msg), nil)
	}
	// The stage's own production warnings (the identities opt-out, prod
	// without alarm e-mails), as a synth of its file alone would print them.
	for _, w := range cfg.Warnings() {
		awscdk.Annotations_Of(app.Monitoring.Stack).AddWarningV2(jsii.String("opencti-ha:production"), jsii.String(w), nil)
	}
	access := NewAccessStack(stage, AccessStackID, &AccessStackProps{
		StackProps: awscdk.StackProps{
			Env:                   env,
			StackName:             jsii.String(cfg.Name + "-" + AccessStackID),
			Description:           jsii.String("opencti-ha " + cfg.Environment + ": the role the delivery pipeline's smoke check assumes to read the health access key"),
			TerminationProtection: jsii.Bool(cfg.RetainData),
		},
		Config:                      cfg,
		ToolingAccount:              props.ToolingAccount,
		SmokeCheckPrincipalRoleName: props.SmokeCheckPrincipalRoleName,
	})
	if len(cfg.Edge.API.AllowedCidrs) > 0 {
		awscdk.Annotations_Of(access.Stack).AddWarningV2(jsii.String("opencti-ha:smokeCheckAllowlist"), jsii.String(
			"edge.api.allowedCidrs is set: the pipeline's smoke check calls https://"+cfg.DNS.APIHostname+
				"/health from CodeBuild's public addresses in the tooling region (the CODEBUILD ranges of ip-ranges.json); allow them or the check fails"), nil)
	}
	if props.Nag {
		awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	}
	return &DeploymentStage{Stage: stage, Config: cfg, App: app, Access: access}
}
