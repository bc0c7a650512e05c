package stacks

import (
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
)

// ExampleValueRuleID is the logical ID of the rule that stops the deployment
// of a stack while the configuration still holds an example value.
const ExampleValueRuleID = "CheckExampleValues"

// ExampleValueParameterPrefix starts the logical ID of each parameter the
// rule checks: "ExampleValue" + the field in PascalCase (e.g.
// ExampleValueDnsZoneName, ExampleValueClusterAdminRoleArns0).
const ExampleValueParameterPrefix = "ExampleValue"

// AddExampleValueRules stops every deployment of stack that still carries an
// example value of the embedded profiles, before CloudFormation creates or
// changes anything, with a message naming the field.
//
// The embedded profiles must keep synthesizing on a fresh machine, so synth
// only warns. The deploy-time check is a CloudFormation rule: the Rules
// section validates parameter values before CloudFormation creates or updates
// any resource, and when an assertion is false it does not create or update
// the stack and reports the assertion's AssertDescription (the mechanism of
// the CheckBootstrapVersion rule aws-cdk-lib puts in every template).
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-rules.html
//
// Rules can only test parameters, so each example value becomes a String
// parameter whose default is the configured value, and the rule asserts that
// the parameter differs from the example value. Stacks of a configuration
// without example values get neither parameter nor rule.
//
// The app adds the rule to every stack, not only to the stacks that use the
// field: Network and Edge depend on nothing and may deploy first and in
// parallel (cdk deploy --all --concurrency), and any stack may be deployed
// alone (cdk deploy --exclusively, a pipeline stage); whichever CloudFormation
// sees first fails, and none is created.
func AddExampleValueRules(stack awscdk.Stack, values []config.ExampleValue) awscdk.CfnRule {
	if len(values) == 0 {
		return nil
	}
	assertions := make([]*awscdk.CfnRuleAssertion, 0, len(values))
	for _, v := range values {
		param := awscdk.NewCfnParameter(stack, jsii.String(ExampleValueParameterID(v.Field)), &awscdk.CfnParameterProps{
			Type:    jsii.String("String"),
			Default: jsii.String(v.Value),
			Description: jsii.String("The configuration's " + v.Field + ", still the embedded profile's example value; the " +
				ExampleValueRuleID + " rule stops the deployment while it is. Set the field in the configuration file."),
		})
		assertions = append(assertions, &awscdk.CfnRuleAssertion{
			Assert:            awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(param.ValueAsString(), jsii.String(v.Value))),
			AssertDescription: jsii.String(v.Message()),
		})
	}
	return awscdk.NewCfnRule(stack, jsii.String(ExampleValueRuleID), &awscdk.CfnRuleProps{Assertions: &assertions})
}

// ExampleValueParameterID is the logical ID of the parameter that carries the
// value of field (a YAML path) for the CheckExampleValues rule.
func ExampleValueParameterID(field string) string {
	var b strings.Builder
	b.WriteString(ExampleValueParameterPrefix)
	upper := true
	for _, r := range field {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if upper {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}

// stacks lists every stack of the app.
func (a *OpenCTIApp) stacks() []awscdk.Stack {
	out := []awscdk.Stack{a.Network.Stack, a.Data.Stack, a.Cluster.Stack, a.Edge.Stack, a.OpenCTI.Stack, a.Monitoring.Stack, a.EdgeDNS.Stack}
	for _, s := range []awscdk.Stack{a.Recovery.stack(), a.RecoveryVault.stack()} {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}
