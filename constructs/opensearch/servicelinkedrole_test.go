package opensearch_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// TestServiceLinkedRoleIsCreatedWhenMissingAndNeverDeleted: the domain waits
// for a custom resource that calls iam:CreateServiceLinkedRole on create and
// update, ignores the error IAM returns when the role exists, makes no call
// on delete, and may create only that role.
func TestServiceLinkedRoleIsCreatedWhenMissingAndNeverDeleted(t *testing.T) {
	crs := testutil.Resources(prd.JSON, "Custom::OpenSearchServiceLinkedRole")
	if len(crs) != 1 {
		t.Fatalf("got %d Custom::OpenSearchServiceLinkedRole, want 1", len(crs))
	}
	var crID string
	for id, cr := range crs {
		crID = id
		props := cr["Properties"].(map[string]any)
		if _, ok := props["Delete"]; ok {
			t.Errorf("the custom resource has a Delete call: %v", props["Delete"])
		}
		want := map[string]any{
			"service":                  "IAM",
			"action":                   "CreateServiceLinkedRole",
			"parameters":               map[string]any{"AWSServiceName": "opensearchservice.amazonaws.com", "Description": "OpenSearch Service: network interfaces of VPC domains (created by opencti-ha)"},
			"ignoreErrorCodesMatching": "^InvalidInput(Exception)?$",
			"physicalResourceId":       map[string]any{"id": "AWSServiceRoleForAmazonOpenSearchService"},
		}
		for _, on := range []string{"Create", "Update"} {
			var got map[string]any
			s, _ := props[on].(string)
			if err := json.Unmarshal([]byte(s), &got); err != nil {
				t.Fatalf("%s: %v (%q)", on, err, s)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s call:\n got %v\nwant %v", on, got, want)
			}
		}
		if props["InstallLatestAwsSdk"] != false {
			t.Errorf("InstallLatestAwsSdk = %v, want false (no npm install at deploy time)", props["InstallLatestAwsSdk"])
		}
	}
	// The domain depends on it.
	for _, d := range testutil.Resources(prd.JSON, "AWS::OpenSearchService::Domain") {
		deps, _ := json.Marshal(d["DependsOn"])
		if !json.Valid(deps) || !containsString(d["DependsOn"], crID) {
			t.Errorf("domain DependsOn %s, want it to include %s", deps, crID)
		}
	}
	// Its function may create that one role, nothing else.
	var statements []any
	for _, p := range testutil.Resources(prd.JSON, "AWS::IAM::Policy") {
		doc := p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			if st.(map[string]any)["Action"] == "iam:CreateServiceLinkedRole" {
				statements = append(statements, st)
			}
		}
	}
	if len(statements) != 1 {
		t.Fatalf("iam:CreateServiceLinkedRole statements: %v", statements)
	}
	got, _ := json.Marshal(statements[0])
	const want = `{"Action":"iam:CreateServiceLinkedRole","Condition":{"StringEquals":{"iam:AWSServiceName":"opensearchservice.amazonaws.com"}},"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::111111111111:role/aws-service-role/opensearchservice.amazonaws.com/AWSServiceRoleForAmazonOpenSearchService"]]}}`
	if string(got) != want {
		t.Errorf("statement:\n got %s\nwant %s", got, want)
	}
	if opensearch.ServiceLinkedRoleName != "AWSServiceRoleForAmazonOpenSearchService" {
		t.Errorf("role name %q", opensearch.ServiceLinkedRoleName)
	}
}

func TestServiceLinkedRoleCanBeLeftToTheAccount(t *testing.T) {
	if n := len(testutil.Resources(dev.JSON, "Custom::OpenSearchServiceLinkedRole")); n != 0 {
		t.Errorf("ServiceLinkedRole false: got %d custom resources, want 0", n)
	}
	raw, _ := json.Marshal(dev.JSON)
	if strings.Contains(string(raw), "CreateServiceLinkedRole") {
		t.Error("ServiceLinkedRole false: the template still calls or grants CreateServiceLinkedRole")
	}
}

func containsString(list any, s string) bool {
	items, _ := list.([]any)
	for _, it := range items {
		if it == s {
			return true
		}
	}
	return false
}
