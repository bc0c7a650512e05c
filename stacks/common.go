// Package stacks composes the constructs into the CloudFormation stacks of
// opencti-ha: Network, Data, Cluster, OpenCTI and Monitoring. Stacks only
// compose constructs and are wired with typed values, never with export names.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/opencti-ha/opencti-ha/config"
)

// removalPolicy is what happens to a resource that holds data or keys when its
// stack is deleted or a change replaces it: kept when the configuration
// retains data (prod), destroyed otherwise (dev).
func removalPolicy(cfg *config.Config) awscdk.RemovalPolicy {
	if cfg.RetainData {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}
