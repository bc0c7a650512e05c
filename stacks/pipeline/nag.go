package pipeline

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppressNagFindings records, with a reason, every cdk-nag AwsSolutions
// finding the pipeline stack accepts. All of them are IAM5 (wildcards) in the
// policies aws-cdk-lib's CDK Pipelines and CodeBuild constructs write for
// their own roles; each suppression sits on one role and names the exact
// actions and resources it accepts (appliesTo). The roles this package
// writes policies for itself (the smoke-check roles' sts:AssumeRole, the
// diff roles' lookup-role statement) name single ARNs and need none.
func (s *PipelineStack) suppressNagFindings() {
	region, account := regexp.QuoteMeta(*s.Stack.Region()), *s.Stack.Account()
	artefacts := &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CDK Pipelines grants this role aws-cdk-lib's standard read (or read/write) action families on the " +
			"pipeline's own artefact bucket and its KMS key only; the resource wildcard is the object keys of that one bucket."),
		AppliesTo: &[]any{
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
			"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
			cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<ArtifactBucket[0-9A-F]{8}\.Arn>\/\*$/`)},
		},
	}
	ownProject := &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("aws-cdk-lib gives every CodeBuild project write access to its own default log group's streams " +
			"(/aws/codebuild/<project>:*) and its own report groups (<project>-*); the builds log to the pipeline's " +
			"KMS-encrypted log group."),
		AppliesTo: &[]any{
			cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:aws[-a-z]*:logs:` + region + `:` + account + `:log-group:\/aws\/codebuild\/<[A-Za-z0-9]+>:\*$/`)},
			cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:aws[-a-z]*:codebuild:` + region + `:` + account + `:report-group\/<[A-Za-z0-9]+>-\*$/`)},
		},
	}
	for _, role := range s.projectRoles() {
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{artefacts, ownProject}, jsii.Bool(true))
	}
	for _, role := range []constructs.IConstruct{s.Pipeline.Pipeline().Role(), s.sourceActionRole()} {
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{artefacts}, jsii.Bool(true))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(s.Pipeline.SelfMutationProject().Role(), &[]*cdknag.NagPackSuppression{artefacts, ownProject, {
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CDK Pipelines' self-mutation step runs `cdk deploy` of this stack: it may assume only this account's " +
			"CDK bootstrap roles (condition on their aws-cdk:bootstrap-role tag: deploy, file-publishing, image-publishing), and " +
			"the CDK CLI reads stack status (cloudformation:DescribeStacks) and lists buckets before it assumes them. " +
			"aws-cdk-lib does not make these statements configurable."),
		AppliesTo: &[]any{"Resource::arn:*:iam::" + account + ":role/*", "Resource::*"},
	}}, jsii.Bool(true))
	if fileRole := s.Pipeline.Node().TryFindChild(jsii.String("Assets")); fileRole != nil {
		if r := fileRole.Node().TryFindChild(jsii.String("FileRole")); r != nil {
			cdknag.NagSuppressions_AddResourceSuppressions(r, &[]*cdknag.NagPackSuppression{artefacts, {
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK Pipelines' asset publishing role is shared by every publishing project of the pipeline, so " +
					"aws-cdk-lib scopes its log, report-group and build permissions to CodeBuild in this account and region instead " +
					"of one project; the only role it may assume is each stage's CDK file-publishing role."),
				AppliesTo: &[]any{
					"Resource::arn:aws:logs:" + *s.Stack.Region() + ":" + account + ":log-group:/aws/codebuild/*",
					"Resource::arn:aws:codebuild:" + *s.Stack.Region() + ":" + account + ":report-group/*",
					"Resource::*",
				},
			}}, jsii.Bool(true))
		}
	}
}

// projectRoles are the roles of the CodeBuild projects this package adds to
// the pipeline: synth, each stage's diff and smoke check.
func (s *PipelineStack) projectRoles() []constructs.IConstruct {
	out := []constructs.IConstruct{s.Pipeline.SynthProject().Role()}
	for _, r := range s.SmokeCheckRoles {
		out = append(out, r)
	}
	for _, st := range s.Stages {
		stage := s.Pipeline.Pipeline().Node().TryFindChild(st.StageName())
		if stage == nil {
			continue
		}
		if diff := stage.Node().TryFindChild(jsii.String("Diff")); diff != nil {
			if project := diff.Node().TryFindChild(jsii.String("Diff")); project != nil {
				if role := project.Node().TryFindChild(jsii.String("Role")); role != nil {
					out = append(out, role.(awsiam.IRole))
				}
			}
		}
	}
	return out
}
