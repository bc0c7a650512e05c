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
// resource type supports: SNAPSHOT becomes RETAIN for resources that cannot be
// snapshotted by CloudFormation (buckets, keys, secrets, brokers, domains).
func DataRemovalPolicy(rp awscdk.RemovalPolicy) awscdk.RemovalPolicy {
	if rp == awscdk.RemovalPolicy_SNAPSHOT {
		return awscdk.RemovalPolicy_RETAIN
	}
	return rp
}
