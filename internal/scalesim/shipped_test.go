package scalesim

// The tests of this package run on the scaling that ships: TestMain builds
// the charts of the embedded dev and prod configurations (config.Default ->
// ChartProps -> charts.NewCharts, one cdk8s app, one Node.js process) and
// reads each profile's Config back from its rendered ScaledObject and
// worker-api Deployment with FromManifests. A change to a profile's
// opencti.ingestionScaling or worker-api bounds changes what these tests
// check, and docs/scaling.md's simulation (Example_prod).

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
)

var shipped = map[string]Config{}

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		for _, env := range config.Environments {
			c, err := shippedConfig(env)
			if err != nil {
				fmt.Fprintf(os.Stderr, "the %s profile's scaling: %v\n", env, err)
				return 1
			}
			shipped[env] = c
		}
		return m.Run()
	}()
	os.Exit(code)
}

// ShippedConfig is the Config the embedded profile env renders ("dev",
// "prod"), read from its manifests by TestMain.
func ShippedConfig(env string) Config { return shipped[env] }

func prodConfig() Config { return ShippedConfig("prod") }
func devConfig() Config  { return ShippedConfig("dev") }

// shippedConfig renders the charts of profile env and reads the scaling
// back from the ScaledObject and the Deployment it scales.
func shippedConfig(env string) (Config, error) {
	cfg, err := config.Load(env, "")
	if err != nil {
		return Config{}, err
	}
	props := cfg.ChartProps()
	// Where the data services are does not change how the tier scales.
	e := &props.Endpoints
	e.OpenSearchURL, e.RedisHostname = "https://vpc-opencti.eu-west-1.es.amazonaws.com", "master.opencti.abc123.euw1.cache.amazonaws.com"
	e.RabbitMQHostname, e.S3Bucket, e.S3Region = "b-1234.mq.eu-west-1.on.aws", "opencti-files-123456789012", cfg.Region
	props.VpcCIDR, props.DataServiceCIDRs = cfg.Network.VpcCidr, []string{cfg.Network.VpcCidr}
	c, err := charts.NewCharts(cdk8s.NewApp(nil), props)
	if err != nil {
		return Config{}, err
	}
	if c.Scaling == nil {
		return Config{}, fmt.Errorf("opencti.ingestionScaling is off: no ScaledObject")
	}
	so, err := objectJSON(c.Scaling, "ScaledObject", charts.ScaledObjectName)
	if err != nil {
		return Config{}, err
	}
	dep, err := objectJSON(c.Platform, "Deployment", charts.WorkerDeploymentName)
	if err != nil {
		return Config{}, err
	}
	return FromManifests(so, dep)
}

func objectJSON(chart cdk8s.Chart, kind, name string) ([]byte, error) {
	for _, o := range *cdk8s.Testing_Synth(chart) {
		m := o.(map[string]any)
		if m["kind"] == kind && m["metadata"].(map[string]any)["name"] == name {
			return json.Marshal(m)
		}
	}
	return nil, fmt.Errorf("chart %s has no %s %s", *chart.Node().Id(), kind, name)
}

// TestShippedProfiles: what the profiles render, as docs/scaling.md states
// it (2 to 6 pods and 6 to 18 workers in prod, 1 to 2 and 3 to 6 in dev, one
// pod per 10 000 waiting messages).
func TestShippedProfiles(t *testing.T) {
	prod := Config{
		MinReplicas: 2, MaxReplicas: 6, WorkersPerPlatform: 3, MessagesPerReplica: 10000,
		ScaleUp:   Rules{StabilizationWindowSeconds: 60, Policies: []Policy{{Pods, 2, 60}}, Select: MaxChange},
		ScaleDown: Rules{StabilizationWindowSeconds: 600, Policies: []Policy{{Pods, 1, 300}}, Select: MaxChange},
		Fallback:  &Fallback{FailureThreshold: 3, Behavior: FallbackCurrentReplicas, Replicas: 2},
	}
	dev := prod
	dev.MinReplicas, dev.MaxReplicas, dev.Fallback = 1, 2, &Fallback{FailureThreshold: 3, Behavior: FallbackCurrentReplicas, Replicas: 1}
	dev.ScaleUp = Rules{StabilizationWindowSeconds: 60, Policies: []Policy{{Pods, 1, 60}}, Select: MaxChange}
	dev.ScaleDown = Rules{StabilizationWindowSeconds: 300, Policies: []Policy{{Pods, 1, 300}}, Select: MaxChange}
	for env, want := range map[string]Config{"prod": prod, "dev": dev} {
		if got := ShippedConfig(env); !reflect.DeepEqual(got, want) || got.Fallback == nil {
			t.Errorf("%s renders\n%+v\nwant\n%+v", env, got, want)
		}
	}
}
