// Package charts builds the tiered OpenCTI Kubernetes manifests as cdk8s
// charts: a namespace chart (Namespace, ServiceAccounts, baseline
// NetworkPolicies, ExternalSecrets), a platform chart (the ui, connector-api
// and worker-api tiers; the worker-api pods run the workers beside their
// platform), with QueueScaling a scaling chart (the KEDA ScaledObject of the
// worker-api tier), connectors charts and an ingress chart.
//
// The package depends on cdk8s-core-go only (never on aws-cdk-go), so that
// rendering the manifests to YAML stays well under a second. A CDK stack
// attaches the charts returned by NewCharts with cluster.AddCdk8sChart, in the
// order of Charts.All; a team without CDK renders them with Render and applies
// the files with kubectl or GitOps.
//
// All input is a typed Props value; Validate reports every problem at once and
// defaults are resolved into a copy, never into the caller's value.
package charts
