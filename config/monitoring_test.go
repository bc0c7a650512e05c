package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
)

// monitoringProblems validates the env defaults with mutate applied and
// returns the problems' messages.
func monitoringProblems(env string, mutate func(m *Monitoring)) []string {
	m := defaultMonitoring(env)
	mutate(&m)
	p := &Problems{}
	c, _ := Default(env)
	m.validate(c, p)
	if err := p.Err(); err != nil {
		return strings.Split(err.Error(), "\n")
	}
	return nil
}

func TestMonitoringDefaultsPerEnvironment(t *testing.T) {
	dev, prod := defaultMonitoring("dev"), defaultMonitoring("prod")
	if dev.LogRetentionDays != 30 || prod.LogRetentionDays != 365 {
		t.Errorf("logRetentionDays: dev %d, prod %d; want 30 and 365", dev.LogRetentionDays, prod.LogRetentionDays)
	}
	if len(dev.AlarmEmails) != 0 || len(prod.AlarmEmails) != 0 || dev.EvaluationPeriods != 3 || dev.LoadBalancerLookupRevision != 1 || dev.DimensionCheckMinutes != 30 || prod.DimensionCheckMinutes != 30 {
		t.Errorf("defaults: %+v", dev)
	}
	if prod.Thresholds.OpenSearchFreeStorageMiB != 0 || prod.Thresholds.BrokerQueueDepth != 500000 {
		t.Errorf("prod thresholds: %+v", prod.Thresholds)
	}
	for _, env := range Environments {
		if got := monitoringProblems(env, func(*Monitoring) {}); got != nil {
			t.Errorf("%s defaults: %v", env, got)
		}
	}
}

// Every threshold has a documented field: the generated reference needs it.
func TestMonitoringThresholdsHaveYAMLNames(t *testing.T) {
	typ := reflect.TypeOf(monitoringspec.Thresholds{})
	for i := 0; i < typ.NumField(); i++ {
		tag := typ.Field(i).Tag.Get("yaml")
		if tag == "" || strings.ToLower(tag[:1]) != tag[:1] {
			t.Errorf("%s: yaml tag %q is not camelCase", typ.Field(i).Name, tag)
		}
	}
}

func TestMonitoringValidationMessages(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(m *Monitoring)
		want   []string
	}{
		{
			name: "bad e-mail addresses",
			mutate: func(m *Monitoring) {
				m.AlarmEmails = []string{"ops@example.com", "not-an-address", "Ops <ops@example.com>", "ops@localhost", "OPS@example.com"}
			},
			want: []string{
				`monitoring.alarmEmails[1]: got "not-an-address", want an e-mail address such as ops@example.com (no display name)`,
				`monitoring.alarmEmails[2]: got "Ops <ops@example.com>", want an e-mail address such as ops@example.com (no display name)`,
				`monitoring.alarmEmails[3]: got "ops@localhost", want an e-mail address such as ops@example.com (no display name)`,
				`monitoring.alarmEmails[4]: got "OPS@example.com", want each address once`,
			},
		},
		{
			name:   "bad log retention",
			mutate: func(m *Monitoring) { m.LogRetentionDays = 31 },
			want: []string{`monitoring.logRetentionDays: got 31, want a CloudWatch Logs retention in days, one of ` +
				`[1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`},
		},
		{
			name:   "evaluation periods and look-up revision out of range",
			mutate: func(m *Monitoring) { m.EvaluationPeriods = 0; m.LoadBalancerLookupRevision = 0 },
			want: []string{
				`monitoring.evaluationPeriods: got 0, want an integer from 1 to 60`,
				`monitoring.loadBalancerLookupRevision: got 0, want an integer from 1 to 1000000`,
			},
		},
		{
			name:   "dimension check wait out of range",
			mutate: func(m *Monitoring) { m.DimensionCheckMinutes = 51 },
			want:   []string{`monitoring.dimensionCheckMinutes: got 51, want 0 (no deploy-time check) to 50 minutes`},
		},
		{
			name: "thresholds out of range",
			mutate: func(m *Monitoring) {
				m.Thresholds.OpenSearchJvmMemoryPressurePercent = 100
				m.Thresholds.OpenSearchCPUPercent = 5
				m.Thresholds.RedisMemoryPercent = 101
				m.Thresholds.RedisEvictions = -1
				m.Thresholds.RedisConnections = 70000
				m.Thresholds.BrokerDiskFreeRatio = 1
				m.Thresholds.BrokerQueueDepth = 0
				m.Thresholds.AlbP95LatencySeconds = 0.01
				m.Thresholds.PodRestarts = 0
			},
			want: []string{
				`monitoring.thresholds.openSearchJvmMemoryPressurePercent: got 100, want an integer from 50 to 99`,
				`monitoring.thresholds.openSearchCpuPercent: got 5, want an integer from 10 to 100`,
				`monitoring.thresholds.redisMemoryPercent: got 101, want an integer from 10 to 100`,
				`monitoring.thresholds.redisEvictions: got -1, want an integer from 0 to 1000000`,
				`monitoring.thresholds.redisConnections: got 70000, want an integer from 1 to 65000`,
				`monitoring.thresholds.brokerDiskFreeRatio: got 1, want a number from 1.1 to 100`,
				`monitoring.thresholds.brokerQueueDepth: got 0, want an integer from 1 to 100000000`,
				`monitoring.thresholds.albP95LatencySeconds: got 0.01, want a number from 0.05 to 60`,
				`monitoring.thresholds.podRestarts: got 0, want an integer from 1 to 1000`,
			},
		},
		{
			name:   "free storage threshold above the volume",
			mutate: func(m *Monitoring) { m.Thresholds.OpenSearchFreeStorageMiB = 204800 },
			want: []string{`monitoring.thresholds.openSearchFreeStorageMiB: got 204800, want less than the data node volume ` +
				`(data.opensearch.volumeSizeGiB = 200 GiB = 204800 MiB); AWS recommends 25%`},
		},
		{
			name:   "zero evictions allowed",
			mutate: func(m *Monitoring) { m.Thresholds.RedisEvictions = 0 },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := monitoringProblems("prod", tc.mutate)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// A bad e-mail, a threshold out of range and a bad retention are reported
// together, through Config.Validate, with the other sections' problems.
func TestMonitoringProblemsReportedAllAtOnce(t *testing.T) {
	c, err := Default("dev")
	if err != nil {
		t.Fatal(err)
	}
	c.Monitoring.AlarmEmails = []string{"ops@@example.com"}
	c.Monitoring.Thresholds.RedisEngineCPUPercent = 0
	c.Monitoring.LogRetentionDays = 2
	c.Region = "moon"
	err = c.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`monitoring.alarmEmails[0]: got "ops@@example.com", want an e-mail address such as ops@example.com (no display name)`,
		`monitoring.thresholds.redisEngineCpuPercent: got 0, want an integer from 10 to 100`,
		`monitoring.logRetentionDays: got 2, want a CloudWatch Logs retention in days`,
		`region: got "moon"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestIngestionBacklogThresholdThroughTheConfiguration(t *testing.T) {
	c, _ := Default("prod")
	c.Monitoring.Thresholds.IngestionBacklogGrowthMinutes = 7
	want := "monitoring.thresholds.ingestionBacklogGrowthMinutes: got 7, want a multiple of 5 from 15 to 360 (minutes of 5-minute periods)"
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
