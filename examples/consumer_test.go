// Package examples holds the example configurations (*.yaml) and, in
// consumer/, a CDK app of its own module that uses opencti-ha as a library.
// This test builds and runs that app once, the way its team would, and
// checks what it synthesized.
package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsumerAppBuildsOpenCTIFromTheLibrary: examples/consumer (its own Go
// module, replace => the repository) composes the constructs and the charts
// with props no profile uses: an imported VPC, two zones, Graviton node
// pools, two connectors of its own. One synth, with cdk-nag; the app fails
// on any unsuppressed finding.
func TestConsumerAppBuildsOpenCTIFromTheLibrary(t *testing.T) {
	// Built to the same path each run: go build finds it up to date and
	// skips the link, about 3 CPU-seconds for the 180 MB binary.
	dir, err := filepath.Abs(filepath.Join("..", ".build", "examples", "consumer"))
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", dir, ".")
	build.Dir = "consumer"
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	outdir := t.TempDir()
	run := exec.Command(dir)
	run.Dir = "consumer"
	run.Env = append(os.Environ(), "CDK_OUTDIR="+outdir)
	var stdout, stderr strings.Builder
	run.Stdout, run.Stderr = &stdout, &stderr
	if err := run.Run(); err != nil {
		t.Fatalf("consumer app: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	const summary = "synthesized stack acme-opencti: 9 manifests (ChartNamespace, ChartPlatform, ChartIdentitiesTokens, ChartIdentities, ChartIdentitiesScript, ChartIdentitiesJob, ChartScaling, ChartConnectors, ChartIngress), connectors mitre, import-document\n"
	if stdout.String() != summary {
		t.Errorf("output %q, want %q", stdout.String(), summary)
	}
	t.Log(strings.TrimSpace(stdout.String()))

	raw, err := os.ReadFile(filepath.Join(outdir, "AcmeOpenCTI.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
			DependsOn  []string
		}
	}
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	of := func(typ string) (out []map[string]any) {
		for _, r := range tmpl.Resources {
			if r.Type == typ {
				out = append(out, r.Properties)
			}
		}
		return out
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }

	// The VPC is the team's: imported, never created.
	if n := len(of("AWS::EC2::VPC")) + len(of("AWS::EC2::Subnet")) + len(of("AWS::EC2::NatGateway")); n != 0 {
		t.Errorf("%d VPC, subnet or NAT resources, want none (the VPC is imported)", n)
	}
	for _, sg := range of("AWS::EC2::SecurityGroup") {
		if sg["VpcId"] != "vpc-0a1b2c3d4e5f60718" {
			t.Errorf("security group in %v, want the imported VPC", sg["VpcId"])
		}
	}
	// The data services take the team's sizes, in its two data subnets.
	domain := js(of("AWS::OpenSearchService::Domain"))
	for _, want := range []string{`"InstanceCount":2`, `"AvailabilityZoneCount":2`, `"VolumeSize":300`, `"subnet-0d000000000000001"`, `"subnet-0d000000000000002"`} {
		if !strings.Contains(domain, want) {
			t.Errorf("OpenSearch domain lacks %s: %s", want, domain)
		}
	}
	rg := js(of("AWS::ElastiCache::ReplicationGroup"))
	if !strings.Contains(rg, `"NumCacheClusters":2`) || !strings.Contains(rg, `"CacheNodeType":"cache.m7g.large"`) {
		t.Errorf("replication group %s", rg)
	}
	mq := js(of("AWS::AmazonMQ::Broker"))
	if !strings.Contains(mq, `"HostInstanceType":"mq.m7g.large"`) || !strings.Contains(mq, `"DeploymentMode":"CLUSTER_MULTI_AZ"`) {
		t.Errorf("broker %s", mq)
	}
	// The node pools and the connectors are the team's, applied in order.
	manifests := map[string]string{}
	for id, r := range tmpl.Resources {
		if r.Type == "Custom::AWSCDK-EKS-KubernetesResource" {
			manifests[id] = js(r.Properties) + " DependsOn " + js(r.DependsOn)
		}
	}
	var pools, platform, connectors, ingress, scaling string
	for id, m := range manifests {
		switch {
		case strings.HasPrefix(id, "ChartScaling"):
			scaling = m
		case strings.HasPrefix(id, "ClusterNodePools"):
			pools = m
		case strings.HasPrefix(id, "ChartPlatform"):
			platform = m
		case strings.HasPrefix(id, "ChartConnectors"):
			connectors = m
		case strings.HasPrefix(id, "ChartIngress"):
			ingress = m
		}
	}
	for _, want := range []string{`\"arm64\"`, `\"spot\"`, `\"cpu\":\"32\"`, `\"cpu\":\"48\"`} {
		if !strings.Contains(pools, want) {
			t.Errorf("node pools lack %s", want)
		}
	}
	for _, want := range []string{"opencti-connector-mitre", "opencti-connector-import-document"} {
		if !strings.Contains(connectors, want) {
			t.Errorf("connectors manifest lacks %s", want)
		}
	}
	if strings.Contains(connectors, "opencti-connector-export-file-stix") {
		t.Error("the default connectors are deployed although the team replaced them")
	}
	// The ingestion tier scales on the queue once KEDA and its credentials
	// are there, and once the identities gate has passed.
	for _, want := range []string{`\"kind\":\"ScaledObject\"`, `\"value\":\"5000\"`, `\"maxReplicaCount\":5`,
		`\"name\":\"opencti-rabbitmq\"`, `"ClusterKeda`, `"ClusterQueueScalerAuthentication`, `"ChartIdentitiesGate`} {
		if !strings.Contains(scaling, want) {
			t.Errorf("the scaling manifest lacks %s", want)
		}
	}
	if !strings.Contains(ingress, `"ChartConnectors`) || !strings.Contains(ingress, `"ClusterIngressClass`) {
		t.Errorf("the Ingress chart must come last, after the IngressClass: %s", ingress[strings.LastIndex(ingress, "DependsOn"):])
	}
	// The connectors wait for their identities: the gate after the
	// identities Job, the scaling chart after the gate, the connectors after
	// it. The workers, in the worker-api pods of the platform chart, read
	// their own token Secret and wait for it in an init container.
	if !strings.Contains(scaling, `"ChartIdentitiesGate`) || !strings.Contains(connectors, `"ChartScaling`) || len(of("Custom::OpenCTIIdentitiesGate")) != 1 {
		t.Errorf("the connectors do not wait for the identities gate: %s", connectors[strings.LastIndex(connectors, "DependsOn"):])
	}
	for _, want := range []string{`\"name\":\"wait-for-token\"`, `\"secretName\":\"opencti-worker-token\"`} {
		if !strings.Contains(platform, want) {
			t.Errorf("the worker-api pods lack %s", want)
		}
	}
}
