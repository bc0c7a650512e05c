package cluster_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/cluster"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

const cacheSecret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbC123"

var imageCache cluster.DockerHubCache

func TestDockerHubPullThroughCacheRule(t *testing.T) {
	rules := public.resources("AWS::ECR::PullThroughCacheRule")
	if len(rules) != 1 {
		t.Fatalf("got %d pull-through cache rules, want 1", len(rules))
	}
	for _, r := range rules {
		got, _ := json.Marshal(r["Properties"])
		const want = `{"CredentialArn":"` + cacheSecret + `","EcrRepositoryPrefix":"docker-hub","UpstreamRegistry":"docker-hub","UpstreamRegistryUrl":"registry-1.docker.io"}`
		if string(got) != want {
			t.Errorf("rule properties:\n got %s\nwant %s", got, want)
		}
		if _, retained := r["DeletionPolicy"]; retained {
			t.Errorf("the rule holds no data and must go with its stack: DeletionPolicy %v", r["DeletionPolicy"])
		}
	}
	// <account>.dkr.ecr.<region>.<URL suffix token>/<prefix>
	if got := *imageCache.Registry(); !strings.HasPrefix(got, "123456789012.dkr.ecr.eu-west-1.") || !strings.HasSuffix(got, "/docker-hub") {
		t.Errorf("Registry() = %q", got)
	}
	if len(private.resources("AWS::ECR::PullThroughCacheRule")) != 0 {
		t.Error("a cluster without NewDockerHubCache has a pull-through cache rule")
	}
}

// TestNodesMayCreateTheCachedRepositories: the first pull of an image through
// the cache creates its repository; AmazonEC2ContainerRegistryPullOnly (the
// node role's policy) grants ecr:BatchImportUpstreamImage but not
// ecr:CreateRepository, so the node role gets both on <prefix>/* only.
func TestNodesMayCreateTheCachedRepositories(t *testing.T) {
	var nodeRole string
	for id, r := range public.resources("AWS::IAM::Role") {
		if doc, _ := json.Marshal(r["Properties"]); containsAll(string(doc), "AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodeMinimalPolicy") {
			nodeRole = id
		}
	}
	if nodeRole == "" {
		t.Fatal("no node role with AmazonEC2ContainerRegistryPullOnly")
	}
	found := 0
	for _, p := range public.resources("AWS::IAM::Policy") {
		props := p["Properties"].(map[string]any)
		doc, _ := json.Marshal(props["PolicyDocument"])
		if !containsAll(string(doc), "ecr:CreateRepository") {
			continue
		}
		found++
		const want = `{"Statement":[{"Action":["ecr:CreateRepository","ecr:BatchImportUpstreamImage"],"Effect":"Allow",` +
			`"Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ecr:eu-west-1:123456789012:repository/docker-hub/*"]]},"Sid":"PullThroughCacheFirstPull"}],"Version":"2012-10-17"}`
		if string(doc) != want {
			t.Errorf("policy:\n got %s\nwant %s", doc, want)
		}
		roles, _ := json.Marshal(props["Roles"])
		if string(roles) != `[{"Ref":"`+nodeRole+`"}]` {
			t.Errorf("policy roles %s, want the node role %s", roles, nodeRole)
		}
	}
	if found != 1 {
		t.Errorf("%d policies grant ecr:CreateRepository, want 1", found)
	}
}

func TestDockerHubCacheInvalidProps(t *testing.T) {
	got := testutil.PanicMessage(func() {
		cluster.NewDockerHubCache(public.stack, "BadCache", &cluster.DockerHubCacheProps{
			RepositoryPrefix:     jsii.String("X"),
			CredentialsSecretArn: jsii.String("arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbC123"),
		})
	})
	const want = `cluster.NewDockerHubCache "BadCache": invalid props:
cluster.DockerHubCacheProps.RepositoryPrefix: got "X", want 2-30 lower-case letters, digits and . _ - / (ECR's repository prefix pattern) such as "docker-hub"
cluster.DockerHubCacheProps.CredentialsSecretArn: got "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbC123", want a complete secret ARN (with its 6-character suffix) whose name starts with "ecr-pullthroughcache/" (ECR accepts no other name)`
	if got != want {
		t.Errorf("panic:\n got %s\nwant %s", got, want)
	}
	got = testutil.PanicMessage(func() { cluster.NewDockerHubCache(public.stack, "NoSecret", nil) })
	const wantNil = `cluster.NewDockerHubCache "NoSecret": invalid props:
cluster.DockerHubCacheProps.CredentialsSecretArn: got nil, want the complete ARN of a secret named "ecr-pullthroughcache/<name>" (Docker Hub rules need credentials)`
	if got != wantNil {
		t.Errorf("panic:\n got %s\nwant %s", got, wantNil)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
