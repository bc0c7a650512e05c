package opensearch_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

var (
	app             awscdk.App
	dev, prd, audit *testutil.Fixture
	auditDomain     opensearch.Domain
	auditLogging    opensearch.AuditLogging
)

func TestMain(m *testing.M) {
	app = testutil.NewApp()
	testutil.AddNag(app)
	dev, prd = testutil.NewVPCFixture(app, "Dev"), testutil.NewVPCFixture(app, "Prod")
	opensearch.NewDomain(dev.Stack, "OpenSearch", &opensearch.DomainProps{
		Vpc: dev.Vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{dev.Client},
		Sizing: sizing(func(s *opensearch.Sizing) {
			s.DataNodes, s.DataNodeInstanceType, s.MasterNodes, s.ZoneAwareness, s.VolumeSizeGiB = 1, "m7g.large.search", 0, 1, 20
		}),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		ServiceLinkedRole: jsii.Bool(false),
	})
	opensearch.NewDomain(prd.Stack, "OpenSearch", &opensearch.DomainProps{
		Vpc: prd.Vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{prd.Client},
		MasterUserSecretName: jsii.String("opencti/prod/opensearch"),
	})
	// A third domain with audit logging on (auditlog_test.go): the functions
	// of the default security group in "Audit", the caller's in "AuditSg".
	audit = testutil.NewVPCFixture(app, "Audit")
	auditDomain = opensearch.NewDomain(audit.Stack, "OpenSearch", &opensearch.DomainProps{
		Vpc: audit.Vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{audit.Client},
	})
	auditLogging = opensearch.NewAuditLogging(audit.Stack, "AuditLogging", &opensearch.AuditLoggingProps{
		Domain: auditDomain, Vpc: audit.Vpc,
		// The fixture VPC has isolated subnets only.
		Subnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
	})
	dev.Synth()
	prd.Synth()
	audit.Synth()
	testmain.Run(m)
}

func domainProps(t *testing.T, f *testutil.Fixture) map[string]any {
	t.Helper()
	doms := testutil.Resources(f.JSON, "AWS::OpenSearchService::Domain")
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
		prd.Template.HasResourceProperties(jsii.String("AWS::OpenSearchService::Domain"), map[string]any{
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
		dev.Template.HasResourceProperties(jsii.String("AWS::OpenSearchService::Domain"), map[string]any{
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
	for name, f := range map[string]*testutil.Fixture{"dev": dev, "prod": prd} {
		t.Run(name, func(t *testing.T) {
			testutil.Assert(t, func() {
				f.Template.HasResourceProperties(jsii.String("AWS::OpenSearchService::Domain"), map[string]any{
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
				f.Template.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
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
	for id, lg := range testutil.Resources(prd.JSON, "AWS::Logs::LogGroup") {
		if lg["Properties"].(map[string]any)["RetentionInDays"] != float64(90) {
			t.Errorf("log group %s: retention %v, want 90", id, lg["Properties"])
		}
	}
	testutil.Assert(t, func() {
		// The four the domain publishes to, and the service-linked role
		// custom resource's function logs.
		prd.Template.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(5))
	})
	for _, rp := range testutil.Resources(prd.JSON, "AWS::Logs::ResourcePolicy") {
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
	// The only function is aws-cdk-lib's AwsCustomResource function of the
	// service-linked role.
	if len(testutil.Resources(prd.JSON, "Custom::OpenSearchAccessPolicy")) != 0 || len(testutil.Resources(prd.JSON, "AWS::Lambda::Function")) != 1 {
		t.Error("the access policy should be set on the domain, not through a Lambda-backed custom resource")
	}
}

// ingress lists "source:port-port" for every ingress rule of the security group sgID.
func TestSecurityGroupAdmitsOnlyWorkloadsOnHTTPS(t *testing.T) {
	props := domainProps(t, prd)
	sgRef := props["VPCOptions"].(map[string]any)["SecurityGroupIds"].([]any)[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	got := testutil.IngressRules(prd.JSON, sgRef)
	clientID := ""
	for id := range testutil.Resources(prd.JSON, "AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(id, "Workload") {
			clientID = id
		}
	}
	want := fmt.Sprintf(`{"Fn::GetAtt":["%s","GroupId"]}:443-443`, clientID)
	if len(got) != 1 || got[0] != want {
		t.Errorf("ingress: got %v, want [%s]", got, want)
	}
	sg := prd.JSON["Resources"].(map[string]any)[sgRef].(map[string]any)
	egress, _ := json.Marshal(sg["Properties"].(map[string]any)["SecurityGroupEgress"])
	if !strings.Contains(string(egress), "255.255.255.255/32") {
		t.Errorf("egress should be closed, got %s", egress)
	}
}

func TestManualSnapshotRepository(t *testing.T) {
	testutil.Assert(t, func() {
		prd.Template.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow",
				"Principal": map[string]any{"Service": "es.amazonaws.com"},
			}}},
		})
		prd.Template.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				// The documented statement: PassRole on the snapshot role, no condition.
				map[string]any{
					"Sid": "PassSnapshotRole", "Effect": "Allow", "Action": "iam:PassRole",
					"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("SnapshotRole")), "Arn"}},
				},
			})},
		})
		// Two buckets: the snapshot repository and its access logs.
		prd.Template.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
		prd.Template.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
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
		f    *testutil.Fixture
		want string
	}{"dev": {dev, "Delete"}, "prod": {prd, "Retain"}} {
		t.Run(name, func(t *testing.T) {
			for _, typ := range []string{"AWS::OpenSearchService::Domain", "AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::S3::Bucket", "AWS::Logs::LogGroup"} {
				rs := testutil.Resources(tc.f.JSON, typ)
				if len(rs) == 0 {
					t.Errorf("no %s", typ)
				}
				for id, r := range rs {
					if r["DeletionPolicy"] != tc.want || r["UpdateReplacePolicy"] != tc.want {
						t.Errorf("%s %s: DeletionPolicy %v UpdateReplacePolicy %v, want %s", typ, id, r["DeletionPolicy"], r["UpdateReplacePolicy"], tc.want)
					}
				}
			}
			if name == "prod" && len(testutil.Resources(tc.f.JSON, "Custom::S3AutoDeleteObjects")) != 0 {
				t.Error("retained buckets must not auto-delete objects")
			}
		})
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, dev.Stack)
	testutil.RequireNoNagErrors(t, prd.Stack)
}

// sizing is DefaultSizing() changed by change.
func sizing(change func(*opensearch.Sizing)) *opensearch.Sizing {
	s := opensearch.DefaultSizing()
	change(&s)
	return &s
}

func TestInvalidProps(t *testing.T) {
	const head = "opensearch.NewDomain \"Invalid\": invalid props:\n"
	for _, tc := range []struct {
		name  string
		props opensearch.DomainProps
		want  string
	}{
		{"all at once", opensearch.DomainProps{
			Vpc: prd.Vpc, Sizing: sizing(func(s *opensearch.Sizing) { s.EngineVersion, s.DataNodes, s.MasterNodes = "OpenSearch_2.7", 4, 2 }),
		}, head + "opensearch.DomainProps.Sizing.EngineVersion: got \"OpenSearch_2.7\", want at least OpenSearch_2.9 (OpenCTI's minimum)\n" +
			"opensearch.DomainProps.Sizing.DataNodes: got 4, want a multiple of opensearch.DomainProps.Sizing.ZoneAwareness (3), so every zone holds the same number of nodes\n" +
			"opensearch.DomainProps.Sizing.MasterNodes: got 2, want 0, 3 or 5 (dedicated masters need an odd quorum)"},
		{"no vpc and bad names", opensearch.DomainProps{
			Sizing:     sizing(func(s *opensearch.Sizing) { s.EngineVersion, s.DataNodeInstanceType = "2.19", "r7g.large" }),
			DomainName: jsii.String("OpenCTI"),
		}, head + "opensearch.DomainProps.Vpc: got nil, want the VPC that holds the domain\n" +
			"opensearch.DomainProps.Sizing.EngineVersion: got \"2.19\", want \"OpenSearch_<major>.<minor>\", at least OpenSearch_2.9\n" +
			"opensearch.DomainProps.Sizing.DataNodeInstanceType: got \"r7g.large\", want an OpenSearch instance type such as \"r7g.large.search\"\n" +
			"opensearch.DomainProps.DomainName: got \"OpenCTI\", want 3-28 characters a-z, 0-9 and -, starting with a letter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := testutil.PanicMessage(func() {
				opensearch.NewDomain(prd.Stack, "Invalid", &tc.props)
			})
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
