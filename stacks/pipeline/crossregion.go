package pipeline

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/objectstore"
)

// hardenCrossRegionSupport brings the replication buckets CodePipeline
// keeps in another region (a stage's recovery region: its Recovery stack
// deploys there) to what the pipeline's own artefact bucket meets. aws-cdk-lib
// creates them, with their KMS keys, in support stacks
// ("<pipeline stack>-support-<region>") that expose no options: the key gets
// yearly rotation and the bucket server access logs (a log bucket in the
// same support stack), and the pipeline role's wildcards on them are
// recorded for cdk-nag. Regions are handled in sorted order (deterministic
// synth).
func (s *PipelineStack) hardenCrossRegionSupport(removal awscdk.RemovalPolicy) {
	support := s.Pipeline.Pipeline().CrossRegionSupport()
	if support == nil || len(*support) == 0 {
		return
	}
	regions := make([]string, 0, len(*support))
	for r := range *support {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	appliesTo := []any{
		"Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
		"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*", "Resource::*",
		// The replication buckets' names, which aws-cdk-lib generates at
		// synth ("<pipeline>...replicationbucket<hash>", truncated).
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:aws[-a-z]*:s3:::[a-z0-9-]+eplicationbucket[0-9a-f]{20}\/\*$/`)},
	}
	for _, region := range regions {
		sup := (*support)[region]
		stack := sup.Stack
		if key := stack.Node().TryFindChild(jsii.String("Default")); key != nil {
			if k := key.Node().TryFindChild(jsii.String("CrossRegionCodePipelineReplicationBucketEncryptionKey")); k != nil {
				k.Node().DefaultChild().(awskms.CfnKey).SetEnableKeyRotation(jsii.Bool(true))
			}
		}
		logs := objectstore.NewAccessLogsBucket(stack, "AccessLogsBucket", &objectstore.AccessLogsBucketProps{RemovalPolicy: removal})
		if b, ok := sup.ReplicationBucket.Node().DefaultChild().(awss3.CfnBucket); ok {
			b.SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
				DestinationBucketName: logs.BucketName(),
				LogFilePrefix:         jsii.String("pipeline-replication/"),
			})
		}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(s.Pipeline.Pipeline().Role(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CodePipeline keeps the artefacts of actions in a stage's recovery region in a replication bucket " +
			"there (aws-cdk-lib's cross-region support stack): the pipeline role gets aws-cdk-lib's standard action families " +
			"on that bucket's objects and, as the key lives in another region's stack, the KMS actions on Resource * (the key " +
			"policy of each key still names only this account and the stages' deploy roles)."),
		AppliesTo: &appliesTo,
	}}, jsii.Bool(true))
}
