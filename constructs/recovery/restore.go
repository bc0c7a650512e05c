package recovery

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
	"github.com/opencti-ha/opencti-ha/internal/handlerlib"
	"github.com/opencti-ha/opencti-ha/internal/vpcprovider"
)

//go:embed restore.js
var restoreSourceRaw string

// restoreSource is restore.js as Lambda receives it: one file, with the shared code of
// internal/handlerlib in place of its require.
var restoreSource = handlerlib.Inline(restoreSourceRaw)

// RestoreResourceType is the CloudFormation type of the restore.
const RestoreResourceType = "Custom::OpenSearchRestore"

// RestoreProps configures NewRestore.
type RestoreProps struct {
	// Domain receives the restored OpenCTI indices. Required.
	Domain opensearch.Domain
	// Vpc holds the functions. Required.
	Vpc awsec2.IVpc
	// Subnets the functions run in; they must reach the domain and Secrets
	// Manager. Default: the VPC's private subnets with egress.
	Subnets *awsec2.SubnetSelection
	// SecurityGroup of the functions; the domain must admit it on 443.
	// Default: a new group with HTTPS out only, admitted by the domain's
	// security group.
	SecurityGroup awsec2.ISecurityGroup
	// Snapshot is recoveryspec.Latest (the newest successful snapshot of
	// the OpenCTI indices the repository can read) or a snapshot name, e.g.
	// a pre-upgrade snapshot. Required.
	Snapshot *string
	// ReplicaBucket, when set, is registered read-only as the repository
	// (RepositoryName, BasePath) with a role of its own that may only read
	// it: the snapshot replica of a failover. Without it the repository must
	// exist in the domain (an in-place restore). Default: none.
	ReplicaBucket awss3.IBucket
	// ReplicaKey encrypts ReplicaBucket. Required with ReplicaBucket.
	ReplicaKey awskms.IKey
	// BasePath of the repository in ReplicaBucket.
	// Default: recoveryspec.BasePath ("dr").
	BasePath *string
	// RepositoryName is the repository restored from. Default:
	// recoveryspec.ReplicaRepositoryName with ReplicaBucket, else
	// opensearch.SnapshotRepositoryName (manual-snapshots: the pre-upgrade
	// snapshots).
	RepositoryName *string
	// Overwrite deletes the OpenCTI indices the domain holds before the
	// restore (OpenCTI must be stopped). Default: false: a domain with
	// OpenCTI indices refuses the restore, naming them.
	Overwrite *bool
	// Generation identifies one restore: raising it restores again with the
	// same other props. 1 to 1000000. Default: 1.
	Generation *int
	// IndexPrefix is OpenCTI's ELASTICSEARCH__INDEX_PREFIX.
	// Default: recoveryspec.IndexPrefix ("opencti").
	IndexPrefix *string
	// Timeout bounds the restore (polled every 30 s); a larger restore
	// continues in the domain and the next deployment waits for it. 5 to
	// 60 minutes. Default: 55 minutes.
	Timeout awscdk.Duration
	// LogRetention of the functions', provider's and waiter's log groups.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts those log groups; its policy must let
	// CloudWatch Logs use it. Default: a new customer managed key with rotation.
	LogEncryptionKey awskms.IKey
	// RemovalPolicy of the log groups and of the key this construct creates.
	// Default: awscdk.RemovalPolicy_DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
}

// Restore restores the OpenCTI indices before the OpenCTI tiers start:
// make every manifest depend on it. Every resource it creates is reachable
// from it.
type Restore interface {
	constructs.Construct
	// Resource is the Custom::OpenSearchRestore resource; its attribute
	// SnapshotName is the snapshot restored.
	Resource() awscdk.CustomResource
	// SnapshotName is the name of the snapshot restored (the one "latest"
	// chose).
	SnapshotName() *string
	// ReaderRole is the role OpenSearch assumes to read ReplicaBucket; nil
	// without it.
	ReaderRole() awsiam.IRole
	// Role is the functions' role, mapped to manage_snapshots;
	// SecurityGroup theirs.
	Role() awsiam.IRole
	SecurityGroup() awsec2.ISecurityGroup
	// LogsKey encrypts the log groups.
	LogsKey() awskms.IKey
	// Functions are the onEvent and isComplete functions.
	Functions() []awslambda.IFunction
	// Provider is aws-cdk-lib's provider framework that calls them.
	Provider() customresources.Provider
}

type restore struct {
	constructs.Construct
	resource awscdk.CustomResource
	reader   awsiam.IRole
	key      awskms.IKey
	handler  *vpcprovider.Handler
}

func (r *restore) Resource() awscdk.CustomResource      { return r.resource }
func (r *restore) ReaderRole() awsiam.IRole             { return r.reader }
func (r *restore) Role() awsiam.IRole                   { return r.handler.Role }
func (r *restore) SecurityGroup() awsec2.ISecurityGroup { return r.handler.SecurityGroup }
func (r *restore) LogsKey() awskms.IKey                 { return r.key }
func (r *restore) Provider() customresources.Provider   { return r.handler.Provider }
func (r *restore) Functions() []awslambda.IFunction {
	return []awslambda.IFunction{r.handler.OnEvent, r.handler.IsComplete}
}
func (r *restore) SnapshotName() *string { return r.resource.GetAttString(jsii.String("SnapshotName")) }

type restoreResolved struct {
	RestoreProps
	timeoutMinutes float64
	generation     int
}

func (p *RestoreProps) withDefaults() restoreResolved {
	r := restoreResolved{}
	if p != nil {
		r.RestoreProps = *p
	}
	if r.Subnets == nil {
		r.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	defaults.Set(&r.BasePath, recoveryspec.BasePath)
	if r.ReplicaBucket != nil {
		defaults.Set(&r.RepositoryName, recoveryspec.ReplicaRepositoryName)
	} else {
		defaults.Set(&r.RepositoryName, opensearch.SnapshotRepositoryName)
	}
	defaults.Set(&r.Overwrite, false)
	r.generation = defaults.Of(r.Generation, recoveryspec.DefaultRestoreGeneration)
	defaults.Set(&r.IndexPrefix, recoveryspec.IndexPrefix)
	r.timeoutMinutes = 55
	if r.Timeout != nil {
		r.timeoutMinutes = *r.Timeout.ToMinutes(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)})
	}
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_ONE_MONTH)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_DESTROY)
	return r
}

var (
	repositoryRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)
	indexPrefixRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,99}$`)
)

func (r restoreResolved) validate() error {
	const f = "recovery.RestoreProps."
	pr := &problems.List{}
	if r.Domain == nil {
		pr.Add(f+"Domain", nil, "the domain to restore into (opensearch.NewDomain)")
	}
	if r.Vpc == nil {
		pr.Add(f+"Vpc", nil, "the VPC of the domain")
	}
	if r.Snapshot == nil || *r.Snapshot == "" {
		pr.Add(f+"Snapshot", r.Snapshot, `"latest" or a snapshot name`)
	} else if !isToken(*r.Snapshot) {
		recoveryspec.CheckRestoreFrom(pr, f+"Snapshot", *r.Snapshot)
	}
	if r.ReplicaBucket != nil && r.ReplicaKey == nil {
		pr.Add(f+"ReplicaKey", nil, "the key that encrypts ReplicaBucket (required with it)")
	}
	if n := *r.RepositoryName; !isToken(n) && !repositoryRe.MatchString(n) {
		pr.Add(f+"RepositoryName", n, "lower-case letters, digits, '.', '_' and '-'")
	}
	if n := *r.IndexPrefix; !indexPrefixRe.MatchString(n) {
		pr.Add(f+"IndexPrefix", n, "lower-case letters, digits, '_' and '-'")
	}
	recoveryspec.CheckRestoreGeneration(pr, f+"Generation", r.generation)
	if r.timeoutMinutes < 5 || r.timeoutMinutes > 60 {
		pr.Add(f+"Timeout", problems.Raw(fmt.Sprintf("%g minutes", r.timeoutMinutes)), "5 to 60 minutes (a custom resource waits at most one hour)")
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy,
		awscdk.RemovalPolicy_DESTROY, awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	return pr.Err()
}

// IsmPolicyID is the name of OpenCTI's ISM rollover policy for prefix.
func IsmPolicyID(prefix string) string { return prefix + "-ism-policy" }

// IsmPolicy is OpenCTI's ISM rollover policy, as OpenCTI creates it when it
// initializes a new platform (opencti-platform/opencti-graphql
// src/database/engine.ts, elCreateLifecyclePolicy, read at commit
// 002eb7840dcccae91f078d258ee1fc25bc2cfb2c): roll over at a primary shard
// of 50gb or 75,000,000 documents (the defaults of
// elasticsearch:max_primary_shard_size and elasticsearch:max_docs), for
// every index "<prefix>*". A restore into a new domain brings the indices
// but not the policy, and OpenCTI re-creates it only for a new platform.
func IsmPolicy(prefix string) string {
	doc := map[string]any{"policy": map[string]any{
		"description":   "OpenCTI ISM Policy",
		"default_state": "hot",
		"states": []any{map[string]any{
			"name":        "hot",
			"actions":     []any{map[string]any{"rollover": map[string]any{"min_primary_shard_size": "50gb", "min_doc_count": 75000000}}},
			"transitions": []any{},
		}},
		"ism_template": map[string]any{"index_patterns": []string{prefix + "*"}, "priority": 100},
	}}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return string(out)
}

// NewRestore creates, in the VPC, the functions and provider of the restore
// (restore.js: newest readable snapshot or a named one, refusal over
// existing OpenCTI indices unless Overwrite, retry-safe, index templates and
// OpenCTI's ISM policy after a restore into a new domain) and the custom
// resource. With ReplicaBucket it also creates the role OpenSearch assumes
// to read the replica (s3:ListBucket, s3:GetObject, kms:Decrypt: a
// read-only repository is never written, nor verified by a write). Delete
// does nothing. It panics with an *problems.InvalidProps, listing every
// invalid prop, before creating anything.
func NewRestore(scope constructs.Construct, id string, props *RestoreProps) Restore {
	p := props.withDefaults()
	problems.PanicIfInvalid("recovery.NewRestore", id, p.validate())
	r := &restore{}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	r.key = p.LogEncryptionKey
	if r.key == nil {
		r.key = secrets.NewLogsKey(r, "LogsKey", &secrets.LogsKeyProps{
			Description:   jsii.String("Encrypts the OpenSearch restore log groups"),
			RemovalPolicy: p.RemovalPolicy,
			Grant:         &secrets.CloudWatchLogsGrant{StatementID: jsii.String("AllowCloudWatchLogs")},
		})
	}
	d := p.Domain
	domainArn := d.Domain().DomainArn()
	statements := []vpcprovider.Statement{
		// Restore, status and listing calls on the snapshot API of this
		// domain only (SigV4 with a manage_snapshots mapping); index calls
		// go as the master user.
		{Sid: "CallSnapshotApi", Actions: []string{"es:ESHttpGet", "es:ESHttpPut", "es:ESHttpPost"},
			Resources: []*string{jsii.String(*domainArn + "/_snapshot"), jsii.String(*domainArn + "/_snapshot/*")}},
	}
	if p.ReplicaBucket != nil {
		reader := awsiam.NewRole(r, jsii.String("ReaderRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("es.amazonaws.com"), nil),
			Description: jsii.String("Assumed by OpenSearch Service to read the snapshot replica (read-only repository)"),
		})
		reader.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ListReplica"), Actions: jsii.Strings("s3:ListBucket"), Resources: &[]*string{p.ReplicaBucket.BucketArn()},
		}))
		reader.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadReplica"), Actions: jsii.Strings("s3:GetObject"), Resources: &[]*string{p.ReplicaBucket.ArnForObjects(jsii.String(*p.BasePath + "/*"))},
		}))
		reader.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("DecryptReplica"), Actions: jsii.Strings("kms:Decrypt", "kms:DescribeKey"), Resources: &[]*string{p.ReplicaKey.KeyArn()},
		}))
		cdknag.NagSuppressions_AddResourceSuppressions(reader, &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("OpenSearch reads snapshot files under keys it chose when it wrote them: the wildcard is limited to the repository's base path in the replica bucket, read-only."),
			AppliesTo: &[]any{map[string]any{"regex": "/^Resource::.*\\/\\*$/"}},
		}}, jsii.Bool(true))
		r.reader = reader
		statements = append([]vpcprovider.Statement{{Sid: "PassReaderRole", Actions: []string{"iam:PassRole"}, Resources: []*string{reader.RoleArn()}}}, statements...)
	}
	var domainSG awsec2.ISecurityGroup
	if p.SecurityGroup == nil {
		domainSG = d.SecurityGroup()
	}
	r.handler = vpcprovider.New(r, &vpcprovider.Props{
		Vpc:                      p.Vpc,
		Subnets:                  p.Subnets,
		SecurityGroup:            p.SecurityGroup,
		SecurityGroupDescription: "OpenSearch restore functions: HTTPS out only",
		DomainSecurityGroup:      domainSG,
		IngressDescription:       "HTTPS from the restore functions",
		RoleDescription:          "Restores the OpenCTI indices from a snapshot",
		Secret:                   d.MasterUserSecret(),
		Statements:               statements,
		Source:                   restoreSource,
		OnEventDescription:       "Chooses the snapshot and checks the domain's OpenCTI indices before a restore",
		IsCompleteDescription:    "Restores the OpenCTI indices and waits until every primary shard has started",
		FunctionTimeout:          awscdk.Duration_Minutes(jsii.Number(2)),
		TotalTimeout:             awscdk.Duration_Minutes(jsii.Number(p.timeoutMinutes)),
		LogRetention:             p.LogRetention,
		LogEncryptionKey:         r.key,
		RemovalPolicy:            p.RemovalPolicy,
	})
	properties := map[string]any{
		"DomainEndpoint":      d.Endpoint(),
		"MasterUserSecretArn": d.MasterUserSecret().SecretArn(),
		"UsernameField":       opensearch.MasterUserSecretUsernameField,
		"PasswordField":       opensearch.MasterUserSecretPasswordField,
		"FunctionRoleArn":     r.handler.Role.RoleArn(),
		"RepositoryName":      p.RepositoryName,
		"IndexPrefix":         p.IndexPrefix,
		"Snapshot":            p.Snapshot,
		"Overwrite":           strconv.FormatBool(*p.Overwrite),
		"Generation":          strconv.Itoa(p.generation),
		"IsmPolicyId":         IsmPolicyID(*p.IndexPrefix),
		"IsmPolicy":           IsmPolicy(*p.IndexPrefix),
	}
	if p.ReplicaBucket != nil {
		properties["BucketName"] = p.ReplicaBucket.BucketName()
		properties["BasePath"] = p.BasePath
		properties["SnapshotRoleArn"] = r.reader.RoleArn()
	}
	r.resource = awscdk.NewCustomResource(r, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: r.handler.Provider.ServiceToken(),
		ResourceType: jsii.String(RestoreResourceType),
		Properties:   &properties,
	})
	r.resource.Node().AddDependency(d.Domain(), r.handler.Role)
	if r.reader != nil {
		r.resource.Node().AddDependency(r.reader)
	}
	if r.handler.Ingress != nil {
		r.resource.Node().AddDependency(r.handler.Ingress)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(r.handler.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Lambda functions in a VPC manage their network interfaces with the EC2 actions AWS lists " +
			"in AWSLambdaVPCAccessExecutionRole, which take Resource *. OpenSearch Service authorizes the snapshot API " +
			"per path: the wildcard is limited to _snapshot/* of this one domain (repository and snapshot names)."),
		AppliesTo: &[]any{"Resource::*", map[string]any{"regex": "/^Resource::.*\\/_snapshot\\/\\*$/"}},
	}}, jsii.Bool(true))
	r.handler.SuppressProviderFindings()
	return r
}
