package edge_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/edge"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// One app per test binary: a stack in eu-west-1 (an older region with a
// regional Elastic Load Balancing account) with two web ACLs, the log bucket
// and the records; a stack in eu-south-2 (opened after August 2022) with a
// log bucket only.
var (
	app                 awscdk.App
	main, newer         awscdk.Stack
	tmpl, newerTmpl     assertions.Template
	res                 map[string]map[string]any
	ui, api             edge.WebACL
	records             edge.LoadBalancerRecords
	mainJSON, newerJSON map[string]any
)

func TestMain(m *testing.M) {
	app = testutil.NewApp()
	testutil.AddNag(app)
	main = awscdk.NewStack(app, jsii.String("Main"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	newer = awscdk.NewStack(app, jsii.String("Newer"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-south-2")}})
	key := secrets.NewLogsKey(main, "LogsKey", &secrets.LogsKeyProps{Description: jsii.String("WAF logs"), RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	ui = edge.NewWebACL(main, "UiWebAcl", &edge.WebACLProps{
		Name: "opencti-ui", RateLimit: new(6000), LogEncryptionKey: key,
		CountRules: []string{"AWSManagedRulesCommonRuleSet/CrossSiteScripting_BODY", "AWSManagedRulesKnownBadInputsRuleSet/Log4JRCE_BODY"},
	})
	api = edge.NewWebACL(main, "ApiWebAcl", &edge.WebACLProps{
		Name: "opencti-api", RateLimit: new(30000), RateLimitWindowSeconds: new(60),
		AllowedCidrs: []string{"203.0.113.0/24", "198.51.100.0/24"}, LogRetention: awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	edge.NewLoadBalancerLogsBucket(main, "AccessLogs", &edge.LoadBalancerLogsBucketProps{ExpirationDays: new(90)})
	edge.NewLoadBalancerLogsBucket(newer, "AccessLogs", &edge.LoadBalancerLogsBucketProps{RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(main, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"), ZoneName: jsii.String("cti.example.org"),
	})
	records = edge.NewLoadBalancerRecords(main, "Records", &edge.LoadBalancerRecordsProps{
		Zone: zone,
		Records: []edge.LoadBalancerRecord{
			{ID: "Ui", RecordName: "ui.cti.example.org", LoadBalancerName: "opencti-ui", Scheme: "internet-facing"},
			{ID: "Api", RecordName: "api.cti.example.org", LoadBalancerName: "opencti-api", Scheme: "internal"},
		},
		Revision: jsii.String("3"),
	})
	tmpl = assertions.Template_FromStack(main, nil)
	newerTmpl = assertions.Template_FromStack(newer, nil)
	mainJSON, newerJSON = *tmpl.ToJSON(), *newerTmpl.ToJSON()
	res = map[string]map[string]any{}
	for id, r := range mainJSON["Resources"].(map[string]any) {
		res[id] = r.(map[string]any)
	}
	testmain.Run(m)
}

func ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range res {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func one(t *testing.T, typ, prefix string) map[string]any {
	t.Helper()
	var found []map[string]any
	for id, r := range ofType(typ) {
		if strings.HasPrefix(id, prefix) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s %s*: %d resources, want 1", typ, prefix, len(found))
	}
	return found[0]["Properties"].(map[string]any)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// rulesOf returns a web ACL's rules by name.
func rulesOf(t *testing.T, prefix string) (map[string]map[string]any, []string) {
	t.Helper()
	byName := map[string]map[string]any{}
	var order []string
	for _, r := range one(t, "AWS::WAFv2::WebACL", prefix)["Rules"].([]any) {
		rule := r.(map[string]any)
		byName[rule["Name"].(string)] = rule
		order = append(order, rule["Name"].(string))
	}
	return byName, order
}

func TestWebACLRules(t *testing.T) {
	acl := one(t, "AWS::WAFv2::WebACL", "UiWebAcl")
	if acl["Scope"] != "REGIONAL" || acl["Name"] != "opencti-ui" || jsonOf(acl["DefaultAction"]) != `{"Allow":{}}` {
		t.Errorf("web ACL: %s", jsonOf(acl))
	}
	rules, order := rulesOf(t, "UiWebAcl")
	if got := strings.Join(order, ","); got != "AWSManagedRulesAmazonIpReputationList,RateLimitPerIp,AWSManagedRulesKnownBadInputsRuleSet,AWSManagedRulesCommonRuleSet" {
		t.Errorf("ui rules in order %s", got)
	}
	rate := rules[edge.RateLimitRuleName]
	if jsonOf(rate["Statement"]) != `{"RateBasedStatement":{"AggregateKeyType":"IP","EvaluationWindowSec":300,"Limit":6000}}` ||
		jsonOf(rate["Action"]) != `{"Block":{"CustomResponse":{"ResponseCode":429}}}` {
		t.Errorf("rate rule: %s", jsonOf(rate))
	}
	for _, group := range []string{edge.IPReputationRuleGroup, edge.KnownBadInputsRuleGroup, edge.CommonRuleGroup} {
		stmt := rules[group]["Statement"].(map[string]any)["ManagedRuleGroupStatement"].(map[string]any)
		if stmt["VendorName"] != "AWS" || stmt["Name"] != group || jsonOf(rules[group]["OverrideAction"]) != `{"None":{}}` {
			t.Errorf("%s: %s", group, jsonOf(rules[group]))
		}
	}
	// The common rule set's body size rule always counts (bodies over 8 KB are
	// OpenCTI's GraphQL mutations and uploads), plus the configured rules,
	// each in its own group.
	counted := func(group string) string {
		stmt := rules[group]["Statement"].(map[string]any)["ManagedRuleGroupStatement"].(map[string]any)
		var names []string
		for _, o := range asList(stmt["RuleActionOverrides"]) {
			ov := o.(map[string]any)
			if jsonOf(ov["ActionToUse"]) != `{"Count":{}}` {
				t.Errorf("%s override %s", group, jsonOf(ov))
			}
			names = append(names, ov["Name"].(string))
		}
		return strings.Join(names, ",")
	}
	if got := counted(edge.CommonRuleGroup); got != "SizeRestrictions_BODY,CrossSiteScripting_BODY" {
		t.Errorf("common rule set counts %s", got)
	}
	if got := counted(edge.KnownBadInputsRuleGroup); got != "Log4JRCE_BODY" {
		t.Errorf("known bad inputs count %s", got)
	}
	if got := counted(edge.IPReputationRuleGroup); got != "" {
		t.Errorf("IP reputation counts %s", got)
	}
	if ui.AllowedIPSet() != nil {
		t.Error("ui has an allowlist although none was given")
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func TestWebACLAllowlist(t *testing.T) {
	rules, order := rulesOf(t, "ApiWebAcl")
	if order[0] != edge.AllowlistRuleName {
		t.Fatalf("api rules %v: the allowlist must come first", order)
	}
	allow := rules[edge.AllowlistRuleName]
	ipset := one(t, "AWS::WAFv2::IPSet", "ApiWebAclAllowedCidrs")
	if jsonOf(ipset["Addresses"]) != `["203.0.113.0/24","198.51.100.0/24"]` || ipset["IPAddressVersion"] != "IPV4" || ipset["Scope"] != "REGIONAL" {
		t.Errorf("IP set %s", jsonOf(ipset))
	}
	if !strings.Contains(jsonOf(allow["Statement"]), `{"NotStatement":{"Statement":{"IPSetReferenceStatement":{"Arn":{"Fn::GetAtt":["ApiWebAclAllowedCidrs`) ||
		jsonOf(allow["Action"]) != `{"Block":{"CustomResponse":{"ResponseCode":403}}}` {
		t.Errorf("allowlist rule %s", jsonOf(allow))
	}
	if got := jsonOf(rules[edge.RateLimitRuleName]["Statement"]); !strings.Contains(got, `"EvaluationWindowSec":60,"Limit":30000`) {
		t.Errorf("api rate rule %s", got)
	}
}

func TestWebACLLogging(t *testing.T) {
	for _, c := range []struct {
		acl, name string
		days      float64
		removal   string
	}{{"UiWebAcl", "opencti-ui", 365, "Retain"}, {"ApiWebAcl", "opencti-api", 30, "Delete"}} {
		var group map[string]any
		for id, r := range ofType("AWS::Logs::LogGroup") {
			if strings.HasPrefix(id, c.acl+"Logs") {
				group = r
			}
		}
		if group == nil {
			t.Fatalf("%s: no log group", c.acl)
		}
		p := group["Properties"].(map[string]any)
		if p["LogGroupName"] != "aws-waf-logs-"+c.name || p["RetentionInDays"] != c.days || p["KmsKeyId"] == nil || group["DeletionPolicy"] != c.removal {
			t.Errorf("%s log group: %s", c.acl, jsonOf(group))
		}
		l := one(t, "AWS::WAFv2::LoggingConfiguration", c.acl+"Logging")
		if !strings.Contains(jsonOf(l["LogDestinationConfigs"]), ":log-group:aws-waf-logs-"+c.name+`"`) ||
			jsonOf(l["RedactedFields"]) != `[{"SingleHeader":{"Name":"authorization"}},{"SingleHeader":{"Name":"cookie"}}]` ||
			!strings.Contains(jsonOf(l["LoggingFilter"]), `"DefaultBehavior":"DROP"`) || !strings.Contains(jsonOf(l["LoggingFilter"]), `{"ActionCondition":{"Action":"BLOCK"}}`) {
			t.Errorf("%s logging: %s", c.acl, jsonOf(l))
		}
	}
	// The ui ACL uses the given key; the api ACL made its own; both let
	// CloudWatch Logs use them.
	if n := len(ofType("AWS::KMS::Key")); n != 2 {
		t.Errorf("%d KMS keys, want the given one and the api ACL's own", n)
	}
	testutil.Assert(t, func() {
		tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"},
			})})},
		})
	})
}

func TestLogsBucket(t *testing.T) {
	for name, c := range map[string]struct {
		tmpl      assertions.Template
		json      map[string]any
		principal string
		days      float64
		policy    string
	}{
		"eu-west-1 (regional ELB account)": {tmpl, mainJSON, `":iam::156460612806:root"`, 90, "Retain"},
		"eu-south-2 (service principal)":   {newerTmpl, newerJSON, `{"Service":"` + edge.ELBLogDeliveryServicePrincipal + `"}`, 365, "Delete"},
	} {
		t.Run(name, func(t *testing.T) {
			testutil.Assert(t, func() {
				c.tmpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
					"DeletionPolicy": c.policy,
					"Properties": map[string]any{
						"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
							"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
						}}},
						"PublicAccessBlockConfiguration": map[string]any{
							"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
						},
						"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
						"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
							"Id": "ExpireAccessLogs", "ExpirationInDays": c.days, "Status": "Enabled",
						})})},
					},
				})
				c.tmpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
					"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
						assertions.Match_ObjectLike(&map[string]any{"Sid": "ELBAccessLogDelivery", "Effect": "Allow", "Action": "s3:PutObject"}),
					})},
				})
			})
			// Log delivery may write under <prefix>/AWSLogs/<account>/ only.
			var statement string
			for _, r := range c.json["Resources"].(map[string]any) {
				if r.(map[string]any)["Type"] == "AWS::S3::BucketPolicy" {
					statement = jsonOf(r)
				}
			}
			if !strings.Contains(statement, c.principal) {
				t.Errorf("log delivery principal is not %s: %s", c.principal, statement)
			}
			for _, prefix := range []string{"ui", "api"} {
				if !strings.Contains(statement, `"/`+prefix+`/AWSLogs/111111111111/*"`) {
					t.Errorf("no write grant under %s/AWSLogs/111111111111/: %s", prefix, statement)
				}
			}
		})
	}
}

func TestAliasRecordsFollowTheLookedUpLoadBalancers(t *testing.T) {
	for _, c := range []struct{ id, name, lb, scheme string }{
		{"Ui", "ui.cti.example.org.", "opencti-ui", "internet-facing"},
		{"Api", "api.cti.example.org.", "opencti-api", "internal"},
	} {
		lookup := "Records" + c.id + "LoadBalancer"
		var lookupID string
		for id, r := range ofType("Custom::LoadBalancerLookup") {
			if strings.HasPrefix(id, "RecordsLookup"+c.id+"LoadBalancer") {
				lookupID = id
				p := r["Properties"].(map[string]any)
				if p["LoadBalancerName"] != c.lb || p["Scheme"] != c.scheme || p["Revision"] != "3" {
					t.Errorf("%s look-up: %s", c.id, jsonOf(p))
				}
			}
		}
		if lookupID == "" {
			t.Fatalf("no look-up for %s (%s)", c.id, lookup)
		}
		r := one(t, "AWS::Route53::RecordSet", "Records"+c.id+"Record")
		want := fmt.Sprintf(`{"DNSName":{"Fn::Join":["",["dualstack.",{"Fn::GetAtt":["%s","DNSName"]}]]},"EvaluateTargetHealth":true,"HostedZoneId":{"Fn::GetAtt":["%s","CanonicalHostedZoneId"]}}`, lookupID, lookupID)
		if r["Type"] != "A" || r["Name"] != c.name || r["HostedZoneId"] != "Z0123456789ABCDEFGHIJ" || jsonOf(r["AliasTarget"]) != want {
			t.Errorf("%s record: %s", c.id, jsonOf(r))
		}
	}
	if records.Record("Ui") == nil || records.Lookup() == nil || records.LoadBalancer("Api").DNSName == nil {
		t.Error("records not exposed")
	}
	// The look-up role may only describe load balancers and write its logs.
	var actions []string
	for _, p := range ofType("AWS::IAM::Policy") {
		doc := jsonOf(p["Properties"])
		if strings.Contains(doc, "RecordsLookupLookupRole") {
			actions = append(actions, doc)
		}
	}
	if len(actions) != 1 || !strings.Contains(actions[0], "elasticloadbalancing:DescribeLoadBalancers") || strings.Contains(actions[0], "route53:") {
		t.Errorf("look-up role policy: %v", actions)
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, main)
	testutil.RequireNoNagErrors(t, newer)
}

func TestInvalidPropsPanicWithEveryProblem(t *testing.T) {
	scratch := awscdk.NewStack(testutil.NewApp(), jsii.String("Scratch"), nil)
	for _, c := range []struct {
		name string
		fn   func()
		want []string
	}{
		{"web ACL", func() {
			edge.NewWebACL(scratch, "Bad", &edge.WebACLProps{Name: "bad name", RateLimit: new(0), RateLimitWindowSeconds: new(30),
				AllowedCidrs: []string{"10.0.0.1/8", "0.0.0.0/0"}, CountRules: []string{"SizeRestrictions_BODY"}})
		}, []string{
			`edge.WebACLProps.Name: got "bad name", want 1 to 115 letters, digits, '-' and '_'`,
			`edge.WebACLProps.RateLimit: got 0, want 10 to 2000000000 requests per client IP per window (the range of an AWS WAF rate-based rule)`,
			`edge.WebACLProps.RateLimitWindowSeconds: got 30, want one of [60 120 300 600] (the evaluation windows AWS WAF offers)`,
			`edge.WebACLProps.AllowedCidrs[0]: got "10.0.0.1/8", want an IPv4 network in CIDR notation such as 203.0.113.0/24`,
			`edge.WebACLProps.AllowedCidrs[1]: got "0.0.0.0/0", want a network narrower than 0.0.0.0/0 (leave the list empty to admit every address)`,
			`edge.WebACLProps.CountRules[0]: got "SizeRestrictions_BODY", want <rule group>/<rule> with a rule group among AWSManagedRulesAmazonIpReputationList, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesCommonRuleSet, e.g. AWSManagedRulesCommonRuleSet/CrossSiteScripting_BODY`,
		}},
		{"logs bucket", func() {
			edge.NewLoadBalancerLogsBucket(scratch, "Bad", &edge.LoadBalancerLogsBucketProps{ExpirationDays: new(0), Prefixes: []string{"ui", "UI", "ui"}})
		}, []string{
			`edge.LoadBalancerLogsBucketProps.ExpirationDays: got 0, want 1 to 3650 days`,
			`edge.LoadBalancerLogsBucketProps.Prefixes[1]: got "UI", want a unique lower-case prefix such as "ui"`,
			`edge.LoadBalancerLogsBucketProps.Prefixes[2]: got "ui", want a unique lower-case prefix such as "ui"`,
		}},
		{"records", func() {
			edge.NewLoadBalancerRecords(scratch, "Bad", &edge.LoadBalancerRecordsProps{Records: []edge.LoadBalancerRecord{
				{ID: "ui", RecordName: "", LoadBalancerName: "-x", Scheme: "public"},
			}})
		}, []string{
			`edge.LoadBalancerRecordsProps.Zone: got nil, want the hosted zone of the records`,
			`edge.LoadBalancerRecordsProps.Records[0].ID: got "ui", want a unique PascalCase construct ID such as "Ui"`,
			`edge.LoadBalancerRecordsProps.Records[0].RecordName: got "", want a hostname such as ui.example.org`,
			`edge.LoadBalancerRecordsProps.Records[0].LoadBalancerName: got "-x", want a load balancer name (1 to 32 letters, digits and inner '-')`,
			`edge.LoadBalancerRecordsProps.Records[0].Scheme: got "public", want "internet-facing", "internal" or empty`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := testutil.PanicMessage(func() {
				c.fn()
			})
			lines := strings.Split(msg, "\n")
			if !strings.HasSuffix(lines[0], `"Bad": invalid props:`) {
				t.Errorf("panic does not name the construct: %q", lines[0])
			}
			if got := strings.Join(lines[1:], "\n"); got != strings.Join(c.want, "\n") {
				t.Errorf("panic:\n got: %q\nwant: %q", lines, c.want)
			}
		})
	}
	if n := len(*scratch.Node().Children()); n != 0 {
		t.Errorf("invalid props created %d constructs", n)
	}
}
