package monitoring

// One app per test binary (starting jsii and loading aws-cdk-lib is the
// expensive part): TestMain builds a test stack with every target and fake
// names, and a second stack with the observability add-on on an imported
// cluster. Tests read the synthesized templates.

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

const (
	testAccount = "123456789012"
	testRegion  = "eu-west-1"
)

var (
	app        awscdk.App
	stack      awscdk.Stack
	addonStack awscdk.Stack
	mon        Monitoring
	tmpl       assertions.Template
	addonTmpl  assertions.Template
	resources  map[string]resource
	addonRes   map[string]resource
)

// resource is one template resource, decoded.
type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	DependsOn  any            `json:"DependsOn"`
}

func testProps() *MonitoringProps {
	return &MonitoringProps{
		AlarmEmails:     []string{"ops@example.com", "oncall@example.com"},
		AlarmNamePrefix: jsii.String("opencti-test"),
		LogRetention:    awslogs.RetentionDays_ONE_YEAR,
		OpenSearch:      &OpenSearchTarget{DomainName: jsii.String("opencti-search"), DataNodes: 3, MasterNodes: 3, VolumeSizeGiB: 200},
		Redis: &RedisTarget{
			ReplicationGroupID: jsii.String("opencti-cache"),
			NodeIDs:            []*string{jsii.String("opencti-cache-001"), jsii.String("opencti-cache-002"), jsii.String("opencti-cache-003")},
			NodeType:           "cache.t4g.small",
			EventTopicArn:      jsii.String("arn:aws:sns:eu-west-1:123456789012:opencti-cache-events"),
		},
		Broker: &BrokerTarget{BrokerName: jsii.String("opencti-broker"), ExpectedConsumers: 6},
		LoadBalancers: []LoadBalancerTarget{
			{ID: "UI", Label: "ui", LoadBalancerName: "opencti-test-ui", Scheme: "internet-facing"},
			{ID: "API", Label: "api", LoadBalancerName: "opencti-test-api"},
		},
		Kubernetes: &KubernetesTarget{
			ClusterName: jsii.String("opencti-cluster"),
			Namespace:   "opencti",
			Workloads: []Workload{
				{Tier: "ui", Name: "opencti-ui", MinReplicas: 2},
				{Tier: "connector-api", Name: "opencti-connector-api"},
				{Tier: "worker-api", Name: "opencti-worker-api"},
				{Tier: "connectors", Name: "opencti-connector-export-file-stix"},
				{Tier: "connectors", Name: "opencti-connector-import-document"},
			},
		},
		Storage: &StorageTarget{BucketName: jsii.String("opencti-files"), BackupVaultName: jsii.String("opencti-vault")},
		IngestionScaling: &IngestionScalingTarget{
			ClusterName: jsii.String("opencti-cluster"), Namespace: "opencti", BrokerName: jsii.String("opencti-broker"),
			MinReplicas: 2, MaxReplicas: 6, WorkersPerPlatform: 3, MessagesPerReplica: 10000,
			Scaler: &ScalerTarget{},
		},
	}
}

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		app, err = cdkapp.New("", false)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		testutil.AddNag(app)
		env := &awscdk.Environment{Account: jsii.String(testAccount), Region: jsii.String(testRegion)}
		stack = awscdk.NewStack(app, jsii.String("MonitoringTest"), &awscdk.StackProps{Env: env})
		mon = NewMonitoring(stack, "Monitoring", testProps())

		addonStack = awscdk.NewStack(app, jsii.String("AddonTest"), &awscdk.StackProps{Env: env})
		cluster := awseksv2.Cluster_FromClusterAttributes(addonStack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{
			ClusterName: jsii.String("opencti-cluster"),
		})
		NewObservabilityAddon(addonStack, "CloudWatchObservability", &ObservabilityAddonProps{
			Cluster:      cluster,
			LogRetention: awslogs.RetentionDays_THREE_MONTHS,
		})

		buildRecoveryStack(env)    // recovery_test.go
		buildConnectorsStacks(env) // connectors_test.go

		tmpl = assertions.Template_FromStack(stack, nil)
		addonTmpl = assertions.Template_FromStack(addonStack, nil)
		recoveryTmpl = assertions.Template_FromStack(recoveryStack, nil)
		recoveryNagErrors = testutil.NagErrors(recoveryStack)
		if resources, err = decode(tmpl); err == nil {
			addonRes, err = decode(addonTmpl)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
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

// ofType lists the logical IDs of every resource of type typ in res, sorted.
func ofType(res map[string]resource, typ string) []string {
	var ids []string
	for id, r := range res {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// logicalID is the only resource of type typ whose logical ID starts with prefix.
func logicalID(t *testing.T, res map[string]resource, typ, prefix string) string {
	t.Helper()
	var found []string
	for _, id := range ofType(res, typ) {
		if strings.HasPrefix(id, prefix) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s with logical ID prefix %s, got %v", typ, prefix, found)
	}
	return found[0]
}

// alarmByName returns the alarm whose AlarmName is name.
func alarmByName(t *testing.T, name string) map[string]any {
	t.Helper()
	for _, id := range ofType(resources, "AWS::CloudWatch::Alarm") {
		if resources[id].Properties["AlarmName"] == name {
			return resources[id].Properties
		}
	}
	t.Fatalf("no alarm named %q", name)
	return nil
}

// flatten renders a CloudFormation string value (plain or Fn::Join) with
// every non-literal part as "<token>".
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			var b strings.Builder
			for _, p := range j[1].([]any) {
				b.WriteString(flatten(p))
			}
			return b.String()
		}
		return "<token>"
	}
	return fmt.Sprint(v)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// roleStatements returns the statements of every policy attached to role
// (a logical ID) and every action they allow, sorted.
func roleStatements(res map[string]resource, role string) (statements []map[string]any, actions []string) {
	for _, id := range ofType(res, "AWS::IAM::Policy") {
		if !strings.Contains(jsonOf(res[id].Properties["Roles"]), role) {
			continue
		}
		for _, s := range res[id].Properties["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			statements = append(statements, st)
			switch a := st["Action"].(type) {
			case string:
				actions = append(actions, a)
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
		}
	}
	sort.Strings(actions)
	return statements, actions
}
