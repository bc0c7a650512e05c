package stacks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

func TestDataHighAvailability(t *testing.T) {
	cases := map[string]struct {
		dataNodes, masters, zones, redisNodes int
		zoneAware, dedicated, multiAZ         bool
		mqMode, mqType                        string
		domainSubnets, mqSubnets              int
	}{
		"dev":  {1, 0, 0, 1, false, false, false, "SINGLE_INSTANCE", "mq.t3.micro", 1, 1},
		"prod": {3, 3, 3, 3, true, true, true, "CLUSTER_MULTI_AZ", "mq.m5.large", 3, 3},
	}
	for env, want := range cases {
		t.Run(env, func(t *testing.T) {
			f := fixtureFor(t, env)
			tpl := f.Template(t, f.App.Data.Stack)
			cluster := map[string]any{
				"InstanceCount":          want.dataNodes,
				"ZoneAwarenessEnabled":   want.zoneAware,
				"DedicatedMasterEnabled": want.dedicated,
			}
			if want.dedicated {
				cluster["DedicatedMasterCount"] = want.masters
				cluster["ZoneAwarenessConfig"] = map[string]any{"AvailabilityZoneCount": want.zones}
			}
			testutil.Assert(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::OpenSearchService::Domain"), map[string]any{"ClusterConfig": cluster})
				tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), map[string]any{
					"NumCacheClusters":         want.redisNodes,
					"AutomaticFailoverEnabled": want.multiAZ,
					"MultiAZEnabled":           want.multiAZ,
					"ClusterMode":              "disabled",
				})
				tpl.HasResourceProperties(jsii.String("AWS::AmazonMQ::Broker"), map[string]any{
					"DeploymentMode":     want.mqMode,
					"HostInstanceType":   want.mqType,
					"PubliclyAccessible": false,
					"EngineVersion":      "3.13",
				})
			})
			for _, d := range f.Resources(t, f.App.Data.Stack, "AWS::OpenSearchService::Domain") {
				if n := len(d["Properties"].(map[string]any)["VPCOptions"].(map[string]any)["SubnetIds"].([]any)); n != want.domainSubnets {
					t.Errorf("domain subnets: got %d, want %d", n, want.domainSubnets)
				}
			}
			for _, b := range f.Resources(t, f.App.Data.Stack, "AWS::AmazonMQ::Broker") {
				if n := len(b["Properties"].(map[string]any)["SubnetIds"].([]any)); n != want.mqSubnets {
					t.Errorf("broker subnets: got %d, want %d", n, want.mqSubnets)
				}
			}
			if env == "prod" {
				for _, rg := range f.Resources(t, f.App.Data.Stack, "AWS::ElastiCache::ReplicationGroup") {
					azs, _ := json.Marshal(rg["Properties"].(map[string]any)["PreferredCacheClusterAZs"])
					if string(azs) != `["eu-west-1a","eu-west-1b","eu-west-1c"]` {
						t.Errorf("redis nodes must spread over the 3 AZs: %s", azs)
					}
				}
			}
		})
	}
}

func TestDataEncryption(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			f := fixtureFor(t, env)
			tpl := f.Template(t, f.App.Data.Stack)
			testutil.Assert(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::OpenSearchService::Domain"), map[string]any{
					"EncryptionAtRestOptions":     map[string]any{"Enabled": true, "KmsKeyId": map[string]any{"Ref": assertions.Match_AnyValue()}},
					"NodeToNodeEncryptionOptions": map[string]any{"Enabled": true},
					"DomainEndpointOptions":       map[string]any{"EnforceHTTPS": true, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"},
					"AdvancedSecurityOptions":     assertions.Match_ObjectLike(&map[string]any{"Enabled": true, "InternalUserDatabaseEnabled": true}),
				})
				tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), map[string]any{
					"TransitEncryptionEnabled": true,
					"TransitEncryptionMode":    "required",
					"AtRestEncryptionEnabled":  true,
					"KmsKeyId":                 assertions.Match_AnyValue(),
				})
				tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
					"VersioningConfiguration": map[string]any{"Status": "Enabled"},
					"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
						"BucketKeyEnabled":              true,
						"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": assertions.Match_AnyValue()},
					}}},
				})
				tpl.HasResourceProperties(jsii.String("AWS::Backup::BackupVault"), map[string]any{
					"EncryptionKeyArn": assertions.Match_AnyValue(),
				})
			})
			for id, k := range f.Resources(t, f.App.Data.Stack, "AWS::KMS::Key") {
				if k["Properties"].(map[string]any)["EnableKeyRotation"] != true {
					t.Errorf("key %s does not rotate", id)
				}
			}
			for id, s := range f.Resources(t, f.App.Data.Stack, "AWS::SecretsManager::Secret") {
				key, _ := json.Marshal(s["Properties"].(map[string]any)["KmsKeyId"])
				if !strings.Contains(string(key), "SecretsKey") {
					t.Errorf("secret %s is not encrypted with the secrets key: %s", id, key)
				}
			}
			for id, p := range f.Resources(t, f.App.Data.Stack, "AWS::S3::BucketPolicy") {
				doc, _ := json.Marshal(p["Properties"].(map[string]any)["PolicyDocument"])
				if !strings.Contains(string(doc), `"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny"`) {
					t.Errorf("bucket policy %s does not deny non-TLS requests: %s", id, doc)
				}
			}
		})
	}
}

func TestDataBackupPlanRetention(t *testing.T) {
	for env, want := range map[string]string{"dev": "map[Daily:7]", "prod": "map[Daily:35 Monthly:365 Weekly:90]"} {
		f := fixtureFor(t, env)
		got := map[string]float64{}
		for _, p := range f.Resources(t, f.App.Data.Stack, "AWS::Backup::BackupPlan") {
			for _, r := range p["Properties"].(map[string]any)["BackupPlan"].(map[string]any)["BackupPlanRule"].([]any) {
				rule := r.(map[string]any)
				got[rule["RuleName"].(string)] = rule["Lifecycle"].(map[string]any)["DeleteAfterDays"].(float64)
			}
		}
		if fmt.Sprint(got) != want {
			t.Errorf("%s backup rules: got %v, want %s", env, got, want)
		}
		testutil.Assert(t, func() {
			f.Template(t, f.App.Data.Stack).HasResourceProperties(jsii.String("AWS::Backup::BackupSelection"), map[string]any{
				"BackupSelection": assertions.Match_ObjectLike(&map[string]any{
					"Resources": []any{map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ObjectStoreBucket")), "Arn"}}},
				}),
			})
		})
	}
}

// dataIngress lists, per security group of the Data stack, its ingress rules
// as "<source>:<from>-<to>".
func dataIngress(t *testing.T, f *fixture) map[string][]string {
	out := map[string][]string{}
	add := func(sg string, r map[string]any) {
		src, _ := json.Marshal(r["SourceSecurityGroupId"])
		if r["CidrIp"] != nil || r["CidrIpv6"] != nil || r["SourcePrefixListId"] != nil {
			src = []byte(fmt.Sprint(r["CidrIp"], r["CidrIpv6"], r["SourcePrefixListId"]))
		}
		out[sg] = append(out[sg], fmt.Sprintf("%s:%v-%v", src, r["FromPort"], r["ToPort"]))
	}
	for id, sg := range f.Resources(t, f.App.Data.Stack, "AWS::EC2::SecurityGroup") {
		out[id] = nil
		if inline, ok := sg["Properties"].(map[string]any)["SecurityGroupIngress"].([]any); ok {
			for _, r := range inline {
				add(id, r.(map[string]any))
			}
		}
	}
	for _, r := range f.Resources(t, f.App.Data.Stack, "AWS::EC2::SecurityGroupIngress") {
		p := r["Properties"].(map[string]any)
		gid := p["GroupId"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		add(gid, p)
	}
	for _, rules := range out {
		sort.Strings(rules)
	}
	return out
}

func TestDataSecurityGroupsAdmitOnlyTheWorkloadGroup(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			f := fixtureFor(t, env)
			// The Data stack sees the Network stack's workload group through a
			// cross-stack reference to its GroupId.
			network := *f.App.Network.Stack.StackName()
			var src string
			for _, r := range f.Resources(t, f.App.Data.Stack, "AWS::EC2::SecurityGroupIngress") {
				raw, _ := json.Marshal(r["Properties"].(map[string]any)["SourceSecurityGroupId"])
				src = string(raw)
				if !strings.Contains(src, `"`+network+`"`) || !strings.Contains(src, "WorkloadSecurityGroup") {
					t.Errorf("ingress source %s is not the workload group of stack %s", src, network)
				}
			}
			want := map[string][]string{
				"OpenSearchSecurityGroup": {src + ":443-443"},
				"RedisSecurityGroup":      {src + ":6379-6379"},
				"RabbitMQSecurityGroup":   {src + ":443-443", src + ":5671-5671"},
			}
			got := dataIngress(t, f)
			if len(got) != len(want) {
				t.Errorf("security groups: got %v, want only the three data groups", got)
			}
			for id, rules := range got {
				matched := false
				for prefix, wantRules := range want {
					if strings.HasPrefix(id, prefix) {
						matched = true
						if fmt.Sprint(rules) != fmt.Sprint(wantRules) {
							t.Errorf("%s ingress: got %v, want %v", id, rules, wantRules)
						}
					}
				}
				if !matched {
					t.Errorf("unexpected security group %s with ingress %v", id, rules)
				}
			}
		})
	}
}

func TestDataRetention(t *testing.T) {
	// Resource types that hold data or keys, and "DeletionPolicy/UpdateReplacePolicy"
	// each must carry. In prod everything is kept on deletion and replacement,
	// except when the operation that created it rolls back (RetainExceptOnCreate):
	// secrets, broker, domain and vault have fixed names, and a plain Retain
	// would make the retry of a failed first creation fail on "already exists".
	cases := map[string]map[string]string{
		"prod": {
			"AWS::OpenSearchService::Domain":     "RetainExceptOnCreate/Retain",
			"AWS::Backup::BackupVault":           "RetainExceptOnCreate/Retain",
			"AWS::KMS::Key":                      "RetainExceptOnCreate/Retain",
			"AWS::SecretsManager::Secret":        "RetainExceptOnCreate/Retain",
			"AWS::AmazonMQ::Broker":              "RetainExceptOnCreate/Retain",
			"AWS::Logs::LogGroup":                "RetainExceptOnCreate/Retain",
			"AWS::ElastiCache::ReplicationGroup": "Snapshot/Snapshot",
		},
		"dev": {
			"AWS::OpenSearchService::Domain": "Delete/Delete",
			"AWS::S3::Bucket":                "Delete/Delete",
			// A vault with recovery points cannot be deleted; an empty one
			// (a rolled-back first creation) can.
			"AWS::Backup::BackupVault":           "RetainExceptOnCreate/Retain",
			"AWS::SecretsManager::Secret":        "Delete/Delete",
			"AWS::AmazonMQ::Broker":              "Delete/Delete",
			"AWS::ElastiCache::ReplicationGroup": "Delete/Delete",
		},
	}
	for env, types := range cases {
		t.Run(env, func(t *testing.T) {
			f := fixtureFor(t, env)
			for typ, want := range types {
				rs := f.Resources(t, f.App.Data.Stack, typ)
				if len(rs) == 0 {
					t.Errorf("no %s", typ)
				}
				for id, r := range rs {
					if typ == "AWS::Logs::LogGroup" && strings.Contains(id, "GeneratorLogs") {
						continue // the secret generator function's own logs, destroyed with the stack
					}
					if typ == "AWS::KMS::Key" && env == "dev" {
						continue
					}
					if got := fmt.Sprintf("%v/%v", r["DeletionPolicy"], r["UpdateReplacePolicy"]); got != want {
						t.Errorf("%s %s: %s, want %s", typ, id, got, want)
					}
				}
			}
			for id, k := range f.Resources(t, f.App.Data.Stack, "AWS::KMS::Key") {
				want := map[string]string{"dev": "Delete", "prod": "RetainExceptOnCreate"}[env]
				if strings.Contains(id, "BackupVaultKey") {
					want = "RetainExceptOnCreate" // backups stay readable as long as the vault lives
				}
				if k["DeletionPolicy"] != want {
					t.Errorf("key %s: DeletionPolicy %v, want %s", id, k["DeletionPolicy"], want)
				}
			}
			// Buckets: the data buckets like everything else; the access logs
			// bucket receives logs while the stack is still being created (a
			// rollback could not delete it) and has a generated name, so it
			// stays Retain in prod.
			if env == "prod" {
				for id, b := range f.Resources(t, f.App.Data.Stack, "AWS::S3::Bucket") {
					want := "RetainExceptOnCreate/Retain"
					if strings.Contains(id, "AccessLogs") {
						want = "Retain/Retain"
					}
					if got := fmt.Sprintf("%v/%v", b["DeletionPolicy"], b["UpdateReplacePolicy"]); got != want {
						t.Errorf("bucket %s: %s, want %s", id, got, want)
					}
				}
			}
			autoDelete := len(f.Resources(t, f.App.Data.Stack, "Custom::S3AutoDeleteObjects")) > 0
			if autoDelete != (env == "dev") {
				t.Errorf("auto-delete of bucket objects: got %v in %s", autoDelete, env)
			}
		})
	}
}

func TestDataSecretsAreNamedUnderThePrefix(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		f := fixtureFor(t, env)
		var names []string
		for _, s := range f.Resources(t, f.App.Data.Stack, "AWS::SecretsManager::Secret") {
			names = append(names, s["Properties"].(map[string]any)["Name"].(string))
		}
		sort.Strings(names)
		var want []string
		for _, suffix := range []string{AdminSecretSuffix, EncryptionKeySecretSuffix, HealthAccessKeySecretSuffix,
			OpenSearchUserSecretSuffix, RabbitMQSecretSuffix, RedisAuthSecretSuffix} {
			want = append(want, DataSecretName(f.Config, suffix))
		}
		if fmt.Sprint(names) != fmt.Sprint(want) {
			t.Errorf("%s secrets: got %v, want %v", env, names, want)
		}
	}
}

var (
	uuidRe     = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}`)
	base64Key  = regexp.MustCompile(`^[A-Za-z0-9+/]{43}=$`)
	resolveRef = regexp.MustCompile(`^\{\{resolve:secretsmanager:<ref>:SecretString:(username|password)::\}\}$`)
)

// flatten renders a template value as a string, with every Ref/GetAtt as <ref>.
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, flatten(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		return "<ref>"
	}
	return fmt.Sprint(v)
}

// TestDataTemplatesHoldNoSecretValues proves that no secret value can be in
// the Data stack's template: secrets are generated by Secrets Manager
// (GenerateSecretString) or in the account (custom resource), every property
// that carries a credential is a {{resolve:secretsmanager:...}} dynamic
// reference, no output reads a secret or a generator, and nothing in the
// template looks like a generated token or key.
func TestDataTemplatesHoldNoSecretValues(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			f := fixtureFor(t, env)
			tpl := f.TemplateJSON(t, f.App.Data.Stack)
			for id, s := range f.Resources(t, f.App.Data.Stack, "AWS::SecretsManager::Secret") {
				props := s["Properties"].(map[string]any)
				if _, literal := props["SecretString"]; literal || props["GenerateSecretString"] == nil {
					t.Errorf("secret %s is not generated by Secrets Manager", id)
				}
			}
			var credentials []any
			for _, d := range f.Resources(t, f.App.Data.Stack, "AWS::OpenSearchService::Domain") {
				opts := d["Properties"].(map[string]any)["AdvancedSecurityOptions"].(map[string]any)["MasterUserOptions"].(map[string]any)
				credentials = append(credentials, opts["MasterUserPassword"])
			}
			for _, rg := range f.Resources(t, f.App.Data.Stack, "AWS::ElastiCache::ReplicationGroup") {
				credentials = append(credentials, rg["Properties"].(map[string]any)["AuthToken"])
			}
			for _, b := range f.Resources(t, f.App.Data.Stack, "AWS::AmazonMQ::Broker") {
				for _, u := range b["Properties"].(map[string]any)["Users"].([]any) {
					credentials = append(credentials, u.(map[string]any)["Username"], u.(map[string]any)["Password"])
				}
			}
			if len(credentials) != 4 {
				t.Errorf("found %d credential properties, want 4", len(credentials))
			}
			for _, c := range credentials {
				if s := flatten(c); !resolveRef.MatchString(s) {
					t.Errorf("credential property is not a Secrets Manager dynamic reference: %s", s)
				}
			}
			generators := f.Resources(t, f.App.Data.Stack, "Custom::OpenCTIGeneratedSecretFields")
			if len(generators) != 2 {
				t.Errorf("generated-field custom resources: got %d, want 2", len(generators))
			}
			// Outputs may carry a secret's ARN (other stacks name the secret), never
			// its value: no dynamic reference, no generator attribute.
			outputs, _ := json.Marshal(tpl["Outputs"])
			if strings.Contains(string(outputs), "resolve:secretsmanager") {
				t.Errorf("an output resolves a secret value: %s", outputs)
			}
			for id := range generators {
				if strings.Contains(string(outputs), `"`+id+`"`) {
					t.Errorf("an output references generator %s", id)
				}
			}
			raw, _ := json.Marshal(tpl)
			for id := range generators {
				if strings.Contains(string(raw), `"Fn::GetAtt":["`+id) {
					t.Errorf("an attribute of generator %s is read", id)
				}
			}
			if m := uuidRe.FindString(string(raw)); m != "" {
				t.Errorf("the template holds a UUIDv4: %s", m)
			}
			var walk func(v any)
			walk = func(v any) {
				switch x := v.(type) {
				case string:
					if base64Key.MatchString(x) {
						t.Errorf("the template holds a 32-byte base64 value")
					}
				case []any:
					for _, e := range x {
						walk(e)
					}
				case map[string]any:
					for _, e := range x {
						walk(e)
					}
				}
			}
			walk(tpl)
		})
	}
}

func TestDataOutputs(t *testing.T) {
	f := fixtureFor(t, "prod")
	o := f.App.Data.Outputs
	if o.RedisMode != "single" || o.RedisPort != 6379 || o.RabbitMQPort != 5671 || o.RabbitMQManagementPort != 443 || o.RabbitMQVHost != "/" {
		t.Errorf("constants: %+v", o)
	}
	for name, v := range map[string]any{
		"OpenSearchURL": o.OpenSearchURL, "OpenSearchUserSecret": o.OpenSearchUserSecret, "RedisHostname": o.RedisHostname,
		"RedisAuthSecret": o.RedisAuthSecret, "RabbitMQHostname": o.RabbitMQHostname, "RabbitMQManagementHostname": o.RabbitMQManagementHostname,
		"RabbitMQSecret": o.RabbitMQSecret, "Bucket": o.Bucket, "BucketKey": o.BucketKey, "BucketRegion": o.BucketRegion,
		"AdminSecret": o.AdminSecret, "HealthAccessKeySecret": o.HealthAccessKeySecret, "EncryptionKeySecret": o.EncryptionKeySecret,
		"SecretsKey": o.SecretsKey,
	} {
		if v == nil || fmt.Sprint(v) == "<nil>" {
			t.Errorf("DataOutputs.%s is nil", name)
		}
	}
	url := f.App.Data.Stack.Resolve(o.OpenSearchURL)
	raw, _ := json.Marshal(url)
	if !strings.HasPrefix(string(raw), `{"Fn::Join":["",["https://",{"Fn::GetAtt":["OpenSearch`) {
		t.Errorf("OpenSearchURL: %s", raw)
	}
	if *o.BucketRegion != f.Config.Region {
		t.Errorf("BucketRegion: got %s, want %s", *o.BucketRegion, f.Config.Region)
	}
	host, _ := json.Marshal(f.App.Data.Stack.Resolve(o.RabbitMQHostname))
	if !strings.Contains(string(host), `"AmqpEndpoints"`) || !strings.Contains(string(host), `"Fn::Split":["//"`) {
		t.Errorf("RabbitMQHostname: %s", host)
	}
}

func TestDataNoNagErrors(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		f := fixtureFor(t, env)
		f.requireNoErrors(t, f.App.Data.Stack)
	}
}

func TestDataResourceCounts(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		f := fixtureFor(t, env)
		res := f.TemplateJSON(t, f.App.Data.Stack)["Resources"].(map[string]any)
		byType := map[string]int{}
		for _, r := range res {
			byType[r.(map[string]any)["Type"].(string)]++
		}
		t.Logf("%s Data stack: %d resources %v", env, len(res), byType)
		if len(res) > 400 {
			t.Errorf("%s Data stack has %d resources; CloudFormation allows 500", env, len(res))
		}
	}
}

// TestDataTurnsOnOpenSearchAuditLogging: the Data stack turns the security
// plugin's audit logging on inside the domain, from functions that carry the
// workload security group the domain admits.
func TestDataTurnsOnOpenSearchAuditLogging(t *testing.T) {
	for _, env := range config.Environments {
		f := fixtureFor(t, env)
		crs := f.Resources(t, f.App.Data.Stack, opensearch.AuditLoggingResourceType)
		if len(crs) != 1 {
			t.Fatalf("%s: %d audit logging resources, want 1", env, len(crs))
		}
		for _, fn := range f.Resources(t, f.App.Data.Stack, "AWS::Lambda::Function") {
			p := fn["Properties"].(map[string]any)
			if !strings.Contains(mustJSON(p["Code"]), "_plugins/_security/api/audit/config") {
				continue
			}
			if sg := mustJSON(p["VpcConfig"].(map[string]any)["SecurityGroupIds"]); !strings.Contains(sg, "WorkloadSecurityGroup") {
				t.Errorf("%s: audit function security groups %s, want the workload group", env, sg)
			}
		}
	}
}

// TestDataFirstDeployInAFreshAccount: the domain waits for the OpenSearch
// service-linked role (created when missing), and the broker's own log group
// gets the configured retention.
func TestDataFirstDeployInAFreshAccount(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			f := fixtureFor(t, env)
			slr := f.Resources(t, f.App.Data.Stack, "Custom::OpenSearchServiceLinkedRole")
			if len(slr) != 1 {
				t.Fatalf("%d service-linked role custom resources, want 1", len(slr))
			}
			var slrID string
			for id, r := range slr {
				slrID = id
				if _, ok := r["Properties"].(map[string]any)["Delete"]; ok {
					t.Error("the service-linked role would be deleted with the stack")
				}
			}
			for id, d := range f.Resources(t, f.App.Data.Stack, "AWS::OpenSearchService::Domain") {
				if !strings.Contains(mustJSON(d["DependsOn"]), `"`+slrID+`"`) {
					t.Errorf("domain %s does not wait for %s: DependsOn %s", id, slrID, mustJSON(d["DependsOn"]))
				}
			}
			var brokerID string
			for id := range f.Resources(t, f.App.Data.Stack, "AWS::AmazonMQ::Broker") {
				brokerID = id
			}
			want := fmt.Sprintf(`{"LogGroupName":{"Fn::Join":["",["/aws/amazonmq/broker/",{"Fn::GetAtt":["%s","Id"]},"/general"]]},"RetentionInDays":%d}`,
				brokerID, f.Config.Data.Broker.LogRetentionDays)
			found := false
			for _, lr := range f.Resources(t, f.App.Data.Stack, "Custom::LogRetention") {
				p := lr["Properties"].(map[string]any)
				got := mustJSON(map[string]any{"LogGroupName": p["LogGroupName"], "RetentionInDays": p["RetentionInDays"]})
				if got == want {
					found = true
					if removal := map[string]string{"dev": "destroy", "prod": "retain"}[env]; p["RemovalPolicy"] != removal {
						t.Errorf("broker log group RemovalPolicy %v, want %s", p["RemovalPolicy"], removal)
					}
				}
			}
			if !found {
				t.Errorf("no LogRetention %s", want)
			}
		})
	}
}
