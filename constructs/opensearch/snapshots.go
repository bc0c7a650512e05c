package opensearch

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/objectstore"
)

// SnapshotRepositoryName is the repository name the README's _snapshot calls use.
const SnapshotRepositoryName = "manual-snapshots"

// addSnapshotRepository creates the bucket, the role OpenSearch assumes to
// write into it, and the managed policy an operator needs to register the
// repository, as the OpenSearch Service guide "Creating index snapshots"
// describes. Registering the repository is an API call on the domain (see
// README), not a CloudFormation resource.
func (d *domain) addSnapshotRepository(p resolved, removal awscdk.RemovalPolicy, domainArn *string) {
	logs := p.AccessLogsBucket
	if logs == nil {
		logs = objectstore.NewAccessLogsBucket(d, "AccessLogsBucket", &objectstore.AccessLogsBucketProps{RemovalPolicy: removal})
	}
	d.logsBkt = logs
	lifecycle := []*awss3.LifecycleRule{{
		Id:                                  jsii.String("AbortIncompleteUploads"),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
	}}
	var versioned *bool // nil, not false: the bucket's props (in metadata) stay as they were
	if p.SnapshotBucketNoncurrentDays != nil {
		versioned = jsii.Bool(true)
		lifecycle = append(lifecycle, &awss3.LifecycleRule{
			Id:                          jsii.String("ExpireNoncurrentVersions"),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(float64(*p.SnapshotBucketNoncurrentDays))),
			ExpiredObjectDeleteMarker:   jsii.Bool(true),
		})
	}
	bucket := awss3.NewBucket(d, jsii.String("SnapshotBucket"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          d.key,
		BucketKeyEnabled:       jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("opensearch-snapshots/"),
		Versioned:              versioned,
		LifecycleRules:         &lifecycle,
		RemovalPolicy:          removal,
		AutoDeleteObjects:      jsii.Bool(removal == awscdk.RemovalPolicy_DESTROY),
	})
	d.bucket = bucket

	role := awsiam.NewRole(d, jsii.String("SnapshotRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("es.amazonaws.com"), nil),
		Description: jsii.String("Assumed by OpenSearch Service to write and read manual snapshots"),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ListSnapshotBucket"),
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: &[]*string{bucket.BucketArn()},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadWriteSnapshots"),
		Actions:   jsii.Strings("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
		Resources: &[]*string{bucket.ArnForObjects(jsii.String("*"))},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("UseSnapshotBucketKey"),
		Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
		Resources: &[]*string{d.key.KeyArn()},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("OpenSearch writes snapshot files under object keys it chooses; the wildcard is limited " +
			"to the objects of the dedicated snapshot bucket, as the OpenSearch Service guide prescribes."),
		AppliesTo: &[]any{cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::<.*SnapshotBucket.*\\.Arn>\\/\\*$/")}},
	}}, jsii.Bool(true))
	d.role = role

	registrar := awsiam.NewManagedPolicy(d, jsii.String("SnapshotRegistrarPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Attach to the operator role that registers the manual snapshot repository and takes or restores snapshots"),
		Statements: &[]awsiam.PolicyStatement{
			// As the guide's Prerequisites (Permissions) give it: iam:PassRole
			// on the snapshot role, no condition (it documents no
			// iam:PassedToService value for the repository registration).
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("PassSnapshotRole"),
				Actions:   jsii.Strings("iam:PassRole"),
				Resources: &[]*string{role.RoleArn()},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("CallSnapshotApi"),
				Actions:   jsii.Strings("es:ESHttpGet", "es:ESHttpPut", "es:ESHttpPost", "es:ESHttpDelete"),
				Resources: &[]*string{jsii.String(*domainArn + "/*")},
			}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(registrar, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("OpenSearch Service authorizes HTTP calls on the domain's sub-resources " +
			"(domain/<name>/_snapshot/..., index paths for restore); the wildcard is limited to this one domain, and " +
			"fine-grained access control (manage_snapshots role) decides what the caller may do."),
		AppliesTo: &[]any{cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::arn:.+:es:.+:domain\\/[a-z0-9-]+\\/\\*$/")}},
	}}, jsii.Bool(true))
	d.registry = registrar
}
