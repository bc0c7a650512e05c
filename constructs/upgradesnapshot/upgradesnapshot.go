// Package upgradesnapshot takes a manual OpenSearch snapshot into the
// snapshot bucket before an OpenCTI upgrade: a Lambda-backed custom resource
// whose properties carry the OpenCTI version, so CloudFormation calls it on
// Update only when the version changes. Make the OpenCTI manifests depend on
// it and they are applied only once the snapshot has succeeded.
package upgradesnapshot

import (
	_ "embed"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/handlerlib"
	"github.com/opencti-ha/opencti-ha/internal/vpcprovider"
)

//go:embed handler.js
var handlerSourceRaw string

// handlerSource is handler.js as Lambda receives it: one file, with the shared code of
// internal/handlerlib in place of its require.
var handlerSource = handlerlib.Inline(handlerSourceRaw)

// ResourceType is the CloudFormation type of the snapshot custom resource.
const ResourceType = "Custom::OpenSearchUpgradeSnapshot"

// UpgradeSnapshot is the pre-upgrade snapshot. Add it as a dependency of the
// OpenCTI manifests: manifests.Node().AddDependency(snapshot). Every
// resource it creates is reachable from it.
type UpgradeSnapshot interface {
	constructs.Construct
	// Resource is the custom resource; its properties hold the version.
	Resource() awscdk.CustomResource
	// SnapshotName is the name of the snapshot the last version change took
	// ("" when none was taken).
	SnapshotName() *string
	// SecurityGroup is the functions' security group: admit it to the domain on 443.
	SecurityGroup() awsec2.ISecurityGroup
	// Role is the functions' role, mapped to the manage_snapshots backend role.
	Role() awsiam.IRole
	// LogsKey encrypts the functions', provider's and waiter's log groups.
	LogsKey() awskms.IKey
	// Functions are the onEvent and isComplete functions.
	Functions() []awslambda.IFunction
	// Provider is aws-cdk-lib's provider framework that calls them.
	Provider() customresources.Provider
}

type upgradeSnapshot struct {
	constructs.Construct
	resource awscdk.CustomResource
	key      awskms.IKey
	handler  *vpcprovider.Handler
}

func (u *upgradeSnapshot) Resource() awscdk.CustomResource      { return u.resource }
func (u *upgradeSnapshot) SecurityGroup() awsec2.ISecurityGroup { return u.handler.SecurityGroup }
func (u *upgradeSnapshot) Role() awsiam.IRole                   { return u.handler.Role }
func (u *upgradeSnapshot) LogsKey() awskms.IKey                 { return u.key }
func (u *upgradeSnapshot) Functions() []awslambda.IFunction {
	return []awslambda.IFunction{u.handler.OnEvent, u.handler.IsComplete}
}
func (u *upgradeSnapshot) Provider() customresources.Provider { return u.handler.Provider }
func (u *upgradeSnapshot) SnapshotName() *string {
	return u.resource.GetAttString(jsii.String("SnapshotName"))
}

// NewUpgradeSnapshot creates the functions, their provider and the custom
// resource. It panics with an *problems.InvalidProps, listing every invalid
// prop, before creating anything.
func NewUpgradeSnapshot(scope constructs.Construct, id string, props *UpgradeSnapshotProps) UpgradeSnapshot {
	r := props.withDefaults()
	problems.PanicIfInvalid("upgradesnapshot.NewUpgradeSnapshot", id, r.validate())
	u := &upgradeSnapshot{}
	constructs.NewConstruct_Override(u, scope, jsii.String(id))
	u.key = r.LogEncryptionKey
	if u.key == nil {
		u.key = secrets.NewLogsKey(u, "LogsKey", &secrets.LogsKeyProps{
			Description:   jsii.String("Encrypts the pre-upgrade snapshot log groups"),
			RemovalPolicy: r.RemovalPolicy,
			Grant:         &secrets.CloudWatchLogsGrant{StatementID: jsii.String("AllowCloudWatchLogs")},
		})
	}
	u.handler = vpcprovider.New(u, &vpcprovider.Props{
		Vpc:                      r.Vpc,
		Subnets:                  r.Subnets,
		SecurityGroup:            r.SecurityGroup,
		SecurityGroupDescription: "Pre-upgrade OpenSearch snapshot functions: HTTPS out only",
		DomainSecurityGroup:      r.DomainSecurityGroup,
		IngressDescription:       "HTTPS from the pre-upgrade snapshot functions",
		RoleDescription:          "Registers the OpenSearch snapshot repository and takes pre-upgrade snapshots",
		Secret:                   r.MasterUserSecret,
		Statements:               snapshotStatements(r),
		Source:                   handlerSource,
		OnEventDescription:       "Registers the OpenSearch snapshot repository and starts a pre-upgrade snapshot when the OpenCTI version changes",
		IsCompleteDescription:    "Waits for the pre-upgrade OpenSearch snapshot to succeed",
		FunctionTimeout:          awscdk.Duration_Minutes(jsii.Number(2)),
		TotalTimeout:             awscdk.Duration_Minutes(jsii.Number(r.timeoutMinutes)),
		LogRetention:             r.LogRetention,
		LogEncryptionKey:         u.key,
		RemovalPolicy:            r.RemovalPolicy,
	})

	u.resource = awscdk.NewCustomResource(u, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: u.handler.Provider.ServiceToken(),
		ResourceType: jsii.String(ResourceType),
		Properties: &map[string]any{
			"Version":             r.Version,
			"DomainEndpoint":      r.DomainEndpoint,
			"RepositoryName":      r.RepositoryName,
			"BucketName":          r.SnapshotBucket.BucketName(),
			"SnapshotRoleArn":     r.SnapshotRole.RoleArn(),
			"MasterUserSecretArn": r.MasterUserSecret.SecretArn(),
			"UsernameField":       opensearch.MasterUserSecretUsernameField,
			"PasswordField":       opensearch.MasterUserSecretPasswordField,
			"FunctionRoleArn":     u.handler.Role.RoleArn(),
			"Indices":             r.Indices,
		},
	})
	if u.handler.Ingress != nil {
		u.resource.Node().AddDependency(u.handler.Ingress)
	}
	// The role's policies must exist before the functions call anything.
	u.resource.Node().AddDependency(u.handler.Role)
	u.suppressNagFindings()
	return u
}
