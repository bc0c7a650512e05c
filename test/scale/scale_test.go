// Package scale synthesizes the catalogue-sized deployment once (prod, 300
// external-import connectors, 10 replicas per platform tier) and checks that
// every template and manifest stays under CloudFormation's and the kubectl
// handler's limits with 20 % headroom. That the entry point refuses a
// configuration that would cross one is tested in test/cli.
package scale

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/e2e"
	"github.com/opencti-ha/opencti-ha/internal/scaleconfig"
	"github.com/opencti-ha/opencti-ha/stacks"
)

const (
	connectors = 300
	replicas   = 10
	headroom   = 0.8 // at most 80 % of each limit
)

var (
	outdir  string
	drivers map[string]string
)

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		tmp, err := os.MkdirTemp("", "opencti-ha-scale-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		path := filepath.Join(tmp, "scale.yaml")
		if err := os.WriteFile(path, []byte(scaleconfig.YAML(connectors, replicas)), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cfg, err := config.Load("", path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		drivers = stacks.LimitDrivers(cfg)
		outdir = filepath.Join(tmp, "assembly")
		app, err := cdkapp.New(outdir, true)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		stacks.NewOpenCTIApp(app, cfg)
		cdkapp.AddNag(app)
		if errs := cdkapp.Errors(app.Synth(nil)); len(errs) > 0 {
			fmt.Fprintf(os.Stderr, "%d unsuppressed errors: %v\n", len(errs), errs)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// TestScaleWithinLimits: 300 connectors and 10 replicas per tier stay under
// 80 % of every CloudFormation limit in every template (nested stacks
// included) and every manifest under the kubectl handler's limit, and the
// Monitoring stack watches the connectors with two alarms.
func TestScaleWithinLimits(t *testing.T) {
	ms, err := cdkapp.MeasureTemplates(outdir)
	if err != nil {
		t.Fatal(err)
	}
	nested := 0
	for _, m := range ms {
		id, size := m.LargestManifest()
		t.Logf("%s: %d bytes, %d resources, %d outputs, %d parameters, %d mappings, %d manifests (largest %s %d bytes)",
			m.Stack, m.Bytes, m.Resources, m.Outputs, m.Parameters, m.Mappings, len(m.Manifests), id, size)
		for _, c := range []struct {
			what       string
			got, limit int
		}{
			{"bytes", m.Bytes, cdkapp.TemplateBytesLimit},
			{"resources", m.Resources, cdkapp.ResourcesLimit},
			{"outputs", m.Outputs, cdkapp.OutputsLimit},
			{"parameters", m.Parameters, cdkapp.ParametersLimit},
			{"mappings", m.Mappings, cdkapp.MappingsLimit},
			{"bytes in manifest " + id, size, cdkapp.ManifestBytesLimit},
		} {
			if float64(c.got) > headroom*float64(c.limit) {
				t.Errorf("%s: %d %s, over 80 %% of %d", m.Stack, c.got, c.what, c.limit)
			}
		}
		if strings.Contains(m.File, ".nested.") {
			nested++
		}
	}
	// 300 connectors, 8 per chart: 38 charts, 4 in the OpenCTI stack, 34 in
	// nested stacks of 8.
	if nested != 5 {
		t.Errorf("%d nested stacks, want 5", nested)
	}
	over, err := cdkapp.CheckLimits(outdir, drivers)
	if err != nil || len(over) > 0 {
		t.Errorf("CheckLimits: %v %v", over, err)
	}
	var connectorAlarms []string
	for _, r := range e2e.TemplateResources(t, filepath.Join(outdir, "Monitoring.template.json")) {
		if r.Type == "AWS::CloudWatch::Alarm" && strings.Contains(fmt.Sprint(r.Properties["AlarmName"]), "connector") &&
			!strings.Contains(fmt.Sprint(r.Properties["AlarmName"]), "connector-api") {
			connectorAlarms = append(connectorAlarms, fmt.Sprint(r.Properties["AlarmName"]))
		}
	}
	if len(connectorAlarms) != 2 {
		t.Errorf("connector alarms %v, want the two Metrics Insights alarms", connectorAlarms)
	}
}
