// Package opensearch provides the Amazon OpenSearch Service domain that OpenCTI
// indexes into: VPC-only, encrypted at rest with a customer managed key and in
// transit, fine-grained access control with an internal master user whose
// password lives in Secrets Manager (OpenCTI cannot sign requests with SigV4),
// logs in CloudWatch, and an S3 bucket + IAM role for manual snapshots.
package opensearch

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsopensearchservice"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch/opensearchspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// JSON property names of the master user secret.
const (
	MasterUserSecretUsernameField = secrets.CredentialsUsernameField
	MasterUserSecretPasswordField = secrets.CredentialsPasswordField
)

// HTTPSPort is the only port the domain listens on.
const HTTPSPort = 443

// DomainProps configures NewDomain.
type DomainProps struct {
	// Vpc holds the domain. Required.
	Vpc awsec2.IVpc
	// VpcSubnets are the candidate subnets; the domain uses the first subnet of
	// each of the first ZoneAwareness Availability Zones.
	// Default: the VPC's isolated subnets (awsec2.SubnetType_PRIVATE_ISOLATED).
	VpcSubnets *awsec2.SubnetSelection
	// ClientSecurityGroups may reach the domain on HTTPS (443); nothing else may.
	// Default: none (add peers later through SecurityGroup()).
	ClientSecurityGroups []awsec2.ISecurityGroup
	// DomainName is the domain's name (3-28 characters: a-z, 0-9, -, starting
	// with a letter). Changing it replaces the domain.
	// Default: a stable name derived from the construct path.
	DomainName *string
	// Sizing sizes the domain (engine version, data and master nodes, volume,
	// zone awareness); start from DefaultSizing() and change what differs.
	// Upgrades of EngineVersion happen in place (EnableVersionUpgrade).
	// Default: DefaultSizing(), 3 r7g.large.search data nodes over 3 zones
	// with 100 GiB each and 3 dedicated m7g.large.search masters, OpenSearch 2.19.
	Sizing *Sizing
	// OffPeakWindowStartHour is the UTC hour (0-23) at which the daily 10-hour
	// off-peak window opens; service software updates and Auto-Tune run in it.
	// Automated snapshots are hourly on OpenSearch and need no hour. Default: 22.
	OffPeakWindowStartHour *int
	// LogRetention applies to the slow search, slow index, application and
	// audit log groups. Default: awslogs.RetentionDays_THREE_MONTHS.
	LogRetention awslogs.RetentionDays
	// EncryptionKey encrypts the domain and the snapshot bucket.
	// Default: a new customer managed key with rotation.
	EncryptionKey awskms.IKey
	// MasterUserName is the internal master user OpenCTI connects as.
	// Default: "opencti".
	MasterUserName *string
	// MasterUserSecretName names the master user secret.
	// Default: a name CloudFormation generates.
	MasterUserSecretName *string
	// SecretEncryptionKey encrypts the master user secret.
	// Default: the AWS managed key aws/secretsmanager.
	SecretEncryptionKey awskms.IKey
	// AccessLogsBucket receives the snapshot bucket's server access logs.
	// Default: a new access logs bucket (objectstore.NewAccessLogsBucket).
	AccessLogsBucket awss3.IBucket
	// RemovalPolicy applies to the domain, its security group, key, secret, log
	// groups and snapshot bucket; SNAPSHOT is treated as RETAIN (OpenSearch has
	// no CloudFormation snapshot). DESTROY also empties the snapshot bucket.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// SnapshotBucketNoncurrentDays, when set, turns on versioning of the
	// snapshot bucket (S3 replication needs it, e.g. recovery.NewReplication
	// of the disaster recovery prefix) and expires overwritten and deleted
	// snapshot files after this many days (>= 1): OpenSearch rewrites its
	// repository index and deletes the blobs of expired snapshots.
	// Versioning cannot be turned off again, only suspended.
	// Default: nil (an unversioned bucket).
	SnapshotBucketNoncurrentDays *int
	// ServiceLinkedRole creates the OpenSearch Service service-linked role
	// before the domain when the account does not have it yet
	// (NewServiceLinkedRole: idempotent, never deleted). Set false when the
	// account baseline creates it. Default: true.
	ServiceLinkedRole *bool
}

// Sizing sizes a domain (opensearchspec.Sizing, which the configuration's
// data.opensearch section reuses).
type Sizing = opensearchspec.Sizing

// DefaultSizing is a highly available domain: 3 data nodes (16 GiB) over 3
// zones, 3 dedicated masters, 100 GiB per node.
func DefaultSizing() Sizing { return opensearchspec.DefaultSizing() }

// Domain is an OpenSearch domain ready for OpenCTI. Every resource it creates
// is reachable from it.
type Domain interface {
	constructs.Construct
	// Domain is the OpenSearch Service domain.
	Domain() awsopensearchservice.IDomain
	// Name is the domain's name as the synth knows it: DomainProps.DomainName
	// or the derived stable name, a literal unless DomainName is a token.
	// Another stack that names the domain by Name (the alarms' dimension)
	// follows a rename in the same deployment, without a cross-stack reference.
	Name() *string
	// Endpoint is the domain's VPC endpoint host name.
	Endpoint() *string
	// URL is "https://" + Endpoint(), the value of ELASTICSEARCH__URL.
	URL() *string
	// MasterUserSecret holds MasterUserSecretUsernameField and MasterUserSecretPasswordField.
	MasterUserSecret() awssecretsmanager.ISecret
	// EncryptionKey encrypts the domain and the snapshot bucket.
	EncryptionKey() awskms.IKey
	// SecurityGroup guards the domain's network interfaces.
	SecurityGroup() awsec2.ISecurityGroup
	// SnapshotBucket is the repository bucket for manual snapshots.
	SnapshotBucket() awss3.IBucket
	// SnapshotRole is the role OpenSearch assumes to write manual snapshots.
	SnapshotRole() awsiam.IRole
	// SnapshotRegistrarPolicy lets the principal it is attached to register the
	// snapshot repository (iam:PassRole on SnapshotRole) and call the snapshot API.
	SnapshotRegistrarPolicy() awsiam.IManagedPolicy
	// LogGroups are the slow search, slow index, application and audit log
	// groups, in that order.
	LogGroups() []awslogs.ILogGroup
	// ServiceLinkedRole makes sure the account has the OpenSearch Service
	// service-linked role; nil when DomainProps.ServiceLinkedRole is false.
	ServiceLinkedRole() customresources.AwsCustomResource
	// AccessLogsBucket receives the snapshot bucket's server access logs.
	AccessLogsBucket() awss3.IBucket
}

type domain struct {
	constructs.Construct
	name     *string
	dom      awsopensearchservice.Domain
	url      *string
	secret   awssecretsmanager.ISecret
	key      awskms.IKey
	sg       awsec2.ISecurityGroup
	bucket   awss3.IBucket
	role     awsiam.IRole
	registry awsiam.IManagedPolicy
	logs     []awslogs.ILogGroup
	slr      customresources.AwsCustomResource
	logsBkt  awss3.IBucket
}

func (d *domain) Domain() awsopensearchservice.IDomain           { return d.dom }
func (d *domain) Name() *string                                  { return d.name }
func (d *domain) Endpoint() *string                              { return d.dom.DomainEndpoint() }
func (d *domain) URL() *string                                   { return d.url }
func (d *domain) MasterUserSecret() awssecretsmanager.ISecret    { return d.secret }
func (d *domain) EncryptionKey() awskms.IKey                     { return d.key }
func (d *domain) SecurityGroup() awsec2.ISecurityGroup           { return d.sg }
func (d *domain) SnapshotBucket() awss3.IBucket                  { return d.bucket }
func (d *domain) SnapshotRole() awsiam.IRole                     { return d.role }
func (d *domain) SnapshotRegistrarPolicy() awsiam.IManagedPolicy { return d.registry }
func (d *domain) LogGroups() []awslogs.ILogGroup                 { return d.logs }
func (d *domain) ServiceLinkedRole() customresources.AwsCustomResource {
	return d.slr
}
func (d *domain) AccessLogsBucket() awss3.IBucket { return d.logsBkt }

var domainNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{2,27}$`)

// resolved is DomainProps with every default filled in (a copy: the caller's
// props are never changed).
type resolved struct {
	DomainProps
	sizing Sizing
}

func (p *DomainProps) withDefaults() resolved {
	r := resolved{}
	if p != nil {
		r.DomainProps = *p
	}
	r.sizing = defaults.Of(r.Sizing, DefaultSizing())
	defaults.Set(&r.VpcSubnets, awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED})
	defaults.Slice(&r.ClientSecurityGroups, nil)
	defaults.Set(&r.OffPeakWindowStartHour, 22)
	defaults.Set(&r.MasterUserName, "opencti")
	defaults.Set(&r.ServiceLinkedRole, true)
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_THREE_MONTHS)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	return r
}

func (r resolved) validate() error {
	const f = "opensearch.DomainProps."
	pr := &problems.List{}
	if r.Vpc == nil {
		pr.Add(f+"Vpc", r.Vpc, "the VPC that holds the domain")
	}
	r.sizing.Check(pr, problems.GoNames(f+"Sizing."), opensearchspec.Limits{})
	if h := *r.OffPeakWindowStartHour; h < 0 || h > 23 {
		pr.Add(f+"OffPeakWindowStartHour", h, "0 to 23")
	}
	if r.DomainName != nil && !*awscdk.Token_IsUnresolved(r.DomainName) && !domainNamePattern.MatchString(*r.DomainName) {
		pr.Add(f+"DomainName", r.DomainName, "3-28 characters a-z, 0-9 and -, starting with a letter")
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy)
	if n := r.SnapshotBucketNoncurrentDays; n != nil && *n < 1 {
		pr.Add(f+"SnapshotBucketNoncurrentDays", *n, "nil (unversioned) or at least 1")
	}
	return pr.Err()
}

// NewDomain creates the OpenSearch domain, its master user secret, security
// group, log groups and manual snapshot repository. It panics with an
// *problems.InvalidProps, listing every invalid prop, before creating
// anything.
func NewDomain(scope constructs.Construct, id string, props *DomainProps) Domain {
	p := props.withDefaults()
	problems.PanicIfInvalid("opensearch.NewDomain", id, p.validate())
	sz := p.sizing
	subnets, err := pickSubnets(p.Vpc, p.VpcSubnets, sz.ZoneAwareness)
	problems.PanicIfInvalid("opensearch.NewDomain", id, err)
	d := &domain{}
	constructs.NewConstruct_Override(d, scope, jsii.String(id))
	removal := awsutil.DataRemovalPolicy(p.RemovalPolicy)
	stack := awscdk.Stack_Of(d)

	name := p.DomainName
	if name == nil {
		name = defaultDomainName(d)
	}
	d.key = secrets.KeyOrNew(p.EncryptionKey, d, "Key", &secrets.KeyProps{
		Description:   jsii.String("OpenSearch domain " + *name + " and its manual snapshots"),
		RemovalPolicy: removal,
	})
	d.secret = secrets.NewCredentials(d, "MasterUser", &secrets.CredentialsProps{
		SecretName:  p.MasterUserSecretName,
		Description: jsii.String("OpenSearch internal master user of domain " + *name + " (ELASTICSEARCH__USERNAME / ELASTICSEARCH__PASSWORD)"),
		Username:    p.MasterUserName,
		// Fine-grained access control demands upper, lower, digit and special
		// characters; keep only specials that are harmless in URLs and shells.
		ExcludePunctuation: jsii.Bool(false),
		ExcludeCharacters:  jsii.String("\"'`\\/@:%$&{}[]()<>|;#?,= "),
		EncryptionKey:      p.SecretEncryptionKey,
		RemovalPolicy:      removal,
		NoRotationReason: jsii.String("The internal master user password is set on the domain by CloudFormation " +
			"and read by every OpenCTI platform at start-up; Secrets Manager has no rotation function for " +
			"OpenSearch internal users. Rotate with the documented runbook."),
	})

	sg := awsutil.NewClosedSecurityGroup(d, p.Vpc, "OpenSearch domain "+*name+": HTTPS from OpenCTI workloads only",
		p.ClientSecurityGroups, awsutil.ClientPort{Port: HTTPSPort, Description: "HTTPS to OpenSearch from OpenCTI workloads"})
	sg.ApplyRemovalPolicy(removal)
	d.sg = sg

	domainArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("es"), Resource: jsii.String("domain"), ResourceName: name,
	})
	logGroups := map[string]awslogs.LogGroup{}
	var logArns []*string
	for _, kind := range []string{"SlowSearchLogs", "SlowIndexLogs", "AppLogs", "AuditLogs"} {
		lg := awslogs.NewLogGroup(d, jsii.String(kind), &awslogs.LogGroupProps{
			Retention:     p.LogRetention,
			RemovalPolicy: removal,
		})
		logGroups[kind] = lg
		d.logs = append(d.logs, lg)
		logArns = append(logArns, lg.LogGroupArn())
	}
	logsPolicy := awslogs.NewResourcePolicy(d, jsii.String("LogsResourcePolicy"), &awslogs.ResourcePolicyProps{
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("es.amazonaws.com"), nil)},
			Actions:    jsii.Strings("logs:PutLogEvents", "logs:CreateLogStream"),
			Resources:  &logArns,
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
				"ArnLike":      map[string]any{"aws:SourceArn": domainArn},
			},
		})},
	})

	capacity := &awsopensearchservice.CapacityConfig{
		DataNodes:                 jsii.Number(float64(sz.DataNodes)),
		DataNodeInstanceType:      jsii.String(sz.DataNodeInstanceType),
		MultiAzWithStandbyEnabled: jsii.Bool(false),
	}
	if sz.MasterNodes > 0 {
		capacity.MasterNodes = jsii.Number(float64(sz.MasterNodes))
		capacity.MasterNodeInstanceType = jsii.String(sz.MasterNodeInstanceType)
	}
	version := strings.TrimPrefix(sz.EngineVersion, "OpenSearch_")
	dom := awsopensearchservice.NewDomain(d, jsii.String("Resource"), &awsopensearchservice.DomainProps{
		DomainName:    name,
		Version:       awsopensearchservice.EngineVersion_OpenSearch(jsii.String(version)),
		Capacity:      capacity,
		ZoneAwareness: &awsopensearchservice.ZoneAwarenessConfig{Enabled: jsii.Bool(sz.ZoneAwareness > 1), AvailabilityZoneCount: zoneCount(sz.ZoneAwareness)},
		Ebs: &awsopensearchservice.EbsOptions{
			Enabled:    jsii.Bool(true),
			VolumeSize: jsii.Number(float64(sz.VolumeSizeGiB)),
			VolumeType: awsec2.EbsDeviceVolumeType_GP3,
		},
		EncryptionAtRest:     &awsopensearchservice.EncryptionAtRestOptions{Enabled: jsii.Bool(true), KmsKey: d.key},
		NodeToNodeEncryption: jsii.Bool(true),
		EnforceHttps:         jsii.Bool(true),
		TlsSecurityPolicy:    awsopensearchservice.TLSSecurityPolicy_TLS_1_2_PFS,
		FineGrainedAccessControl: &awsopensearchservice.AdvancedSecurityOptions{
			MasterUserName:     p.MasterUserName,
			MasterUserPassword: d.secret.SecretValueFromJson(jsii.String(MasterUserSecretPasswordField)),
		},
		Vpc:            p.Vpc,
		VpcSubnets:     &[]*awsec2.SubnetSelection{{Subnets: &subnets}},
		SecurityGroups: &[]awsec2.ISecurityGroup{sg},
		Logging: &awsopensearchservice.LoggingOptions{
			SlowSearchLogEnabled: jsii.Bool(true), SlowSearchLogGroup: logGroups["SlowSearchLogs"],
			SlowIndexLogEnabled: jsii.Bool(true), SlowIndexLogGroup: logGroups["SlowIndexLogs"],
			AppLogEnabled: jsii.Bool(true), AppLogGroup: logGroups["AppLogs"],
			AuditLogEnabled: jsii.Bool(true), AuditLogGroup: logGroups["AuditLogs"],
		},
		SuppressLogsResourcePolicy: jsii.Bool(true),
		EnableVersionUpgrade:       jsii.Bool(true),
		EnableAutoSoftwareUpdate:   jsii.Bool(true),
		OffPeakWindowEnabled:       jsii.Bool(true),
		OffPeakWindowStart:         &awsopensearchservice.WindowStartTime{Hours: jsii.Number(float64(*p.OffPeakWindowStartHour)), Minutes: jsii.Number(0)},
		RemovalPolicy:              removal,
	})
	dom.Node().AddDependency(logsPolicy)
	if *p.ServiceLinkedRole {
		slrLogs := awslogs.NewLogGroup(d, jsii.String("ServiceLinkedRoleLogs"), &awslogs.LogGroupProps{
			Retention:     p.LogRetention,
			RemovalPolicy: removal,
		})
		d.slr = NewServiceLinkedRole(d, "ServiceLinkedRole", &ServiceLinkedRoleProps{LogGroup: slrLogs})
		dom.Node().AddDependency(d.slr)
	}

	// The access policy is written on the L1 resource: the L2 would install it
	// through a Lambda-backed custom resource only to avoid a reference from the
	// domain to itself, which the known domain name avoids here. OpenCTI sends
	// unsigned HTTP basic-auth requests that fine-grained access control
	// authenticates; a policy naming IAM principals would reject them.
	cfn := dom.Node().DefaultChild().(awsopensearchservice.CfnDomain)
	cfn.SetAccessPolicies(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": "*"},
			"Action":    "es:ESHttp*",
			"Resource":  *domainArn + "/*",
		}},
	})
	suppressions := []*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-OS3"), Reason: jsii.String("A VPC domain cannot use IP-based access policies; " +
			"the security group admits HTTPS only from the OpenCTI workload security group.")},
		{Id: jsii.String("AwsSolutions-OS5"), Reason: jsii.String("OpenCTI cannot sign requests (SigV4) and authenticates " +
			"with HTTP basic auth against fine-grained access control's internal user database; AWS recommends an " +
			"access policy without IAM principals for that case. The domain is VPC-only, reachable only from the " +
			"workload security group, and every request is authenticated by fine-grained access control.")},
	}
	if sz.MasterNodes == 0 {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-OS4"),
			Reason: jsii.String("MasterNodes is 0 by the caller's choice (a development domain); production configurations require 3 or 5 dedicated masters.")})
	}
	if sz.ZoneAwareness == 1 {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-OS7"),
			Reason: jsii.String("ZoneAwareness is 1 by the caller's choice (a single-AZ development domain); production configurations require 2 or 3 zones.")})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(dom, &suppressions, jsii.Bool(true))
	d.dom = dom
	d.name = name
	d.url = jsii.String("https://" + *dom.DomainEndpoint())

	d.addSnapshotRepository(p, removal, domainArn)
	return d
}

func zoneCount(za int) *float64 {
	if za <= 1 {
		return nil
	}
	return jsii.Number(float64(za))
}

// defaultDomainName derives a stable, valid domain name: "<stack name>-<id>"
// in lower case when that fits (e.g. "opencti-prod-data-opensearch"), else a
// name with a hash of the construct path.
func defaultDomainName(c constructs.Construct) *string {
	var b strings.Builder
	for _, r := range strings.ToLower(*awscdk.Stack_Of(c).StackName() + "-" + *c.Node().Id()) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		}
	}
	if n := b.String(); domainNamePattern.MatchString(n) && !strings.Contains(n, "--") {
		return jsii.String(n)
	}
	n := strings.ToLower(*awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{
		MaxLength: jsii.Number(28), Separator: jsii.String("-"),
	}))
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = ("d" + n)[:min(28, len(n)+1)]
	}
	return jsii.String(n)
}

// pickSubnets returns the first subnet of each of the first n Availability
// Zones of the selection. Unresolved (token) zones are taken as distinct.
func pickSubnets(vpc awsec2.IVpc, sel *awsec2.SubnetSelection, n int) ([]awsec2.ISubnet, error) {
	if vpc == nil {
		return nil, nil
	}
	selected := vpc.SelectSubnets(sel)
	seen := map[string]bool{}
	var out []awsec2.ISubnet
	for _, s := range *selected.Subnets {
		az := s.AvailabilityZone()
		if az != nil && !*awscdk.Token_IsUnresolved(az) {
			if seen[*az] {
				continue
			}
			seen[*az] = true
		}
		out = append(out, s)
		if len(out) == n {
			return out, nil
		}
	}
	pr := &problems.List{}
	pr.Add("opensearch.DomainProps.VpcSubnets", problems.Raw(fmt.Sprintf("subnets in %d Availability Zones", len(out))), fmt.Sprintf("at least Sizing.ZoneAwareness (%d)", n))
	return nil, pr.Err()
}
