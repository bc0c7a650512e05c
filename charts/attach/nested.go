package attach

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"

	"github.com/opencti-ha/opencti-ha/charts"
)

// InlineConnectorsCharts is how many connectors charts (charts.ConnectorsPerChart
// connectors each, in list order) are attached in the stack itself; the
// charts after them go, ConnectorsChartsPerNestedStack at a time, to nested
// stacks (ConnectorsStackID), each a template of its own with its own
// CloudFormation limits. The stack's template then grows with the
// connectors only by the identities' share (a token Secret, a Role entry
// and a line of the Job's list per connector, about 0.7 KB), not by the
// connectors' manifests (about 9 KB each).
//
// The placement of a chart depends on its index only, never on how many
// connectors there are: appending a connector adds it to the last chart (or
// a new one) and never moves a chart, whose move would replace its
// manifest. Construct IDs inside a nested stack are those of the chart
// (IDPrefix + chart ID), as in the stack.
const InlineConnectorsCharts = 4

// ConnectorsChartsPerNestedStack is how many connectors charts one nested
// stack holds (64 connectors, about 600 KB, 60 % of a template's limit).
const ConnectorsChartsPerNestedStack = 8

// ConnectorsStackID is the construct ID of the k-th (1-based) nested stack of
// connectors charts: IDPrefix + "ConnectorsStack" + k.
func ConnectorsStackID(prefix string, k int) string {
	return fmt.Sprintf("%sConnectorsStack%d", prefix, k)
}

// connectorsPlacement returns, for each chart, the scope its manifest is
// created in: scope, or for the connectors charts after the first
// InlineConnectorsCharts the nested stack that holds them, created on first
// use.
func connectorsPlacement(scope constructs.Construct, prefix string, c *charts.Charts) func(cdk8s.Chart) constructs.Construct {
	index := map[cdk8s.Chart]int{}
	for i, ch := range c.Connectors {
		index[ch] = i
	}
	nested := map[int]awscdk.NestedStack{}
	return func(chart cdk8s.Chart) constructs.Construct {
		i, ok := index[chart]
		if !ok || i < InlineConnectorsCharts {
			return scope
		}
		k := (i-InlineConnectorsCharts)/ConnectorsChartsPerNestedStack + 1
		if n, ok := nested[k]; ok {
			return n
		}
		first := InlineConnectorsCharts + (k-1)*ConnectorsChartsPerNestedStack
		last := min(first+ConnectorsChartsPerNestedStack, len(c.Connectors))
		n := awscdk.NewNestedStack(scope, jsii.String(ConnectorsStackID(prefix, k)), &awscdk.NestedStackProps{
			Description: jsii.String(fmt.Sprintf("OpenCTI connectors charts %d to %d (connectors %d to %d of the list)",
				first+1, last, first*charts.ConnectorsPerChart+1, last*charts.ConnectorsPerChart)),
		})
		nested[k] = n
		return n
	}
}

// PreviouslyInlineConnectorsCharts is how many connectors charts a
// deployment made before nested stacks could hold in the stack itself: the
// stack's template passed CloudFormation's 1,000,000 bytes at about 120
// connectors (15 charts), so no deployed stack has more than 16.
const PreviouslyInlineConnectorsCharts = 16

// MovedChartConfigMap is the name of the ConfigMap that stands, in the
// stack, in the place of connectors chart chartID once the chart's manifest
// is in a nested stack (see tombstone).
func MovedChartConfigMap(chartID string) string {
	return "opencti-ha-moved-" + strings.ToLower(chartID)
}

// tombstone keeps, in the stack, the manifest construct of a connectors
// chart that a deployment made before nested stacks held there (index
// InlineConnectorsCharts to PreviouslyInlineConnectorsCharts-1), with the
// same construct ID and so the same logical ID and prune label, after the
// chart moved to a nested stack. Without it the upgrade would delete that
// resource, and the kubectl handler deletes a manifest's objects
// (`kubectl delete`) in CloudFormation's clean-up phase, after the nested
// stack applied them: every connector of the chart would be gone until
// someone re-applied it.
//
// With it the resource is updated instead, after the nested stack (it
// depends on it): the nested stack's manifest has applied the chart's
// objects with its own prune label, and a client-side `kubectl apply`
// removes a label that the last applied configuration had and the new one
// lacks, so the objects no longer carry this resource's label; its update,
// `kubectl apply --prune -l <its label>` of one small ConfigMap, prunes
// nothing of theirs. (aws-cdk-lib 2.276.0: aws-eks-v2 KubernetesManifest
// adds the prune label to every object of the manifest; the kubectl
// handler's update is `kubectl apply --prune -l <label>`.) In a new
// deployment it only creates the ConfigMap.
func tombstone(scope constructs.Construct, id string, cluster awseksv2.ICluster, namespace string, chartID string, after constructs.IConstruct) awseksv2.KubernetesManifest {
	t := awseksv2.NewKubernetesManifest(scope, jsii.String(id), &awseksv2.KubernetesManifestProps{
		Cluster: cluster,
		Manifest: &[]*map[string]any{{
			"apiVersion": "v1",
			"kind":       "ConfigMap",
			"metadata": map[string]any{
				"name":      MovedChartConfigMap(chartID),
				"namespace": namespace,
				"labels":    map[string]any{"app.kubernetes.io/managed-by": "opencti-ha"},
			},
			"data": map[string]any{
				"movedTo": "the nested stack of connectors chart " + chartID,
			},
		}},
		Overwrite: jsii.Bool(true),
		Prune:     jsii.Bool(true),
	})
	t.Node().AddDependency(after)
	return t
}
