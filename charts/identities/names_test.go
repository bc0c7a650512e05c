package identities

import (
	"strings"
	"testing"
)

// TestConfigMapNames: the script's ConfigMap is named after the script, the
// spec's after the spec (and the script), and neither takes the name of the
// former program ConfigMap, which held both and is immutable.
func TestConfigMapNames(t *testing.T) {
	spec := []byte(`{"rotation":0}`)
	s, sp := ScriptConfigMapName(), SpecConfigMapName(spec)
	if !strings.HasPrefix(s, "opencti-identities-script-") || len(s) != len("opencti-identities-script-")+10 {
		t.Errorf("ScriptConfigMapName = %q", s)
	}
	if !strings.HasPrefix(sp, "opencti-identities-spec-") || len(sp) != len("opencti-identities-spec-")+10 {
		t.Errorf("SpecConfigMapName = %q", sp)
	}
	if SpecConfigMapName([]byte(`{"rotation":1}`)) == sp || sp == ProgramName(spec) {
		t.Errorf("SpecConfigMapName does not follow the spec, or takes the former program name: %q", sp)
	}
}
