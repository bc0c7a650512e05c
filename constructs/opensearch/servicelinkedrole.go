package opensearch

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// The service-linked role a VPC domain needs: OpenSearch Service creates the
// domain's network interfaces with it. A fresh account does not have it, and
// a domain created through CloudFormation fails without it ("Before you can
// proceed, you must enable a service-linked role to give Amazon OpenSearch
// Service permissions to access your VPC").
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/slr-aos.html
const (
	ServiceLinkedRoleName    = "AWSServiceRoleForAmazonOpenSearchService"
	ServiceLinkedRoleService = "opensearchservice.amazonaws.com"
)

// ServiceLinkedRoleProps configures NewServiceLinkedRole.
type ServiceLinkedRoleProps struct {
	// LogGroup receives the logs of the function that makes the call (the
	// stack's single AwsCustomResource function). Default: a log group kept
	// for awslogs.RetentionDays_THREE_MONTHS and destroyed with the stack.
	LogGroup awslogs.ILogGroup
}

// NewServiceLinkedRole makes sure the account has the OpenSearch Service
// service-linked role, and never deletes it.
//
// It is an AwsCustomResource (aws-cdk-lib's own handler, no code of ours)
// calling iam:CreateServiceLinkedRole on create and update, with no call on
// delete. IAM answers InvalidInput ("Service role name
// AWSServiceRoleForAmazonOpenSearchService has been taken in this account")
// when the role exists; that code is ignored, so an account that already has
// the role, or a second deployment in the same account, succeeds. A
// CfnServiceLinkedRole would instead fail in such an account, and would delete
// the role, which every other VPC domain of the account needs, with its stack.
// The function may create only this role: iam:CreateServiceLinkedRole on the
// role's ARN with the condition iam:AWSServiceName, as the IAM documentation
// gives for service-linked role creation. Make the domain depend on the
// returned construct.
func NewServiceLinkedRole(scope constructs.Construct, id string, props *ServiceLinkedRoleProps) customresources.AwsCustomResource {
	p := ServiceLinkedRoleProps{}
	if props != nil {
		p = *props
	}
	stack := awscdk.Stack_Of(scope)
	roleArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
		ResourceName: jsii.String("aws-service-role/" + ServiceLinkedRoleService + "/" + ServiceLinkedRoleName),
	})
	call := &customresources.AwsSdkCall{
		Service: jsii.String("IAM"),
		Action:  jsii.String("CreateServiceLinkedRole"),
		Parameters: map[string]any{
			"AWSServiceName": ServiceLinkedRoleService,
			"Description":    "OpenSearch Service: network interfaces of VPC domains (created by opencti-ha)",
		},
		// The SDK v3 error name of IAM's InvalidInput code is
		// InvalidInputException; the handler matches this pattern against it.
		IgnoreErrorCodesMatching: jsii.String("^InvalidInput(Exception)?$"),
		PhysicalResourceId:       customresources.PhysicalResourceId_Of(jsii.String(ServiceLinkedRoleName)),
	}
	logGroup := p.LogGroup
	if logGroup == nil {
		logGroup = awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
			Retention:     awslogs.RetentionDays_THREE_MONTHS,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
	}
	cr := customresources.NewAwsCustomResource(scope, jsii.String(id), &customresources.AwsCustomResourceProps{
		ResourceType: jsii.String("Custom::OpenSearchServiceLinkedRole"),
		OnCreate:     call,
		// Also on update, in case the role was deleted by hand since.
		OnUpdate: call,
		// No OnDelete: the role outlives the stack (IAM refuses to delete it
		// anyway while a domain uses it).
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("iam:CreateServiceLinkedRole"),
				Resources: &[]*string{roleArn},
				Conditions: &map[string]any{
					"StringEquals": map[string]any{"iam:AWSServiceName": ServiceLinkedRoleService},
				},
			}),
		}),
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logGroup,
	})
	awsutil.SuppressCustomResourceFunctionFindings(stack, " (here iam:CreateServiceLinkedRole on one role)")
	return cr
}
