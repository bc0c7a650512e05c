package monitoring

import (
	"strings"
	"testing"
)

// The ElastiCache event topic feeds a forwarder that may only publish to the
// alarm topic (and use its key) and write its logs.
func TestRedisEventsReachTheAlarmTopic(t *testing.T) {
	sub := ofType(resources, "AWS::SNS::Subscription")
	var lambdaSubs []map[string]any
	for _, id := range sub {
		if p := resources[id].Properties; p["Protocol"] == "lambda" {
			lambdaSubs = append(lambdaSubs, p)
		}
	}
	if len(lambdaSubs) != 1 || lambdaSubs[0]["TopicArn"] != "arn:aws:sns:eu-west-1:123456789012:opencti-cache-events" {
		t.Fatalf("want one lambda subscription to the event topic, got %s", jsonOf(lambdaSubs))
	}
	fnID := logicalID(t, resources, "AWS::Lambda::Function", "MonitoringRedisEventsFunction")
	if !strings.Contains(jsonOf(lambdaSubs[0]["Endpoint"]), fnID) {
		t.Errorf("subscription endpoint %s, want %s", jsonOf(lambdaSubs[0]["Endpoint"]), fnID)
	}
	fn := resources[fnID].Properties
	if code := fn["Code"].(map[string]any)["ZipFile"].(string); !strings.Contains(code, "ElastiCache:FailoverComplete") || fn["Runtime"] != "nodejs24.x" {
		t.Error("not the inline forwarder on Node.js 24")
	}
	env := jsonOf(fn["Environment"])
	if !strings.Contains(env, `"ALARM_TOPIC_ARN":{"Ref":"`+logicalID(t, resources, "AWS::SNS::Topic", "MonitoringTopic")+`"}`) || !strings.Contains(env, `"DEPLOYMENT":"opencti-test"`) {
		t.Errorf("environment %s", env)
	}
	perm := false
	for _, id := range ofType(resources, "AWS::Lambda::Permission") {
		p := resources[id].Properties
		if p["Principal"] == "sns.amazonaws.com" && p["SourceArn"] == "arn:aws:sns:eu-west-1:123456789012:opencti-cache-events" && strings.Contains(jsonOf(p["FunctionName"]), fnID) {
			perm = true
		}
	}
	if !perm {
		t.Error("no permission for the event topic to invoke the forwarder")
	}
	role := logicalID(t, resources, "AWS::IAM::Role", "MonitoringRedisEventsRole")
	statements, actions := roleStatements(resources, role)
	for _, st := range statements {
		if strings.Contains(jsonOf(st["Resource"]), `"*"`) {
			t.Errorf("forwarder statement on *: %s", jsonOf(st))
		}
	}
	t.Logf("forwarder actions: %v", actions)
	if !strings.Contains(strings.Join(actions, " "), "sns:Publish") || !strings.Contains(strings.Join(actions, " "), "kms:GenerateDataKey") {
		t.Errorf("forwarder may not publish to the encrypted topic: %v", actions)
	}
	if mon.RedisEventForwarder() == nil {
		t.Error("RedisEventForwarder() is nil")
	}
}
