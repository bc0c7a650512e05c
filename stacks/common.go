// Package stacks composes the constructs into the CloudFormation stacks of
// opencti-ha: Network, Data, Cluster, Edge, OpenCTI, Monitoring and EdgeDns
// (and, for a pipeline configuration, the delivery pipeline in
// stacks/pipeline). Stacks only compose constructs: every resource is made by
// a construct of constructs/ (or charts/eks for the Kubernetes manifests),
// every rule and default lives with the construct or the configuration, and
// stacks are wired with typed values, never with export names.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// removalPolicy is what happens to a resource that holds data or keys when its
// stack is deleted or a change replaces it: destroyed in dev; kept when the
// configuration retains data (prod), with RETAIN_ON_UPDATE_OR_DELETE
// (DeletionPolicy RetainExceptOnCreate, UpdateReplacePolicy Retain), so that
// a failed first creation still deletes what it created. A plain Retain would
// leave the secrets, the broker, the domain, the backup vault and the log
// groups behind under their fixed names, and the retry would fail on "already
// exists". RetainExceptOnCreate is valid on every resource type that takes a
// DeletionPolicy:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
func removalPolicy(cfg *config.Config) awscdk.RemovalPolicy {
	return awsutil.RetainOrDestroy(cfg.RetainData)
}
