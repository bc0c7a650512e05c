package secrets

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// ValidateRemovalPolicy reports a removal policy other than RETAIN, SNAPSHOT,
// DESTROY or RETAIN_ON_UPDATE_OR_DELETE, naming field. The empty policy is
// accepted (callers resolve it to their default first).
func ValidateRemovalPolicy(field string, rp awscdk.RemovalPolicy) error {
	switch rp {
	case "", awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_DESTROY,
		awscdk.RemovalPolicy_SNAPSHOT, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE:
		return nil
	}
	return fmt.Errorf("%s: got %q, want one of RETAIN, SNAPSHOT, DESTROY, RETAIN_ON_UPDATE_OR_DELETE", field, rp)
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
