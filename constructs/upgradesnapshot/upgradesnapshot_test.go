package upgradesnapshot

// One app per test binary: TestMain builds three identical stacks around the
// construct, two with the same OpenCTI version and one with the next, and the
// tests compare their templates.

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

const (
	oldVersion = "7.260224.0"
	newVersion = "7.260817.0"
	domainArn  = "arn:aws:es:eu-west-1:123456789012:domain/opencti-search"
)

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	DependsOn  any            `json:"DependsOn"`
}

var (
	app                  awscdk.App
	stack                awscdk.Stack
	tmpl                 assertions.Template
	res, sameRes, newRes map[string]resource
	snap                 UpgradeSnapshot
)

// newTestStack builds a stack with fake inputs and the construct at version.
func newTestStack(id, version string) (awscdk.Stack, UpgradeSnapshot) {
	s := awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	vpc := awsec2.NewVpc(s, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		NatGateways:       jsii.Number(1),
	})
	domainSg := awsec2.NewSecurityGroup(s, jsii.String("DomainSecurityGroup"), &awsec2.SecurityGroupProps{Vpc: vpc})
	secret := awssecretsmanager.NewSecret(s, jsii.String("MasterUser"), nil)
	bucket := awss3.NewBucket(s, jsii.String("SnapshotBucket"), nil)
	role := awsiam.NewRole(s, jsii.String("SnapshotRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("es.amazonaws.com"), nil),
	})
	// The fixtures stand in for the Data and Network stacks' resources, which
	// are checked there; only the construct under test must be nag-clean here.
	for _, fixture := range []constructs.IConstruct{vpc, secret, bucket} {
		cdknag.NagSuppressions_AddResourceSuppressions(fixture, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-VPC7"), Reason: jsii.String("test fixture")},
			{Id: jsii.String("AwsSolutions-SMG4"), Reason: jsii.String("test fixture")},
			{Id: jsii.String("AwsSolutions-S1"), Reason: jsii.String("test fixture")},
			{Id: jsii.String("AwsSolutions-S10"), Reason: jsii.String("test fixture")},
		}, jsii.Bool(true))
	}
	u := NewUpgradeSnapshot(s, "UpgradeSnapshot", &UpgradeSnapshotProps{
		Version:             version,
		Vpc:                 vpc,
		DomainSecurityGroup: domainSg,
		DomainEndpoint:      jsii.String("vpc-opencti-search-abc.eu-west-1.es.amazonaws.com"),
		DomainArn:           jsii.String(domainArn),
		MasterUserSecret:    secret,
		SnapshotBucket:      bucket,
		SnapshotRole:        role,
		LogRetention:        awslogs.RetentionDays_ONE_YEAR,
	})
	return s, u
}

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		if app, err = cdkapp.New("", false); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		testutil.AddNag(app)
		stack, snap = newTestStack("SnapshotTest", oldVersion)
		same, _ := newTestStack("SnapshotSameVersion", oldVersion)
		next, _ := newTestStack("SnapshotNewVersion", newVersion)
		tmpl = assertions.Template_FromStack(stack, nil)
		for _, x := range []struct {
			s   awscdk.Stack
			dst *map[string]resource
		}{{stack, &res}, {same, &sameRes}, {next, &newRes}} {
			if *x.dst, err = decode(assertions.Template_FromStack(x.s, nil)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func decode(t assertions.Template) (map[string]resource, error) {
	raw, err := json.Marshal(t.ToJSON())
	if err != nil {
		return nil, err
	}
	var doc struct {
		Resources map[string]resource `json:"Resources"`
	}
	return doc.Resources, json.Unmarshal(raw, &doc)
}

func only(t *testing.T, r map[string]resource, typ string) (string, resource) {
	t.Helper()
	var ids []string
	for id, x := range r {
		if x.Type == typ {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one %s, got %v", typ, ids)
	}
	return ids[0], r[ids[0]]
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestPropertiesCarryTheVersion(t *testing.T) {
	_, cr := only(t, res, ResourceType)
	_, same := only(t, sameRes, ResourceType)
	_, next := only(t, newRes, ResourceType)
	if cr.Properties["Version"] != oldVersion {
		t.Fatalf("Version property: %v", cr.Properties["Version"])
	}
	// Same version: byte-identical properties, so CloudFormation never calls Update.
	if !reflect.DeepEqual(cr.Properties, same.Properties) {
		t.Errorf("same version, different properties:\n%s\n%s", jsonOf(cr.Properties), jsonOf(same.Properties))
	}
	// New version: only Version differs, so the update is exactly the upgrade.
	var diff []string
	for k, v := range next.Properties {
		if !reflect.DeepEqual(v, cr.Properties[k]) {
			diff = append(diff, k)
		}
	}
	if !reflect.DeepEqual(diff, []string{"Version"}) || next.Properties["Version"] != newVersion {
		t.Errorf("new version changed properties %v (Version %v)", diff, next.Properties["Version"])
	}
	for k, want := range map[string]any{
		"RepositoryName": "manual-snapshots", "DomainEndpoint": "vpc-opencti-search-abc.eu-west-1.es.amazonaws.com",
		"UsernameField": "username", "PasswordField": "password", "Indices": DefaultIndices,
	} {
		if cr.Properties[k] != want {
			t.Errorf("%s: got %v, want %v", k, cr.Properties[k], want)
		}
	}
	if strings.Contains(strings.ToLower(jsonOf(cr.Properties)), "password\":{") || cr.Properties["MasterUserSecretArn"] == nil {
		t.Errorf("the secret must be passed by ARN only: %s", jsonOf(cr.Properties))
	}
}

// statements returns the role's policy statements by Sid.
func statements(t *testing.T) map[string]map[string]any {
	roleID, _ := only(t, filter(res, "Role"), "AWS::IAM::Role")
	out := map[string]map[string]any{}
	for _, x := range res {
		if x.Type != "AWS::IAM::Policy" || !strings.Contains(jsonOf(x.Properties["Roles"]), roleID) {
			continue
		}
		for _, s := range x.Properties["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			out[st["Sid"].(string)] = st
		}
	}
	return out
}

// filter keeps the resources whose logical ID starts with UpgradeSnapshot+part.
func filter(r map[string]resource, part string) map[string]resource {
	out := map[string]resource{}
	for id, x := range r {
		if strings.HasPrefix(id, "UpgradeSnapshot"+part) {
			out[id] = x
		}
	}
	return out
}

func TestRoleIsLeastPrivilege(t *testing.T) {
	st := statements(t)
	var sids []string
	for k := range st {
		sids = append(sids, k)
	}
	sort.Strings(sids)
	want := []string{"AttachToVpc", "CallSnapshotApi", "PassSnapshotRole", "ReadMasterUserSecret", "WriteOwnLogs"}
	if !reflect.DeepEqual(sids, want) {
		t.Fatalf("statements %v, want %v", sids, want)
	}
	secretID, _ := only(t, res, "AWS::SecretsManager::Secret")
	snapshotRoleID := ""
	for id, x := range res {
		if x.Type == "AWS::IAM::Role" && strings.HasPrefix(id, "SnapshotRole") {
			snapshotRoleID = id
		}
	}
	cases := map[string]struct{ action, resource any }{
		"CallSnapshotApi":      {[]any{"es:ESHttpGet", "es:ESHttpPut"}, []any{domainArn + "/_snapshot", domainArn + "/_snapshot/*"}},
		"PassSnapshotRole":     {"iam:PassRole", map[string]any{"Fn::GetAtt": []any{snapshotRoleID, "Arn"}}},
		"ReadMasterUserSecret": {"secretsmanager:GetSecretValue", map[string]any{"Ref": secretID}},
	}
	for sid, c := range cases {
		if !reflect.DeepEqual(st[sid]["Action"], c.action) || !reflect.DeepEqual(st[sid]["Resource"], c.resource) {
			t.Errorf("%s: got %s on %s, want %s on %s", sid, jsonOf(st[sid]["Action"]), jsonOf(st[sid]["Resource"]), jsonOf(c.action), jsonOf(c.resource))
		}
	}
	// As the OpenSearch Service guide's manual-snapshot prerequisites give
	// it: iam:PassRole on the snapshot role, no condition.
	if c, ok := st["PassSnapshotRole"]["Condition"]; ok {
		t.Errorf("PassRole must carry no condition (the documented statement has none): %s", jsonOf(c))
	}
	if got := jsonOf(st["WriteOwnLogs"]["Resource"]); !strings.Contains(got, "UpgradeSnapshotFunctionLogs") {
		t.Errorf("logs statement resource: %s", got)
	}
}

func TestFunctionsRunInTheVpcWithInlineCode(t *testing.T) {
	sgID, _ := only(t, filter(res, "SecurityGroup"), "AWS::EC2::SecurityGroup")
	for _, handler := range []string{"index.onEvent", "index.isComplete"} {
		testutil.Assert(t, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"Handler": handler,
				"Runtime": "nodejs24.x",
				"Code":    map[string]any{"ZipFile": assertions.Match_StringLikeRegexp(jsii.String("function signV4"))},
				"VpcConfig": map[string]any{
					"SecurityGroupIds": []any{map[string]any{"Fn::GetAtt": []any{sgID, "GroupId"}}},
					"SubnetIds":        assertions.Match_AnyValue(),
				},
			})
		})
	}
	sg := res[sgID].Properties
	if got := jsonOf(sg["SecurityGroupEgress"]); got != `[{"CidrIp":"0.0.0.0/0","Description":"HTTPS to the OpenSearch domain and Secrets Manager","FromPort":443,"IpProtocol":"tcp","ToPort":443}]` {
		t.Errorf("egress: %s", got)
	}
	if sg["SecurityGroupIngress"] != nil {
		t.Errorf("the functions' group admits nothing: %s", jsonOf(sg["SecurityGroupIngress"]))
	}
	ingressID, ingress := only(t, res, "AWS::EC2::SecurityGroupIngress")
	if ingress.Properties["FromPort"] != 443.0 || !reflect.DeepEqual(ingress.Properties["SourceSecurityGroupId"], map[string]any{"Fn::GetAtt": []any{sgID, "GroupId"}}) {
		t.Errorf("domain ingress: %s", jsonOf(ingress.Properties))
	}
	crID, cr := only(t, res, ResourceType)
	if !strings.Contains(jsonOf(cr.DependsOn), ingressID) {
		t.Errorf("%s must wait for the domain ingress rule: DependsOn %s", crID, jsonOf(cr.DependsOn))
	}
	if snap.Resource() == nil || snap.SnapshotName() == nil {
		t.Error("Resource() and SnapshotName() must be set")
	}
}

func TestEveryLogGroupHasRetentionAndKey(t *testing.T) {
	n := 0
	for id, x := range res {
		if x.Type != "AWS::Logs::LogGroup" {
			continue
		}
		n++
		if x.Properties["RetentionInDays"] != 365.0 || x.Properties["KmsKeyId"] == nil {
			t.Errorf("%s: RetentionInDays %v KmsKeyId %v", id, x.Properties["RetentionInDays"], x.Properties["KmsKeyId"])
		}
	}
	if n != 3 {
		t.Errorf("got %d log groups, want 3 (functions, provider, waiter)", n)
	}
	for id, x := range filter(res, "") {
		if x.Type == "AWS::Lambda::Function" {
			if lc, _ := x.Properties["LoggingConfig"].(map[string]any); lc == nil || lc["LogGroup"] == nil {
				t.Errorf("function %s: no explicit log group", id)
			}
		}
	}
	testutil.Assert(t, func() {
		tmpl.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), map[string]any{
			"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{"Level": "ALL"}),
		})
	})
}

func TestNoUnsuppressedNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, stack)
}

func TestInvalidPropsAreAllReported(t *testing.T) {
	msg := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		NewUpgradeSnapshot(awscdk.NewStack(app, jsii.String("Invalid"), nil), "UpgradeSnapshot", &UpgradeSnapshotProps{
			Version: "latest version", Timeout: awscdk.Duration_Hours(jsii.Number(2)),
		})
		return "no panic"
	}()
	for _, want := range []string{
		`Version: got "latest version", want an OpenCTI version`,
		"Vpc: got nil", "DomainEndpoint: got nil", "DomainArn: got nil", "MasterUserSecret: got nil",
		"SnapshotBucket: got nil", "SnapshotRole: got nil", "Timeout: got 120 minutes, want 5 to 60 minutes",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic message lacks %q:\n%s", want, msg)
		}
	}
}
