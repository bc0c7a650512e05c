package identitiesgate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts/identities"
	"github.com/opencti-ha/opencti-ha/constructs/identitiesgate"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

const job = "opencti-identities-0a1b2c3d4e"

// One App for the whole test binary (one Node.js process).
var (
	stack    awscdk.Stack
	gate     identitiesgate.IdentitiesGate
	template map[string]any
	errs     []string
)

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		outdir, err := os.MkdirTemp("", "identitiesgate-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(outdir)
		app, err := cdkapp.New(outdir, false)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		stack = awscdk.NewStack(app, jsii.String("Gate"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}})
		gate = identitiesgate.NewIdentitiesGate(stack, "IdentitiesGate", &identitiesgate.IdentitiesGateProps{
			Cluster:   importedCluster(stack, "Cluster"),
			Namespace: "opencti",
			JobName:   job,
			Relays:    3,
		})
		cdkapp.AddNag(app)
		asm := app.Synth(nil)
		errs = cdkapp.Errors(asm)
		data, err := os.ReadFile(filepath.Join(outdir, "Gate.template.json"))
		if err == nil {
			err = json.Unmarshal(data, &template)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// importedCluster is a cluster with a kubectl provider, as a stack that
// imports another stack's cluster would see it.
func importedCluster(scope awscdk.Stack, id string) awseksv2.ICluster {
	provider := awseksv2.KubectlProvider_FromKubectlProviderAttributes(scope, jsii.String(id+"Kubectl"), &awseksv2.KubectlProviderAttributes{
		ServiceToken: jsii.String("arn:aws:lambda:eu-west-1:123456789012:function:kubectl-provider"),
	})
	return awseksv2.Cluster_FromClusterAttributes(scope, jsii.String(id), &awseksv2.ClusterAttributes{
		ClusterName: jsii.String("opencti"), KubectlProvider: provider,
	})
}

// resources returns the template's resources of type typ by logical ID.
func resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range template["Resources"].(map[string]any) {
		m := r.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// TestLookupsRelayInOrder: one lookup per relay key of the Job's status
// ConfigMap, each after the one before, each well within the kubectl
// function's 15 minutes.
func TestLookupsRelayInOrder(t *testing.T) {
	lookups := resources("Custom::AWSCDK-EKS-KubernetesObjectValue")
	if len(lookups) != 3 || len(gate.Lookups()) != 3 {
		t.Fatalf("%d lookups, want 3", len(lookups))
	}
	ids := map[int]string{}
	for id, l := range lookups {
		p := l["Properties"].(map[string]any)
		var i int
		if _, err := fmt.Sscanf(p["JsonPath"].(string), ".data.relay-%d", &i); err != nil {
			t.Fatalf("%s: JsonPath %v", id, p["JsonPath"])
		}
		ids[i] = id
		if p["ObjectType"] != "configmap" || p["ObjectName"] != job+"-status" || p["ObjectNamespace"] != "opencti" ||
			p["TimeoutSeconds"] != float64(identities.RelayWaitSeconds) || p["ClusterName"] != "opencti" {
			t.Errorf("%s: %v", id, p)
		}
	}
	for i := 2; i <= 3; i++ {
		deps, _ := lookups[ids[i]]["DependsOn"].([]any)
		found := false
		for _, d := range deps {
			found = found || d == ids[i-1]
		}
		if !found {
			t.Errorf("relay %d (%s) does not wait for relay %d (%s): %v", i, ids[i], i-1, ids[i-1], deps)
		}
	}
	// The verdict reads the last relay only, after it.
	verdicts := resources(identitiesgate.ResourceType)
	if len(verdicts) != 1 {
		t.Fatalf("%d verdicts", len(verdicts))
	}
	for id, v := range verdicts {
		p := v["Properties"].(map[string]any)
		result, _ := json.Marshal(p["Result"])
		if string(result) != fmt.Sprintf(`{"Fn::GetAtt":[%q,"Value"]}`, ids[3]) || p["JobName"] != job || p["Namespace"] != "opencti" {
			t.Errorf("verdict %s: %v", id, p)
		}
		if len(p) != 5 { // ServiceToken, ServiceTimeout, Namespace, JobName, Result
			t.Errorf("verdict %s takes %d properties, want only the Job's name, namespace and result", id, len(p))
		}
	}
}

// TestVerdictFunctionIsLeastPrivilege: the verdict function can write its
// own logs and nothing else; it runs the current Node.js with its code
// inline.
func TestVerdictFunctionIsLeastPrivilege(t *testing.T) {
	tpl := assertions.Template_FromJSON(&template, nil)
	testutil.Assert(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Runtime": "nodejs24.x", "Handler": "index.handler", "Code": map[string]any{"ZipFile": assertions.Match_StringLikeRegexp(jsii.String("exports.handler"))},
		})
		tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
				"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^IdentitiesGateFunctionLogs")), "Arn"}},
			}}},
		})
		tpl.ResourceCountIs(jsii.String("AWS::IAM::ManagedPolicy"), jsii.Number(0))
	})
	for _, r := range resources("AWS::IAM::Role") {
		if _, has := r["Properties"].(map[string]any)["ManagedPolicyArns"]; has {
			t.Errorf("the role has managed policies: %v", r)
		}
	}
	if *gate.Result() == "" || gate.Function() == nil || gate.Role() == nil || gate.LogGroup() == nil || gate.Resource() == nil {
		t.Error("a resource is not reachable from the gate")
	}
}

func TestNoNagErrors(t *testing.T) {
	if len(errs) > 0 {
		t.Errorf("%d unsuppressed errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// TestKubectlReadsTheRelayKeys evaluates each lookup's JSONPath the way the
// kubectl provider does (kubectl get -o=jsonpath='{<path>}') on the status
// ConfigMap the Job writes: a written key gives its value, a missing one
// nothing (the lookup keeps waiting).
func TestKubectlReadsTheRelayKeys(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed: the JSONPath is checked by TestLookupsRelayInOrder only")
	}
	cm := filepath.Join(t.TempDir(), "status.json")
	data := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"` + job + `-status","namespace":"opencti"},` +
		`"data":{"relay-1":"running: waiting for OpenCTI /health, 240 s after this pod started","relay-10":"x"}}`
	if err := os.WriteFile(cm, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, l := range resources("Custom::AWSCDK-EKS-KubernetesObjectValue") {
		path := l["Properties"].(map[string]any)["JsonPath"].(string)
		out, err := exec.Command(kubectl, "annotate", "--local", "-f", cm, "x=y", "-o=jsonpath='{"+path+"}'").Output()
		if err != nil {
			t.Fatalf("kubectl: %v", err)
		}
		value := strings.Trim(string(out), "'")
		want := ""
		if path == ".data.relay-1" {
			want = "running: waiting for OpenCTI /health, 240 s after this pod started"
		}
		if value != want {
			t.Errorf("%s: kubectl read %q, want %q", path, value, want)
		}
	}
}

func TestInvalidPropsAreReportedAtOnce(t *testing.T) {
	app := testutil.NewApp()
	s := awscdk.NewStack(app, jsii.String("Bad"), nil)
	var err error
	func() {
		defer problems.Recover(&err)
		identitiesgate.NewIdentitiesGate(s, "Gate", &identitiesgate.IdentitiesGateProps{
			Namespace:     "Open_CTI",
			JobName:       "Job!",
			Relays:        0,
			RelayTimeout:  awscdk.Duration_Minutes(jsii.Number(15)),
			LogRetention:  awslogs.RetentionDays_ONE_DAY,
			RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT,
		})
	}()
	var invalid *problems.InvalidProps
	if !errors.As(err, &invalid) {
		t.Fatalf("got %v, want *problems.InvalidProps", err)
	}
	want := `identitiesgate.NewIdentitiesGate "Gate": invalid props:
identitiesgate.IdentitiesGateProps.Cluster: got nil, want the EKS cluster the identities Job runs in
identitiesgate.IdentitiesGateProps.Namespace: got "Open_CTI", want a Kubernetes namespace name
identitiesgate.IdentitiesGateProps.JobName: got "Job!", want a Kubernetes object name (lower-case letters, digits, '-' and '.')
identitiesgate.IdentitiesGateProps.StatusConfigMap: got "Job!-status", want a Kubernetes object name (lower-case letters, digits, '-' and '.')
identitiesgate.IdentitiesGateProps.Relays: got 0, want 1 to 50 (charts.ProvisioningJob.Relays)
identitiesgate.IdentitiesGateProps.RelayTimeout: got 15 minutes, want 11 to 14 minutes (longer than the Job's 10-minute heartbeats, shorter than the kubectl function's 15-minute limit)
identitiesgate.IdentitiesGateProps.RemovalPolicy: got "SNAPSHOT", want one of DESTROY, RETAIN, RETAIN_ON_UPDATE_OR_DELETE`
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
}
