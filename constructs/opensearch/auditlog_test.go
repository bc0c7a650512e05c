package opensearch_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// wantAuditConfig is the managed audit configuration; auditlog.test.js
// feeds the handler the same object.
const wantAuditConfig = `{"audit":{"disabled_rest_categories":["AUTHENTICATED","GRANTED_PRIVILEGES"],` +
	`"disabled_transport_categories":["AUTHENTICATED","GRANTED_PRIVILEGES"],"enable_rest":true,"enable_transport":true,` +
	`"ignore_users":["kibanaserver"],"log_request_body":false,"resolve_bulk_requests":false,"resolve_indices":true},` +
	`"compliance":{"enabled":true,"read_ignore_users":["kibanaserver"],"read_metadata_only":true,"write_ignore_users":["kibanaserver"],` +
	`"write_log_diffs":false,"write_metadata_only":true},"enabled":true}`

func only(t *testing.T, typ string) (string, map[string]any) {
	t.Helper()
	rs := testutil.Resources(audit.JSON, typ)
	if len(rs) != 1 {
		t.Fatalf("got %d %s, want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, r
	}
	return "", nil
}

func TestAuditLoggingIsTurnedOnInTheDomain(t *testing.T) {
	id, cr := only(t, opensearch.AuditLoggingResourceType)
	p := cr["Properties"].(map[string]any)
	if p["AuditConfig"] != wantAuditConfig {
		t.Errorf("AuditConfig:\n got %s\nwant %s", p["AuditConfig"], wantAuditConfig)
	}
	if p["UsernameField"] != "username" || p["PasswordField"] != "password" {
		t.Errorf("secret fields: %v", p)
	}
	raw, _ := json.Marshal(p)
	for _, want := range []string{`"DomainEndpoint":{"Fn::GetAtt":["OpenSearch`, `"MasterUserSecretArn":{"Ref":"OpenSearchMasterUser`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("properties lack %s: %s", want, raw)
		}
	}
	// Waits for the domain (AUDIT_LOGS publishing), its role's policy and
	// the ingress rule that lets the functions reach the domain.
	deps, _ := json.Marshal(cr["DependsOn"])
	for _, want := range []string{"OpenSearch", "AuditLoggingRole", "AuditLoggingDomainIngress"} {
		if !strings.Contains(string(deps), want) {
			t.Errorf("%s DependsOn lacks %s: %s", id, want, deps)
		}
	}
	if !reflect.DeepEqual(auditLogging.Config()["enabled"], true) {
		t.Error("Config() must say enabled")
	}
}

func TestAuditLoggingFunctionsRunInTheVpcAsInlineCode(t *testing.T) {
	sgID, sg := "", map[string]any{}
	for id, r := range testutil.Resources(audit.JSON, "AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(id, "AuditLoggingSecurityGroup") {
			sgID, sg = id, r
		}
	}
	egress, _ := json.Marshal(sg["Properties"].(map[string]any)["SecurityGroupEgress"])
	if string(egress) != `[{"CidrIp":"0.0.0.0/0","Description":"HTTPS to the OpenSearch domain and Secrets Manager","FromPort":443,"IpProtocol":"tcp","ToPort":443}]` {
		t.Errorf("egress: %s", egress)
	}
	domainSg := domainProps(t, audit)["VPCOptions"].(map[string]any)["SecurityGroupIds"].([]any)[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	rules := testutil.IngressRules(audit.JSON, domainSg)
	if !strings.Contains(strings.Join(rules, " "), `{"Fn::GetAtt":["`+sgID+`","GroupId"]}:443-443`) {
		t.Errorf("the domain does not admit the functions: %v", rules)
	}
	for _, handler := range []string{"index.onEvent", "index.isComplete"} {
		testutil.Assert(t, func() {
			audit.Template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"Handler": handler,
				"Runtime": "nodejs24.x",
				"Code":    map[string]any{"ZipFile": assertions.Match_StringLikeRegexp(jsii.String("_plugins/_security/api/audit/config"))},
				"VpcConfig": map[string]any{
					"SecurityGroupIds": []any{map[string]any{"Fn::GetAtt": []any{sgID, "GroupId"}}},
					"SubnetIds":        assertions.Match_AnyValue(),
				},
			})
		})
	}
	testutil.Assert(t, func() {
		audit.Template.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), map[string]any{
			"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{"Level": "ALL"}),
		})
	})
}

func TestAuditLoggingRoleReadsOnlyTheMasterUserSecret(t *testing.T) {
	roleID := ""
	for id := range testutil.Resources(audit.JSON, "AWS::IAM::Role") {
		if strings.HasPrefix(id, "AuditLoggingRole") {
			roleID = id
		}
	}
	var sids []string
	for _, pol := range testutil.Resources(audit.JSON, "AWS::IAM::Policy") {
		p := pol["Properties"].(map[string]any)
		if roles, _ := json.Marshal(p["Roles"]); !strings.Contains(string(roles), roleID) {
			continue
		}
		for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			sids = append(sids, st["Sid"].(string))
			raw, _ := json.Marshal(st)
			if strings.Contains(string(raw), "es:") || strings.Contains(string(raw), "iam:PassRole") {
				t.Errorf("the audit role needs no es:/iam: action (basic auth as the master user): %s", raw)
			}
			if st["Sid"] == "ReadMasterUserSecret" && !strings.Contains(string(raw), `"Resource":{"Ref":"OpenSearchMasterUser`) {
				t.Errorf("secret statement: %s", raw)
			}
		}
	}
	sort.Strings(sids)
	if want := []string{"AttachToVpc", "ReadMasterUserSecret", "WriteOwnLogs"}; !reflect.DeepEqual(sids, want) {
		t.Errorf("statements %v, want %v", sids, want)
	}
	testutil.RequireNoNagErrors(t, audit.Stack)
}

func TestAuditLoggingInvalidProps(t *testing.T) {
	got := testutil.PanicMessage(func() {
		opensearch.NewAuditLogging(audit.Stack, "Invalid", &opensearch.AuditLoggingProps{
			DisabledCategories: []string{"AUTHENTICATED", "INDEX_EVENT", "AUTHENTICATED"},
			IgnoreUsers:        []string{""},
		})
	})
	want := "opensearch.NewAuditLogging \"Invalid\": invalid props:\n" +
		"opensearch.AuditLoggingProps.Domain: got nil, want the domain to audit (opensearch.NewDomain)\n" +
		"opensearch.AuditLoggingProps.Vpc: got nil, want the VPC of the domain\n" +
		"opensearch.AuditLoggingProps.DisabledCategories[1]: got \"INDEX_EVENT\", want a unique category of [AUTHENTICATED BAD_HEADERS FAILED_LOGIN GRANTED_PRIVILEGES MISSING_PRIVILEGES SSL_EXCEPTION]\n" +
		"opensearch.AuditLoggingProps.DisabledCategories[2]: got \"AUTHENTICATED\", want a unique category of [AUTHENTICATED BAD_HEADERS FAILED_LOGIN GRANTED_PRIVILEGES MISSING_PRIVILEGES SSL_EXCEPTION]\n" +
		"opensearch.AuditLoggingProps.IgnoreUsers[0]: got \"\", want a user name or pattern"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
