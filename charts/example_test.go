package charts_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencti-ha/opencti-ha/charts"
)

// ExampleRender writes the OpenCTI manifests of a team that brings its own
// cluster and data services: one YAML file per chart, in apply order (wait
// for the identities Job, `kubectl wait --for=condition=complete`, before
// 04-scaling; the workers of 01-platform and the connectors otherwise wait
// for their tokens in an init container).
func ExampleRender() {
	props := &charts.Props{
		Version: "7.260817.0",
		Endpoints: charts.Endpoints{
			OpenSearchURL:    "https://vpc-opencti-abc123.eu-west-1.es.amazonaws.com",
			RedisHostname:    "master.opencti-redis.abc123.euw1.cache.amazonaws.com",
			RabbitMQHostname: "b-1234.mq.eu-west-1.on.aws",
			S3Bucket:         "opencti-files-123456789012",
			S3Region:         "eu-west-1",
		},
		// The secrets an opencti-ha Data stack creates under "opencti/prod".
		Secrets:          charts.SecretsFor("opencti/prod"),
		Hostnames:        charts.Hostnames{UI: "opencti.example.com", API: "api.opencti.example.com"},
		VpcCIDR:          "10.0.0.0/16",
		DataServiceCIDRs: []string{"10.0.128.0/20"},
		// The worker-api tier (3 workers in each of its pods) scales on the
		// queue depth with KEDA: 2 to 6 pods, 6 to 18 workers.
		WorkerAPI:    charts.TierProps{MinReplicas: new(int32(2)), MaxReplicas: new(int32(6))},
		QueueScaling: new(charts.DefaultQueueScaling()),
		// Two connectors of its own instead of the five default ones.
		Connectors: []charts.ConnectorProps{
			{Name: "mitre", Type: "EXTERNAL_IMPORT", ConnectorName: "MITRE ATT&CK"},
			{Name: "import-document", Type: "INTERNAL_IMPORT_FILE", ConnectorName: "Import document", Scope: "application/pdf,text/plain"},
		},
	}
	dir, err := os.MkdirTemp("", "opencti-render-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	files, err := charts.Render(props, dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// 00-namespace.k8s.yaml
	// 01-platform.k8s.yaml
	// 02-identitiestokens.k8s.yaml
	// 03-identities.k8s.yaml
	// 04-identitiesscript.k8s.yaml
	// 05-identitiesjob.k8s.yaml
	// 06-scaling.k8s.yaml
	// 07-connectors.k8s.yaml
	// 08-ingress.k8s.yaml
}

// ExampleProps_Validate shows every problem of invalid props at once, each
// naming the field, the value and what is allowed.
func ExampleProps_Validate() {
	props := validProps()
	props.Version = "latest"
	props.WorkersPerPlatform = new(int32(9))
	fmt.Println(props.Validate())
	// Output:
	// Version: got "latest", want a pinned OpenCTI image tag such as "7.260817.0" (not empty, not "latest")
	// WorkersPerPlatform: got 9, want 1..4 (OpenCTI serves 3 to 4 workers per platform)
}
