package charts_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
)

// problems splits a Validate error into its messages.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var out []string
		for _, e := range joined.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

func TestValidateAcceptsValidProps(t *testing.T) {
	for name, p := range map[string]*charts.Props{"valid": validProps(), "large": largeProps()} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValidateReportsExactProblems(t *testing.T) {
	const heapHint = "UI.HeapMiB: got 8192, want 1..8191 (below the memory limit 8Gi = 8192 MiB)"
	tests := []struct {
		name   string
		mutate func(p *charts.Props)
		want   []string
	}{
		{"ratio 5", func(p *charts.Props) { p.WorkersPerPlatform = new(int32(5)) },
			[]string{"WorkersPerPlatform: got 5, want 1..4 (OpenCTI serves 3 to 4 workers per platform)"}},
		{"ratio 0", func(p *charts.Props) { p.WorkersPerPlatform = new(int32(0)) },
			[]string{"WorkersPerPlatform: got 0, want 1..4 (OpenCTI serves 3 to 4 workers per platform)"}},
		{"latest tag", func(p *charts.Props) { p.Version = "latest" },
			[]string{`Version: got "latest", want a pinned OpenCTI image tag such as "7.260817.0" (not empty, not "latest")`}},
		{"empty tag", func(p *charts.Props) { p.Version = "" },
			[]string{`Version: got "", want a pinned OpenCTI image tag such as "7.260817.0" (not empty, not "latest")`}},
		{"heap equals limit", func(p *charts.Props) { p.UI.HeapMiB = new(int32(8192)) }, []string{heapHint}},
		{"heap above smaller limit", func(p *charts.Props) {
			p.WorkerAPI.Resources = &charts.Resources{RequestsCPU: "1", RequestsMemory: "2Gi", LimitsCPU: "2", LimitsMemory: "4Gi"}
			p.WorkerAPI.HeapMiB = new(int32(6144))
		}, []string{"WorkerAPI.HeapMiB: got 6144, want 1..4095 (below the memory limit 4Gi = 4096 MiB)"}},
		{"bad UUID", func(p *charts.Props) {
			p.Connectors = charts.DefaultConnectors()
			p.Connectors[0].ID = jsii.String("not-a-uuid")
		}, []string{`Connectors[0].ID: got "not-a-uuid", want a lowercase UUIDv4 such as "8f2a4c3e-1b7d-4e5f-9a6b-0c1d2e3f4a5b"`}},
		{"UUIDv1 is not v4", func(p *charts.Props) {
			p.Connectors = charts.DefaultConnectors()
			p.Connectors[1].ID = jsii.String("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
		}, []string{`Connectors[1].ID: got "6ba7b810-9dad-11d1-80b4-00c04fd430c8", want a lowercase UUIDv4 such as "8f2a4c3e-1b7d-4e5f-9a6b-0c1d2e3f4a5b"`}},
		{"duplicate connector name", func(p *charts.Props) {
			p.Connectors = append(charts.DefaultConnectors(), charts.DefaultConnectors()[0])
		}, []string{`Connectors[5].Name: got "export-file-stix", want a name unique among Connectors (Connectors[0] has it)`}},
		{"duplicate connector ID", func(p *charts.Props) {
			p.Connectors = charts.DefaultConnectors()
			id := charts.DeriveConnectorID("export-file-stix")
			p.Connectors[2].ID = &id
		}, []string{`Connectors[2].ID: got "` + charts.DeriveConnectorID("export-file-stix") + `", want an ID unique among Connectors (Connectors[0] has it)`}},
		{"connector named api", func(p *charts.Props) {
			p.Connectors = []charts.ConnectorProps{{Name: "api", Type: "EXTERNAL_IMPORT", ConnectorName: "API"}}
		}, []string{`Connectors[0].Name: got "api", want a name other than "api" (opencti-connector-api is the connector-api tier)`}},
		{"connector type and scope", func(p *charts.Props) {
			p.Connectors = []charts.ConnectorProps{{Name: "misp", Type: "IMPORT", ConnectorName: "MISP"},
				{Name: "import-pdf", Type: "INTERNAL_IMPORT_FILE", ConnectorName: "PDF"}}
		}, []string{
			`Connectors[0].Type: got "IMPORT", want one of EXTERNAL_IMPORT, INTERNAL_ENRICHMENT, INTERNAL_IMPORT_FILE, INTERNAL_EXPORT_FILE, INTERNAL_ANALYSIS, STREAM`,
			`Connectors[1].Scope: got "", want a CONNECTOR_SCOPE (required for INTERNAL_IMPORT_FILE)`,
		}},
		{"connector reserved env", func(p *charts.Props) {
			p.Connectors = []charts.ConnectorProps{{Name: "misp", Type: "EXTERNAL_IMPORT", ConnectorName: "MISP",
				Env:       map[string]string{"OPENCTI_URL": "http://elsewhere"},
				SecretEnv: map[string]charts.RemoteRef{"MISP_KEY": {Key: ""}}}}
		}, []string{
			`Connectors[0].Env: got "OPENCTI_URL", want names the chart does not manage (CONNECTOR_AUTO, CONNECTOR_EXPOSE_METRICS, CONNECTOR_ID, CONNECTOR_METRICS_PORT, CONNECTOR_NAME, CONNECTOR_SCOPE, CONNECTOR_TYPE, MQ_USE_SSL_REJECT_UNAUTHORIZED, OPENCTI_TOKEN, OPENCTI_URL are reserved)`,
			`Connectors[0].SecretEnv[MISP_KEY].Key: got "", want a Secrets Manager secret name or ARN`,
		}},
		{"platform reserved env", func(p *charts.Props) { p.UI.ExtraEnv = map[string]string{"APP__PORT": "8080"} },
			[]string{`UI.ExtraEnv: got "APP__PORT", want names the chart does not manage (APP__ADMIN__PASSWORD, APP__ADMIN__TOKEN, APP__AUTHENTICATION__FORCE_ENV, APP__ENCRYPTION_KEY, APP__ENTERPRISE_EDITION_LICENSE, APP__HEALTH_ACCESS_KEY, APP__LIVENESS_PORT, APP__PORT, APP__TELEMETRY__METRICS__EXPORTER_PROMETHEUS, ELASTICSEARCH__PASSWORD, ELASTICSEARCH__USERNAME, NODE_OPTIONS, RABBITMQ__PASSWORD, RABBITMQ__QUEUE_TYPE, RABBITMQ__USERNAME, REDIS__PASSWORD, SMTP__PASSWORD are reserved)`}},
		{"queue type", func(p *charts.Props) { p.Endpoints.RabbitMQQueueType = jsii.String("stream") },
			[]string{`Endpoints.RabbitMQQueueType: got "stream", want "classic" or "quorum"`}},
		{"writable dir", func(p *charts.Props) {
			p.Connectors = []charts.ConnectorProps{{Name: "misp", Type: "EXTERNAL_IMPORT", ConnectorName: "MISP", WritableDir: jsii.String("/opt/misp/../tmp")}}
		}, []string{`Connectors[0].WritableDir: got "/opt/misp/../tmp", want an absolute, clean directory of the image other than "/" and "/tmp", such as "/opt/opencti-connector-import-document"`}},
		{"smtp", func(p *charts.Props) {
			p.SMTP = &charts.SMTPProps{Host: "smtp", Port: new(int32(0)), Username: jsii.String("cti"), From: "cti", EgressCIDRs: []string{"10.0.0.1/8"}}
		}, []string{
			`SMTP.Host: got "smtp", want a fully qualified DNS name such as "opencti.example.com"`,
			`SMTP.Port: got 0, want 1..65535`,
			`SMTP.From: got "cti", want the sender e-mail address`,
			`SMTP.Password: got "", want a Secrets Manager reference to the password of SMTP.Username`,
			`SMTP.EgressCIDRs[0]: got "10.0.0.1/8", want an IPv4 CIDR without host bits, such as "10.0.0.0/16"`,
		}},
		{"smtp password without user", func(p *charts.Props) {
			p.SMTP = &charts.SMTPProps{Host: "smtp.example.com", From: "cti@example.com", Password: &charts.RemoteRef{Key: "opencti/smtp"}}
		}, []string{`SMTP.Username: got "", want the user name the SMTP.Password belongs to`}},
		{"replicas", func(p *charts.Props) {
			p.ConnectorAPI.MinReplicas = new(int32(3))
			p.ConnectorAPI.MaxReplicas = new(int32(2))
		}, []string{"ConnectorAPI.MaxReplicas: got 2, want >= ConnectorAPI.MinReplicas (3)"}},
		{"requests above limits", func(p *charts.Props) {
			p.Worker.Resources = &charts.Resources{RequestsCPU: "2", RequestsMemory: "1Gi", LimitsCPU: "1", LimitsMemory: "lots"}
		}, []string{
			`Worker.Resources.LimitsMemory: got "lots", want a positive Kubernetes quantity such as "500m", "2", "512Mi" or "8Gi"`,
			`Worker.Resources.RequestsCPU: got "2", want at most LimitsCPU (1)`,
		}},
		{"networks", func(p *charts.Props) {
			p.LoadBalancerCIDRs = []string{"192.168.0.0/24"}
			p.DataServiceCIDRs = nil
		}, []string{
			`LoadBalancerCIDRs[0]: got "192.168.0.0/24", want a CIDR inside VpcCIDR (10.0.0.0/16)`,
			`DataServiceCIDRs: got [], want at least one CIDR of the data subnets`,
		}},
		{"ingress", func(p *charts.Props) {
			p.Ingress.UI.Scheme = jsii.String("public")
			p.Ingress.WafAclARN = jsii.String("arn:aws:waf::123:webacl/x")
		}, []string{
			`Ingress.UI.Scheme: got "public", want "internet-facing" or "internal"`,
			`Ingress.WafAclARN: got "arn:aws:waf::123:webacl/x", want a regional WAFv2 web ACL ARN`,
		}},
		{"same hostnames", func(p *charts.Props) { p.Hostnames.API = p.Hostnames.UI },
			[]string{`Hostnames.API: got "opencti.example.com", want a hostname different from Hostnames.UI (API clients and browsers get separate tiers)`}},
		{"log level", func(p *charts.Props) { p.LogLevel = jsii.String("verbose") },
			[]string{`LogLevel: got "verbose", want one of error, warn, info, debug`}},
		{"redis mode", func(p *charts.Props) { p.Endpoints.RedisMode = jsii.String("sentinel") },
			[]string{`Endpoints.RedisMode: got "sentinel", want "single" or "cluster"`}},
		{"queue scaling out of range", func(p *charts.Props) {
			p.QueueScaling = &charts.QueueScaling{
				MessagesPerReplica: 0, ScaleUpWindowSeconds: 4000, ScaleUpPodsPerMinute: 0, ScaleDownWindowSeconds: 60,
				ScaleDownIntervalSeconds: 30, CPUTargetPercent: 120, FallbackFailureThreshold: -1,
				Authentication: charts.TriggerAuthenticationRef{Name: "Broker_Auth", Kind: "Secret"},
			}
			p.WorkerAPI.MaxReplicas = new(int32(3))
		}, []string{
			"QueueScaling.MessagesPerReplica: got 0, want 100 to 10000000 waiting messages per worker-api pod",
			"QueueScaling.ScaleUpWindowSeconds: got 4000, want 0 to 3600",
			"QueueScaling.ScaleUpPodsPerMinute: got 0, want 1 to 10",
			"QueueScaling.ScaleDownWindowSeconds: got 60, want 300 to 3600 (at least two 150-second platform starts)",
			"QueueScaling.ScaleDownIntervalSeconds: got 30, want 60 to 1800",
			"QueueScaling.CPUTargetPercent: got 120, want 0 (no CPU trigger) or 50 to 95",
			"QueueScaling.FallbackFailureThreshold: got -1, want 1 to 20",
			`QueueScaling.Authentication.Name: got "Broker_Auth", want a Kubernetes object name such as opencti-rabbitmq`,
			`QueueScaling.Authentication.Kind: got "Secret", want ClusterTriggerAuthentication or TriggerAuthentication`,
		}},
		{"queue scaling without room", func(p *charts.Props) {
			q := charts.DefaultQueueScaling()
			p.QueueScaling = &q
			p.WorkerAPI.MinReplicas, p.WorkerAPI.MaxReplicas = new(int32(3)), new(int32(3))
		}, []string{"WorkerAPI.MaxReplicas: got 3, want more than WorkerAPI.MinReplicas (3) with QueueScaling (queue-depth scaling needs room above the minimum)"}},
		{"queue scaling with the maximum below the minimum", func(p *charts.Props) {
			q := charts.DefaultQueueScaling()
			q.CPUTargetPercent = 49
			p.QueueScaling = &q
			p.WorkerAPI.MinReplicas, p.WorkerAPI.MaxReplicas = new(int32(3)), new(int32(2))
		}, []string{
			"WorkerAPI.MaxReplicas: got 2, want >= WorkerAPI.MinReplicas (3)",
			"QueueScaling.CPUTargetPercent: got 49, want 0 (no CPU trigger) or 50 to 95",
		}},
		{"all problems at once, in field order", func(p *charts.Props) {
			p.Version = "latest"
			p.UI.HeapMiB = new(int32(8192))
			p.WorkersPerPlatform = new(int32(5))
		}, []string{
			`Version: got "latest", want a pinned OpenCTI image tag such as "7.260817.0" (not empty, not "latest")`,
			heapHint,
			"WorkersPerPlatform: got 5, want 1..4 (OpenCTI serves 3 to 4 workers per platform)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProps()
			tt.mutate(p)
			got := problems(p.Validate())
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestValidateEmptyPropsReportsEveryRequiredField(t *testing.T) {
	got := problems((&charts.Props{}).Validate())
	for _, field := range []string{"Version", "Endpoints.OpenSearchURL", "Endpoints.RedisHostname",
		"Endpoints.RabbitMQHostname", "Endpoints.S3Bucket", "Endpoints.S3Region",
		"Secrets.AdminPassword.Key", "Secrets.AdminToken.Key", "Secrets.HealthAccessKey.Key",
		"Secrets.EncryptionKey.Key", "Secrets.OpenSearchUsername.Key", "Secrets.OpenSearchPassword.Key",
		"Secrets.RedisAuthToken.Key", "Secrets.RabbitMQUsername.Key", "Secrets.RabbitMQPassword.Key",
		"Hostnames.UI", "Hostnames.API", "VpcCIDR", "DataServiceCIDRs"} {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, field+": got ")
		}
		if !found {
			t.Errorf("no problem reported for %s; got %q", field, got)
		}
	}
	if err := (*charts.Props)(nil).Validate(); err == nil {
		t.Error("nil Props validated")
	}
}

func TestValidateAndDefaultsNeverMutateProps(t *testing.T) {
	p := largeProps()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := charts.SecretLayout(p); err != nil {
		t.Fatal(err)
	}
	_, _ = charts.Workers(p)
	if !reflect.DeepEqual(p, largeProps()) {
		t.Error("Validate/SecretLayout/Workers modified the caller's Props")
	}
	q := scalingProps()
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if q.QueueScaling.Authentication.Name != "" || !reflect.DeepEqual(q, scalingProps()) {
		t.Error("the QueueScaling defaults were written into the caller's Props")
	}
	if p.Connectors[0].ID != nil {
		t.Error("a derived connector ID was written into the caller's Props")
	}
	v := validProps()
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if v.Namespace != nil || v.UI.MinReplicas != nil || v.Connectors != nil || v.LoadBalancerCIDRs != nil {
		t.Error("defaults were written into the caller's Props")
	}
}
