package awsutil

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// RemovalPolicies are the removal policies a prop may take, in the order
// messages list them.
var RemovalPolicies = []awscdk.RemovalPolicy{
	awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_SNAPSHOT,
	awscdk.RemovalPolicy_DESTROY, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
}

// CheckRemovalPolicy reports rp to p, as field, unless it is one of allowed
// (RemovalPolicies when none is given). The empty policy is accepted:
// constructors resolve it to their default first.
func CheckRemovalPolicy(p *problems.List, field string, rp awscdk.RemovalPolicy, allowed ...awscdk.RemovalPolicy) {
	if len(allowed) == 0 {
		allowed = RemovalPolicies
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if rp == "" || rp == a {
			return
		}
		names[i] = string(a)
	}
	p.Add(field, string(rp), "one of "+strings.Join(names, ", "))
}

// DataRemovalPolicy maps a resource's requested removal policy onto one that
// resource type supports. SNAPSHOT, for resources CloudFormation cannot
// snapshot (buckets, keys, secrets, brokers, domains, log groups), becomes
// RETAIN_ON_UPDATE_OR_DELETE: the resource is kept when its stack is deleted
// or a change replaces it, and deleted only when the stack operation that
// created it rolls back (it holds nothing yet, and a retained resource with a
// fixed name, such as a secret, would make the retry fail). RETAIN, DESTROY
// and RETAIN_ON_UPDATE_OR_DELETE are kept as they are.
//
// CloudFormation supports DeletionPolicy RetainExceptOnCreate on every
// resource type that supports DeletionPolicy:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
func DataRemovalPolicy(rp awscdk.RemovalPolicy) awscdk.RemovalPolicy {
	if rp == awscdk.RemovalPolicy_SNAPSHOT {
		return awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	}
	return rp
}

// RetainUnlessDestroy is DESTROY for DESTROY and RETAIN for anything else:
// for resources a rollback could not delete anyway (a bucket that already
// received logs) or whose name never repeats (a log group named after a
// broker ID), so that keeping them can never block a retry.
func RetainUnlessDestroy(rp awscdk.RemovalPolicy) awscdk.RemovalPolicy {
	if rp == awscdk.RemovalPolicy_DESTROY {
		return rp
	}
	return awscdk.RemovalPolicy_RETAIN
}

// Retains reports whether rp keeps the resource when its stack is deleted
// (RETAIN or RETAIN_ON_UPDATE_OR_DELETE).
func Retains(rp awscdk.RemovalPolicy) bool {
	return rp == awscdk.RemovalPolicy_RETAIN || rp == awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
}

// RetainOrDestroy is RETAIN_ON_UPDATE_OR_DELETE when retain, else DESTROY:
// what a resource that holds data or keys gets from a deployment that keeps
// (prod) or destroys (dev) its data.
func RetainOrDestroy(retain bool) awscdk.RemovalPolicy {
	if retain {
		return awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	}
	return awscdk.RemovalPolicy_DESTROY
}

// SnapshotOrDestroy is SNAPSHOT when retain, else DESTROY: what a cache
// (ElastiCache), which CloudFormation can snapshot before deleting, gets from
// a deployment that keeps (prod) or destroys (dev) its data.
func SnapshotOrDestroy(retain bool) awscdk.RemovalPolicy {
	if retain {
		return awscdk.RemovalPolicy_SNAPSHOT
	}
	return awscdk.RemovalPolicy_DESTROY
}
