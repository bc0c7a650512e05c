package charts

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	"github.com/google/uuid"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// connectorIDNamespace is the fixed namespace of DeriveConnectorID. Changing
// it changes every derived CONNECTOR_ID: never do.
var connectorIDNamespace = uuid.MustParse("a26a072b-f84a-405b-b77b-c20501ba896c")

// DeriveConnectorID is the default CONNECTOR_ID of a connector named name:
// the name-based SHA-1 UUID (RFC 9562 version 5) of
// "opencti-ha/connector/<name>" in a fixed namespace, with its version bits
// then set to 4 because OpenCTI requires a UUIDv4. The result depends on the
// name only, so it is the same on every synth, in every environment.
func DeriveConnectorID(name string) string {
	id := uuid.NewSHA1(connectorIDNamespace, []byte("opencti-ha/connector/"+name))
	id[6] = (id[6] & 0x0f) | 0x40 // version 4; NewSHA1 already set the RFC 4122 variant
	return id.String()
}

// ImportDocumentWorkDir is the working directory of the import-document
// image (WORKDIR and HOME in internal-import-file/import-document/Dockerfile,
// connectors release 7.260817.0): the connector writes each downloaded file
// there under its relative name (reportimporter/core.py) before parsing it.
const ImportDocumentWorkDir = "/opt/opencti-connector-import-document"

// DefaultConnectors returns the five built-in connectors a platform needs for
// file import and export (REFERENCE.md), with derived IDs. Import connectors
// validate bundles before import and import automatically; import-document
// gets its working directory writable (see ConnectorProps.WritableDir). The
// other four write nothing but pycti's temporary files, which go to /tmp.
func DefaultConnectors() []ConnectorProps {
	validate := map[string]string{"CONNECTOR_VALIDATE_BEFORE_IMPORT": "true"}
	return []ConnectorProps{
		{Name: "export-file-stix", Type: "INTERNAL_EXPORT_FILE", ConnectorName: "ExportFileStix2", Scope: "application/json"},
		{Name: "export-file-csv", Type: "INTERNAL_EXPORT_FILE", ConnectorName: "ExportFileCsv", Scope: "text/csv"},
		{Name: "export-file-txt", Type: "INTERNAL_EXPORT_FILE", ConnectorName: "ExportFileTxt", Scope: "text/plain"},
		{Name: "import-file-stix", Type: "INTERNAL_IMPORT_FILE", ConnectorName: "ImportFileStix",
			Scope: "application/json,text/xml", Auto: ptr(true), Env: cloneMap(validate)},
		{Name: "import-document", Type: "INTERNAL_IMPORT_FILE", ConnectorName: "ImportDocument",
			Scope: "application/pdf,text/plain,text/html", Auto: ptr(true), Env: cloneMap(validate),
			WritableDir: ptr(ImportDocumentWorkDir)},
	}
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ConnectorsPerChart is how many connectors one connectors chart holds, so
// each chart stays well under 100 KB (about 7.7 KB per connector). Connectors
// are packed in list order: append new connectors at the end, so existing
// ones keep their chart.
const ConnectorsPerChart = 8

// ConnectorsChartID is the ID of the i-th (0-based) connectors chart:
// "Connectors", "Connectors2", "Connectors3", ...
func ConnectorsChartID(i int) string {
	if i == 0 {
		return ConnectorsChartIDPrefix
	}
	return fmt.Sprintf("%s%d", ConnectorsChartIDPrefix, i+1)
}

// NewConnectorsCharts creates, per connector, a Deployment
// (OPENCTI_URL = the connector-api Service), a PodDisruptionBudget and the
// ExternalSecret of its own Secret,
// ConnectorsPerChart connectors per chart (IDs from ConnectorsChartID); the
// first chart also holds the NetworkPolicy of all connectors. With no
// connector it returns no chart.
func NewConnectorsCharts(scope constructs.Construct, props *Props) ([]cdk8s.Chart, error) {
	if err := props.Validate(); err != nil {
		return nil, err
	}
	return newConnectorsCharts(scope, props.withDefaults()), nil
}

func newConnectorsCharts(scope constructs.Construct, p *Props) []cdk8s.Chart {
	var out []cdk8s.Chart
	for i, batch := range slices.Collect(slices.Chunk(p.Connectors, ConnectorsPerChart)) {
		chart := newChart(scope, ConnectorsChartID(i), p)
		if i == 0 {
			addConnectorNetworkPolicy(chart, p)
		}
		for i := range batch {
			addConnector(chart, p, &batch[i])
		}
		out = append(out, chart)
	}
	return out
}

func addConnector(chart constructs.Construct, p *Props, c *ConnectorProps) {
	ns := *p.Namespace
	name := ConnectorObjectName(c.Name)
	secret := ConnectorSecretName(c.Name)
	sel := selectorLabels(ComponentConnector, c.Name)
	labels := objectLabels(p, ComponentConnector, c.Name)
	platformURL := ServiceURL(ConnectorAPIName, ns)

	env := []corev1.EnvVar{
		envValue("OPENCTI_URL", platformURL),
		connectorTokenEnv(p, c),
		envValue("CONNECTOR_ID", *c.ID),
		envValue("CONNECTOR_TYPE", c.Type),
		envValue("CONNECTOR_NAME", c.ConnectorName),
	}
	if c.Scope != "" {
		env = append(env, envValue("CONNECTOR_SCOPE", c.Scope))
	}
	if c.Auto != nil {
		env = append(env, envValue("CONNECTOR_AUTO", strconv.FormatBool(*c.Auto)))
	}
	env = append(env,
		envValue("CONNECTOR_LOG_LEVEL", *p.LogLevel),
		envValue(envMQVerify, "true"),
	)
	writes := []scratchVolume{tmpVolume}
	initContainers := []corev1.Container{}
	if c.WritableDir != nil {
		dir := scratchVolume{name: "writable-dir", path: *c.WritableDir}
		writes = append(writes, dir)
		initContainers = append(initContainers, copyWritableDir(p, c, dir))
	}
	initContainers = append(initContainers, waitForPlatform(p, platformURL, secret))
	waitToken, tokenVolumes := tokenWait(p, connectorTokenConsumer(c).secret)
	initContainers = append(initContainers, waitToken...)
	container := corev1.Container{
		Name:            "connector",
		Image:           image(p, "connector-"+c.Name),
		Resources:       c.Resources.requirements(),
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    volumeMounts(writes),
	}
	if *c.ExposeMetrics {
		env = append(env,
			envValue("CONNECTOR_EXPOSE_METRICS", "true"),
			envValue("CONNECTOR_METRICS_PORT", strconv.Itoa(ConnectorMetricsPort)))
		container.Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: ConnectorMetricsPort, Protocol: corev1.ProtocolTCP}}
		// pycti opens the metrics listener when the helper starts: it is the
		// connector's liveness signal (connectors have no health endpoint).
		container.StartupProbe = tcpProbe(ConnectorMetricsPort, 5, 24)
		container.ReadinessProbe = tcpProbe(ConnectorMetricsPort, 10, 3)
		container.LivenessProbe = tcpProbe(ConnectorMetricsPort, 15, 4)
	}
	env = withExtraEnv(env, c.Env)
	for _, k := range sortedKeys(c.SecretEnv) {
		env = append(env, envSecret(k, secret, k))
	}
	container.Env = env

	object{
		apiVersion: "apps/v1", kind: "Deployment", name: name, namespace: ns, labels: labels,
		fields: map[string]any{"spec": appsv1.DeploymentSpec{
			Replicas:             c.Replicas,
			Selector:             &metav1.LabelSelector{MatchLabels: sel},
			Strategy:             rollingUpdate(0),
			RevisionHistoryLimit: ptr(int32(5)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: podSpec(p, *p.NodePools.Ingestion, *p.ServiceAccounts.Connector, sel, 30,
					initContainers, []corev1.Container{container}, writes, tokenVolumes...),
			},
		}},
	}.add(p, chart, "Connector-"+c.Name+"-Deployment")
	addPDB(chart, p, "Connector-"+c.Name+"-Pdb", name, labels, sel)
	addExternalSecret(chart, p, connectorSecretSpec(p, *c))
}

// writableDirMount is where copyWritableDir mounts the emptyDir it fills.
const writableDirMount = "/writable"

// copyWritableDir copies a connector's WritableDir from its image into the
// emptyDir the connector then mounts at the same path: the connector keeps
// its code and files and can write beside them, the root file system stays
// read-only. cp -R (busybox in the python:alpine connector images) copies
// without preserving ownership, so the files belong to the pod's user.
func copyWritableDir(p *Props, c *ConnectorProps, dir scratchVolume) corev1.Container {
	return corev1.Container{
		Name:            "copy-writable-dir",
		Image:           image(p, "connector-"+c.Name),
		Command:         []string{"cp", "-R", dir.path + "/.", writableDirMount + "/"},
		Resources:       Resources{RequestsCPU: "10m", RequestsMemory: "32Mi", LimitsCPU: "200m", LimitsMemory: "64Mi"}.requirements(),
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    []corev1.VolumeMount{{Name: dir.name, MountPath: writableDirMount}},
	}
}
