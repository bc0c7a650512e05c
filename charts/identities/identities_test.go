package identities

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// node runs a script next to provision.js with Node.js (make puts the pinned
// one first on PATH) and returns its standard output.
func node(t *testing.T, script string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: these tests run provision.js (make test puts .tools/bin first): %v", err)
	}
	cmd := exec.Command(bin, append([]string{"-e", script, "--"}, args...)...)
	cmd.Dir = "."
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node: %v\n%s", err, stderr)
	}
	return string(out)
}

// The Go rules and the rules provision.js applies give the same answer for
// every name, so a configuration that validates never fails in the Job.
func TestRulesMatchProvisionJS(t *testing.T) {
	names := []string{
		"", "a", "mitre", "export-file-stix", "0day", "x-", "-x", "Mitre", "mitre_attack", "mi tre", "mitré",
		strings.Repeat("x", 40), strings.Repeat("x", 41), "dev", "opencti-prod", "A1", "1dev", "dev_1", "Opencti-Prod",
	}
	in, _ := json.Marshal(names)
	var js struct {
		Connector  []string `json:"connector"`
		Deployment []string `json:"deployment"`
		User       string   `json:"user"`
		Worker     string   `json:"worker"`
		Durations  []string `json:"durations"`
		Key        string   `json:"key"`
		Annotation string   `json:"annotation"`
	}
	out := node(t, `
const p = require('./provision.js');
const names = JSON.parse(process.argv[1]);
const n = p.namesOf('Opencti-Prod');
console.log(JSON.stringify({
  connector: names.map((x) => p.connectorNameProblem(x)),
  deployment: names.map((x) => p.deploymentNameProblem(x)),
  user: n.connectorUser('mitre'), worker: n.workerUser,
  durations: p.TOKEN_DURATIONS, key: p.TOKEN_KEY, annotation: p.TEMPLATE_ANNOTATION,
}));`, string(in))
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("provision.js output %q: %v", out, err)
	}
	for i, name := range names {
		if got := ConnectorNameProblem(name); got != js.Connector[i] {
			t.Errorf("ConnectorNameProblem(%q) = %q, provision.js says %q", name, got, js.Connector[i])
		}
		if got := DeploymentNameProblem(name); got != js.Deployment[i] {
			t.Errorf("DeploymentNameProblem(%q) = %q, provision.js says %q", name, got, js.Deployment[i])
		}
	}
	accepted := 0
	for _, p := range js.Connector {
		if p == "" {
			accepted++
		}
	}
	if accepted != 8 {
		t.Errorf("%d connector names accepted, want 8 (a, mitre, export-file-stix, 0day, 40 x, dev, opencti-prod, 1dev): the table lost its point", accepted)
	}
	if got := ConnectorUserName("Opencti-Prod", "mitre"); got != js.User || got != "[C] Opencti-Prod mitre" {
		t.Errorf("ConnectorUserName = %q, provision.js %q", got, js.User)
	}
	if got := WorkerUserName("Opencti-Prod"); got != js.Worker {
		t.Errorf("WorkerUserName = %q, provision.js %q", got, js.Worker)
	}
	if !reflect.DeepEqual(TokenDurations, js.Durations) || TokenKey != js.Key || TemplateAnnotation != js.Annotation {
		t.Errorf("constants differ from provision.js: %v %q %q vs %v %q %q", TokenDurations, TokenKey, TemplateAnnotation, js.Durations, js.Key, js.Annotation)
	}
}

// validate runs provision.js's own spec validation on what Spec.JSON renders.
func validate(t *testing.T, s Spec) string {
	t.Helper()
	b, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(node(t, `
const p = require('./provision.js');
try { p.validateSpec(JSON.parse(process.argv[1])); console.log('ok'); } catch (e) { console.log(e.message); }`, string(b)))
}

func TestSpecJSONIsWhatTheJobAccepts(t *testing.T) {
	s := Spec{
		Deployment: "opencti-prod",
		Namespace:  "opencti",
		OpenCTIURL: "http://opencti-connector-api.opencti.svc.cluster.local:80",
		Rotation:   2,
		Worker:     Consumer{Secret: "opencti-worker-token", Deployments: []string{"opencti-worker"}},
		Connectors: []Connector{{
			Name: "export-file-stix", ID: "0b8f1e8a-6f4c-4d2b-9a43-5d6f7e8a9b0c", Type: "INTERNAL_EXPORT_FILE",
			Secret: "opencti-connector-export-file-stix-token", Deployments: []string{"opencti-connector-export-file-stix"},
		}},
	}
	if got := validate(t, s); got != "ok" {
		t.Fatalf("provision.js refuses Spec.JSON: %s", got)
	}
	none := s
	none.Connectors = nil
	none.Worker.Deployments = nil
	b, _ := none.JSON()
	if !strings.Contains(string(b), `"connectors":[]`) || !strings.Contains(string(b), `"deployments":[]`) {
		t.Errorf("nil lists must render as []:\n%s", b)
	}
	if got := validate(t, none); got != "ok" {
		t.Errorf("no connectors: %s", got)
	}
	bad := s
	bad.Connectors = []Connector{{Name: "Bad_Name", ID: s.Connectors[0].ID, Type: "STREAM", Secret: "x", Deployments: []string{}}}
	if got, want := validate(t, bad), `connectors[0].name: got "Bad_Name", want `+ConnectorNameRule; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
}

func TestNamesFollowEveryInput(t *testing.T) {
	spec := []byte(`{"rotation":0}`)
	p := ProgramName(spec)
	if p != ProgramName(spec) || !strings.HasPrefix(p, "opencti-identities-program-") || len(p) != len("opencti-identities-program-")+10 {
		t.Errorf("ProgramName = %q", p)
	}
	if ProgramName([]byte(`{"rotation":1}`)) == p {
		t.Error("another spec kept the program's name")
	}
	job := []byte(`{"template":{"spec":{"containers":[{"image":"opencti/platform:7.260817.0"}]}}}`)
	a := JobName(job)
	if a != JobName(job) {
		t.Fatal("JobName is not deterministic")
	}
	if len(a) != len("opencti-identities-")+10 || !strings.HasPrefix(a, "opencti-identities-") {
		t.Errorf("JobName = %q", a)
	}
	if JobName([]byte(strings.Replace(string(job), "7.260817.0", "7.260818.0", 1))) == a {
		t.Errorf("another Job spec kept the name %q", a)
	}
	if Script == "" || !strings.Contains(Script, "module.exports") {
		t.Error("Script does not embed provision.js")
	}
}

// The relay protocol: the Go side (the chart, the deploy's lookups) and
// provision.js agree on every name and bound, and the relays cover the Job.
func TestStatusProtocolMatchesProvisionJS(t *testing.T) {
	var js struct {
		Suffix, Relay, Result string
		State                 map[string]string
		Max, MaxRelays        int
		First, Interval       float64
	}
	out := node(t, `
const p = require('./provision.js');
const s = p.validateSpec({ deployment: 'd', namespace: 'n', openctiUrl: 'http://x', worker: { secret: 's', deployments: [] }, connectors: [] });
console.log(JSON.stringify({ suffix: p.STATUS_SUFFIX, relay: p.RELAY_PREFIX, result: p.RESULT_KEY, state: p.STATE,
  max: p.STATUS_MAX_CHARS, maxRelays: p.MAX_RELAYS, first: s.statusFirstSeconds, interval: s.statusIntervalSeconds }));`)
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("provision.js output %q: %v", out, err)
	}
	want := map[string]string{"running": StateRunning, "succeeded": StateSucceeded, "failed": StateFailed}
	if js.Suffix != StatusSuffix || js.Relay != RelayPrefix || js.Result != ResultKey || !reflect.DeepEqual(js.State, want) ||
		js.Max != StatusMaxChars || js.MaxRelays != MaxRelays || js.First != StatusFirstSeconds || js.Interval != StatusIntervalSeconds {
		t.Errorf("provision.js %+v differs from the Go constants", js)
	}
	if StatusConfigMapName("opencti-identities-0a1b2c3d4e") != "opencti-identities-0a1b2c3d4e-status" || RelayKey(3) != "relay-3" {
		t.Error("names")
	}
	// A lookup started when the previous one returned must see the next key
	// in time, with minutes to spare; the first leaves the pod time to start.
	if RelayWaitSeconds-StatusIntervalSeconds < 120 || RelayWaitSeconds-StatusFirstSeconds < 420 || RelayWaitSeconds > 14*60 {
		t.Errorf("timing: wait %d s, first %d s, interval %d s", RelayWaitSeconds, StatusFirstSeconds, StatusIntervalSeconds)
	}
	for _, c := range []struct{ deadline, relays int }{{100, 1}, {240, 1}, {241, 2}, {839, 2}, {840, 3}, {3300, 7}, {6000, 11}} {
		if got := Relays(c.deadline); got != c.relays {
			t.Errorf("Relays(%d) = %d, want %d", c.deadline, got, c.relays)
		}
		// Every heartbeat the Job can write before its deadline has a key,
		// and one key is left for the result.
		heartbeats := 0
		for at := StatusFirstSeconds; at < c.deadline; at += StatusIntervalSeconds {
			heartbeats++
		}
		if heartbeats+1 > Relays(c.deadline) {
			t.Errorf("deadline %d s: %d heartbeats + the result need more than %d relays", c.deadline, heartbeats, Relays(c.deadline))
		}
	}
}
