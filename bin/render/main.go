// Command render writes the OpenCTI Kubernetes manifests as YAML, one file per
// chart, for teams that apply them with kubectl or GitOps onto a cluster they
// already run. The data-service endpoints come from the configuration's
// render section instead of stack outputs. It loads cdk8s only (never
// aws-cdk-lib), so it runs in well under a second after Node.js starts.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func main() {
	env := flag.String("env", "", "embedded profile: dev or prod (default dev)")
	path := flag.String("config", "", "configuration file (its environment key picks the profile)")
	out := flag.String("out", "dist/manifests", "folder to write the YAML files into (emptied first)")
	flag.Parse()
	os.Exit(run(*env, *path, *out))
}

func run(env, path, out string) int {
	cfg, err := config.Load(env, path)
	if err == nil {
		err = cfg.ValidateForRender()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "render: invalid configuration:\n%v\n", err)
		return 1
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(os.Stderr, "render: warning: %s\n", w)
	}
	defer jsii.Close()
	props := renderProps(cfg)
	if err := os.RemoveAll(out); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		return 1
	}
	files, err := render(props, out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "render: %v\n", err)
		return 1
	}
	for _, f := range files {
		fmt.Println(f)
	}
	return 0
}

// render writes the manifests; invalid props come back as an error listing
// every problem, and a failure inside cdk8s (which jsii raises as a panic)
// as an error with its message: no user sees a Go stack trace.
func render(props *charts.Props, out string) (files []string, err error) {
	defer problems.Recover(&err)
	return charts.Render(props, out)
}

// renderProps are the configuration's chart props with what the stacks'
// outputs supply in a CDK synth taken from the render section instead.
func renderProps(cfg *config.Config) *charts.Props {
	p := cfg.ChartProps()
	r := cfg.Render
	p.Endpoints.OpenSearchURL, p.Endpoints.RedisHostname, p.Endpoints.RabbitMQHostname = r.OpenSearchURL, r.RedisHostname, r.RabbitMQHostname
	p.Endpoints.S3Bucket, p.Endpoints.S3Region = r.BucketName, cfg.Region
	p.VpcCIDR = cfg.Network.VpcCidr
	p.DataServiceCIDRs = r.DataSubnetCidrs
	if len(p.DataServiceCIDRs) == 0 {
		p.DataServiceCIDRs = []string{cfg.Network.VpcCidr}
	}
	p.SecretRefreshInterval = new(cfg.Cluster.SecretsRefreshInterval)
	if r.KubernetesAPIURL != "" {
		p.Identities.KubernetesAPIURL = new(r.KubernetesAPIURL)
	}
	p.Identities.KubernetesAPICIDRs = r.KubernetesAPICidrs
	return p
}
