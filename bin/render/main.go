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
	defer jsii.Close()
	props := charts.PropsFromConfig(cfg, renderInputs(cfg))
	if err := os.RemoveAll(out); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		return 1
	}
	files, err := charts.Render(props, out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "render: %v\n", err)
		return 1
	}
	for _, f := range files {
		fmt.Println(f)
	}
	return 0
}

func renderInputs(cfg *config.Config) charts.Inputs {
	r := cfg.Render
	data := r.DataSubnetCidrs
	if len(data) == 0 {
		data = []string{cfg.Network.VpcCidr}
	}
	return charts.Inputs{
		Endpoints: charts.Endpoints{
			OpenSearchURL:    r.OpenSearchURL,
			RedisHostname:    r.RedisHostname,
			RabbitMQHostname: r.RabbitMQHostname,
			S3Bucket:         r.BucketName,
			S3Region:         cfg.Region,
		},
		VpcCIDR:               cfg.Network.VpcCidr,
		DataServiceCIDRs:      data,
		SecretRefreshInterval: cfg.Cluster.SecretsRefreshInterval,
	}
}
