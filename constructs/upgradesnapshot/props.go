package upgradesnapshot

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// UpgradeSnapshotProps configures NewUpgradeSnapshot.
type UpgradeSnapshotProps struct {
	// Version is the OpenCTI version about to be deployed. A change of it (and
	// only a change of it) takes a snapshot. Required.
	Version string
	// Vpc holds the functions that call the domain. Required.
	Vpc awsec2.IVpc
	// Subnets the functions run in; they must reach the domain and Secrets
	// Manager. Default: the VPC's private subnets with egress (the workload subnets).
	Subnets *awsec2.SubnetSelection
	// SecurityGroup of the functions. Default: a new group that allows only
	// HTTPS out.
	SecurityGroup awsec2.ISecurityGroup
	// DomainSecurityGroup, if set, gets an ingress rule admitting the functions'
	// security group on 443. Default: none (admit the group yourself, e.g. as a
	// client security group of the domain).
	DomainSecurityGroup awsec2.ISecurityGroup
	// DomainEndpoint is the domain's VPC endpoint host name (no scheme). Required.
	DomainEndpoint *string
	// DomainArn is the domain's ARN. Required.
	DomainArn *string
	// MasterUserSecret holds the fine-grained access control master user
	// (JSON fields "username" and "password"). Required.
	MasterUserSecret awssecretsmanager.ISecret
	// SnapshotBucket is the snapshot repository's bucket. Required.
	SnapshotBucket awss3.IBucket
	// SnapshotRole is the role OpenSearch assumes to write to the bucket. Required.
	SnapshotRole awsiam.IRole
	// RepositoryName of the snapshot repository. Default: "manual-snapshots"
	// (opensearch.SnapshotRepositoryName).
	RepositoryName *string
	// Indices the snapshot contains (multi-target syntax). Default:
	// "*,-.opendistro_security,-.kibana*,-.opendistro-*" (every index but the
	// security and Dashboards ones, which restores must not overwrite).
	Indices *string
	// Timeout bounds the whole snapshot, polled every 30 s; the deployment
	// fails when it is exceeded. 5 to 60 minutes. Default: 55 minutes.
	Timeout awscdk.Duration
	// LogRetention of the functions' and the provider's log groups.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts those log groups; its policy must let CloudWatch
	// Logs use it. Default: a new customer managed key with rotation.
	LogEncryptionKey awskms.IKey
	// RemovalPolicy of the log groups and of the key this construct creates.
	// Default: awscdk.RemovalPolicy_DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
}

// resolved is UpgradeSnapshotProps with every default filled in.
type resolved struct {
	UpgradeSnapshotProps
	timeoutMinutes float64
}

// DefaultIndices is the default Indices.
const DefaultIndices = "*,-.opendistro_security,-.kibana*,-.opendistro-*"

var versionRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (p *UpgradeSnapshotProps) withDefaults() resolved {
	r := resolved{}
	if p != nil {
		r.UpgradeSnapshotProps = *p
	}
	if r.Subnets == nil {
		r.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	if r.RepositoryName == nil {
		r.RepositoryName = jsii.String(opensearch.SnapshotRepositoryName)
	}
	if r.Indices == nil {
		r.Indices = jsii.String(DefaultIndices)
	}
	r.timeoutMinutes = 55
	if r.Timeout != nil {
		r.timeoutMinutes = *r.Timeout.ToMinutes(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)})
	}
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_ONE_MONTH)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_DESTROY)
	return r
}

var repositoryNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)

func (r resolved) validate() error {
	const f = "upgradesnapshot.UpgradeSnapshotProps."
	pr := &problems.List{}
	if !isToken(r.Version) && !versionRe.MatchString(r.Version) {
		pr.Add(f+"Version", r.Version, "an OpenCTI version such as 7.260817.0")
	}
	if r.Vpc == nil {
		pr.Add(f+"Vpc", r.Vpc, "the VPC of the domain")
	}
	if r.DomainEndpoint == nil || *r.DomainEndpoint == "" {
		pr.Add(f+"DomainEndpoint", r.DomainEndpoint, "the domain's VPC endpoint")
	}
	if r.DomainArn == nil || *r.DomainArn == "" {
		pr.Add(f+"DomainArn", r.DomainArn, "the domain's ARN")
	}
	if r.MasterUserSecret == nil {
		pr.Add(f+"MasterUserSecret", r.MasterUserSecret, "the master user secret")
	}
	if r.SnapshotBucket == nil {
		pr.Add(f+"SnapshotBucket", r.SnapshotBucket, "the snapshot bucket")
	}
	if r.SnapshotRole == nil {
		pr.Add(f+"SnapshotRole", r.SnapshotRole, "the role OpenSearch assumes to write snapshots")
	}
	if n := *r.RepositoryName; !isToken(n) && !repositoryNameRe.MatchString(n) {
		pr.Add(f+"RepositoryName", n, "lower-case letters, digits, '.', '_' and '-'")
	}
	if r.timeoutMinutes < 5 || r.timeoutMinutes > 60 {
		pr.Add(f+"Timeout", problems.Raw(fmt.Sprintf("%g minutes", r.timeoutMinutes)), "5 to 60 minutes (a custom resource waits at most one hour)")
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	return pr.Err()
}

func isToken(s string) bool { return *awscdk.Token_IsUnresolved(jsii.String(s)) }
