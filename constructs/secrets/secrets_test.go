package secrets_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

var (
	app                awscdk.App
	devStack, prdStack awscdk.Stack
	dev, prd           assertions.Template
	devJSON, prdJSON   map[string]any
)

func TestMain(m *testing.M) {
	app = testutil.NewApp()
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
	buildReplicaStacks() // replica_test.go
	dev = assertions.Template_FromStack(devStack, nil)
	prd = assertions.Template_FromStack(prdStack, nil)
	devJSON, prdJSON = *dev.ToJSON(), *prd.ToJSON()
	testmain.Run(m)
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
		{"nil props", nil, "secrets.NewOpenCTISecrets \"Invalid\": invalid props:\n" +
			"secrets.OpenCTISecretsProps.NamePrefix: got nil, want a secret name prefix such as \"opencti/prod\""},
		{"trailing slash and bad policy", &secrets.OpenCTISecretsProps{NamePrefix: jsii.String("opencti/"), RemovalPolicy: "KEEP"},
			"secrets.NewOpenCTISecrets \"Invalid\": invalid props:\n" +
				"secrets.OpenCTISecretsProps.NamePrefix: got \"opencti/\", want 1-100 characters of A-Z a-z 0-9 / _ + = . @ -, not starting or ending with /\n" +
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
