package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
)

// stackIDs maps the app's stacks to their construct IDs.
func stackIDs(a *OpenCTIApp) map[string]awscdk.Stack {
	out := map[string]awscdk.Stack{
		NetworkStackID: a.Network.Stack, DataStackID: a.Data.Stack, ClusterStackID: a.Cluster.Stack,
		EdgeStackID: a.Edge.Stack, OpenCTIStackID: a.OpenCTI.Stack, MonitoringStackID: a.Monitoring.Stack,
		EdgeDNSStackID: a.EdgeDNS.Stack,
	}
	if a.Recovery != nil {
		out[RecoveryStackID] = a.Recovery.Stack
	}
	if a.RecoveryVault != nil {
		out[RecoveryVaultStackID] = a.RecoveryVault.Stack
	}
	return out
}

// dependencies is each stack's direct dependencies, by construct ID, sorted.
func dependencies(a *OpenCTIApp) map[string][]string {
	ids := map[string]string{}
	for id, s := range stackIDs(a) {
		ids[*s.Node().Path()] = id
	}
	out := map[string][]string{}
	for id, s := range stackIDs(a) {
		deps := []string{}
		for _, d := range *s.Dependencies() {
			deps = append(deps, ids[*d.Node().Path()])
		}
		sort.Strings(deps)
		out[id] = deps
	}
	return out
}

// deletionOrder is the order CloudFormation (cdk destroy) deletes the stacks
// in: a stack only after every stack that depends on it, ties by ID.
func deletionOrder(deps map[string][]string) []string {
	dependents := map[string]int{}
	for _, ds := range deps {
		for _, d := range ds {
			dependents[d]++
		}
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(deps) {
		var ready []string
		for id := range deps {
			if !done[id] && dependents[id] == 0 {
				ready = append(ready, id)
			}
		}
		if len(ready) == 0 {
			panic(fmt.Sprintf("dependency cycle in %v", deps))
		}
		sort.Strings(ready)
		for _, id := range ready {
			done[id] = true
			order = append(order, id)
			for _, d := range deps[id] {
				dependents[d]--
			}
		}
	}
	return order
}

// TestEdgeStackGraph: the web ACLs and the log bucket exist before the
// Ingresses (OpenCTI depends on Edge, which depends on nothing); the records
// come after them (EdgeDns depends on OpenCTI); Data and Cluster still hang
// off Network only. Deletion runs the other way: records, then Ingresses
// (and so load balancers), then the IngressClass (Cluster) and the web ACLs.
func TestEdgeStackGraph(t *testing.T) {
	want := map[string][]string{
		NetworkStackID:    {},
		DataStackID:       {NetworkStackID},
		ClusterStackID:    {NetworkStackID},
		EdgeStackID:       {},
		OpenCTIStackID:    {ClusterStackID, DataStackID, EdgeStackID, NetworkStackID},
		MonitoringStackID: {ClusterStackID, DataStackID, OpenCTIStackID},
		// Edge: the web ACL ARNs and the bucket the look-ups check.
		EdgeDNSStackID: {EdgeStackID, OpenCTIStackID},
	}
	for _, env := range config.Environments {
		f := fixtureFor(t, env)
		got := dependencies(f.App)
		want := maps.Clone(want)
		// With disaster recovery (prod) the Data stack waits for the
		// recovery region's replicas, keys and vault.
		if f.App.Recovery != nil {
			want[DataStackID] = []string{NetworkStackID, RecoveryStackID}
			want[RecoveryStackID] = []string{}
		}
		if len(got) != len(want) {
			t.Errorf("%s: stacks %v, want %v", env, got, want)
		}
		for id, w := range want {
			if strings.Join(got[id], ",") != strings.Join(w, ",") {
				t.Errorf("%s: %s depends on %v, want %v", env, id, got[id], w)
			}
		}
		// The cloud assembly the CLI deploys from says the same.
		var m struct {
			Artifacts map[string]struct {
				Type         string   `json:"type"`
				Dependencies []string `json:"dependencies"`
			} `json:"artifacts"`
		}
		data, err := os.ReadFile(f.Outdir + "/manifest.json")
		if err != nil || json.Unmarshal(data, &m) != nil {
			t.Fatalf("%s: manifest.json: %v", env, err)
		}
		for id, stack := range stackIDs(f.App) {
			var deps []string
			for _, d := range m.Artifacts[*stack.ArtifactId()].Dependencies {
				if m.Artifacts[d].Type == "aws:cloudformation:stack" {
					deps = append(deps, d)
				}
			}
			sort.Strings(deps)
			if strings.Join(deps, ",") != strings.Join(want[id], ",") {
				t.Errorf("%s: manifest.json: %s depends on %v, want %v", env, id, deps, want[id])
			}
		}
		order := deletionOrder(got)
		pos := func(id string) int { return slices.Index(order, id) }
		if pos(EdgeDNSStackID) > pos(OpenCTIStackID) || pos(OpenCTIStackID) > pos(ClusterStackID) || pos(OpenCTIStackID) > pos(EdgeStackID) {
			t.Errorf("%s: deletion order %v: want the records before the Ingresses, the Ingresses before the IngressClass and the web ACLs", env, order)
		}
	}
}

func TestEdgeWebACLsPerHostname(t *testing.T) {
	for _, env := range config.Environments {
		f := fixtureFor(t, env)
		acls := f.Resources(t, f.App.Edge.Stack, "AWS::WAFv2::WebACL")
		names := map[string]map[string]any{}
		for _, r := range acls {
			p := r["Properties"].(map[string]any)
			names[p["Name"].(string)] = p
		}
		for name, limit := range map[string]int{f.Config.Name + "-ui": f.Config.Edge.UI.RateLimit, f.Config.Name + "-api": f.Config.Edge.API.RateLimit} {
			p, ok := names[name]
			if !ok {
				t.Errorf("%s: no web ACL %s (have %v)", env, name, names)
				continue
			}
			rules := mustJSON(p["Rules"])
			if p["Scope"] != "REGIONAL" || !strings.Contains(rules, fmt.Sprintf(`"Limit":%d`, limit)) ||
				!strings.Contains(rules, `"EvaluationWindowSec":300`) || !strings.Contains(rules, `"Name":"SizeRestrictions_BODY"`) {
				t.Errorf("%s: web ACL %s: %s", env, name, rules)
			}
			for _, group := range config.EdgeManagedRuleGroups {
				if !strings.Contains(rules, `"ManagedRuleGroupStatement":{"Name":"`+group+`"`) {
					t.Errorf("%s: web ACL %s lacks %s", env, name, group)
				}
			}
		}
		if n := len(f.Resources(t, f.App.Edge.Stack, "AWS::WAFv2::IPSet")); n != 0 {
			t.Errorf("%s: %d IP sets without an allowlist", env, n)
		}
		days := float64(f.Config.Edge.Waf.LogRetentionDays)
		logs := 0
		for _, r := range f.Resources(t, f.App.Edge.Stack, "AWS::Logs::LogGroup") {
			p := r["Properties"].(map[string]any)
			if strings.HasPrefix(p["LogGroupName"].(string), "aws-waf-logs-"+f.Config.Name+"-") && p["RetentionInDays"] == days && p["KmsKeyId"] != nil {
				logs++
			}
		}
		if logs != 2 || len(f.Resources(t, f.App.Edge.Stack, "AWS::WAFv2::LoggingConfiguration")) != 2 {
			t.Errorf("%s: %d WAF log groups (aws-waf-logs-*, %v days, KMS) and logging configurations, want 2", env, logs, days)
		}
	}
}

func TestEdgeAccessLogsBucket(t *testing.T) {
	for env, want := range map[string]struct {
		policy     string
		autoDelete int
	}{"dev": {"Delete", 1}, "prod": {"RetainExceptOnCreate", 0}} {
		f := fixtureFor(t, env)
		buckets := f.Resources(t, f.App.Edge.Stack, "AWS::S3::Bucket")
		if len(buckets) != 1 {
			t.Fatalf("%s: %d buckets", env, len(buckets))
		}
		for _, b := range buckets {
			p := mustJSON(b["Properties"])
			if b["DeletionPolicy"] != want.policy || !strings.Contains(p, `"SSEAlgorithm":"AES256"`) ||
				!strings.Contains(p, fmt.Sprintf(`"ExpirationInDays":%d`, f.Config.Edge.AccessLogs.ExpirationDays)) {
				t.Errorf("%s: access log bucket %s, deletion %v", env, p, b["DeletionPolicy"])
			}
		}
		if n := len(f.Resources(t, f.App.Edge.Stack, "Custom::S3AutoDeleteObjects")); n != want.autoDelete {
			t.Errorf("%s: %d auto-delete resources, want %d", env, n, want.autoDelete)
		}
		policy := mustJSON(f.Resources(t, f.App.Edge.Stack, "AWS::S3::BucketPolicy"))
		if !strings.Contains(policy, "arn:aws:iam::156460612806:root") || !strings.Contains(policy, `"/ui/AWSLogs/"`) || !strings.Contains(policy, `"/api/AWSLogs/"`) {
			t.Errorf("%s: the eu-west-1 ELB account may not write ui/ and api/ logs: %s", env, policy)
		}
	}
}

// renderPart renders a template value, naming cross-stack values
// "{{<stack>/<output>}}" and any other token "<ref>".
func renderPart(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, renderPart(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if o, ok := x["Fn::GetStackOutput"].(map[string]any); ok {
			return "{{" + fmt.Sprint(o["StackName"]) + "/" + fmt.Sprint(o["OutputName"]) + "}}"
		}
	}
	return "<ref>"
}

// kubeObjects decodes every object the OpenCTI stack attaches, by
// "<kind>/<name>".
func kubeObjects(t *testing.T, f *fixture) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range f.Resources(t, f.App.OpenCTI.Stack, "Custom::AWSCDK-EKS-KubernetesResource") {
		var objs []map[string]any
		if err := json.Unmarshal([]byte(renderPart(r["Properties"].(map[string]any)["Manifest"])), &objs); err != nil {
			t.Fatalf("manifest %s: %v", id, err)
		}
		for _, o := range objs {
			out[o["kind"].(string)+"/"+o["metadata"].(map[string]any)["name"].(string)] = o
		}
	}
	return out
}

func annotationsOf(o map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range o["metadata"].(map[string]any)["annotations"].(map[string]any) {
		out[strings.TrimPrefix(k, "alb.ingress.kubernetes.io/")] = v.(string)
	}
	return out
}

// TestIngressesCarryTheEdge: each public Ingress names its own web ACL and
// the log bucket from the Edge stack, its scheme and subnets; the ui one
// answers token requests with 403; nothing routes to worker-api.
func TestIngressesCarryTheEdge(t *testing.T) {
	f := fixtureFor(t, "prod")
	objs := kubeObjects(t, f)
	edgeStack := f.Config.Name + "-" + EdgeStackID
	networkStack := f.Config.Name + "-" + NetworkStackID
	for name, want := range map[string]struct{ acl, prefix, cert string }{
		charts.UIIngressName:  {"UiWebAcl", "ui", "UiCertificate"},
		charts.APIIngressName: {"ApiWebAcl", "api", "ApiCertificate"},
	} {
		in, ok := objs["Ingress/"+name]
		if !ok {
			t.Fatalf("no Ingress %s", name)
		}
		a := annotationsOf(in)
		if !strings.HasPrefix(a["certificate-arn"], "{{"+networkStack+"/PublishOutputRef"+want.cert) {
			t.Errorf("%s: certificate-arn %q, want the Network stack's %s", name, a["certificate-arn"], want.cert)
		}
		if !strings.HasPrefix(a["wafv2-acl-arn"], "{{"+edgeStack+"/PublishOutputFnGetAtt"+want.acl) {
			t.Errorf("%s: wafv2-acl-arn %q, want the Edge stack's %s ARN", name, a["wafv2-acl-arn"], want.acl)
		}
		if !strings.Contains(a["load-balancer-attributes"], "access_logs.s3.enabled=true,access_logs.s3.bucket={{"+edgeStack+"/PublishOutputRefAccessLogs") ||
			!strings.Contains(a["load-balancer-attributes"], "access_logs.s3.prefix="+want.prefix) {
			t.Errorf("%s: load-balancer-attributes %q", name, a["load-balancer-attributes"])
		}
		if a["scheme"] != "internet-facing" || strings.Count(a["subnets"], "PublicSubnet") != 3 {
			t.Errorf("%s: scheme %q, subnets %q; want internet-facing in the 3 public subnets", name, a["scheme"], a["subnets"])
		}
	}
	ui := annotationsOf(objs["Ingress/"+charts.UIIngressName])
	if !strings.Contains(ui["conditions.reject-api-tokens"], `"values":["Bearer *","Basic *"]`) ||
		!strings.Contains(ui["actions.reject-api-tokens"], `"statusCode":"403"`) ||
		!strings.Contains(ui["actions.reject-api-tokens"], "must call https://"+f.Config.DNS.APIHostname+"/graphql") {
		t.Errorf("ui token rule: %q / %q", ui["conditions.reject-api-tokens"], ui["actions.reject-api-tokens"])
	}
	for key, o := range objs {
		if kind := strings.Split(key, "/")[0]; kind != "Ingress" && !(kind == "Service" && o["spec"].(map[string]any)["type"] != "ClusterIP") {
			continue
		}
		if strings.Contains(mustJSON(o["spec"]), charts.WorkerAPIName) {
			t.Errorf("%s routes to worker-api", key)
		}
	}
	if svc := objs["Service/"+charts.WorkerAPIName]; svc["spec"].(map[string]any)["type"] != "ClusterIP" {
		t.Errorf("worker-api Service %v, want ClusterIP", svc["spec"])
	}
}

func TestEdgeDNSRecords(t *testing.T) {
	f := fixtureFor(t, "prod")
	uiLB, apiLB := LoadBalancerNames(f.Config)
	lookups := map[string]map[string]any{}
	for id, r := range f.Resources(t, f.App.EdgeDNS.Stack, "Custom::LoadBalancerLookup") {
		lookups[id] = r["Properties"].(map[string]any)
	}
	records := f.Resources(t, f.App.EdgeDNS.Stack, "AWS::Route53::RecordSet")
	if len(records) != 2 || len(lookups) != 2 {
		t.Fatalf("%d records, %d look-ups; want 2 and 2", len(records), len(lookups))
	}
	for host, lb := range map[string]string{f.Config.DNS.UIHostname: uiLB, f.Config.DNS.APIHostname: apiLB} {
		found := false
		for _, r := range records {
			p := r["Properties"].(map[string]any)
			if p["Name"] != host+"." {
				continue
			}
			found = true
			target := p["AliasTarget"].(map[string]any)
			lookup := target["HostedZoneId"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
			if p["Type"] != "A" || p["HostedZoneId"] != f.Config.DNS.ZoneID || lookups[lookup]["LoadBalancerName"] != lb ||
				lookups[lookup]["Scheme"] != "internet-facing" || !strings.Contains(mustJSON(target["DNSName"]), `"dualstack.",{"Fn::GetAtt":["`+lookup+`","DNSName"]}`) {
				t.Errorf("record %s: %s (look-up %v)", host, mustJSON(p), lookups[lookup])
			}
		}
		if !found {
			t.Errorf("no record for %s", host)
		}
	}
}

func TestEdgeStacksHaveNoNagErrors(t *testing.T) {
	for _, env := range config.Environments {
		f := fixtureFor(t, env)
		f.requireNoErrors(t, f.App.Edge.Stack)
		f.requireNoErrors(t, f.App.EdgeDNS.Stack)
	}
}

// edgeVariant is an extra app for what the profiles do not cover: an
// internal api hostname behind an allowlist, and OpenID Connect sign-in on
// the ui (deployment mode) with the Enterprise Edition licence.
var edgeVariant *fixture

func edgeVariantFixture(t *testing.T) *fixture {
	t.Helper()
	if edgeVariant != nil {
		return edgeVariant
	}
	edge, err := os.ReadFile("../config/testdata/variants/edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(append([]byte("environment: prod\n"), edge...), "")
	if err != nil {
		t.Fatal(err)
	}
	outdir := t.TempDir()
	app, err := cdkapp.New(outdir, false)
	if err != nil {
		t.Fatal(err)
	}
	a := NewOpenCTIApp(app, cfg)
	cdkapp.AddNag(app)
	asm := app.Synth(nil)
	edgeVariant = &fixture{Config: cfg, App: a, Assembly: asm, Outdir: outdir, errs: cdkapp.Errors(asm)}
	return edgeVariant
}

func TestEdgeInternalAPIWithAllowlistAndOIDC(t *testing.T) {
	f := edgeVariantFixture(t)
	objs := kubeObjects(t, f)
	ui, api := annotationsOf(objs["Ingress/"+charts.UIIngressName]), annotationsOf(objs["Ingress/"+charts.APIIngressName])
	if ui["scheme"] != "internet-facing" || strings.Count(ui["subnets"], "PublicSubnet") != 3 ||
		api["scheme"] != "internal" || strings.Count(api["subnets"], "WorkloadSubnet") != 3 {
		t.Errorf("ui %q in %q, api %q in %q", ui["scheme"], ui["subnets"], api["scheme"], api["subnets"])
	}
	// The ui and connector-api pods admit both load balancers' subnets.
	var public, private []string
	for _, s := range *f.App.Network.Vpc.PublicSubnets() {
		public = append(public, *s.Ipv4CidrBlock())
	}
	for _, s := range *f.App.Network.Vpc.PrivateSubnets() {
		private = append(private, *s.Ipv4CidrBlock())
	}
	for _, tier := range []string{charts.UIName, charts.ConnectorAPIName} {
		policy := mustJSON(objs["NetworkPolicy/"+tier]["spec"].(map[string]any)["ingress"])
		for _, c := range append(public, private...) {
			if !strings.Contains(policy, `"cidr":"`+c+`"`) {
				t.Errorf("%s NetworkPolicy does not admit load balancer subnet %s: %s", tier, c, policy)
			}
		}
	}
	// The api web ACL admits the allowlist only; the ui one has no allowlist.
	sets := f.Resources(t, f.App.Edge.Stack, "AWS::WAFv2::IPSet")
	if len(sets) != 1 || !strings.Contains(mustJSON(sets), `"Addresses":["203.0.113.0/24","198.51.100.0/24"]`) {
		t.Errorf("IP sets %s", mustJSON(sets))
	}
	for _, r := range f.Resources(t, f.App.Edge.Stack, "AWS::WAFv2::WebACL") {
		p := r["Properties"].(map[string]any)
		first := p["Rules"].([]any)[0].(map[string]any)["Name"]
		if (p["Name"] == f.Config.Name+"-api") != (first == "AllowedCidrsOnly") {
			t.Errorf("web ACL %s starts with %s", p["Name"], first)
		}
	}
	// The api record waits for an internal load balancer.
	for _, r := range f.Resources(t, f.App.EdgeDNS.Stack, "Custom::LoadBalancerLookup") {
		p := r["Properties"].(map[string]any)
		_, apiLB := LoadBalancerNames(f.Config)
		if (p["LoadBalancerName"] == apiLB) != (p["Scheme"] == "internal") {
			t.Errorf("look-up %v", p)
		}
	}
	// OpenID Connect on the ui only, its secret through the ui's own Secret.
	env := map[string]map[string]any{}
	for _, e := range objs["Deployment/"+charts.UIName]["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["env"].([]any) {
		env[e.(map[string]any)["name"].(string)] = e.(map[string]any)
	}
	if env["PROVIDERS__OPENID__STRATEGY"]["value"] != "OpenIDConnectStrategy" ||
		env["PROVIDERS__OPENID__CONFIG__ISSUER"]["value"] != "https://login.example.org/realms/cti" ||
		env["PROVIDERS__OPENID__CONFIG__REDIRECT_URIS"]["value"] != `["https://`+f.Config.DNS.UIHostname+`/auth/oic/callback"]` ||
		env["APP__AUTHENTICATION__FORCE_ENV"]["value"] != "true" ||
		mustJSON(env["APP__ENTERPRISE_EDITION_LICENSE"]["valueFrom"]) != `{"secretKeyRef":{"key":"APP__ENTERPRISE_EDITION_LICENSE","name":"`+charts.PlatformOperatorSecretName+`"}}` ||
		mustJSON(env["PROVIDERS__OPENID__CONFIG__CLIENT_SECRET"]["valueFrom"]) != `{"secretKeyRef":{"key":"PROVIDERS__OPENID__CONFIG__CLIENT_SECRET","name":"`+charts.UISecretName+`"}}` {
		t.Errorf("ui sign-in env: %s", mustJSON(env))
	}
	es := mustJSON(objs["ExternalSecret/"+charts.UISecretName])
	if !strings.Contains(es, `"remoteRef":{"key":"opencti/prod/oidc","property":"clientSecret"}`) {
		t.Errorf("ui ExternalSecret %s", es)
	}
	for _, tier := range []string{charts.ConnectorAPIName, charts.WorkerAPIName} {
		if d := mustJSON(objs["Deployment/"+tier]); strings.Contains(d, "PROVIDERS__OPENID") || strings.Contains(d, charts.UISecretName) {
			t.Errorf("%s got the identity provider", tier)
		}
	}
	for _, s := range stackIDs(f.App) {
		f.requireNoErrors(t, s)
	}
}

// TestEdgeDNSChecksWebACLAndAccessLogs: the look-up behind each alias record
// fails the deployment unless the load balancer carries its host's web ACL
// and writes its access logs to the Edge bucket under the host's prefix (the
// Edge stack's values, imported); the alarms' look-ups check nothing.
func TestEdgeDNSChecksWebACLAndAccessLogs(t *testing.T) {
	for _, env := range config.Environments {
		f := fixtureFor(t, env)
		uiLB, apiLB := LoadBalancerNames(f.Config)
		want := map[string]struct{ acl, prefix string }{uiLB: {"UiWebAcl", charts.AccessLogsPrefixUI}, apiLB: {"ApiWebAcl", charts.AccessLogsPrefixAPI}}
		for id, r := range f.Resources(t, f.App.EdgeDNS.Stack, "Custom::LoadBalancerLookup") {
			p := r["Properties"].(map[string]any)
			w := want[p["LoadBalancerName"].(string)]
			acl, bucket := mustJSON(p["ExpectedWebAclArn"]), mustJSON(p["ExpectedAccessLogsBucket"])
			// The app's cross-stack references read the Edge stack's outputs
			// (Fn::GetStackOutput).
			edgeOutput := `{"Fn::GetStackOutput":{"OutputName":"PublishOutput`
			edgeStack := `"StackName":"` + f.Config.Name + `-Edge"}}`
			if !strings.HasPrefix(acl, edgeOutput+`FnGetAtt`+w.acl) || !strings.HasSuffix(acl, edgeStack) ||
				!strings.HasPrefix(bucket, edgeOutput+`RefAccessLogs`) || !strings.HasSuffix(bucket, edgeStack) ||
				p["ExpectedAccessLogsPrefix"] != w.prefix {
				t.Errorf("%s %s: web ACL %s, bucket %s, prefix %v", env, id, acl, bucket, p["ExpectedAccessLogsPrefix"])
			}
		}
		statements := map[string]any{}
		for _, pol := range f.Resources(t, f.App.EdgeDNS.Stack, "AWS::IAM::Policy") {
			for _, s := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				if sid, ok := s.(map[string]any)["Sid"].(string); ok {
					statements[sid] = s
				}
			}
		}
		read := mustJSON(statements["ReadWebACLAssociations"])
		for _, part := range []string{`"Action":["wafv2:GetWebACL","wafv2:GetWebACLForResource"]`, `:loadbalancer/app/*/*"`, `:regional/webacl/*/*"`} {
			if !strings.Contains(read, part) {
				t.Errorf("%s: ReadWebACLAssociations lacks %s: %s", env, part, read)
			}
		}
		if got := mustJSON(statements["DescribeLoadBalancerAttributes"]); !strings.Contains(got, `"Action":"elasticloadbalancing:DescribeLoadBalancerAttributes"`) {
			t.Errorf("%s: DescribeLoadBalancerAttributes: %s", env, got)
		}
		for id, r := range f.Resources(t, f.App.Monitoring.Stack, "Custom::LoadBalancerLookup") {
			if raw := mustJSON(r["Properties"]); strings.Contains(raw, "Expected") {
				t.Errorf("%s: the alarms' look-up %s checks: %s", env, id, raw)
			}
		}
	}
}
