package objectstore

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// AccessLogsBucketProps configures NewAccessLogsBucket.
type AccessLogsBucketProps struct {
	// ExpirationDays is how long access log objects are kept. Default: 365.
	ExpirationDays *int
	// RemovalPolicy applies to the bucket. SNAPSHOT and
	// RETAIN_ON_UPDATE_OR_DELETE are treated as RETAIN: S3 delivers access
	// logs while the stack is still being created, and a rollback cannot
	// delete a bucket that holds objects (the stack would end in
	// ROLLBACK_FAILED); the bucket's name is generated, so keeping it does not
	// stop a retry. DESTROY also empties the bucket on deletion
	// (autoDeleteObjects). Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

func (p *AccessLogsBucketProps) withDefaults() AccessLogsBucketProps {
	out := AccessLogsBucketProps{}
	if p != nil {
		out = *p
	}
	defaults.Set(&out.ExpirationDays, 365)
	defaults.Zero(&out.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	return out
}

func (p AccessLogsBucketProps) validate() error {
	pr := &problems.List{}
	if n := *p.ExpirationDays; n < 1 {
		pr.Add("objectstore.AccessLogsBucketProps.ExpirationDays", n, "at least 1")
	}
	awsutil.CheckRemovalPolicy(pr, "objectstore.AccessLogsBucketProps.RemovalPolicy", p.RemovalPolicy)
	return pr.Err()
}

// NewAccessLogsBucket creates a bucket that receives S3 server access logs:
// SSE-S3 encrypted (log delivery cannot write SSE-KMS objects), public access
// blocked, TLS-only, owner-enforced, with log delivery granted by bucket policy
// (not ACLs). It needs no server access logging of its own: cdk-nag's S1 rule
// accepts a bucket that is another bucket's log target. It panics with an
// *problems.InvalidProps, before creating anything, if props are invalid.
func NewAccessLogsBucket(scope constructs.Construct, id string, props *AccessLogsBucketProps) awss3.IBucket {
	p := props.withDefaults()
	problems.PanicIfInvalid("objectstore.NewAccessLogsBucket", id, p.validate())
	removal := awsutil.RetainUnlessDestroy(p.RemovalPolicy)
	// The wrapper carries the feature flag that makes S3 grant log delivery by
	// bucket policy (logging.s3.amazonaws.com) instead of the legacy
	// LogDeliveryWrite ACL, whatever the app's cdk.json says: ACLs cannot be
	// combined with BucketOwnerEnforced.
	wrapper := constructs.NewConstruct(scope, jsii.String(id))
	wrapper.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	b := awsutil.NewLogBucket(wrapper, "Resource", *p.ExpirationDays, removal)
	return b
}
