package stacks

// The Monitoring stack is built here on its own, from each embedded profile
// and fake target names, so that its tests do not depend on how the app wires
// it (one extra synth of one stack per profile, in the package's jsii process).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/internal/cdkapp"
)

type monitoringFixture struct {
	cfg       *config.Config
	stack     *MonitoringStack
	resources map[string]map[string]any
	errs      []string
	err       error
}

var (
	monitoringOnce     sync.Once
	monitoringFixtures = map[string]*monitoringFixture{}
)

func buildMonitoringFixtures() {
	for _, env := range config.Environments {
		f := &monitoringFixture{}
		monitoringFixtures[env] = f
		func() {
			defer func() {
				if r := recover(); r != nil {
					f.err = fmt.Errorf("synth panicked: %v", r)
				}
			}()
			if f.cfg, f.err = config.Load(env, ""); f.err != nil {
				return
			}
			f.cfg.Monitoring.AlarmEmails = []string{"ops@example.com"}
			outdir, err := os.MkdirTemp(scratch, "monitoring-"+env+"-")
			if err != nil {
				f.err = err
				return
			}
			app, err := cdkapp.New(outdir, false)
			if err != nil {
				f.err = err
				return
			}
			f.stack = NewMonitoringStack(app, MonitoringStackID, &MonitoringStackProps{
				StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(f.cfg.Region)}},
				Config:     f.cfg,
				Targets: MonitoringTargets{
					OpenSearchDomainName:    jsii.String("opencti-search"),
					RedisReplicationGroupID: jsii.String("opencti-cache"),
					BrokerName:              jsii.String("opencti-broker"),
					ClusterName:             jsii.String("opencti-cluster"),
					BucketName:              jsii.String("opencti-files"),
					BackupVaultName:         jsii.String("opencti-vault"),
				},
			})
			cdkapp.AddNag(app)
			asm := app.Synth(nil)
			f.errs = cdkapp.Errors(asm)
			data, err := os.ReadFile(filepath.Join(outdir, *f.stack.ArtifactId()+".template.json"))
			if err != nil {
				f.err = err
				return
			}
			var tpl struct {
				Resources map[string]map[string]any `json:"Resources"`
			}
			f.err = json.Unmarshal(data, &tpl)
			f.resources = tpl.Resources
		}()
	}
}

func monitoringFor(t *testing.T, env string) *monitoringFixture {
	t.Helper()
	monitoringOnce.Do(buildMonitoringFixtures)
	f := monitoringFixtures[env]
	if f == nil || f.err != nil {
		t.Fatalf("monitoring stack (%s): %v", env, f.err)
	}
	return f
}

// alarms returns the stack's alarms by name.
func (f *monitoringFixture) alarms() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range f.resources {
		if r["Type"] == "AWS::CloudWatch::Alarm" {
			p := r["Properties"].(map[string]any)
			out[p["AlarmName"].(string)] = p
		}
	}
	return out
}

func TestMonitoringStackAlarmsFollowTheConfiguration(t *testing.T) {
	for _, c := range []struct {
		env                string
		count              int
		yellow, replicaLag bool
	}{
		// 14 OpenSearch (no yellow: 1 data node; no masters) + 7 Redis (1 node of 2 vCPUs) + 7 RabbitMQ
		// + 12 load balancers + 3 cluster + 3x2 workloads (3 platform tiers, the workers inside worker-api)
		// + 3x2 platform tier replicas/crash loop + 2 for every connector (Metrics Insights, one
		// contributor per connector) + 2 ingestion scaling + 1 backup + 1 stale dimensions.
		{"dev", 61, false, false},
		// 18 OpenSearch (3 masters) + 24 Redis (3 nodes of 2 vCPUs) + 7 + 12 + 3 + 6 + 6 + 2 + 2 + 1 + 1.
		{"prod", 82, true, true},
	} {
		t.Run(c.env, func(t *testing.T) {
			f := monitoringFor(t, c.env)
			alarms := f.alarms()
			if len(alarms) != c.count {
				names := make([]string, 0, len(alarms))
				for n := range alarms {
					names = append(names, n)
				}
				sort.Strings(names)
				t.Errorf("got %d alarms, want %d:\n%s", len(alarms), c.count, strings.Join(names, "\n"))
			}
			p := f.cfg.Name + "-"
			if _, ok := alarms[p+"opensearch-cluster-yellow"]; ok != c.yellow {
				t.Errorf("yellow alarm present = %v, want %v", ok, c.yellow)
			}
			if _, ok := alarms[p+"redis-node1-replication-lag"]; ok != c.replicaLag {
				t.Errorf("replication lag alarm present = %v, want %v", ok, c.replicaLag)
			}
			th := f.cfg.Monitoring.Thresholds
			for name, want := range map[string]float64{
				"opensearch-free-storage-low":       float64(th.FreeStorageMiB(f.cfg.Data.OpenSearch.VolumeSizeGiB)),
				"opencti-ui-replicas-missing":       float64(th.PodsNotReady),
				"redis-node1-host-cpu-high":         45, // cache.t4g.small (dev), cache.r7g.large (prod): 2 vCPUs
				"rabbitmq-cpu-high":                 float64(th.BrokerCPUPercent),
				"rabbitmq-backlog":                  float64(th.BrokerQueueDepth),
				"alb-ui-latency-p95":                th.AlbP95LatencySeconds,
				"connectors-restarts":               float64(th.PodRestarts),
				"opencti-worker-api-pods-not-ready": float64(th.PodsNotReady),
			} {
				a, ok := alarms[p+name]
				if !ok || a["Threshold"] != want || a["EvaluationPeriods"] == nil {
					t.Errorf("%s: threshold %v, want %v", name, a["Threshold"], want)
				}
			}
			// Derived from the configuration: 25% of the data node volume
			// (20 GiB dev, 200 GiB prod), masters only with dedicated
			// masters, the ui tier's floor, the workers the broker must see.
			wantStorage := map[string]float64{"dev": 5120, "prod": 51200}[c.env]
			if got := alarms[p+"opensearch-free-storage-low"]["Threshold"]; got != wantStorage {
				t.Errorf("free storage threshold %v, want %v", got, wantStorage)
			}
			if _, ok := alarms[p+"opensearch-master-cpu-high"]; ok != (f.cfg.Data.OpenSearch.MasterNodes > 0) {
				t.Errorf("master CPU alarm present = %v with %d masters", ok, f.cfg.Data.OpenSearch.MasterNodes)
			}
			ui := fmt.Sprint(alarms[p+"opencti-ui-replicas-missing"]["Metrics"])
			if floor := f.cfg.OpenCTI.UI.MinReplicas; !strings.Contains(ui, fmt.Sprintf("IF(desired > %d, desired, %d) - available", floor, floor)) ||
				alarms[p+"opencti-ui-replicas-missing"]["TreatMissingData"] != "breaching" {
				t.Errorf("ui replicas-missing: %s", ui)
			}
			workers := f.cfg.OpenCTI.WorkersPerPlatform * f.cfg.OpenCTI.WorkerAPI.MinReplicas
			if got := fmt.Sprint(alarms[p+"rabbitmq-consumers-missing"]["Metrics"]); !strings.Contains(got, fmt.Sprintf("consumers < %d,", workers)) {
				t.Errorf("consumers-missing: %s, want %d workers", got, workers)
			}
			if got := alarms[p+"alb-api-no-healthy-targets"]["TreatMissingData"]; got != "notBreaching" {
				t.Errorf("api no-healthy-targets TreatMissingData %v: an idle load balancer must not page", got)
			}
			backlog := alarms[p+"ingestion-backlog-growing-at-max"]
			max := f.cfg.OpenCTI.WorkerAPI.MaxReplicas
			if backlog == nil || backlog["EvaluationPeriods"] != 7.0 || backlog["DatapointsToAlarm"] != 6.0 ||
				!strings.Contains(fmt.Sprint(backlog["Metrics"]), fmt.Sprintf("IF(pods >= %g, 1, 0)", float64(max)-0.5)) ||
				!strings.Contains(backlog["AlarmDescription"].(string), fmt.Sprintf("maximum of %d worker-api pods (%d workers)", max, 3*max)) {
				t.Errorf("backlog alarm %v, want 6 of 7 periods at %d pods", backlog, max)
			}
			if _, ok := alarms[p+"ingestion-scaler-down"]; !ok {
				t.Error("no alarm on the queue scaler")
			}
			if a := alarms[p+"redis-node1-engine-cpu-high"]; !strings.Contains(mustJSON(a["Dimensions"]), `"opencti-cache-001"`) {
				t.Errorf("redis node dimension: %s", mustJSON(a["Dimensions"]))
			}
		})
	}
}

func TestMonitoringStackWiring(t *testing.T) {
	f := monitoringFor(t, "prod")
	ui, api := LoadBalancerNames(f.cfg)
	var lookups []string
	var retention []any
	for _, r := range f.resources {
		p, _ := r["Properties"].(map[string]any)
		switch r["Type"] {
		case "Custom::LoadBalancerLookup":
			lookups = append(lookups, p["LoadBalancerName"].(string)+"@"+p["Revision"].(string))
		case "AWS::Logs::LogGroup":
			retention = append(retention, p["RetentionInDays"])
		case "AWS::CloudWatch::Dashboard":
			if p["DashboardName"] != f.cfg.Name {
				t.Errorf("dashboard name %v", p["DashboardName"])
			}
		case "AWS::SNS::Subscription":
			if p["Endpoint"] != "ops@example.com" {
				t.Errorf("subscription %v", p["Endpoint"])
			}
		}
	}
	sort.Strings(lookups)
	if want := []string{api + "@1", ui + "@1"}; strings.Join(lookups, ",") != strings.Join(want, ",") {
		t.Errorf("load balancer look-ups %v, want %v", lookups, want)
	}
	for _, r := range retention {
		if r != 365.0 {
			t.Errorf("log retention %v, want monitoring.logRetentionDays (365 in prod)", r)
		}
	}
	if ui != "opencti-prod-ui" || api != "opencti-prod-api" {
		t.Errorf("LoadBalancerNames: %s %s", ui, api)
	}
	long := &config.Config{Name: "a-very-long-deployment-name-for-opencti"}
	if u, a := LoadBalancerNames(long); len(a) > 32 || strings.HasSuffix(strings.TrimSuffix(u, "-ui"), "-") {
		t.Errorf("long names: %s %s", u, a)
	}
}

func TestMonitoringStackHasNoNagErrors(t *testing.T) {
	for _, env := range config.Environments {
		f := monitoringFor(t, env)
		if len(f.errs) > 0 {
			t.Errorf("%s: %d unsuppressed errors:\n%s", env, len(f.errs), strings.Join(f.errs, "\n"))
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
