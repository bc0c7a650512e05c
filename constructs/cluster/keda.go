package cluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/cluster/clusterspec"
)

// KEDA, the queue-depth autoscaler of the ingestion tier.
const (
	// KedaNamespace is where KEDA runs, and where the Secret with the
	// broker's credentials lives (KEDA may read Secrets there only).
	KedaNamespace = "keda"
	// KedaOperatorDeployment is the Deployment of KEDA's operator (the only
	// KEDA component that reads the broker).
	KedaOperatorDeployment = "keda-operator"
	// KedaChartRepository serves the keda Helm chart.
	KedaChartRepository = "https://kedacore.github.io/charts"
	// DefaultKedaChartVersion is the pinned chart (and KEDA) version.
	DefaultKedaChartVersion = clusterspec.DefaultKedaChartVersion
	// QueueScalerAuthenticationName names the ClusterTriggerAuthentication
	// of the rabbitmq trigger and the Secret it reads, in KedaNamespace
	// (the charts' DefaultQueueScalerAuthenticationName).
	QueueScalerAuthenticationName = "opencti-rabbitmq"
)

// addKeda installs KEDA from its pinned Helm chart on the ingestion pool
// (the operator reads the broker's management API, which admits only the
// workload security group the OpenCTI nodes carry), with read access to
// Secrets in its own namespace only, then the ExternalSecret that copies the
// broker user's credentials from Secrets Manager into that namespace and the
// ClusterTriggerAuthentication the ScaledObject names. No credential appears
// in a manifest.
func (c *cluster) addKeda(r *resolved) {
	replicas := r.kedaReplicas
	ha := replicas > 1
	pdb := map[string]any{}
	if ha {
		pdb = map[string]any{"minAvailable": 1}
	}
	spread := func(app string) []any {
		return []any{map[string]any{
			"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
			"labelSelector": map[string]any{"matchLabels": map[string]any{"app": app}},
		}}
	}
	c.keda = awseksv2.NewHelmChart(c.Construct, jsii.String("Keda"), &awseksv2.HelmChartProps{
		Cluster:         c.cluster,
		Chart:           jsii.String("keda"),
		Repository:      jsii.String(KedaChartRepository),
		Version:         jsii.String(r.kedaChartVersion),
		Release:         jsii.String("keda"),
		Namespace:       jsii.String(KedaNamespace),
		CreateNamespace: jsii.Bool(true),
		SkipCrds:        jsii.Bool(false),
		// Wait for the admission webhooks and the metrics API before anything
		// names a ScaledObject.
		Wait:    jsii.Bool(true),
		Timeout: awscdk.Duration_Minutes(jsii.Number(10)), // below the kubectl Lambda's 15-minute limit
		Values: &map[string]any{
			"crds":          map[string]any{"install": true},
			"operator":      map[string]any{"replicaCount": replicas},
			"webhooks":      map[string]any{"replicaCount": replicas},
			"metricsServer": map[string]any{"replicaCount": 1}, // one serves the external metrics API
			"podDisruptionBudget": map[string]any{
				"operator": pdb,
				"webhooks": pdb,
			},
			// The operator may read Secrets in its own namespace only
			// (templates/manager/minimal-rbac.yaml): the ClusterTriggerAuthentication
			// reads the broker credentials there.
			"permissions":  map[string]any{"operator": map[string]any{"restrict": map[string]any{"secret": true}}},
			"nodeSelector": map[string]any{PoolLabelKey: IngestionPool},
			"tolerations": []any{map[string]any{
				"key": PoolLabelKey, "operator": "Equal", "value": IngestionPool, "effect": "NoSchedule",
			}},
			"topologySpreadConstraints": map[string]any{
				"operator": spread("keda-operator"),
				"webhooks": spread("keda-admission-webhooks"),
			},
		},
	})
	// Its pods land on the ingestion pool.
	c.keda.Node().AddDependency(c.nodePools)

	secretStore := DefaultSecretStoreName
	externalSecret := map[string]any{
		"apiVersion": "external-secrets.io/v1",
		"kind":       "ExternalSecret",
		"metadata":   map[string]any{"name": QueueScalerAuthenticationName, "namespace": KedaNamespace},
		"spec": map[string]any{
			"refreshInterval": r.secretsRefresh,
			"secretStoreRef":  map[string]any{"kind": "ClusterSecretStore", "name": secretStore},
			"target":          map[string]any{"name": QueueScalerAuthenticationName, "creationPolicy": "Owner"},
			"data": []any{
				map[string]any{"secretKey": "username", "remoteRef": map[string]any{"key": r.queueScalerSecret, "property": r.queueScalerUsernameField}},
				map[string]any{"secretKey": "password", "remoteRef": map[string]any{"key": r.queueScalerSecret, "property": r.queueScalerPasswordField}},
			},
		},
	}
	auth := map[string]any{
		"apiVersion": "keda.sh/v1alpha1",
		"kind":       "ClusterTriggerAuthentication",
		"metadata":   map[string]any{"name": QueueScalerAuthenticationName},
		"spec": map[string]any{"secretTargetRef": []any{
			map[string]any{"parameter": "username", "name": QueueScalerAuthenticationName, "key": "username"},
			map[string]any{"parameter": "password", "name": QueueScalerAuthenticationName, "key": "password"},
		}},
	}
	c.queueScalerAuth = awseksv2.NewKubernetesManifest(c.Construct, jsii.String("QueueScalerAuthentication"), &awseksv2.KubernetesManifestProps{
		Cluster:   c.cluster,
		Manifest:  &[]*map[string]any{&externalSecret, &auth},
		Overwrite: jsii.Bool(true),
	})
	// KEDA's CRDs, and the store the ExternalSecret names (whose conditions
	// admit KedaNamespace).
	c.queueScalerAuth.Node().AddDependency(c.keda, c.secretStore)
}
