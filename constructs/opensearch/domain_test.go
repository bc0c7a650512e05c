package opensearch_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

type fixture struct {
	stack  awscdk.Stack
	vpc    awsec2.Vpc
	client awsec2.SecurityGroup
	tmpl   assertions.Template
	json   map[string]any
}

var (
	app      awscdk.App
	dev, prd fixture
)

func newFixture(name string) fixture {
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: env})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b", "eu-west-1c"),
		NatGateways:       jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(vpc, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-VPC7"), Reason: jsii.String("Test fixture; the Network stack owns flow logs."),
	}}, jsii.Bool(true))
	client := awsec2.NewSecurityGroup(stack, jsii.String("Workload"), &awsec2.SecurityGroupProps{
		Vpc: vpc, Description: jsii.String("workload"), AllowAllOutbound: jsii.Bool(true),
	})
	return fixture{stack: stack, vpc: vpc, client: client}
}

func (f *fixture) synth() {
	f.tmpl = assertions.Template_FromStack(f.stack, nil)
	f.json = *f.tmpl.ToJSON()
}

func TestMain(m *testing.M) {
	app = awscdk.NewApp(nil)
	testutil.AddNag(app)
	dev, prd = newFixture("Dev"), newFixture("Prod")
	opensearch.NewDomain(dev.stack, "OpenSearch", &opensearch.DomainProps{
		Vpc: dev.vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{dev.client},
		DataNodes: new(1), DataNodeInstanceType: jsii.String("m7g.large.search"),
		MasterNodes: new(0), ZoneAwareness: new(1), VolumeSizeGiB: new(20),
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	opensearch.NewDomain(prd.stack, "OpenSearch", &opensearch.DomainProps{
		Vpc: prd.vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{prd.client},
		MasterUserSecretName: jsii.String("opencti/prod/opensearch"),
	})
	dev.synth()
	prd.synth()
	os.Exit(m.Run())
}

func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		if res := r.(map[string]any); res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func domainProps(t *testing.T, f fixture) map[string]any {
	t.Helper()
	doms := resources(f.json, "AWS::OpenSearchService::Domain")
	if len(doms) != 1 {
		t.Fatalf("got %d domains, want 1", len(doms))
	}
	for _, d := range doms {
		return d["Properties"].(map[string]any)
	}
	return nil
}

func TestProdIsHighlyAvailable(t *testing.T) {
	testutil.Assert(t, func() {
		prd.tmpl.HasResourceProperties(jsii.String("AWS::OpenSearchService::Domain"), map[string]any{
			"EngineVersion": "OpenSearch_2.19",
			"ClusterConfig": map[string]any{
				"InstanceCount":             3,
				"InstanceType":              "r7g.large.search",
				"DedicatedMasterEnabled":    true,
				"DedicatedMasterCount":      3,
				"DedicatedMasterType":       "m7g.large.search",
				"ZoneAwarenessEnabled":      true,
				"ZoneAwarenessConfig":       map[string]any{"AvailabilityZoneCount": 3},
				"MultiAZWithStandbyEnabled": false,
			},
			"EBSOptions": map[string]any{"EBSEnabled": true, "VolumeType": "gp3", "VolumeSize": 100},
		})
	})
	subnets := domainProps(t, prd)["VPCOptions"].(map[string]any)["SubnetIds"].([]any)
	if len(subnets) != 3 {
		t.Errorf("prod domain subnets: got %d, want 3 (one per AZ)", len(subnets))
	}
}

func TestDevIsSingleNode(t *testing.T) {
	testutil.Assert(t, func() {
		dev.tmpl.HasResourceProperties(jsii.String("AWS::OpenSearchService::Domain"), map[string]any{
			"ClusterConfig": map[string]any{
				"InstanceCount":          1,
				"DedicatedMasterEnabled": false,
				"ZoneAwarenessEnabled":   false,
			},
		})
	})
	subnets := domainProps(t, dev)["VPCOptions"].(map[string]any)["SubnetIds"].([]any)
	if len(subnets) != 1 {
		t.Errorf("dev domain subnets: got %d, want 1", len(subnets))
	}
}

func TestEncryptionAndTLS(t *testing.T) {
	for name, f := range map[string]fixture{"dev": dev, "prod": prd} {
		t.Run(name, func(t *testing.T) {
			testutil.Assert(t, func() {
				f.tmpl.HasResourceProperties(jsii.String("AWS::OpenSearchService::Domain"), map[string]any{
					"EncryptionAtRestOptions":     map[string]any{"Enabled": true, "KmsKeyId": assertions.Match_AnyValue()},
					"NodeToNodeEncryptionOptions": map[string]any{"Enabled": true},
					"DomainEndpointOptions": map[string]any{
						"EnforceHTTPS":      true,
						"TLSSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
					},
					"AdvancedSecurityOptions": map[string]any{
						"Enabled":                     true,
						"InternalUserDatabaseEnabled": true,
						"MasterUserOptions": map[string]any{
							"MasterUserName": "opencti",
							"MasterUserPassword": assertions.Match_ObjectLike(&map[string]any{
								"Fn::Join": assertions.Match_ArrayWith(&[]any{assertions.Match_ArrayWith(&[]any{
									assertions.Match_StringLikeRegexp(jsii.String(`^\{\{resolve:secretsmanager:`)),
								})}),
							}),
						},
					},
				})
				f.tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
			})
		})
	}
}

func TestLogsGoToCloudWatchWithRetention(t *testing.T) {
	props := domainProps(t, prd)
	pub := props["LogPublishingOptions"].(map[string]any)
	for _, kind := range []string{"SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS"} {
		opt, ok := pub[kind].(map[string]any)
		if !ok || opt["Enabled"] != true {
			t.Errorf("log publishing %s: got %v, want enabled", kind, pub[kind])
		}
	}
	for id, lg := range resources(prd.json, "AWS::Logs::LogGroup") {
		if lg["Properties"].(map[string]any)["RetentionInDays"] != float64(90) {
			t.Errorf("log group %s: retention %v, want 90", id, lg["Properties"])
		}
	}
	testutil.Assert(t, func() {
		prd.tmpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(4))
	})
	for _, rp := range resources(prd.json, "AWS::Logs::ResourcePolicy") {
		doc, _ := json.Marshal(rp["Properties"].(map[string]any)["PolicyDocument"])
		for _, want := range []string{`\"Service\":\"es.amazonaws.com\"`, "aws:SourceArn", "aws:SourceAccount"} {
			if !strings.Contains(string(doc), want) {
				t.Errorf("logs resource policy lacks %s: %s", want, doc)
			}
		}
	}
}

func TestAccessPolicyIsLimitedToTheDomain(t *testing.T) {
	policy := domainProps(t, prd)["AccessPolicies"].(map[string]any)
	raw, _ := json.Marshal(policy)
	stmts := policy["Statement"].([]any)
	if len(stmts) != 1 {
		t.Fatalf("access policy: %s", raw)
	}
	st := stmts[0].(map[string]any)
	res, _ := json.Marshal(st["Resource"])
	if st["Action"] != "es:ESHttp*" || !strings.Contains(string(res), ":domain/") || !strings.HasSuffix(strings.TrimSuffix(string(res), `"]]}`), `/*`) {
		t.Errorf("access policy statement: %s", raw)
	}
	if len(resources(prd.json, "Custom::OpenSearchAccessPolicy")) != 0 || len(resources(prd.json, "AWS::Lambda::Function")) != 0 {
		t.Error("the access policy should be set on the domain, not through a Lambda-backed custom resource")
	}
}

// ingress lists "source:port-port" for every ingress rule of the security group sgID.
func ingress(f fixture, sgID string) []string {
	var out []string
	rule := func(r map[string]any) {
		src, _ := json.Marshal(r["SourceSecurityGroupId"])
		if r["CidrIp"] != nil {
			src, _ = json.Marshal(r["CidrIp"])
		}
		out = append(out, fmt.Sprintf("%s:%v-%v", src, r["FromPort"], r["ToPort"]))
	}
	sg := f.json["Resources"].(map[string]any)[sgID].(map[string]any)["Properties"].(map[string]any)
	if inline, ok := sg["SecurityGroupIngress"].([]any); ok {
		for _, r := range inline {
			rule(r.(map[string]any))
		}
	}
	for _, r := range resources(f.json, "AWS::EC2::SecurityGroupIngress") {
		p := r["Properties"].(map[string]any)
		if gid, _ := json.Marshal(p["GroupId"]); strings.Contains(string(gid), `"`+sgID+`"`) {
			rule(p)
		}
	}
	return out
}

func TestSecurityGroupAdmitsOnlyWorkloadsOnHTTPS(t *testing.T) {
	props := domainProps(t, prd)
	sgRef := props["VPCOptions"].(map[string]any)["SecurityGroupIds"].([]any)[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	got := ingress(prd, sgRef)
	clientID := ""
	for id := range resources(prd.json, "AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(id, "Workload") {
			clientID = id
		}
	}
	want := fmt.Sprintf(`{"Fn::GetAtt":["%s","GroupId"]}:443-443`, clientID)
	if len(got) != 1 || got[0] != want {
		t.Errorf("ingress: got %v, want [%s]", got, want)
	}
	sg := prd.json["Resources"].(map[string]any)[sgRef].(map[string]any)
	egress, _ := json.Marshal(sg["Properties"].(map[string]any)["SecurityGroupEgress"])
	if !strings.Contains(string(egress), "255.255.255.255/32") {
		t.Errorf("egress should be closed, got %s", egress)
	}
}

func TestManualSnapshotRepository(t *testing.T) {
	testutil.Assert(t, func() {
		prd.tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow",
				"Principal": map[string]any{"Service": "es.amazonaws.com"},
			}}},
		})
		prd.tmpl.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Action":    "iam:PassRole",
					"Condition": map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "es.amazonaws.com"}},
				}),
			})},
		})
		// Two buckets: the snapshot repository and its access logs.
		prd.tmpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
		prd.tmpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled":              true,
				"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": assertions.Match_AnyValue()},
			}}},
			"LoggingConfiguration": map[string]any{"LogFilePrefix": "opensearch-snapshots/"},
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
		})
	})
}

func TestRemovalPolicies(t *testing.T) {
	for name, tc := range map[string]struct {
		f    fixture
		want string
	}{"dev": {dev, "Delete"}, "prod": {prd, "Retain"}} {
		t.Run(name, func(t *testing.T) {
			for _, typ := range []string{"AWS::OpenSearchService::Domain", "AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::S3::Bucket", "AWS::Logs::LogGroup"} {
				rs := resources(tc.f.json, typ)
				if len(rs) == 0 {
					t.Errorf("no %s", typ)
				}
				for id, r := range rs {
					if r["DeletionPolicy"] != tc.want || r["UpdateReplacePolicy"] != tc.want {
						t.Errorf("%s %s: DeletionPolicy %v UpdateReplacePolicy %v, want %s", typ, id, r["DeletionPolicy"], r["UpdateReplacePolicy"], tc.want)
					}
				}
			}
			if name == "prod" && len(resources(tc.f.json, "Custom::S3AutoDeleteObjects")) != 0 {
				t.Error("retained buckets must not auto-delete objects")
			}
		})
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, dev.stack)
	testutil.RequireNoNagErrors(t, prd.stack)
}

func TestInvalidProps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props opensearch.DomainProps
		want  string
	}{
		{"all at once", opensearch.DomainProps{
			Vpc: prd.vpc, EngineVersion: jsii.String("OpenSearch_2.7"), DataNodes: new(4), MasterNodes: new(2),
		}, "opensearch.DomainProps.EngineVersion: got \"OpenSearch_2.7\", want at least OpenSearch_2.9 (OpenCTI's minimum)\n" +
			"opensearch.DomainProps.DataNodes: got 4, want a multiple of ZoneAwareness (3)\n" +
			"opensearch.DomainProps.MasterNodes: got 2, want 0, 3 or 5"},
		{"no vpc and bad names", opensearch.DomainProps{
			EngineVersion: jsii.String("2.19"), DomainName: jsii.String("OpenCTI"), DataNodeInstanceType: jsii.String("r7g.large"),
		}, "opensearch.DomainProps.Vpc: got nil, want the VPC that holds the domain\n" +
			"opensearch.DomainProps.EngineVersion: got \"2.19\", want \"OpenSearch_<major>.<minor>\", at least OpenSearch_2.9\n" +
			"opensearch.DomainProps.DataNodeInstanceType: got \"r7g.large\", want an OpenSearch instance type ending in \".search\"\n" +
			"opensearch.DomainProps.DomainName: got \"OpenCTI\", want 3-28 characters a-z, 0-9 and -, starting with a letter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				opensearch.NewDomain(prd.stack, "Invalid", &tc.props)
				return ""
			}()
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
