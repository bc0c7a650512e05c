package config_test

import (
	"fmt"

	"github.com/opencti-ha/opencti-ha/config"
)

// ExampleParse reads a configuration file over its profile's defaults and
// reports every invalid value at once, with the same rules the constructs
// apply to their props (opensearchspec, brokerspec, ...).
func ExampleParse() {
	_, err := config.Parse([]byte(`
environment: prod
data:
  opensearch:
    dataNodes: 4
  broker:
    deploymentMode: SINGLE_INSTANCE
`), "")
	fmt.Println(err)
	// Output:
	// data.opensearch.dataNodes: got 4, want a multiple of data.opensearch.zoneAwareness (3), so every zone holds the same number of nodes
	// data.broker.deploymentMode: got "SINGLE_INSTANCE", want "CLUSTER_MULTI_AZ" in prod
}

// ExampleConfig_ChartProps: the chart props a configuration decides; the
// caller adds what only a deployment knows (endpoints, CIDRs, ...).
func ExampleConfig_ChartProps() {
	cfg, err := config.Load("prod", "")
	if err != nil {
		panic(err)
	}
	p := cfg.ChartProps()
	fmt.Println(*p.Namespace, p.Version, *p.UI.MinReplicas, *p.WorkerAPI.MaxReplicas, *p.Endpoints.RabbitMQQueueType)
	fmt.Println(p.Secrets.AdminToken.Key, p.Secrets.AdminToken.Property)
	// Output:
	// opencti 7.260817.0 2 6 quorum
	// opencti/prod/admin token
}
