package cache_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// ElastiCache publishes the group's events to a topic of its own: set as
// NotificationTopicArn, unencrypted (ElastiCache cannot publish to an
// encrypted topic), TLS-only, writable by ElastiCache of this account
// through aws:SourceOwner.
func TestEventTopic(t *testing.T) {
	for name, f := range map[string]*testutil.Fixture{"dev": dev, "prod": prd} {
		t.Run(name, func(t *testing.T) {
			_, rg := group(t, f)
			topics := testutil.Resources(f.JSON, "AWS::SNS::Topic")
			if len(topics) != 1 {
				t.Fatalf("got %d topics, want 1", len(topics))
			}
			for id, topic := range topics {
				props := rg["Properties"].(map[string]any)
				if !reflect.DeepEqual(props["NotificationTopicArn"], map[string]any{"Ref": id}) {
					t.Errorf("NotificationTopicArn %v, want the event topic %s", props["NotificationTopicArn"], id)
				}
				if tp, _ := topic["Properties"].(map[string]any); tp != nil && tp["KmsMasterKeyId"] != nil {
					t.Errorf("the event topic must not be encrypted: %v", tp["KmsMasterKeyId"])
				}
			}
			var doc string
			for _, p := range testutil.Resources(f.JSON, "AWS::SNS::TopicPolicy") {
				b, _ := json.Marshal(p["Properties"])
				doc += string(b)
			}
			for _, want := range []string{
				`"aws:SecureTransport":"false"`,
				`"Service":"elasticache.amazonaws.com"`,
				`"StringEquals":{"aws:SourceOwner":`,
			} {
				if !strings.Contains(doc, want) {
					t.Errorf("topic policy lacks %s: %s", want, doc)
				}
			}
			if strings.Contains(doc, "aws:SourceAccount") {
				t.Errorf("ElastiCache cannot publish under aws:SourceAccount: %s", doc)
			}
		})
	}
}
