package monitoring

import (
	_ "embed"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

//go:embed lblookup.js
var lookupSource string

// lookupWaitSeconds is how long the look-up waits for the controller to
// create a load balancer; the function's timeout leaves a minute on top.
const lookupWaitSeconds = 600

// LambdaRuntime runs the functions of this package (and of upgradesnapshot):
// the latest Node.js the Lambda service offers in aws-cdk-lib 2.276; its
// bundled AWS SDK v3 is all the inline code uses.
var LambdaRuntime = awslambda.Runtime_NODEJS_24_X()

// albLookup is the function and provider that resolve load balancer names.
type albLookup struct {
	scope    constructs.Construct
	fn       awslambda.Function
	role     awsiam.Role
	provider customresources.Provider
}

// newALBLookup creates the look-up function (own role and log group) and its
// provider under scope.
func (m *monitoring) newALBLookup(scope constructs.Construct) *albLookup {
	logs := awslogs.NewLogGroup(scope, jsii.String("LookupLogs"), &awslogs.LogGroupProps{
		Retention:     m.r.LogRetention,
		EncryptionKey: m.key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	providerLogs := awslogs.NewLogGroup(scope, jsii.String("LookupProviderLogs"), &awslogs.LogGroupProps{
		Retention:     m.r.LogRetention,
		EncryptionKey: m.key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(scope, jsii.String("LookupRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Looks up the OpenCTI load balancers by name for their CloudWatch alarms"),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn()},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DescribeLoadBalancers"),
		Actions:   jsii.Strings("elasticloadbalancing:DescribeLoadBalancers"),
		Resources: jsii.Strings("*"),
	}))
	fn := awslambda.NewFunction(scope, jsii.String("LookupFunction"), &awslambda.FunctionProps{
		Description: jsii.String("Resolves OpenCTI load balancer names to their CloudWatch LoadBalancer dimension"),
		Runtime:     LambdaRuntime,
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(lookupSource)),
		Timeout:     awscdk.Duration_Seconds(jsii.Number(lookupWaitSeconds + 60)),
		MemorySize:  jsii.Number(256),
		Role:        role,
		LogGroup:    logs,
	})
	provider := customresources.NewProvider(scope, jsii.String("LookupProvider"), &customresources.ProviderProps{
		OnEventHandler: fn,
		LogGroup:       providerLogs,
	})
	return &albLookup{scope: scope, fn: fn, role: role, provider: provider}
}

// resolve adds the custom resource that looks lbName up and returns the
// CloudWatch LoadBalancer dimension value ("app/<name>/<id>") as a token.
// revision is a property: changing it makes CloudFormation look up again.
func (l *albLookup) resolve(id, lbName, revision string) *string {
	cr := awscdk.NewCustomResource(l.scope, jsii.String(id), &awscdk.CustomResourceProps{
		ServiceToken: l.provider.ServiceToken(),
		ResourceType: jsii.String("Custom::LoadBalancerLookup"),
		Properties: &map[string]any{
			"LoadBalancerName": lbName,
			"WaitSeconds":      strconv.Itoa(lookupWaitSeconds),
			"Revision":         revision,
		},
	})
	return cr.GetAttString(jsii.String("Dimension"))
}
