// Package kubectllayer provides the AWS Lambda layer with kubectl 1.34 and helm
// that the awseksv2 kubectl provider needs to apply manifests and Helm charts.
//
// The published Go binding github.com/cdklabs/awscdk-kubectl-go/kubectlv34/v2
// (v2.0.0, the only version served) does not compile against aws-cdk-go
// v2.276.0: it refers to awscdk.ResourceEnvironment, which moved to
// awscdk/v2/interfaces. Its jsii subpackage, which only embeds and loads the
// JavaScript tarball, does compile. This package loads that tarball and
// creates the jsii class @aws-cdk/lambda-layer-kubectl-v34.KubectlV34Layer
// through the jsii runtime itself, exposing it as an awslambda.ILayerVersion.
package kubectllayer

import (
	"reflect"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	_jsii_ "github.com/aws/jsii-runtime-go/runtime"
	kubectlv34jsii "github.com/cdklabs/awscdk-kubectl-go/kubectlv34/v2/jsii"
)

// Fqn is the jsii fully qualified name of the layer class.
const Fqn = "@aws-cdk/lambda-layer-kubectl-v34.KubectlV34Layer"

// KubernetesVersion is the Kubernetes minor version whose kubectl the layer
// ships. Pair the layer with clusters of this version (kubectl supports one
// minor version of skew either way).
const KubernetesVersion = "1.34"

// kubectlV34Layer is the Go view of the jsii class: a LayerVersion and nothing
// more (the class adds no members of its own).
type kubectlV34Layer interface {
	awslambda.LayerVersion
}

// jsiiProxy_kubectlV34Layer is the proxy the jsii runtime fills in. Its name
// must start with "jsiiProxy_" so that runtime.Create accepts a struct with no
// overriding methods.
type jsiiProxy_kubectlV34Layer struct {
	awslambda.LayerVersion
}

func init() {
	// Registration only records the Go type for the FQN; it does not start
	// Node.js. The same members as the generated binding (all inherited).
	_jsii_.RegisterClass(
		Fqn,
		reflect.TypeOf((*kubectlV34Layer)(nil)).Elem(),
		[]_jsii_.Member{
			_jsii_.MemberMethod{JsiiMethod: "addPermission", GoMethod: "AddPermission"},
			_jsii_.MemberMethod{JsiiMethod: "applyRemovalPolicy", GoMethod: "ApplyRemovalPolicy"},
			_jsii_.MemberProperty{JsiiProperty: "compatibleRuntimes", GoGetter: "CompatibleRuntimes"},
			_jsii_.MemberProperty{JsiiProperty: "env", GoGetter: "Env"},
			_jsii_.MemberMethod{JsiiMethod: "generatePhysicalName", GoMethod: "GeneratePhysicalName"},
			_jsii_.MemberMethod{JsiiMethod: "getResourceArnAttribute", GoMethod: "GetResourceArnAttribute"},
			_jsii_.MemberMethod{JsiiMethod: "getResourceNameAttribute", GoMethod: "GetResourceNameAttribute"},
			_jsii_.MemberProperty{JsiiProperty: "layerVersionArn", GoGetter: "LayerVersionArn"},
			_jsii_.MemberProperty{JsiiProperty: "node", GoGetter: "Node"},
			_jsii_.MemberProperty{JsiiProperty: "physicalName", GoGetter: "PhysicalName"},
			_jsii_.MemberProperty{JsiiProperty: "stack", GoGetter: "Stack"},
			_jsii_.MemberMethod{JsiiMethod: "toString", GoMethod: "ToString"},
		},
		func() interface{} {
			j := jsiiProxy_kubectlV34Layer{}
			_jsii_.InitJsiiProxy(&j.LayerVersion)
			return &j
		},
	)
}

// NewKubectlV34Layer creates the kubectl 1.34 + helm Lambda layer (an
// AWS::Lambda::LayerVersion whose content is a bundled CDK asset) under scope.
// Pass it as awseksv2.KubectlProviderOptions.KubectlLayer.
func NewKubectlV34Layer(scope constructs.Construct, id string) awslambda.ILayerVersion {
	kubectlv34jsii.Initialize()
	j := jsiiProxy_kubectlV34Layer{}
	_jsii_.Create(Fqn, []interface{}{scope, jsii.String(id)}, &j)
	return &j
}
