package charts_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/opencti-ha/opencti-ha/charts"
)

func ingressOf(t *testing.T, s synthesized, name string) networkingv1.Ingress {
	t.Helper()
	var in networkingv1.Ingress
	decode(t, s.one(t, "Ingress", name), &in)
	return in
}

func TestIngressesRouteUIAndAPIHostsOnly(t *testing.T) {
	ingresses := defaults.find("Ingress", "")
	if len(ingresses) != 2 {
		t.Fatalf("%d Ingresses, want 2 (ui and api)", len(ingresses))
	}
	for _, d := range ingresses {
		if d.Chart != charts.IngressChartID {
			t.Errorf("Ingress %s in chart %s", d.Name, d.Chart)
		}
		var in networkingv1.Ingress
		decode(t, d, &in)
		for _, r := range in.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				if p.Backend.Service.Name == charts.WorkerAPIName {
					t.Errorf("Ingress %s routes %s to worker-api", in.Name, r.Host)
				}
			}
		}
	}
	for name, want := range map[string]struct{ host, service, suffix string }{
		charts.UIIngressName:  {"opencti.example.com", charts.UIName, "ui"},
		charts.APIIngressName: {"api.opencti.example.com", charts.ConnectorAPIName, "api"},
	} {
		in := ingressOf(t, defaults, name)
		if *in.Spec.IngressClassName != "opencti-alb" {
			t.Errorf("%s: class %s", name, *in.Spec.IngressClassName)
		}
		if len(in.Spec.Rules) != 1 || in.Spec.Rules[0].Host != want.host || len(in.Spec.TLS) != 1 || in.Spec.TLS[0].Hosts[0] != want.host {
			t.Errorf("%s: rules %+v, tls %+v, want host %s", name, in.Spec.Rules, in.Spec.TLS, want.host)
			continue
		}
		paths := in.Spec.Rules[0].HTTP.Paths
		for _, p := range paths {
			if b := p.Backend.Service; b.Port.Name == "http" && b.Name != want.service {
				t.Errorf("%s: path %s goes to %s, want %s", name, p.Path, b.Name, want.service)
			}
		}
		a := in.Annotations
		for k, v := range map[string]string{
			"scheme": "internet-facing", "target-type": "ip", "listen-ports": `[{"HTTPS":443},{"HTTP":80}]`,
			"ssl-redirect": "443", "group.name": "opencti-" + want.suffix, "load-balancer-name": "opencti-" + want.suffix,
			// /health without the key: 401 once the HTTP server listens, no data service asked.
			"healthcheck-path": "/health", "success-codes": "401",
			"ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
		} {
			if a["alb.ingress.kubernetes.io/"+k] != v {
				t.Errorf("%s: annotation %s=%q, want %q", name, k, a["alb.ingress.kubernetes.io/"+k], v)
			}
		}
		if !strings.Contains(a["alb.ingress.kubernetes.io/load-balancer-attributes"], "idle_timeout.timeout_seconds=300") {
			t.Errorf("%s: load-balancer-attributes %q", name, a["alb.ingress.kubernetes.io/load-balancer-attributes"])
		}
		for _, k := range []string{"certificate-arn", "wafv2-acl-arn"} {
			if _, has := a["alb.ingress.kubernetes.io/"+k]; has {
				t.Errorf("%s: %s set although not configured", name, k)
			}
		}
		if strings.Contains(a["alb.ingress.kubernetes.io/healthcheck-path"], "health_access_key") {
			t.Errorf("%s: the health key is in an annotation", name)
		}
	}
}

func TestUIIngressRejectsTokenRequests(t *testing.T) {
	in := ingressOf(t, defaults, charts.UIIngressName)
	first := in.Spec.Rules[0].HTTP.Paths[0].Backend.Service
	if first.Name != "reject-api-tokens" || first.Port.Name != "use-annotation" {
		t.Fatalf("first ui path goes to %+v, want the reject action", first)
	}
	var conditions []struct {
		Field            string `json:"field"`
		HTTPHeaderConfig struct {
			HTTPHeaderName string   `json:"httpHeaderName"`
			Values         []string `json:"values"`
		} `json:"httpHeaderConfig"`
	}
	if err := json.Unmarshal([]byte(in.Annotations["alb.ingress.kubernetes.io/conditions.reject-api-tokens"]), &conditions); err != nil ||
		len(conditions) != 1 || conditions[0].Field != "http-header" || conditions[0].HTTPHeaderConfig.HTTPHeaderName != "Authorization" ||
		strings.Join(conditions[0].HTTPHeaderConfig.Values, "|") != "Bearer *|Basic *" {
		t.Errorf("reject condition %+v (%v), want Authorization matching Bearer * or Basic *", conditions, err)
	}
	var action struct {
		Type                string            `json:"type"`
		FixedResponseConfig map[string]string `json:"fixedResponseConfig"`
	}
	if err := json.Unmarshal([]byte(in.Annotations["alb.ingress.kubernetes.io/actions.reject-api-tokens"]), &action); err != nil ||
		action.Type != "fixed-response" || action.FixedResponseConfig["statusCode"] != "403" ||
		!strings.Contains(action.FixedResponseConfig["messageBody"], "must call https://api.opencti.example.com/graphql") ||
		len(action.FixedResponseConfig["messageBody"]) > 1024 {
		t.Errorf("reject action %+v (%v), want 403 naming the api host", action, err)
	}
	last := in.Spec.Rules[0].HTTP.Paths[len(in.Spec.Rules[0].HTTP.Paths)-1]
	if last.Path != "/" || *last.PathType != networkingv1.PathTypePrefix || last.Backend.Service.Name != charts.UIName {
		t.Errorf("last ui path %+v, want / to %s", last, charts.UIName)
	}
}

// TestAPIHostServesAPIRoutesOnly: the api host forwards the API routes of
// OpenCTI 7.x to connector-api, in order, and answers 404 at the load
// balancer to every other path (/, /auth/*, /static/*, /public/*, ...).
func TestAPIHostServesAPIRoutesOnly(t *testing.T) {
	api := ingressOf(t, defaults, charts.APIIngressName)
	var got []string
	for _, p := range api.Spec.Rules[0].HTTP.Paths {
		got = append(got, string(*p.PathType)+" "+p.Path+" -> "+p.Backend.Service.Name+":"+p.Backend.Service.Port.Name)
	}
	want := []string{
		"Prefix /graphql -> opencti-connector-api:http",
		"Prefix /taxii2 -> opencti-connector-api:http",
		"Prefix /stream -> opencti-connector-api:http",
		"Prefix /feeds -> opencti-connector-api:http",
		"Prefix /storage -> opencti-connector-api:http",
		"Exact /schema -> opencti-connector-api:http",
		"Exact /health -> opencti-connector-api:http",
		"Exact /mcp -> opencti-connector-api:http",
		"Prefix / -> not-an-api-route:use-annotation",
	}
	if !slices.Equal(got, want) {
		t.Errorf("api paths:\n got %q\nwant %q", got, want)
	}
	var action struct {
		Type                string            `json:"type"`
		FixedResponseConfig map[string]string `json:"fixedResponseConfig"`
	}
	if err := json.Unmarshal([]byte(api.Annotations["alb.ingress.kubernetes.io/actions.not-an-api-route"]), &action); err != nil ||
		action.Type != "fixed-response" || action.FixedResponseConfig["statusCode"] != "404" || action.FixedResponseConfig["contentType"] != "text/plain" ||
		action.FixedResponseConfig["messageBody"] != "404 Not Found: api.opencti.example.com serves the OpenCTI API only "+
			"(/graphql, /taxii2, /stream, /feeds, /storage, /schema, /health, /mcp). People use the web UI at https://opencti.example.com/ instead.\n" {
		t.Errorf("not-an-api-route action %+v (%v)", action, err)
	}
	if _, has := api.Annotations["alb.ingress.kubernetes.io/actions.reject-api-tokens"]; has {
		t.Error("the api host rejects tokens")
	}
	// The ui host has no API restriction and keeps the 404 action off.
	if _, has := ingressOf(t, defaults, charts.UIIngressName).Annotations["alb.ingress.kubernetes.io/actions.not-an-api-route"]; has {
		t.Error("the ui host got the api host's 404 action")
	}
}

func TestLoadBalancerNamesFitAnALBName(t *testing.T) {
	for base, want := range map[string][2]string{
		"opencti":                         {"opencti-ui", "opencti-api"},
		"opencti.prod":                    {"opencti-prod-ui", "opencti-prod-api"},
		strings.Repeat("a", 40):           {strings.Repeat("a", 28) + "-ui", strings.Repeat("a", 28) + "-api"},
		"abcdefghijklmnopqrstuvwxyz0-345": {"abcdefghijklmnopqrstuvwxyz0-ui", "abcdefghijklmnopqrstuvwxyz0-api"},
	} {
		ui, api := charts.LoadBalancerNames(base)
		if ui != want[0] || api != want[1] || len(api) > 32 {
			t.Errorf("LoadBalancerNames(%q) = %q, %q; want %q, %q (at most 32 characters)", base, ui, api, want[0], want[1])
		}
	}
}

func TestIngressOptionsAndSplitGroups(t *testing.T) {
	ui, api := ingressOf(t, large, charts.UIIngressName), ingressOf(t, large, charts.APIIngressName)
	const p = "alb.ingress.kubernetes.io/"
	if ui.Annotations[p+"group.name"] != "opencti-ui" || api.Annotations[p+"group.name"] != "opencti-api" {
		t.Errorf("each host must have its own group: %q / %q", ui.Annotations[p+"group.name"], api.Annotations[p+"group.name"])
	}
	if api.Annotations[p+"scheme"] != "internal" || ui.Annotations[p+"scheme"] != "internet-facing" {
		t.Errorf("schemes %q / %q", ui.Annotations[p+"scheme"], api.Annotations[p+"scheme"])
	}
	if got := ui.Annotations[p+"certificate-arn"]; strings.Count(got, "arn:aws:acm:") != 2 || !strings.Contains(got, ",") {
		t.Errorf("ui certificate-arn %q, want both ARNs comma-separated", got)
	}
	if _, has := api.Annotations[p+"certificate-arn"]; has {
		t.Error("api Ingress got the ui certificates")
	}
	for _, in := range []networkingv1.Ingress{ui, api} {
		if !strings.HasPrefix(in.Annotations[p+"wafv2-acl-arn"], "arn:aws:wafv2:") {
			t.Errorf("%s: wafv2-acl-arn %q", in.Name, in.Annotations[p+"wafv2-acl-arn"])
		}
	}
}

// TestIngressEdgeOptions: each host gets its own web ACL, subnets and access
// log prefix; worker-api is never behind an Ingress.
func TestIngressEdgeOptions(t *testing.T) {
	const p = "alb.ingress.kubernetes.io/"
	ui, api := ingressOf(t, edge, charts.UIIngressName), ingressOf(t, edge, charts.APIIngressName)
	for _, c := range []struct {
		in                   networkingv1.Ingress
		scheme, waf, subnets string
		prefix               string
	}{
		{ui, "internet-facing", "webacl/opencti-ui/", "subnet-0a0a0a0a0a0a0a0a0,subnet-0b0b0b0b0b0b0b0b0,subnet-0c0c0c0c0c0c0c0c0", "ui"},
		{api, "internal", "webacl/opencti-api/", "subnet-01010101,subnet-02020202,subnet-03030303", "api"},
	} {
		a := c.in.Annotations
		if a[p+"scheme"] != c.scheme || !strings.Contains(a[p+"wafv2-acl-arn"], c.waf) || a[p+"subnets"] != c.subnets {
			t.Errorf("%s: scheme %q, waf %q, subnets %q", c.in.Name, a[p+"scheme"], a[p+"wafv2-acl-arn"], a[p+"subnets"])
		}
		attrs := strings.Split(a[p+"load-balancer-attributes"], ",")
		for _, want := range []string{"access_logs.s3.enabled=true", "access_logs.s3.bucket=opencti-alb-logs-123456789012", "access_logs.s3.prefix=" + c.prefix,
			"idle_timeout.timeout_seconds=300", "routing.http.drop_invalid_header_fields.enabled=true"} {
			if !slices.Contains(attrs, want) {
				t.Errorf("%s: load-balancer-attributes %v lack %s", c.in.Name, attrs, want)
			}
		}
	}
	if _, has := ingressOf(t, defaults, charts.UIIngressName).Annotations[p+"subnets"]; has {
		t.Error("subnets annotation set although not configured")
	}
	for _, s := range []synthesized{defaults, large, edge} {
		for _, d := range s.find("Ingress", "") {
			var in networkingv1.Ingress
			decode(t, d, &in)
			for _, r := range in.Spec.Rules {
				for _, path := range r.HTTP.Paths {
					if b := path.Backend.Service; b != nil && b.Name == charts.WorkerAPIName {
						t.Errorf("Ingress %s routes to worker-api", in.Name)
					}
				}
			}
		}
	}
}

func TestIngressEdgeValidation(t *testing.T) {
	p := validProps()
	p.Ingress.UI.WafAclARN = jsii.String("arn:aws:wafv2:eu-west-1:123456789012:global/webacl/x/1")
	p.Ingress.API.Subnets = []string{"subnet-xyz"}
	p.Ingress.AccessLogsBucket = jsii.String("Logs_Bucket")
	err := p.Validate()
	for _, want := range []string{
		`Ingress.UI.WafAclARN: got "arn:aws:wafv2:eu-west-1:123456789012:global/webacl/x/1", want a regional WAFv2 web ACL ARN`,
		`Ingress.API.Subnets[0]: got "subnet-xyz", want a subnet ID such as "subnet-0123456789abcdef0"`,
		`Ingress.AccessLogsBucket: got "Logs_Bucket", want an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	// Deploy-time values (CDK tokens) are not validated.
	p = validProps()
	p.Ingress.UI.WafAclARN = jsii.String("${Token[TOKEN.123]}")
	p.Ingress.AccessLogsBucket = jsii.String("${Token[TOKEN.124]}")
	p.Ingress.API.Subnets = []string{"${Token[TOKEN.125]}"}
	if err := p.Validate(); err != nil {
		t.Errorf("tokens rejected: %v", err)
	}
}
