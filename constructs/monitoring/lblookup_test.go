package monitoring

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lookupHarness runs the look-up handler in Node.js against a stub of the
// AWS SDK client that answers DescribeLoadBalancers from a script of
// responses, with the 15 s pause between attempts skipped.
const lookupHarness = `
const path = require('path');
global.setTimeout = (fn) => { fn(); return 0; };
const responses = JSON.parse(process.env.RESPONSES);
let calls = 0;
const stubDir = path.join(process.env.STUB, 'node_modules', '@aws-sdk', 'client-elastic-load-balancing-v2');
require('fs').mkdirSync(stubDir, { recursive: true });
require('fs').writeFileSync(path.join(stubDir, 'index.js'), 'module.exports = global.__stub;');
global.__stub = {
  DescribeLoadBalancersCommand: function (input) { this.input = input; },
  ElasticLoadBalancingV2Client: function () {
    this.send = async (cmd) => {
      const r = responses[Math.min(calls++, responses.length - 1)];
      if (r === 'notfound') { const e = new Error('not found'); e.name = 'LoadBalancerNotFoundException'; throw e; }
      return { LoadBalancers: [r] };
    };
  },
};
const handler = require(process.env.HANDLER).handler;
handler(JSON.parse(process.env.EVENT)).then(
  (out) => console.log(JSON.stringify({ out, calls })),
  (err) => console.log(JSON.stringify({ error: err.message, calls })),
);
`

func runLookup(t *testing.T, event map[string]any, responses []any) (out map[string]any) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH (export PATH=$PWD/.tools/node_modules/.bin:$PATH)")
	}
	stub := t.TempDir()
	handler := filepath.Join(stub, "index.js")
	if err := os.WriteFile(handler, []byte(lookupSource), 0o600); err != nil {
		t.Fatal(err)
	}
	ev, _ := json.Marshal(event)
	rs, _ := json.Marshal(responses)
	cmd := exec.Command(node, "-e", lookupHarness)
	cmd.Env = append(os.Environ(), "STUB="+stub, "HANDLER="+handler, "EVENT="+string(ev), "RESPONSES="+string(rs))
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, b)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil {
		t.Fatalf("handler output %q: %v", b, err)
	}
	return out
}

// TestLookupHandlerWaitsForTheLoadBalancerAndItsScheme: the handler waits
// until the controller has created the load balancer (and, when asked, until
// it has the wanted scheme) and returns what alarms and alias records need.
func TestLookupHandlerWaitsForTheLoadBalancerAndItsScheme(t *testing.T) {
	lb := func(scheme string) map[string]any {
		return map[string]any{
			"LoadBalancerArn":       "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/opencti-ui/0123456789abcdef",
			"DNSName":               "opencti-ui-123.eu-west-1.elb.amazonaws.com",
			"CanonicalHostedZoneId": "Z32O12XQLNTSW2",
			"Scheme":                scheme,
		}
	}
	create := map[string]any{"RequestType": "Create", "ResourceProperties": map[string]any{
		"LoadBalancerName": "opencti-ui", "WaitSeconds": "600", "Scheme": "internet-facing",
	}}
	out := runLookup(t, create, []any{"notfound", lb("internal"), lb("internet-facing")})
	data, _ := out["out"].(map[string]any)["Data"].(map[string]any)
	if out["calls"] != float64(3) || data["Dimension"] != "app/opencti-ui/0123456789abcdef" ||
		data["DNSName"] != "opencti-ui-123.eu-west-1.elb.amazonaws.com" || data["CanonicalHostedZoneId"] != "Z32O12XQLNTSW2" {
		t.Errorf("create: %v", out)
	}
	// Without a scheme (the alarms' look-ups) the first load balancer found is it.
	delete(create["ResourceProperties"].(map[string]any), "Scheme")
	if out := runLookup(t, create, []any{lb("internal")}); out["calls"] != float64(1) {
		t.Errorf("create without scheme: %v", out)
	}
	// Deletion never calls AWS.
	del := map[string]any{"RequestType": "Delete", "PhysicalResourceId": "alb-lookup/opencti-ui", "ResourceProperties": create["ResourceProperties"]}
	if out := runLookup(t, del, []any{"notfound"}); out["calls"] != float64(0) {
		t.Errorf("delete: %v", out)
	}
	// A load balancer that never appears fails the deployment with a hint.
	create["ResourceProperties"].(map[string]any)["WaitSeconds"] = "0"
	if out := runLookup(t, create, []any{"notfound"}); out["error"] == nil {
		t.Errorf("missing load balancer: %v", out)
	}
}
