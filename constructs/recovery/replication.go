package recovery

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// ReplicationProps configures NewReplication.
type ReplicationProps struct {
	// Bucket is the source: a versioned bucket this app creates (its
	// CloudFormation resource gets the replication configuration), SSE-KMS
	// encrypted with BucketKey. Required.
	Bucket awss3.IBucket
	// BucketKey encrypts Bucket; the replication role decrypts with it.
	// Required.
	BucketKey awskms.IKey
	// Prefix limits the rule to object keys that start with it, e.g.
	// "dr/" (the DR repository's base path). Default: "" (every object).
	Prefix *string
	// RuleID names the rule (the RuleId dimension of its CloudWatch
	// metrics). Default: "DisasterRecovery".
	RuleID *string
	// DestinationBucketName is the replica bucket (versioned, in
	// DestinationRegion, existing before this stack deploys). Required.
	DestinationBucketName *string
	// DestinationRegion is the replica bucket's region. Required.
	DestinationRegion *string
	// DestinationKeyAlias is the alias ("alias/<name>") of the key in
	// DestinationRegion that encrypts the replicas. The rule names it by
	// alias ARN and the role may use that key only (kms:ResourceAliases):
	// its key ID is not known when this stack is synthesized. Required.
	DestinationKeyAlias *string
	// ReplicationTimeControl replicates 99.99% of objects within 15
	// minutes (S3 Replication Time Control, with its metrics and a 15-minute
	// event threshold). Without it the rule still publishes replication
	// metrics. Default: true.
	ReplicationTimeControl *bool
}

// Replication is one S3 replication rule and its role. Every resource it
// creates is reachable from it.
type Replication interface {
	constructs.Construct
	// Role is what S3 replicates as.
	Role() awsiam.IRole
	// RuleID names the rule.
	RuleID() *string
	// SourceBucketName and DestinationBucketName are the CloudWatch
	// dimensions SourceBucket and DestinationBucket of the rule's metrics
	// (ReplicationLatency, OperationsFailedReplication, ...).
	SourceBucketName() *string
	DestinationBucketName() *string
}

type replication struct {
	constructs.Construct
	role             awsiam.IRole
	ruleID, src, dst *string
}

func (r *replication) Role() awsiam.IRole             { return r.role }
func (r *replication) RuleID() *string                { return r.ruleID }
func (r *replication) SourceBucketName() *string      { return r.src }
func (r *replication) DestinationBucketName() *string { return r.dst }

func (p *ReplicationProps) withDefaults() ReplicationProps {
	r := ReplicationProps{}
	if p != nil {
		r = *p
	}
	defaults.Set(&r.Prefix, "")
	defaults.Set(&r.RuleID, "DisasterRecovery")
	defaults.Set(&r.ReplicationTimeControl, true)
	return r
}

func (r ReplicationProps) validate() error {
	const f = "recovery.ReplicationProps."
	pr := &problems.List{}
	if r.Bucket == nil {
		pr.Add(f+"Bucket", nil, "the source bucket")
	} else if _, ok := r.Bucket.Node().DefaultChild().(awss3.CfnBucket); !ok {
		pr.Add(f+"Bucket", problems.Raw("an imported bucket"), "a bucket this app creates (its replication configuration is a property of its resource)")
	}
	if r.BucketKey == nil {
		pr.Add(f+"BucketKey", nil, "the key that encrypts Bucket")
	}
	if r.DestinationBucketName == nil || *r.DestinationBucketName == "" {
		pr.Add(f+"DestinationBucketName", r.DestinationBucketName, "the replica bucket's name")
	}
	if r.DestinationRegion == nil || (!isToken(*r.DestinationRegion) && !regionRe.MatchString(*r.DestinationRegion)) {
		pr.Add(f+"DestinationRegion", r.DestinationRegion, "the replica bucket's region, such as eu-central-1")
	}
	if a := r.DestinationKeyAlias; a == nil || len(*a) < 7 || (*a)[:6] != "alias/" {
		pr.Add(f+"DestinationKeyAlias", a, `the replica key's alias ("alias/<name>")`)
	}
	return pr.Err()
}

// NewReplication adds a replication rule to Bucket's resource: objects
// under Prefix (SSE-KMS ones included) and delete markers are replicated to
// DestinationBucketName, re-encrypted with the destination key, with
// replication metrics (and Replication Time Control); the role S3 assumes
// may read only Bucket's objects under Prefix, decrypt with BucketKey
// through S3, write replicas to the destination bucket and encrypt with the
// destination key through S3 there. The role's policy is created after the
// bucket's resource (it names the bucket): objects written before it exists
// fail to replicate, so the writer must depend on this construct. Objects
// that existed before the rule are not replicated (S3 Batch Replication
// copies them once; see docs/disaster-recovery.md). It panics with an *problems.InvalidProps, listing
// every invalid prop, before creating anything.
func NewReplication(scope constructs.Construct, id string, props *ReplicationProps) Replication {
	p := props.withDefaults()
	problems.PanicIfInvalid("recovery.NewReplication", id, p.validate())
	r := &replication{ruleID: p.RuleID, src: p.Bucket.BucketName(), dst: p.DestinationBucketName}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	stack := awscdk.Stack_Of(r)
	partition := *stack.Partition()
	destArn := "arn:" + partition + ":s3:::" + *p.DestinationBucketName
	destAccount := *stack.Account()
	aliasArn := "arn:" + partition + ":kms:" + *p.DestinationRegion + ":" + destAccount + ":" + *p.DestinationKeyAlias

	role := awsiam.NewRole(r, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("s3.amazonaws.com"), nil),
		Description: jsii.String("S3 replication of " + *p.RuleID + " to " + *p.DestinationBucketName),
	})
	add := func(sid string, actions []string, resources []*string, conditions map[string]any) {
		s := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: &resources}
		if conditions != nil {
			s.Conditions = &conditions
		}
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(s))
	}
	add("ReadReplicationConfiguration", []string{"s3:GetReplicationConfiguration", "s3:ListBucket"}, []*string{p.Bucket.BucketArn()}, nil)
	add("ReadSourceVersions", []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"},
		[]*string{p.Bucket.ArnForObjects(jsii.String(*p.Prefix + "*"))}, nil)
	add("WriteReplicas", []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"}, []*string{jsii.String(destArn + "/*")}, nil)
	add("DecryptSource", []string{"kms:Decrypt"}, []*string{p.BucketKey.KeyArn()},
		map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + *stack.Region() + ".amazonaws.com"}})
	add("EncryptReplicas", []string{"kms:Encrypt", "kms:GenerateDataKey"},
		[]*string{jsii.String("arn:" + partition + ":kms:" + *p.DestinationRegion + ":" + destAccount + ":key/*")},
		map[string]any{
			"StringEquals":             map[string]any{"kms:ViaService": "s3." + *p.DestinationRegion + ".amazonaws.com"},
			"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": []string{*p.DestinationKeyAlias}},
		})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("S3 replicates objects under keys OpenSearch and OpenCTI choose: the object wildcards are limited to the " +
			"replicated prefix of the source bucket and to the replica bucket. The replica key lives in the recovery region and is " +
			"known by its alias only: the statement names the keys of that account and region and kms:ResourceAliases keeps the one key."),
		AppliesTo: &[]any{
			cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::<.*\\.Arn>\\/.*\\*$/")},
			cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::arn:.+:s3:::.+\\/\\*$/")},
			cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::arn:.+:kms:.+:key\\/\\*$/")},
		},
	}}, jsii.Bool(true))
	r.role = role

	destination := &awss3.CfnBucket_ReplicationDestinationProperty{
		Bucket:                  jsii.String(destArn),
		EncryptionConfiguration: &awss3.CfnBucket_EncryptionConfigurationProperty{ReplicaKmsKeyId: jsii.String(aliasArn)},
		Metrics:                 &awss3.CfnBucket_MetricsProperty{Status: jsii.String("Enabled")},
	}
	if *p.ReplicationTimeControl {
		fifteen := &awss3.CfnBucket_ReplicationTimeValueProperty{Minutes: jsii.Number(15)}
		destination.ReplicationTime = &awss3.CfnBucket_ReplicationTimeProperty{Status: jsii.String("Enabled"), Time: fifteen}
		destination.Metrics = &awss3.CfnBucket_MetricsProperty{Status: jsii.String("Enabled"), EventThreshold: fifteen}
	}
	cfn := p.Bucket.Node().DefaultChild().(awss3.CfnBucket)
	cfn.SetReplicationConfiguration(&awss3.CfnBucket_ReplicationConfigurationProperty{
		Role: role.RoleArn(),
		Rules: &[]any{&awss3.CfnBucket_ReplicationRuleProperty{
			Id:                      p.RuleID,
			Priority:                jsii.Number(1),
			Status:                  jsii.String("Enabled"),
			Filter:                  &awss3.CfnBucket_ReplicationRuleFilterProperty{Prefix: p.Prefix},
			DeleteMarkerReplication: &awss3.CfnBucket_DeleteMarkerReplicationProperty{Status: jsii.String("Enabled")},
			SourceSelectionCriteria: &awss3.CfnBucket_SourceSelectionCriteriaProperty{
				SseKmsEncryptedObjects: &awss3.CfnBucket_SseKmsEncryptedObjectsProperty{Status: jsii.String("Enabled")},
			},
			Destination: destination,
		}},
	})
	// The bucket's resource depends on the role (its ARN); the role's policy
	// names the bucket and so comes after it. Make the first writer of the
	// replicated objects (the snapshot schedule) depend on this construct.
	return r
}

// ReplicaRuleID names the replication rules opencti-ha's Data stack adds:
// "DisasterRecovery" + purpose ("DisasterRecoverySnapshots", ...).
func ReplicaRuleID(purpose string) string {
	return "DisasterRecovery" + string(purpose[0]-'a'+'A') + purpose[1:]
}
