package secrets_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

var (
	app                awscdk.App
	devStack, prdStack awscdk.Stack
	dev, prd           assertions.Template
	devJSON, prdJSON   map[string]any
)

func TestMain(m *testing.M) {
	app = awscdk.NewApp(nil)
	testutil.AddNag(app)
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	devStack = awscdk.NewStack(app, jsii.String("Dev"), &awscdk.StackProps{Env: env})
	devKey := secrets.NewKey(devStack, "SharedKey", &secrets.KeyProps{
		Description: jsii.String("shared"), RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		AllowSecretsManagerInAccount: jsii.Bool(true),
	})
	secrets.NewOpenCTISecrets(devStack, "OpenCTISecrets", &secrets.OpenCTISecretsProps{
		NamePrefix: jsii.String("opencti/dev"), RemovalPolicy: awscdk.RemovalPolicy_DESTROY, EncryptionKey: devKey,
	})
	prdStack = awscdk.NewStack(app, jsii.String("Prod"), &awscdk.StackProps{Env: env})
	secrets.NewOpenCTISecrets(prdStack, "OpenCTISecrets", &secrets.OpenCTISecretsProps{
		NamePrefix: jsii.String("opencti/prod"),
	})
	dev = assertions.Template_FromStack(devStack, nil)
	prd = assertions.Template_FromStack(prdStack, nil)
	devJSON, prdJSON = *dev.ToJSON(), *prd.ToJSON()
	os.Exit(m.Run())
}

func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func TestSecretsAreNamedUnderPrefixAndGenerated(t *testing.T) {
	for name, tc := range map[string]struct {
		tmpl   map[string]any
		prefix string
	}{"dev": {devJSON, "opencti/dev"}, "prod": {prdJSON, "opencti/prod"}} {
		t.Run(name, func(t *testing.T) {
			got := map[string]string{}
			for _, r := range resources(tc.tmpl, "AWS::SecretsManager::Secret") {
				props := r["Properties"].(map[string]any)
				if _, literal := props["SecretString"]; literal {
					t.Errorf("secret %v has a literal SecretString", props["Name"])
				}
				gen := props["GenerateSecretString"].(map[string]any)
				if props["KmsKeyId"] == nil {
					t.Errorf("secret %v is not encrypted with the customer key", props["Name"])
				}
				got[props["Name"].(string)] = gen["GenerateStringKey"].(string)
			}
			want := map[string]string{
				tc.prefix + "/admin":             secrets.AdminSecretPasswordField,
				tc.prefix + "/health-access-key": secrets.HealthAccessKeySecretField,
				tc.prefix + "/encryption-key":    secrets.EncryptionKeySecretField,
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("secrets: got %v, want %v", got, want)
			}
		})
	}
}

func TestKeyRotatesAndAllowsSecretsManagerReaders(t *testing.T) {
	testutil.Assert(t, func() {
		prd.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
		dev.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Sid":       "AllowUseThroughSecretsManagerForPrincipalsInAccount",
					"Principal": map[string]any{"AWS": "*"},
					"Condition": map[string]any{"StringEquals": map[string]any{
						"kms:CallerAccount": "111111111111",
						"kms:ViaService":    "secretsmanager.eu-west-1.amazonaws.com",
					}},
				}),
			})},
		})
	})
}

func TestGeneratedFields(t *testing.T) {
	testutil.Assert(t, func() {
		prd.ResourceCountIs(jsii.String("Custom::OpenCTIGeneratedSecretFields"), jsii.Number(2))
		prd.HasResourceProperties(jsii.String("Custom::OpenCTIGeneratedSecretFields"), map[string]any{
			"Fields": map[string]any{secrets.AdminSecretTokenField: "uuid4"},
		})
		prd.HasResourceProperties(jsii.String("Custom::OpenCTIGeneratedSecretFields"), map[string]any{
			"Fields": map[string]any{secrets.EncryptionKeySecretField: "base64_32"},
		})
		prd.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Runtime": "nodejs24.x",
		})
	})
	// Nothing reads an attribute of the generator resources: the values can
	// reach CloudFormation only through GetAtt, and there is none.
	crs := resources(prdJSON, "Custom::OpenCTIGeneratedSecretFields")
	raw, _ := json.Marshal(prdJSON)
	for id := range crs {
		if strings.Contains(string(raw), `"Fn::GetAtt":["`+id) {
			t.Errorf("something reads an attribute of %s", id)
		}
	}
}

func TestRemovalPolicies(t *testing.T) {
	for name, tc := range map[string]struct {
		tmpl map[string]any
		want string
	}{"dev": {devJSON, "Delete"}, "prod": {prdJSON, "Retain"}} {
		t.Run(name, func(t *testing.T) {
			for _, typ := range []string{"AWS::SecretsManager::Secret", "AWS::KMS::Key"} {
				for id, r := range resources(tc.tmpl, typ) {
					if r["DeletionPolicy"] != tc.want || r["UpdateReplacePolicy"] != tc.want {
						t.Errorf("%s %s: DeletionPolicy %v UpdateReplacePolicy %v, want %s",
							typ, id, r["DeletionPolicy"], r["UpdateReplacePolicy"], tc.want)
					}
				}
			}
		})
	}
}

func TestNoNagErrors(t *testing.T) {
	testutil.RequireNoNagErrors(t, devStack)
	testutil.RequireNoNagErrors(t, prdStack)
}

func TestInvalidProps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props *secrets.OpenCTISecretsProps
		want  string
	}{
		{"nil props", nil, "secrets.OpenCTISecretsProps.NamePrefix: got nil, want a secret name prefix such as \"opencti/prod\""},
		{"trailing slash and bad policy", &secrets.OpenCTISecretsProps{NamePrefix: jsii.String("opencti/"), RemovalPolicy: "KEEP"},
			"secrets.OpenCTISecretsProps.NamePrefix: got \"opencti/\", want letters, digits and /_+=.@- not ending in \"/\"\n" +
				"secrets.OpenCTISecretsProps.RemovalPolicy: got \"KEEP\", want one of RETAIN, SNAPSHOT, DESTROY, RETAIN_ON_UPDATE_OR_DELETE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := testutil.PanicMessage(func() {
				secrets.NewOpenCTISecrets(devStack, "Invalid", tc.props)
			})
			if got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestGeneratorHandler runs generator.js under Node with a fake Secrets Manager
// client and a fake CloudFormation response endpoint.
func TestGeneratorHandler(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	dir := t.TempDir()
	sdk := filepath.Join(dir, "node_modules", "@aws-sdk", "client-secrets-manager")
	if err := os.MkdirAll(sdk, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := `
let store = JSON.parse(process.env.INITIAL);
globalThis.puts = 0;
class GetSecretValueCommand { constructor(i) { this.i = i; this.op = 'get'; } }
class PutSecretValueCommand { constructor(i) { this.i = i; this.op = 'put'; } }
class SecretsManagerClient { async send(c) {
  if (c.op === 'get') return { SecretString: store[c.i.SecretId] };
  globalThis.puts++; store[c.i.SecretId] = c.i.SecretString; return {};
} }
module.exports = { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand, store: () => store };`
	if err := os.WriteFile(filepath.Join(sdk, "index.js"), []byte(fake), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("generator.js")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.js"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	harness := `
const https = require('https');
const responses = [];
https.request = (opts, cb) => ({ on() {}, end(body) { responses.push(JSON.parse(body)); cb({ resume() {}, on(e, f) { if (e === 'end') f(); } }); } });
const { handler } = require('./index.js');
const sdk = require('@aws-sdk/client-secrets-manager');
const ev = (type, fields) => ({ RequestType: type, ResponseURL: 'https://cfn.example/x?sig=1', StackId: 's', RequestId: 'r',
  LogicalResourceId: 'L', ResourceProperties: { SecretId: 'arn:s', Fields: fields } });
(async () => {
  await handler(ev('Create', { token: 'uuid4' }), { logStreamName: 'ls' });
  const first = JSON.parse(sdk.store()['arn:s']);
  await handler(ev('Update', { token: 'uuid4' }), { logStreamName: 'ls' });
  const second = JSON.parse(sdk.store()['arn:s']);
  const putsAfterUpdate = globalThis.puts;
  await handler(ev('Update', { key: 'base64_32' }), { logStreamName: 'ls' });
  const third = JSON.parse(sdk.store()['arn:s']);
  await handler(ev('Delete', { key: 'base64_32' }), { logStreamName: 'ls' });
  await handler(ev('Create', { x: 'nope' }), { logStreamName: 'ls' });
  sdk.store()['arn:t'] = 'not-json-SUPERSECRET';
  await handler({ ...ev('Update', { token: 'uuid4' }), ResourceProperties: { SecretId: 'arn:t', Fields: { token: 'uuid4' } } }, { logStreamName: 'ls' });
  console.log(JSON.stringify({ first, second, third, putsAfterUpdate, puts: globalThis.puts, responses }));
})();`
	if err := os.WriteFile(filepath.Join(dir, "harness.js"), []byte(harness), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "harness.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), `INITIAL={"arn:s":"{\"password\":\"p\",\"key\":\"placeholderplaceholderplaceholderplaceholder\"}"}`)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var got struct {
		First, Second, Third  map[string]string
		PutsAfterUpdate, Puts int
		Responses             []map[string]any
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("harness output %q: %v", out, err)
	}
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !uuid4.MatchString(got.First["token"]) || got.First["password"] != "p" {
		t.Errorf("after Create: %v, want the password kept and a UUIDv4 token", got.First)
	}
	if got.Second["token"] != got.First["token"] || got.PutsAfterUpdate != 1 {
		t.Errorf("Update rewrote a valid token (puts %d)", got.PutsAfterUpdate)
	}
	if k := got.Third["key"]; len(k) != 44 || !strings.HasSuffix(k, "=") || got.Third["token"] != got.First["token"] {
		t.Errorf("after base64_32 update: %v, want a 44-character base64 key and the token kept", got.Third)
	}
	if got.Puts != 2 {
		t.Errorf("puts: got %d, want 2 (Delete and a failed Create write nothing)", got.Puts)
	}
	wantStatus := []string{"SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "FAILED", "FAILED"}
	if len(got.Responses) != len(wantStatus) {
		t.Fatalf("%d responses, want %d", len(got.Responses), len(wantStatus))
	}
	for i, r := range got.Responses {
		raw, _ := json.Marshal(r)
		// A value that is not JSON fails without quoting it (JSON.parse's
		// message would), in the response and in the log.
		if strings.Contains(string(raw), "SUPERSECRET") || strings.Contains(string(out), "SUPERSECRET") {
			t.Errorf("response %d or the log quotes the secret value: %s", i, raw)
		}
		if r["Status"] != wantStatus[i] || r["NoEcho"] != true || fmt.Sprint(r["Data"]) != "map[]" {
			t.Errorf("response %d: %s", i, raw)
		}
		for _, v := range []string{got.First["token"], got.Third["key"]} {
			if strings.Contains(string(raw), v) {
				t.Errorf("response %d carries a generated value: %s", i, raw)
			}
		}
	}
}
