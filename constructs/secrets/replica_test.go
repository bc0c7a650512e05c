package secrets_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

var (
	replicated, failover awscdk.Stack
	existing             secrets.OpenCTISecrets
)

// buildReplicaStacks adds, before the app's first synth (TestMain), a
// deployment whose secrets are replicated and a failover that reads them.
func buildReplicaStacks() {
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	replicated = awscdk.NewStack(app, jsii.String("Replicated"), &awscdk.StackProps{Env: env})
	secrets.NewOpenCTISecrets(replicated, "OpenCTISecrets", &secrets.OpenCTISecretsProps{
		NamePrefix: jsii.String("opencti/prod"),
		Replicas:   []secrets.SecretReplica{{Region: "eu-central-1", KmsKeyID: "alias/opencti-prod-dr-secrets"}},
	})
	failover = awscdk.NewStack(app, jsii.String("Failover"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-central-1")},
	})
	existing = secrets.NewOpenCTISecrets(failover, "OpenCTISecrets", &secrets.OpenCTISecretsProps{
		NamePrefix: jsii.String("opencti/prod"), Existing: jsii.Bool(true),
	})
}

// TestReplicasAndExisting: Replicas replicates the three secrets with the
// recovery region's key; Existing (a failover in that region) creates no
// secret, key or generator and reads the replicas by name.
func TestReplicasAndExisting(t *testing.T) {
	primary := replicated
	tpl := *assertions.Template_FromStack(primary, nil).ToJSON()
	n := 0
	for id, s := range resources(tpl, "AWS::SecretsManager::Secret") {
		n++
		got := s["Properties"].(map[string]any)["ReplicaRegions"]
		if jsonOf(got) != `[{"KmsKeyId":"alias/opencti-prod-dr-secrets","Region":"eu-central-1"}]` {
			t.Errorf("%s: replicas %s", id, jsonOf(got))
		}
	}
	if n != 3 {
		t.Errorf("%d secrets", n)
	}
	testutil.RequireNoNagErrors(t, primary)

	s := existing
	if s.Generator() != nil || s.EncryptionKey() != nil {
		t.Error("Existing made a generator or a key")
	}
	if name := *s.AdminSecret().SecretName(); name != "opencti/prod/admin" {
		t.Errorf("admin secret %q", name)
	}
	if !strings.Contains(jsonOf(failover.Resolve(s.EncryptionKeySecret().SecretArn())), "secret:opencti/prod/encryption-key") {
		t.Errorf("encryption key secret ARN %v", failover.Resolve(s.EncryptionKeySecret().SecretArn()))
	}

	got := testutil.PanicMessage(func() {
		secrets.NewOpenCTISecrets(failover, "Invalid", &secrets.OpenCTISecretsProps{
			NamePrefix: jsii.String("opencti/prod"), Existing: jsii.Bool(true),
			Replicas: []secrets.SecretReplica{{Region: "Frankfurt"}},
		})
	})
	want := "secrets.NewOpenCTISecrets \"Invalid\": invalid props:\n" +
		"secrets.OpenCTISecretsProps.Replicas[0].Region: got \"Frankfurt\", want an AWS region name such as eu-central-1\n" +
		"secrets.OpenCTISecretsProps.Replicas: got 1 replicas, want none with Existing (an imported secret's replication is its owner's)"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }
