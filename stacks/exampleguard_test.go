package stacks

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// TestEveryStackRefusesToDeployExampleValues: each of the seven stacks of
// both profiles carries the CheckExampleValues rule, with one assertion per
// example value: the parameter (defaulting to the configured value) must
// differ from the example value, and the description names the field.
func TestEveryStackRefusesToDeployExampleValues(t *testing.T) {
	for _, env := range config.Environments {
		f := fixtureFor(t, env)
		values := f.Config.Placeholders()
		if len(values) < 5 {
			t.Fatalf("%s: only %d example values: %v", env, len(values), values)
		}
		stacks := f.App.stacks()
		want := 7
		if f.Config.DR.Enabled {
			want = 8 // and the Recovery stack
		}
		if len(stacks) != want {
			t.Fatalf("%s: %d stacks, want %d", env, len(stacks), want)
		}
		for _, stack := range stacks {
			tpl := f.TemplateJSON(t, stack)
			name := env + " " + *stack.StackName()
			rule, ok := tpl["Rules"].(map[string]any)[ExampleValueRuleID].(map[string]any)
			if !ok {
				t.Errorf("%s: no %s rule", name, ExampleValueRuleID)
				continue
			}
			if _, conditional := rule["RuleCondition"]; conditional {
				t.Errorf("%s: the rule has a condition; it must always apply", name)
			}
			assertions, _ := rule["Assertions"].([]any)
			if len(assertions) != len(values) {
				t.Errorf("%s: %d assertions, want %d", name, len(assertions), len(values))
				continue
			}
			params, _ := tpl["Parameters"].(map[string]any)
			for i, v := range values {
				id := ExampleValueParameterID(v.Field)
				got, _ := json.Marshal(assertions[i])
				want, _ := json.Marshal(map[string]any{
					"Assert":            map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": id}, v.Value}}}},
					"AssertDescription": v.Message(),
				})
				if string(got) != string(want) {
					t.Errorf("%s assertion %d:\n got %s\nwant %s", name, i, got, want)
				}
				p, _ := params[id].(map[string]any)
				if p["Type"] != "String" || p["Default"] != v.Value {
					t.Errorf("%s parameter %s = %v, want a String defaulting to %q", name, id, p, v.Value)
				}
			}
		}
	}
}

// TestExampleValueRuleMessages pins the exact text CloudFormation reports for
// the prod profile.
func TestExampleValueRuleMessages(t *testing.T) {
	f := fixtureFor(t, "prod")
	tpl := f.TemplateJSON(t, f.App.Edge.Stack)
	var got []string
	for _, a := range tpl["Rules"].(map[string]any)[ExampleValueRuleID].(map[string]any)["Assertions"].([]any) {
		got = append(got, a.(map[string]any)["AssertDescription"].(string))
	}
	const tail = " in your configuration file (-c config=<file>; see docs/configuration.md)"
	want := []string{
		`dns.zoneName still holds the example value "opencti.example.com": set it to the domain of your Route 53 hosted zone` + tail,
		`dns.zoneId still holds the example value "Z0000000000000000000P": set it to the ID of your Route 53 hosted zone` + tail,
		`dns.uiHostname still holds the example value "ui.opencti.example.com": set it to the ui hostname in your own zone` + tail,
		`dns.apiHostname still holds the example value "api.opencti.example.com": set it to the api hostname in your own zone` + tail,
		`cluster.adminRoleArns[0] still holds the example value "arn:aws:iam::000000000000:role/opencti-prod-cluster-admin": set it to an IAM role of your account that administers the cluster` + tail,
		`opencti.adminEmail still holds the example value "opencti-admin@opencti.example.com": set it to the e-mail address of the OpenCTI admin user` + tail,
	}
	if len(got) != len(want) {
		t.Fatalf("messages:\n%q\nwant\n%q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

func TestNoExampleValuesNoRule(t *testing.T) {
	app := testutil.NewApp()
	stack := awscdk.NewStack(app, jsii.String("Clean"), nil)
	if rule := AddExampleValueRules(stack, nil); rule != nil {
		t.Error("a rule for a configuration without example values")
	}
	awscdk.NewCfnResource(stack, jsii.String("Anything"), &awscdk.CfnResourceProps{Type: jsii.String("AWS::SNS::Topic")})
	tpl := assertions.Template_FromStack(stack, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
	raw, _ := json.Marshal(tpl.ToJSON())
	var got map[string]any
	_ = json.Unmarshal(raw, &got)
	for id := range got["Rules"].(map[string]any) {
		if id == ExampleValueRuleID {
			t.Errorf("rule %s present", id)
		}
	}
	for id := range got["Parameters"].(map[string]any) {
		if len(id) > len(ExampleValueParameterPrefix) && id[:len(ExampleValueParameterPrefix)] == ExampleValueParameterPrefix {
			t.Errorf("parameter %s present", id)
		}
	}
}

func TestExampleValueParameterID(t *testing.T) {
	for field, want := range map[string]string{
		"dns.zoneName":              "ExampleValueDnsZoneName",
		"cluster.adminRoleArns[0]":  "ExampleValueClusterAdminRoleArns0",
		"cluster.adminRoleArns[12]": "ExampleValueClusterAdminRoleArns12",
		"account":                   "ExampleValueAccount",
	} {
		if got := ExampleValueParameterID(field); got != want {
			t.Errorf("%s: got %s, want %s", field, got, want)
		}
	}
}
