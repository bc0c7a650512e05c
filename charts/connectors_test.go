package charts_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/opencti-ha/opencti-ha/charts"
)

func TestDefaultConnectorsMatchReference(t *testing.T) {
	want := map[string][3]string{ // name -> type, CONNECTOR_NAME, scope
		"export-file-stix": {"INTERNAL_EXPORT_FILE", "ExportFileStix2", "application/json"},
		"export-file-csv":  {"INTERNAL_EXPORT_FILE", "ExportFileCsv", "text/csv"},
		"export-file-txt":  {"INTERNAL_EXPORT_FILE", "ExportFileTxt", "text/plain"},
		"import-file-stix": {"INTERNAL_IMPORT_FILE", "ImportFileStix", "application/json,text/xml"},
		"import-document":  {"INTERNAL_IMPORT_FILE", "ImportDocument", "application/pdf,text/plain,text/html"},
	}
	if got := len(defaults.find("Deployment", "")); got != 3+5 {
		t.Errorf("%d Deployments, want 3 platforms (worker-api with its workers) + 5 connectors", got)
	}
	for name, w := range want {
		dep := defaults.deployment(t, charts.ConnectorObjectName(name))
		c := dep.Spec.Template.Spec.Containers[0]
		if c.Image != "opencti/connector-"+name+":7.260817.0" {
			t.Errorf("%s: image %s", name, c.Image)
		}
		env := envOf(t, c)
		for k, v := range map[string]string{"CONNECTOR_TYPE": w[0], "CONNECTOR_NAME": w[1], "CONNECTOR_SCOPE": w[2],
			"OPENCTI_URL": connAPIURL, "CONNECTOR_EXPOSE_METRICS": "true", "MQ_USE_SSL_REJECT_UNAUTHORIZED": "true"} {
			if got := value(t, env, k); got != v {
				t.Errorf("%s: %s=%q, want %q", name, k, got, v)
			}
		}
		if auto, has := env["CONNECTOR_AUTO"]; (w[0] == "INTERNAL_IMPORT_FILE") != (has && auto.Value == "true") {
			t.Errorf("%s: CONNECTOR_AUTO=%+v", name, auto)
		}
		if e := env["OPENCTI_TOKEN"]; e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != charts.ConnectorTokenSecretName(name) {
			t.Errorf("%s: OPENCTI_TOKEN = %+v, want its own token Secret", name, e)
		}
		if *dep.Spec.Replicas != 1 {
			t.Errorf("%s: replicas %d, want 1", name, *dep.Spec.Replicas)
		}
		if c.LivenessProbe == nil || c.LivenessProbe.TCPSocket.Port.IntVal != charts.ConnectorMetricsPort {
			t.Errorf("%s: liveness %+v, want TCP %d", name, c.LivenessProbe, charts.ConnectorMetricsPort)
		}
		assertWaitsOnHealth(t, dep, connAPIURL, charts.ConnectorSecretName(name))
		assertWaitsForToken(t, dep, charts.ConnectorTokenSecretName(name))
		// Only import-document writes outside /tmp (its working directory).
		mounts := map[string]string{}
		for _, m := range c.VolumeMounts {
			mounts[m.MountPath] = m.Name
		}
		wantMounts := map[string]string{"/tmp": "tmp"}
		if name == "import-document" {
			wantMounts[charts.ImportDocumentWorkDir] = "writable-dir"
		}
		if !reflect.DeepEqual(mounts, wantMounts) {
			t.Errorf("%s: writable mounts %v, want %v", name, mounts, wantMounts)
		}
	}
	defaults.one(t, "Service", charts.ConnectorAPIName)
}

// TestImportDocumentWorkDirIsWritable: the connector writes each downloaded
// file into its working directory, so an init container copies that
// directory from the image into an emptyDir mounted back at the same path.
func TestImportDocumentWorkDirIsWritable(t *testing.T) {
	spec := defaults.deployment(t, charts.ConnectorObjectName("import-document")).Spec.Template.Spec
	if got := initNames(spec); !reflect.DeepEqual(got, []string{"copy-writable-dir", "wait-for-platform", "wait-for-token"}) {
		t.Fatalf("init containers %v, want copy-writable-dir, wait-for-platform, wait-for-token", got)
	}
	cp := spec.InitContainers[0]
	if cp.Name != "copy-writable-dir" || cp.Image != "opencti/connector-import-document:7.260817.0" ||
		strings.Join(cp.Command, " ") != "cp -R /opt/opencti-connector-import-document/. /writable/" ||
		len(cp.VolumeMounts) != 1 || cp.VolumeMounts[0].Name != "writable-dir" || cp.VolumeMounts[0].MountPath != "/writable" ||
		!*cp.SecurityContext.ReadOnlyRootFilesystem {
		t.Errorf("copy init container %+v", cp)
	}
	found := false
	for _, v := range spec.Volumes {
		found = found || (v.Name == "writable-dir" && v.EmptyDir != nil)
	}
	if !found {
		t.Errorf("no writable-dir emptyDir in %+v", spec.Volumes)
	}
	if c := spec.Containers[0]; !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("the connector's root file system is writable")
	}
}

func TestConnectorIDsAreStableUUIDv4(t *testing.T) {
	ids := map[string]string{}
	for _, s := range []synthesized{defaults, again} {
		for _, dep := range s.deployments(t) {
			if !isConnector(dep) {
				continue
			}
			id := value(t, envOf(t, dep.Spec.Template.Spec.Containers[0]), "CONNECTOR_ID")
			u, err := uuid.Parse(id)
			if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != id {
				t.Errorf("%s: CONNECTOR_ID %q is not a canonical UUIDv4", dep.Name, id)
			}
			if prev, seen := ids[dep.Name]; seen && prev != id {
				t.Errorf("%s: CONNECTOR_ID changed between two synths: %s then %s", dep.Name, prev, id)
			}
			ids[dep.Name] = id
		}
	}
	if len(ids) != 5 {
		t.Fatalf("found %d connectors, want 5", len(ids))
	}
	// Golden value: the derivation must never change, or every deployed
	// connector would register as a new one.
	if got, want := ids["opencti-connector-export-file-stix"], charts.DeriveConnectorID("export-file-stix"); got != want {
		t.Errorf("export-file-stix ID %s, want DeriveConnectorID = %s", got, want)
	}
	if got := charts.DeriveConnectorID("export-file-stix"); got != goldenExportFileStixID {
		t.Errorf("DeriveConnectorID(export-file-stix) = %s, want the golden %s", got, goldenExportFileStixID)
	}
	unique := map[string]bool{}
	for _, id := range ids {
		unique[id] = true
	}
	if len(unique) != len(ids) {
		t.Errorf("connector IDs are not unique: %v", ids)
	}
}

// goldenExportFileStixID was computed independently (Python: uuid5 of the
// fixed namespace, then version bits set to 4).
const goldenExportFileStixID = "e502249b-300a-44a0-8c45-fd8a77d7ff61"

func TestConnectorExplicitIDEnvAndSecrets(t *testing.T) {
	dep := large.deployment(t, charts.ConnectorObjectName("feed-07"))
	c := dep.Spec.Template.Spec.Containers[0]
	var names []string
	for _, e := range c.Env {
		names = append(names, e.Name)
	}
	i, j := slices.Index(names, "FEED_INTERVAL"), slices.Index(names, "FEED_URL")
	if i < 0 || j != i+1 {
		t.Errorf("Env not rendered sorted: %q", names)
	}
	env := envOf(t, c)
	if e := env["FEED_API_KEY"]; e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != charts.ConnectorSecretName("feed-07") ||
		e.ValueFrom.SecretKeyRef.Key != "FEED_API_KEY" {
		t.Errorf("SecretEnv FEED_API_KEY = %+v", e)
	}
	if _, has := env["CONNECTOR_AUTO"]; has {
		t.Error("EXTERNAL_IMPORT connector got CONNECTOR_AUTO by default")
	}
	p := validProps()
	p.Connectors = []charts.ConnectorProps{{Name: "misp", ID: new("0d4f5f0e-7a5b-4c3d-9e8f-1a2b3c4d5e6f"),
		Type: "EXTERNAL_IMPORT", ConnectorName: "MISP", ExposeMetrics: new(false)}}
	layout, err := charts.SecretLayout(p)
	if err != nil {
		t.Fatal(err)
	}
	if last := layout[len(layout)-1]; last.Name != "opencti-connector-misp-secrets" {
		t.Errorf("connector Secret %s", last.Name)
	}
	// Connector charts hold ConnectorsPerChart connectors each, in list order.
	if n := len(large.charts.Connectors); n != (30+charts.ConnectorsPerChart-1)/charts.ConnectorsPerChart {
		t.Errorf("%d connectors charts for 30 connectors", n)
	}
	if d := large.one(t, "Deployment", charts.ConnectorObjectName("feed-07")); d.Chart != charts.ConnectorsChartID(0) {
		t.Errorf("the 8th connector is in %s, want %s", d.Chart, charts.ConnectorsChartID(0))
	}
	if d := large.one(t, "Deployment", charts.ConnectorObjectName("feed-08")); d.Chart != charts.ConnectorsChartID(1) {
		t.Errorf("the 9th connector is in %s, want %s", d.Chart, charts.ConnectorsChartID(1))
	}
}
