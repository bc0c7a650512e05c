package stacks

import (
	"encoding/json"
	"strings"
	"testing"
)

// The app's Monitoring stack checks the dimensions its configuration names:
// the literal domain and broker names, the replication group members and
// the cluster (weak references, resolved at deployment), with the
// configured wait.
func TestMonitoringStackDimensionCheck(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			f := monitoringFor(t, env)
			var check map[string]any
			for _, r := range f.resources {
				if r["Type"] == "Custom::AlarmDimensionCheck" {
					if check != nil {
						t.Fatal("more than one Custom::AlarmDimensionCheck")
					}
					check = r["Properties"].(map[string]any)
				}
			}
			if check == nil {
				t.Fatal("no Custom::AlarmDimensionCheck")
			}
			if check["WaitSeconds"] != "1800" || check["AlarmNamePrefix"] != f.cfg.Name+"-" {
				t.Errorf("wait %v, prefix %v; want 1800 and %s-", check["WaitSeconds"], check["AlarmNamePrefix"], f.cfg.Name)
			}
			targets, _ := check["Targets"].([]any)
			// Domain + 1 (dev) or 3 (prod) Redis nodes + broker + cluster.
			want := 3 + 1 + f.cfg.Data.Redis.Replicas
			if len(targets) != want {
				b, _ := json.Marshal(targets)
				t.Errorf("Targets %s: want %d names", b, want)
			}
			if _, literal := targets[0].(string); !literal {
				t.Errorf("first target %v, want the domain's literal name", targets[0])
			}
		})
	}
}

// The Data stack's replication group publishes its events to its own topic,
// and the Monitoring stack forwards them: the subscription lives in the
// Monitoring stack (which already depends on Data), the topic in Data.
func TestRedisEventsFromDataReachMonitoring(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			f := fixtureFor(t, env)
			var topicID string
			for id := range f.Resources(t, f.App.Data.Stack, "AWS::SNS::Topic") {
				if strings.Contains(id, "EventTopic") {
					topicID = id
				}
			}
			if topicID == "" {
				t.Fatal("no ElastiCache event topic in the Data stack")
			}
			for _, rg := range f.Resources(t, f.App.Data.Stack, "AWS::ElastiCache::ReplicationGroup") {
				if got := jsonString(rg["Properties"].(map[string]any)["NotificationTopicArn"]); got != `{"Ref":"`+topicID+`"}` {
					t.Errorf("NotificationTopicArn %s, want the event topic", got)
				}
			}
			subs := 0
			for _, s := range f.Resources(t, f.App.Monitoring.Stack, "AWS::SNS::Subscription") {
				p := s["Properties"].(map[string]any)
				if p["Protocol"] == "lambda" && strings.Contains(jsonString(p["TopicArn"]), "Fn::GetStackOutput") {
					subs++
				}
			}
			if subs != 1 {
				t.Errorf("want the forwarder subscribed to the Data stack's event topic once, got %d", subs)
			}
		})
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
