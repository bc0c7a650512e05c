package charts

import "fmt"

// Object names are a public contract (Services are addressed by them, the CDK
// stack binds Pod Identity to the ServiceAccount names): they never carry a
// hash and never change with the construct tree.
const (
	// UIName names the ui tier's Deployment, Service, PDB, HPA and NetworkPolicy.
	UIName = "opencti-ui"
	// ConnectorAPIName names the connector-api tier's objects.
	ConnectorAPIName = "opencti-connector-api"
	// WorkerAPIName names the worker-api (ingestion) tier's objects: its
	// Deployment (whose pods also run the workers, see WorkerDeploymentName),
	// Service, PDB, NetworkPolicy, HPA and ScaledObject.
	WorkerAPIName = "opencti-worker-api"
	// ConnectorNamePrefix prefixes every connector's object names.
	ConnectorNamePrefix = "opencti-connector-"
	// UIIngressName names the ui host's Ingress.
	UIIngressName = "opencti-ui"
	// APIIngressName names the api host's Ingress.
	APIIngressName = "opencti-api"
	// IdentitiesName names the identity provisioning's ServiceAccount, Role,
	// RoleBinding and NetworkPolicy.
	IdentitiesName = "opencti-identities"
)

// Ports of the OpenCTI containers and Services.
const (
	// PlatformPort is APP__PORT, the platform container's HTTP port.
	PlatformPort = 4000
	// PlatformLivenessPort is APP__LIVENESS_PORT, the port of OpenCTI's
	// liveness server (GET /health/liveness), which answers from the start of
	// the process, before initialization, without touching a data service.
	PlatformLivenessPort = 4001
	// PlatformLivenessPath is the liveness server's path.
	PlatformLivenessPath = "/health/liveness"
	// PlatformMetricsPort is the platform's Prometheus port
	// (APP__TELEMETRY__METRICS__EXPORTER_PROMETHEUS).
	PlatformMetricsPort = 14269
	// WorkerMetricsPort is WORKER_PROMETHEUS_TELEMETRY_PORT of the first
	// worker of a worker-api pod, also the port of its TCP probe; the i-th
	// worker uses WorkerMetricsPortOf(i).
	WorkerMetricsPort = 14270
	// ConnectorMetricsPort is CONNECTOR_METRICS_PORT (pycti's default).
	ConnectorMetricsPort = 9095
	// ServicePort is the HTTP port of the three platform Services.
	ServicePort = 80
)

// Chart IDs are stable construct IDs; Render names its files after them.
const (
	// NamespaceChartID is the ID of the namespace chart.
	NamespaceChartID = "Namespace"
	// PlatformChartID is the ID of the platform chart.
	PlatformChartID = "Platform"
	// IdentitiesChartID is the ID of the identities chart (the provisioning
	// Job's RBAC, the token Secrets); IdentitiesJobChartID of the chart of
	// the Job itself.
	IdentitiesChartID    = "Identities"
	IdentitiesJobChartID = IdentitiesChartID + "Job"
	// IdentitiesScriptChartID is the ID of the chart of the identities
	// program's script (before IdentitiesJobChartID).
	IdentitiesScriptChartID = IdentitiesChartID + "Script"
	// ScalingChartID is the ID of the chart that holds the worker-api
	// ScaledObject (with QueueScaling only; it needs KEDA's CRDs).
	ScalingChartID = "Scaling"
	// ConnectorsChartIDPrefix starts the IDs of the connectors charts
	// (see ConnectorsChartID).
	ConnectorsChartIDPrefix = "Connectors"
	// IngressChartID is the ID of the ingress chart.
	IngressChartID = "Ingress"
)

// ConnectorObjectName is the name of a connector's Deployment, PDB,
// NetworkPolicy and (with the "-secrets" suffix) Secret.
func ConnectorObjectName(connectorName string) string {
	return ConnectorNamePrefix + connectorName
}

// ServiceURL is the in-cluster URL of a platform tier's Service, e.g.
// http://opencti-worker-api.opencti.svc.cluster.local:80.
func ServiceURL(serviceName, namespace string) string {
	return fmt.Sprintf("http://%s.%s.svc.cluster.local:%d", serviceName, namespace, ServicePort)
}
