package cache_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/cache"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// ingress lists "source:port-port" for every ingress rule of the security group sgID.
var (
	app      awscdk.App
	dev, prd *testutil.Fixture
	prdGroup cache.ReplicationGroup
)

func TestMain(m *testing.M) {
	app = testutil.NewApp()
	testutil.AddNag(app)
	dev, prd = testutil.NewVPCFixture(app, "Dev"), testutil.NewVPCFixture(app, "Prod")
	cache.NewReplicationGroup(dev.Stack, "Redis", &cache.ReplicationGroupProps{
		Vpc: dev.Vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{dev.Client},
		Settings: settings(func(s *cache.Settings) {
			s.NodeType, s.Replicas, s.MultiAz, s.SnapshotRetentionDays = "cache.t4g.small", 0, false, 1
		}),
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	prdGroup = cache.NewReplicationGroup(prd.Stack, "Redis", &cache.ReplicationGroupProps{
		Vpc: prd.Vpc, ClientSecurityGroups: []awsec2.ISecurityGroup{prd.Client},
		AuthSecretName: jsii.String("opencti/prod/redis"),
	})
	dev.Synth()
	prd.Synth()
	testmain.Run(m)
}

// settings are DefaultSettings() changed by change.
func settings(change func(*cache.Settings)) *cache.Settings {
	s := cache.DefaultSettings()
	change(&s)
	return &s
}

func group(t *testing.T, f *testutil.Fixture) (string, map[string]any) {
	t.Helper()
	rgs := testutil.Resources(f.JSON, "AWS::ElastiCache::ReplicationGroup")
	if len(rgs) != 1 {
		t.Fatalf("got %d replication groups, want 1", len(rgs))
	}
	for id, r := range rgs {
		return id, r
	}
	return "", nil
}

func TestProdIsMultiAZWithFailover(t *testing.T) {
	testutil.Assert(t, func() {
		prd.Template.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), map[string]any{
			"Engine":                   "valkey",
			"EngineVersion":            "8.0",
			"CacheNodeType":            "cache.r7g.large",
			"ClusterMode":              "disabled",
			"NumCacheClusters":         3,
			"AutomaticFailoverEnabled": true,
			"MultiAZEnabled":           true,
			"PreferredCacheClusterAZs": []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
			"SnapshotRetentionLimit":   7,
			"Port":                     6379,
		})
	})
	if prdGroup.Mode() != "single" || prdGroup.Port() != 6379 {
		t.Errorf("mode/port: got %s/%d, want single/6379", prdGroup.Mode(), prdGroup.Port())
	}
}

func TestDevIsOneNode(t *testing.T) {
	testutil.Assert(t, func() {
		dev.Template.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), map[string]any{
			"CacheNodeType":            "cache.t4g.small",
			"NumCacheClusters":         1,
			"AutomaticFailoverEnabled": false,
			"MultiAZEnabled":           false,
			"PreferredCacheClusterAZs": []any{"eu-west-1a"},
		})
	})
}

func TestEncryptionAndAuth(t *testing.T) {
	for name, f := range map[string]*testutil.Fixture{"dev": dev, "prod": prd} {
		t.Run(name, func(t *testing.T) {
			testutil.Assert(t, func() {
				f.Template.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), map[string]any{
					"TransitEncryptionEnabled": true,
					"TransitEncryptionMode":    "required",
					"AtRestEncryptionEnabled":  true,
					"KmsKeyId":                 map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})},
					"AuthToken": map[string]any{"Fn::Join": []any{"", []any{
						"{{resolve:secretsmanager:", assertions.Match_AnyValue(), ":SecretString:password::}}",
					}}},
				})
				f.Template.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
					"GenerateSecretString": map[string]any{
						"ExcludePunctuation": true, "PasswordLength": 64, "GenerateStringKey": "password",
					},
				})
				f.Template.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
			})
		})
	}
}

func TestSecurityGroupAdmitsOnlyWorkloadsOn6379(t *testing.T) {
	_, rg := group(t, prd)
	sgRef := rg["Properties"].(map[string]any)["SecurityGroupIds"].([]any)[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	clientID := ""
	for id := range testutil.Resources(prd.JSON, "AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(id, "Workload") {
			clientID = id
		}
	}
	want := fmt.Sprintf(`{"Fn::GetAtt":["%s","GroupId"]}:6379-6379`, clientID)
	if got := testutil.IngressRules(prd.JSON, sgRef); len(got) != 1 || got[0] != want {
		t.Errorf("ingress: got %v, want [%s]", got, want)
	}
}

func TestLogsAndSubnets(t *testing.T) {
	_, rg := group(t, prd)
	logs, _ := json.Marshal(rg["Properties"].(map[string]any)["LogDeliveryConfigurations"])
	for _, want := range []string{`"LogType":"slow-log"`, `"LogType":"engine-log"`} {
		if !strings.Contains(string(logs), want) {
			t.Errorf("log delivery lacks %s: %s", want, logs)
		}
	}
	testutil.Assert(t, func() {
		prd.Template.HasResourceProperties(jsii.String("AWS::ElastiCache::SubnetGroup"), map[string]any{
			"SubnetIds": assertions.Match_ArrayWith(&[]any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("VpcDataSubnet3"))}}),
		})
	})
}

func TestRemovalPolicies(t *testing.T) {
	// SNAPSHOT (the default) snapshots the group; the key, secret and log
	// groups are kept except when the operation that created them rolls back:
	// the secret has a fixed name, and a plain Retain would make the retry of
	// a failed first creation fail on "already exists".
	for name, tc := range map[string]struct {
		f                              *testutil.Fixture
		group, restDelete, restReplace string
	}{"dev": {dev, "Delete", "Delete", "Delete"}, "prod": {prd, "Snapshot", "RetainExceptOnCreate", "Retain"}} {
		t.Run(name, func(t *testing.T) {
			_, rg := group(t, tc.f)
			if rg["DeletionPolicy"] != tc.group || rg["UpdateReplacePolicy"] != tc.group {
				t.Errorf("replication group: DeletionPolicy %v UpdateReplacePolicy %v, want %s", rg["DeletionPolicy"], rg["UpdateReplacePolicy"], tc.group)
			}
			for _, typ := range []string{"AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup"} {
				for id, r := range testutil.Resources(tc.f.JSON, typ) {
					if r["DeletionPolicy"] != tc.restDelete || r["UpdateReplacePolicy"] != tc.restReplace {
						t.Errorf("%s %s: DeletionPolicy %v UpdateReplacePolicy %v, want %s and %s", typ, id, r["DeletionPolicy"], r["UpdateReplacePolicy"], tc.restDelete, tc.restReplace)
					}
				}
			}
		})
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, dev.Stack)
	testutil.RequireNoNagErrors(t, prd.Stack)
}

func TestInvalidProps(t *testing.T) {
	const head = "cache.NewReplicationGroup \"Invalid\": invalid props:\n"
	for _, tc := range []struct {
		name  string
		props cache.ReplicationGroupProps
		want  string
	}{
		{"old redis, too many replicas", cache.ReplicationGroupProps{
			Vpc: prd.Vpc, Settings: settings(func(s *cache.Settings) { s.Engine, s.EngineVersion, s.Replicas = "redis", "6.2", 6 }),
		}, head + "cache.ReplicationGroupProps.Settings.EngineVersion: got \"6.2\", want at least 7.1 for redis (OpenCTI needs Redis >= 7.1)\n" +
			"cache.ReplicationGroupProps.Settings.Replicas: got 6, want 0 to 5"},
		{"multi-AZ without replicas, unknown engine", cache.ReplicationGroupProps{
			Settings:          settings(func(s *cache.Settings) { s.Engine, s.Replicas = "memcached", 0 }),
			MaintenanceWindow: jsii.String("sunday 4am"),
		}, head + "cache.ReplicationGroupProps.Vpc: got nil, want the VPC that holds the replication group\n" +
			"cache.ReplicationGroupProps.Settings.Engine: got \"memcached\", want \"valkey\" or \"redis\"\n" +
			"cache.ReplicationGroupProps.Settings.MultiAz: got true, want false when cache.ReplicationGroupProps.Settings.Replicas is 0 (Multi-AZ fails over to a replica)\n" +
			"cache.ReplicationGroupProps.MaintenanceWindow: got \"sunday 4am\", want \"ddd:hh:mm-ddd:hh:mm\" (UTC, e.g. \"sun:04:30-sun:05:30\")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := testutil.PanicMessage(func() {
				cache.NewReplicationGroup(prd.Stack, "Invalid", &tc.props)
			})
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
