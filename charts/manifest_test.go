package charts_test

import (
	"reflect"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

// Charts.Manifest gives, for every chart of every fixture, exactly the
// objects cdk8s synthesizes (chart.toJson), in the same order: attach.Charts
// relies on it instead of calling toJson.
func TestManifestIsWhatCdk8sSynthesizes(t *testing.T) {
	fixtures := map[string]synthesized{"defaults": defaults, "large": large, "edge": edge, "console": console, "scaling": scaling, "disabled": disabled}
	for name, s := range fixtures {
		for _, ch := range s.charts.All() {
			id := *ch.Node().Id()
			var want []map[string]any
			for _, d := range s.docs {
				if d.Chart == id {
					want = append(want, d.Obj)
				}
			}
			got, ok := s.charts.Manifest(ch)
			if !ok {
				t.Errorf("%s: Manifest(%s) reports no record", name, id)
				continue
			}
			if len(got) != len(want) {
				t.Errorf("%s: Manifest(%s) has %d objects, cdk8s synthesizes %d", name, id, len(got), len(want))
				continue
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("%s: Manifest(%s) object %d differs from cdk8s's:\n got %v\nwant %v", name, id, i, got[i], want[i])
				}
			}
		}
	}
}

// A chart that is not one of the Charts has no record, and changing a
// returned manifest never changes the next one.
func TestManifestOfAnotherChartAndCopies(t *testing.T) {
	other := cdk8s.NewChart(cdk8s.NewApp(nil), jsii.String("Other"), nil)
	if _, ok := defaults.charts.Manifest(other); ok {
		t.Error("Manifest of a chart NewCharts did not create reports a record")
	}
	first, _ := defaults.charts.Manifest(defaults.charts.Namespace)
	first[0]["metadata"].(map[string]any)["name"] = "changed"
	first[0]["kind"] = "Changed"
	second, _ := defaults.charts.Manifest(defaults.charts.Namespace)
	if second[0]["kind"] == "Changed" || second[0]["metadata"].(map[string]any)["name"] == "changed" {
		t.Errorf("a change to a returned manifest shows in the next: %v", second[0])
	}
}

// An object added to a chart through cdk8s after NewCharts is not in the
// record: Manifest then reports false (attach.Charts asks cdk8s).
func TestManifestOfAChangedChart(t *testing.T) {
	s, err := synth(validProps())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.charts.Manifest(s.charts.Ingress); !ok {
		t.Fatal("Manifest(Ingress) reports no record before the change")
	}
	cdk8s.NewApiObject(s.charts.Ingress, jsii.String("Extra"), &cdk8s.ApiObjectProps{ApiVersion: jsii.String("v1"), Kind: jsii.String("ConfigMap")})
	if _, ok := s.charts.Manifest(s.charts.Ingress); ok {
		t.Error("Manifest(Ingress) reports the record although an object was added to the chart")
	}
	if _, ok := s.charts.Manifest(s.charts.Namespace); !ok {
		t.Error("Manifest(Namespace) reports no record although only the Ingress chart changed")
	}
}
