// Package upgradesnapshot takes a manual OpenSearch snapshot into the
// snapshot bucket before an OpenCTI upgrade: a Lambda-backed custom resource
// whose properties carry the OpenCTI version, so CloudFormation calls it on
// Update only when the version changes. Make the OpenCTI manifests depend on
// it and they are applied only once the snapshot has succeeded.
package upgradesnapshot

import (
	_ "embed"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
)

//go:embed handler.js
var handlerSource string

// LambdaRuntime runs the functions: the latest Node.js in aws-cdk-lib
// 2.276 (cdk-nag AwsSolutions-L1 rejects older ones); its bundled AWS SDK v3
// is all the inline code uses.
var LambdaRuntime = awslambda.Runtime_NODEJS_24_X()

// ResourceType is the CloudFormation type of the snapshot custom resource.
const ResourceType = "Custom::OpenSearchUpgradeSnapshot"

// UpgradeSnapshot is the pre-upgrade snapshot. Add it as a dependency of the
// OpenCTI manifests: manifests.Node().AddDependency(snapshot).
type UpgradeSnapshot interface {
	constructs.IConstruct
	// Resource is the custom resource; its properties hold the version.
	Resource() awscdk.CustomResource
	// SnapshotName is the name of the snapshot the last version change took
	// ("" when none was taken).
	SnapshotName() *string
	// SecurityGroup is the functions' security group: admit it to the domain on 443.
	SecurityGroup() awsec2.ISecurityGroup
	// Role is the functions' role, mapped to the manage_snapshots backend role.
	Role() awsiam.IRole
}

type upgradeSnapshot struct {
	constructs.Construct
	resource awscdk.CustomResource
	sg       awsec2.ISecurityGroup
	role     awsiam.Role
	provider customresources.Provider
}

func (u *upgradeSnapshot) Resource() awscdk.CustomResource      { return u.resource }
func (u *upgradeSnapshot) SecurityGroup() awsec2.ISecurityGroup { return u.sg }
func (u *upgradeSnapshot) Role() awsiam.IRole                   { return u.role }
func (u *upgradeSnapshot) SnapshotName() *string {
	return u.resource.GetAttString(jsii.String("SnapshotName"))
}

// NewUpgradeSnapshot creates the functions, their provider and the custom
// resource. It panics with every invalid prop listed before creating anything.
func NewUpgradeSnapshot(scope constructs.Construct, id string, props *UpgradeSnapshotProps) UpgradeSnapshot {
	r := props.withDefaults()
	if err := r.validate(); err != nil {
		panic(fmt.Errorf("upgradesnapshot.NewUpgradeSnapshot %q: invalid props:\n%w", id, err))
	}
	u := &upgradeSnapshot{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	key := r.LogEncryptionKey
	if key == nil {
		key = newLogsKey(u.Construct, r.RemovalPolicy)
	}
	newLogs := func(id string) awslogs.LogGroup {
		return awslogs.NewLogGroup(u.Construct, jsii.String(id), &awslogs.LogGroupProps{
			Retention:     r.LogRetention,
			EncryptionKey: key,
			RemovalPolicy: r.RemovalPolicy,
		})
	}
	fnLogs := newLogs("FunctionLogs")

	u.sg = r.SecurityGroup
	if u.sg == nil {
		sg := awsec2.NewSecurityGroup(u.Construct, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              r.Vpc,
			Description:      jsii.String("Pre-upgrade OpenSearch snapshot functions: HTTPS out only"),
			AllowAllOutbound: jsii.Bool(false),
		})
		sg.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
			jsii.String("HTTPS to the OpenSearch domain and Secrets Manager"), jsii.Bool(false))
		u.sg = sg
	}
	var ingress awsec2.CfnSecurityGroupIngress
	if r.DomainSecurityGroup != nil {
		ingress = awsec2.NewCfnSecurityGroupIngress(u.Construct, jsii.String("DomainIngress"), &awsec2.CfnSecurityGroupIngressProps{
			GroupId:               r.DomainSecurityGroup.SecurityGroupId(),
			SourceSecurityGroupId: u.sg.SecurityGroupId(),
			IpProtocol:            jsii.String("tcp"),
			FromPort:              jsii.Number(opensearch.HTTPSPort),
			ToPort:                jsii.Number(opensearch.HTTPSPort),
			Description:           jsii.String("HTTPS from the pre-upgrade snapshot functions"),
		})
	}

	u.role = newRole(u.Construct, r, fnLogs)
	newFunction := func(id, handler, description string) awslambda.Function {
		return awslambda.NewFunction(u.Construct, jsii.String(id), &awslambda.FunctionProps{
			Description:    jsii.String(description),
			Runtime:        LambdaRuntime,
			Handler:        jsii.String("index." + handler),
			Code:           awslambda.Code_FromInline(jsii.String(handlerSource)),
			Timeout:        awscdk.Duration_Minutes(jsii.Number(2)),
			MemorySize:     jsii.Number(256),
			Role:           u.role,
			LogGroup:       fnLogs,
			Vpc:            r.Vpc,
			VpcSubnets:     r.Subnets,
			SecurityGroups: &[]awsec2.ISecurityGroup{u.sg},
		})
	}
	onEvent := newFunction("OnEventFunction", "onEvent",
		"Registers the OpenSearch snapshot repository and starts a pre-upgrade snapshot when the OpenCTI version changes")
	isComplete := newFunction("IsCompleteFunction", "isComplete",
		"Waits for the pre-upgrade OpenSearch snapshot to succeed")

	u.provider = customresources.NewProvider(u.Construct, jsii.String("Provider"), &customresources.ProviderProps{
		OnEventHandler:                   onEvent,
		IsCompleteHandler:                isComplete,
		QueryInterval:                    awscdk.Duration_Seconds(jsii.Number(30)),
		TotalTimeout:                     awscdk.Duration_Minutes(jsii.Number(r.timeoutMinutes)),
		LogGroup:                         newLogs("ProviderLogs"),
		DisableWaiterStateMachineLogging: jsii.Bool(false),
		WaiterStateMachineLogOptions: &customresources.LogOptions{
			Destination: newLogs("WaiterLogs"),
			Level:       awsstepfunctions.LogLevel_ALL,
		},
	})

	u.resource = awscdk.NewCustomResource(u.Construct, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: u.provider.ServiceToken(),
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
			"FunctionRoleArn":     u.role.RoleArn(),
			"Indices":             r.Indices,
		},
	})
	if ingress != nil {
		u.resource.Node().AddDependency(ingress)
	}
	// The role's policies must exist before the functions call anything.
	u.resource.Node().AddDependency(u.role)
	u.suppressNagFindings()
	return u
}

// newLogsKey creates the key of the log groups, usable by CloudWatch Logs.
func newLogsKey(scope constructs.Construct, removal awscdk.RemovalPolicy) awskms.IKey {
	stack := awscdk.Stack_Of(scope)
	key := awskms.NewKey(scope, jsii.String("LogsKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the pre-upgrade snapshot log groups"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchLogs"),
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": "arn:" + *stack.Partition() + ":logs:" + *stack.Region() + ":" + *stack.Account() + ":log-group:*",
		}},
	}), nil)
	return key
}
