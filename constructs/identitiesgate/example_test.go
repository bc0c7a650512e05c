package identitiesgate_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts/identities"
	"github.com/opencti-ha/opencti-ha/constructs/identitiesgate"
)

// ExampleNewIdentitiesGate waits for an identities Job (the values of
// charts.Charts.Provisioning; charts/attach does this for every chart set)
// before the connectors' manifest is applied.
func ExampleNewIdentitiesGate() {
	// Any App works; this one skips aws-cdk-lib's template validation only
	// because go test runs the example (testutil.NewApp says why).
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("OpenCTI"), nil)
	cluster := importedCluster(stack, "Cluster")
	jobManifest := awseksv2.NewKubernetesManifest(stack, jsii.String("IdentitiesJob"), &awseksv2.KubernetesManifestProps{
		Cluster: cluster, Manifest: &[]*map[string]any{{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"}}},
	})
	gate := identitiesgate.NewIdentitiesGate(stack, "IdentitiesGate", &identitiesgate.IdentitiesGateProps{
		Cluster:   cluster,
		Namespace: "opencti",
		JobName:   "opencti-identities-0a1b2c3d4e",
		Relays:    identities.Relays(1800 + 1800 + 600), // the Job's activeDeadlineSeconds
	})
	gate.Node().AddDependency(jobManifest)
	connectors := awseksv2.NewKubernetesManifest(stack, jsii.String("Connectors"), &awseksv2.KubernetesManifestProps{
		Cluster: cluster, Manifest: &[]*map[string]any{{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "y"}}},
	})
	connectors.Node().AddDependency(gate)
	fmt.Println(len(gate.Lookups()), "lookups, then the verdict", *gate.Resource().Node().Id())
	// Output: 8 lookups, then the verdict Resource
}
