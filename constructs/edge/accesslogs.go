package edge

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/edge/edgespec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// ELBLogDeliveryServicePrincipal writes Application Load Balancer access logs
// in the regions opened since August 2022, which have no regional Elastic Load
// Balancing account.
const ELBLogDeliveryServicePrincipal = "logdelivery.elasticloadbalancing.amazonaws.com"

// LoadBalancerLogsBucketProps configures NewLoadBalancerLogsBucket.
type LoadBalancerLogsBucketProps struct {
	// Prefixes are the key prefixes the load balancers write under (the
	// access_logs.s3.prefix attribute); each may write only
	// <prefix>/AWSLogs/<this account>/*. Default: ["ui", "api"].
	Prefixes []string
	// ExpirationDays deletes log objects this many days after they are
	// written, 1 to 3650. Default: edgespec.DefaultAccessLogsExpirationDays (365).
	ExpirationDays *int
	// RemovalPolicy of the bucket: RETAIN, RETAIN_ON_UPDATE_OR_DELETE (kept,
	// except when the stack operation that created it rolls back: the load
	// balancers write only once the Ingresses exist, so the bucket is still
	// empty then) or DESTROY (also empties it on deletion).
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

var logPrefixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// LogDeliveryPrincipal is who writes Application Load Balancer access logs in
// region: the regional Elastic Load Balancing account where the region has
// one (e.g. 156460612806 in eu-west-1), else (newer regions, or a region only
// known at deploy time) the log delivery service principal.
func LogDeliveryPrincipal(region string) awsiam.IPrincipal {
	if !*awscdk.Token_IsUnresolved(jsii.String(region)) {
		if account := regioninfo.RegionInfo_Get(jsii.String(region)).Elbv2Account(); account != nil {
			return awsiam.NewAccountPrincipal(account)
		}
	}
	return awsiam.NewServicePrincipal(jsii.String(ELBLogDeliveryServicePrincipal), nil)
}

// NewLoadBalancerLogsBucket creates the bucket Application Load Balancers
// write their access logs to: SSE-S3 encrypted (ALB access logs cannot be
// written with SSE-KMS), public access blocked, TLS only, ACLs disabled,
// objects expired after ExpirationDays, and a bucket policy that lets only
// the region's log delivery write, only under <prefix>/AWSLogs/<account>/.
// It panics with an *problems.InvalidProps, listing every invalid prop,
// before creating anything.
func NewLoadBalancerLogsBucket(scope constructs.Construct, id string, props *LoadBalancerLogsBucketProps) awss3.IBucket {
	p := LoadBalancerLogsBucketProps{}
	if props != nil {
		p = *props
	}
	defaults.Slice(&p.Prefixes, []string{"ui", "api"})
	defaults.Set(&p.ExpirationDays, edgespec.DefaultAccessLogsExpirationDays)
	defaults.Zero(&p.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	const f = "edge.LoadBalancerLogsBucketProps."
	pr := &problems.List{}
	edgespec.CheckAccessLogsExpirationDays(pr, f+"ExpirationDays", *p.ExpirationDays)
	if len(p.Prefixes) == 0 {
		pr.Add(f+"Prefixes", p.Prefixes, "at least one prefix")
	}
	for i, prefix := range p.Prefixes {
		if !logPrefixRE.MatchString(prefix) || slices.Index(p.Prefixes, prefix) != i {
			pr.Add(fmt.Sprintf(f+"Prefixes[%d]", i), prefix, `a unique lower-case prefix such as "ui"`)
		}
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", p.RemovalPolicy,
		awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE, awscdk.RemovalPolicy_DESTROY)
	problems.PanicIfInvalid("edge.NewLoadBalancerLogsBucket", id, pr.Err())
	days := *p.ExpirationDays

	bucket := awsutil.NewLogBucket(scope, id, days, p.RemovalPolicy)
	stack := awscdk.Stack_Of(bucket)
	resources := make([]*string, len(p.Prefixes))
	for i, prefix := range p.Prefixes {
		resources[i] = bucket.ArnForObjects(jsii.String(prefix + "/AWSLogs/" + *stack.Account() + "/*"))
	}
	bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ELBAccessLogDelivery"),
		Principals: &[]awsiam.IPrincipal{LogDeliveryPrincipal(*stack.Region())},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  &resources,
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("This bucket only receives Application Load Balancer access logs, written by Elastic Load " +
			"Balancing log delivery alone (bucket policy); server access logs of a log bucket would add a second log " +
			"bucket and no audit value (CloudTrail records its management events)."),
	}}, jsii.Bool(false))
	return bucket
}
