package cdkapp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTemplate writes a template with n resources (manifests of the given
// sizes among them) and padding bytes of description.
func writeTemplate(t *testing.T, path string, resources, outputs int, manifests []int, padding int) {
	t.Helper()
	tpl := map[string]any{"Description": strings.Repeat("x", padding)}
	res := map[string]any{}
	for i := 0; i < resources; i++ {
		res["Topic"+string(rune('A'+i%26))+strings.Repeat("x", i/26)] = map[string]any{"Type": "AWS::SNS::Topic"}
	}
	for i, n := range manifests {
		res["Chart"+string(rune('A'+i))] = map[string]any{"Type": "Custom::AWSCDK-EKS-KubernetesResource",
			"Properties": map[string]any{"Manifest": strings.Repeat("m", n-2)}} // JSON adds the quotes
	}
	tpl["Resources"] = res
	out := map[string]any{}
	for i := 0; i < outputs; i++ {
		out["Out"+strings.Repeat("x", i)] = map[string]any{"Value": "v"}
	}
	tpl["Outputs"] = out
	data, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCheckLimits(t *testing.T) {
	dir := t.TempDir()
	writeTemplate(t, filepath.Join(dir, "Network.template.json"), 10, 3, nil, 100)
	writeTemplate(t, filepath.Join(dir, "Monitoring.template.json"), 501, 0, nil, 1_000_000)
	writeTemplate(t, filepath.Join(dir, "OpenCTI.template.json"), 2, 201, []int{100_000, 100_001}, 0)
	writeTemplate(t, filepath.Join(dir, "OpenCTIConnectorsB7C1D2E3.nested.template.json"), 1, 0, []int{123_456}, 0)
	writeTemplate(t, filepath.Join(dir, "assembly-Prod", "ProdNetwork.template.json"), 600, 0, nil, 0)
	got, err := CheckLimits(dir, map[string]string{"OpenCTI": "opencti.connectors (300 entries)", "Monitoring": "opencti.connectors (300 entries)"})
	if err != nil {
		t.Fatal(err)
	}
	mon, _ := os.Stat(filepath.Join(dir, "Monitoring.template.json"))
	want := []string{
		"stack Monitoring: the template is " + thousands(int(mon.Size())) + " bytes, over CloudFormation's limit of 1,000,000 bytes; it grows with opencti.connectors (300 entries)",
		"stack Monitoring: the resource count is 501, over CloudFormation's limit of 500; it grows with opencti.connectors (300 entries)",
		"stack OpenCTI: the output count is 201, over CloudFormation's limit of 200; it grows with opencti.connectors (300 entries)",
		"stack OpenCTI: Kubernetes manifest ChartB is 100,001 bytes, over the kubectl handler's limit of 100,000 bytes per manifest; it grows with opencti.connectors (300 entries)",
		"stack OpenCTIConnectorsB7C1D2E3: Kubernetes manifest ChartA is 123,456 bytes, over the kubectl handler's limit of 100,000 bytes per manifest; it grows with opencti.connectors (300 entries)",
		"stack ProdNetwork: the resource count is 600, over CloudFormation's limit of 500",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("CheckLimits:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	ms, err := MeasureTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 5 {
		t.Fatalf("measured %d templates, want 5", len(ms))
	}
	for _, m := range ms {
		if m.Stack == "OpenCTI" {
			if id, n := m.LargestManifest(); id != "ChartB" || n != 100_001 {
				t.Errorf("largest manifest %s %d, want ChartB 100001", id, n)
			}
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1019841: "1,019,841", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
