// Package identitiesgate makes a CloudFormation deploy wait for the OpenCTI
// identities Job (charts/identities) and fail, with the Job's own message,
// when it fails: the manifests that depend on the gate (the connectors; in
// charts/attach also the scaling and ingress charts) are applied only after
// the Job has provisioned their tokens.
//
// The Job records its progress in its status ConfigMap (relay keys, see
// charts/identities). The gate reads them in order with a chain of
// KubernetesObjectValue lookups through the cluster's kubectl provider: each
// lookup runs in that provider's Lambda function, which stops after 15
// minutes, so one lookup waits at most RelayTimeout (13 minutes) for its key
// and the Job writes a key every 10 minutes while it runs, however long its
// wait for OpenCTI's first start or for rollouts takes. The last relay key
// holds the Job's result; a small function (the verdict) fails the deploy
// with it unless the Job succeeded. It needs no network access to the
// cluster and no Kubernetes or AWS permission of its own.
package identitiesgate

import (
	_ "embed"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts/identities"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

//go:embed handler.js
var handlerSource string

// ResourceType is the CloudFormation type of the verdict custom resource.
const ResourceType = "Custom::OpenCTIIdentitiesGate"

// IdentitiesGate is the wait for the identities Job. Make what must run after
// a successful Job depend on it (its verdict resource); every resource it
// creates is reachable from it.
type IdentitiesGate interface {
	constructs.Construct
	// Resource is the verdict custom resource: it fails the deploy unless the
	// Job succeeded.
	Resource() awscdk.CustomResource
	// Lookups are the relay lookups, in the order they wait.
	Lookups() []awseksv2.KubernetesObjectValue
	// Result is the Job's summary ("identities Job <ns>/<name>: succeeded:
	// ...") once it succeeded.
	Result() *string
	// Function is the verdict function, Role its role, LogGroup its logs.
	Function() awslambda.IFunction
	Role() awsiam.IRole
	LogGroup() awslogs.ILogGroup
}

type gate struct {
	constructs.Construct
	resource awscdk.CustomResource
	lookups  []awseksv2.KubernetesObjectValue
	fn       awslambda.Function
	role     awsiam.Role
	logs     awslogs.LogGroup
}

func (g *gate) Resource() awscdk.CustomResource           { return g.resource }
func (g *gate) Lookups() []awseksv2.KubernetesObjectValue { return g.lookups }
func (g *gate) Function() awslambda.IFunction             { return g.fn }
func (g *gate) Role() awsiam.IRole                        { return g.role }
func (g *gate) LogGroup() awslogs.ILogGroup               { return g.logs }
func (g *gate) Result() *string {
	return g.resource.GetAttString(jsii.String("Result"))
}

// NewIdentitiesGate creates, in this order, the lookups "Relay1" ...
// "Relay<Relays>" (each after the one before), the verdict function
// ("FunctionLogs", "Role", "Function") and the verdict custom resource
// "Resource", whose only Kubernetes input is the last relay's value. Add the
// identities Job's manifest as a dependency of the gate (gate.Node().
// AddDependency) so the first lookup starts once the Job exists. It panics
// with an *problems.InvalidProps, listing every invalid prop, before
// creating anything.
func NewIdentitiesGate(scope constructs.Construct, id string, props *IdentitiesGateProps) IdentitiesGate {
	r := props.withDefaults()
	problems.PanicIfInvalid("identitiesgate.NewIdentitiesGate", id, r.validate())
	g := &gate{}
	constructs.NewConstruct_Override(g, scope, jsii.String(id))

	var prev constructs.IConstruct
	for i := 1; i <= r.Relays; i++ {
		l := awseksv2.NewKubernetesObjectValue(g, jsii.String(fmt.Sprintf("Relay%d", i)), &awseksv2.KubernetesObjectValueProps{
			Cluster:         r.Cluster,
			ObjectType:      jsii.String("configmap"),
			ObjectName:      r.StatusConfigMap,
			ObjectNamespace: jsii.String(r.Namespace),
			JsonPath:        jsii.String(".data." + identities.RelayKey(i)),
			Timeout:         awscdk.Duration_Seconds(jsii.Number(r.relaySeconds)),
		})
		if prev != nil {
			l.Node().AddDependency(prev)
		}
		prev = l
		g.lookups = append(g.lookups, l)
	}

	g.logs = awslogs.NewLogGroup(g, jsii.String("FunctionLogs"), &awslogs.LogGroupProps{
		Retention:     r.LogRetention,
		RemovalPolicy: r.RemovalPolicy,
	})
	g.role = awsiam.NewRole(g, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Judges the OpenCTI identities Job's result for the deploy: its own logs only"),
	})
	g.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{g.logs.LogGroupArn()},
	}))
	g.fn = awslambda.NewFunction(g, jsii.String("Function"), &awslambda.FunctionProps{
		Description: jsii.String("Fails the deploy with the OpenCTI identities Job's message unless the Job succeeded"),
		Runtime:     awsutil.LambdaRuntime(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(handlerSource)),
		Timeout:     awscdk.Duration_Seconds(jsii.Number(30)),
		MemorySize:  jsii.Number(128),
		Role:        g.role,
		LogGroup:    g.logs,
	})
	last := g.lookups[len(g.lookups)-1]
	g.resource = awscdk.NewCustomResource(g, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken:   g.fn.FunctionArn(),
		ResourceType:   jsii.String(ResourceType),
		ServiceTimeout: awscdk.Duration_Minutes(jsii.Number(2)),
		Properties: &map[string]any{
			"Namespace": r.Namespace,
			"JobName":   r.JobName,
			"Result":    last.Value(),
		},
	})
	g.resource.Node().AddDependency(last, g.role)
	return g
}
