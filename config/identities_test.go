package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/charts/identities"
)

// TestIdentitiesValidation: every opencti.identities problem and the
// connector rules identities add, each with its exact text, all at once.
func TestIdentitiesValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"rotation", func(c *Config) { c.OpenCTI.Identities.Rotation = -1 },
			`opencti.identities.rotation: got -1, want an integer from 0 to 2147483647 (increase it to replace every token)`},
		{"token duration", func(c *Config) { c.OpenCTI.Identities.TokenDuration = "DAYS_7" },
			`opencti.identities.tokenDuration: got "DAYS_7", want one of UNLIMITED, DAYS_30, DAYS_60, DAYS_90, DAYS_365`},
		{"rollout timeout", func(c *Config) { c.OpenCTI.Identities.RolloutTimeoutSeconds = 10 },
			`opencti.identities.rolloutTimeoutSeconds: got 10, want 60 to 3600`},
		{"health timeout", func(c *Config) { c.OpenCTI.Identities.HealthTimeoutSeconds = 7200 },
			`opencti.identities.healthTimeoutSeconds: got 7200, want 60 to 3600`},
		{"connector name", func(c *Config) { c.OpenCTI.Connectors = []Connector{{Name: "Mitre_ATTACK", Type: "EXTERNAL_IMPORT"}} },
			`opencti.connectors[0].name: got "Mitre_ATTACK", want 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit (it names the OpenCTI user "[C] <deployment> <name>")`},
		{"auto-created service account", func(c *Config) {
			c.OpenCTI.Connectors = []Connector{{Name: "misp", Type: "EXTERNAL_IMPORT", Env: map[string]string{"CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT": "true"}}}
		}, `opencti.connectors[0].env.CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT: got "true", want unset (the deployment creates each connector's OpenCTI user; auto-creation needs the admin token in the connector)`},
		{"auto-created confidence as a secret", func(c *Config) {
			c.OpenCTI.Connectors = []Connector{{Name: "misp", Type: "EXTERNAL_IMPORT", SecretEnv: map[string]SecretRef{
				"CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT_CONFIDENCE_LEVEL": {Secret: "opencti/dev/misp"}}}}
		}, `opencti.connectors[0].secretEnv.CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT_CONFIDENCE_LEVEL: got "CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT_CONFIDENCE_LEVEL", want unset (the deployment creates each connector's OpenCTI user; auto-creation needs the admin token in the connector)`},
	}
	all, _ := Default("dev")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := Default("dev")
			tc.mutate(c)
			if err := c.Validate(); err == nil || !containsLine(err.Error(), tc.want) {
				t.Errorf("got %v\nwant a line %s", err, tc.want)
			}
		})
		if !strings.HasPrefix(tc.name, "auto") && tc.name != "connector name" {
			tc.mutate(all)
		}
	}
	err := all.Validate()
	for _, tc := range cases[:4] {
		if err == nil || !containsLine(err.Error(), tc.want) {
			t.Errorf("every problem at once: lacks %s\ngot %v", tc.want, err)
		}
	}

	// With the opt-out, the connector may create its own account (it holds
	// the admin token anyway) and the name follows the image rule only.
	c, _ := Default("dev")
	c.OpenCTI.Identities.Enabled = false
	c.OpenCTI.Connectors = []Connector{{Name: "misp", Type: "EXTERNAL_IMPORT", Env: map[string]string{"CONNECTOR_AUTO_CREATE_SERVICE_ACCOUNT": "true"}}}
	if err := c.Validate(); err != nil {
		t.Errorf("identities disabled: %v", err)
	}
	c.OpenCTI.Connectors[0].Name = "Mitre"
	if err := c.Validate(); err == nil || !containsLine(err.Error(), `opencti.connectors[0].name: got "Mitre", want 1-40 lower-case letters, digits or hyphens (image opencti/connector-<name>)`) {
		t.Errorf("identities disabled, bad name: %v", err)
	}
}

// TestIdentitiesNameRulesEqualTheJobs: a connector name and a deployment name
// the configuration accepts are exactly those the provisioning Job accepts
// (identities' rules, tested equal to provision.js's own).
func TestIdentitiesNameRulesEqualTheJobs(t *testing.T) {
	names := []string{"", "a", "mitre", "export-file-stix", "0day", "x-", "-x", "Mitre", "mitre_attack", "mi tre", "mitré",
		strings.Repeat("x", 40), strings.Repeat("x", 41), "dev", "opencti-prod", "A1", "1dev", "dev_1", "Opencti-Prod", "api"}
	for _, name := range names {
		c, _ := Default("dev")
		c.OpenCTI.Connectors = []Connector{{Name: name, Type: "EXTERNAL_IMPORT"}}
		configOK := true
		if err := c.Validate(); err != nil {
			configOK = !strings.Contains(err.Error(), "opencti.connectors[0].name")
		}
		if jobOK := identities.ConnectorNameProblem(name) == "" && name != "api"; configOK != jobOK {
			t.Errorf("connector %q: configuration accepts %v, the Job %v", name, configOK, jobOK)
		}
		if got, want := nameRe.MatchString(name), identities.DeploymentNameProblem(name) == ""; got != want {
			t.Errorf("deployment name %q: configuration accepts %v, the Job %v", name, got, want)
		}
	}
}

// TestIdentitiesReachTheCharts: the configuration's identities, its name and
// the defaults become the chart props; the charts' defaults are the
// configuration's.
func TestIdentitiesReachTheCharts(t *testing.T) {
	c, _ := Default("prod")
	c.OpenCTI.Identities.Rotation = 3
	c.OpenCTI.Identities.TokenDuration = "DAYS_90"
	got := c.ChartProps().Identities
	want := charts.IdentitiesProps{
		Enabled: new(true), Deployment: new("opencti-prod"), Rotation: new(3), TokenDuration: new("DAYS_90"),
		HealthTimeoutSeconds: new(int32(charts.DefaultHealthTimeoutSeconds)), RolloutTimeoutSeconds: new(int32(charts.DefaultRolloutTimeoutSeconds)),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChartProps().Identities = %+v, want %+v", got, want)
	}
	d, _ := Default("dev")
	if i := d.OpenCTI.Identities; !i.Enabled || i.Rotation != 0 || i.TokenDuration != charts.DefaultTokenDuration {
		t.Errorf("default identities %+v", i)
	}
}

// TestIdentitiesOptOutWarns: every synth warns while the switch is off.
func TestIdentitiesOptOutWarns(t *testing.T) {
	const want = "opencti.identities.enabled is false: every worker and connector runs with the initial administrator's token " +
		"(APP__ADMIN__TOKEN); one compromised connector is a full administrator of OpenCTI. Enable it unless this platform cannot run the provisioning Job"
	c, err := Parse([]byte("opencti:\n  identities:\n    enabled: false\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Warnings(); !reflect.DeepEqual(got, []string{want}) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	if got := c.ChartProps().Identities.Enabled; got == nil || *got {
		t.Errorf("ChartProps().Identities.Enabled = %v, want false", got)
	}
}

func TestRenderKubernetesAPIValidation(t *testing.T) {
	c, _ := Default("dev")
	c.Render = Render{OpenSearchURL: "https://vpc-x.eu-west-1.es.amazonaws.com", RedisHostname: "r.example.com", RabbitMQHostname: "b.example.com",
		BucketName: "bucket-1", KubernetesAPIURL: "http://api.example.com", KubernetesAPICidrs: []string{"10.40.0.1/16"}}
	err := c.ValidateForRender()
	for _, w := range []string{
		`render.kubernetesApiUrl: got "http://api.example.com", want empty (the in-cluster kubernetes Service) or https://<host>`,
		`render.kubernetesApiCidrs[0]: got "10.40.0.1/16", want an IPv4 network in CIDR notation`,
	} {
		if err == nil || !containsLine(err.Error(), w) {
			t.Errorf("got %v\nwant a line %s", err, w)
		}
	}
}

// TestRolloutTimeoutFitsTheWorkerAPITier: a new worker token rolls the
// worker-api pods one at a time; synth warns when the Job's rollout timeout
// cannot cover the tier at its largest (maxReplicas with ingestion scaling,
// minReplicas without), and the defaults of both profiles need no warning.
func TestRolloutTimeoutFitsTheWorkerAPITier(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		c, _ := Default(env)
		c.Monitoring.AlarmEmails = []string{"soc@example.com"}
		if got := c.Warnings(); len(got) != 0 {
			t.Errorf("%s defaults: warnings %q", env, got)
		}
	}
	c, err := Parse([]byte("environment: prod\nopencti:\n  workerApi:\n    maxReplicas: 8\n  identities:\n    rolloutTimeoutSeconds: 900\n"+
		"monitoring:\n  alarmEmails: [soc@example.com]\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	want := "opencti.identities.rolloutTimeoutSeconds is 900: a token rotation restarts the worker-api pods (platform and workers) one at a time, " +
		"about 300 s each, so 8 pods (opencti.workerApi.maxReplicas) may take 2400 s; a rotation that runs out of time fails the deploy " +
		"and keeps the previous tokens valid; set it to 2400"
	if got := c.Warnings(); !reflect.DeepEqual(got, []string{want}) {
		t.Errorf("warnings %q\nwant %q", got, want)
	}
	c.OpenCTI.WorkerAPI.MaxReplicas = 14
	want = "opencti.identities.rolloutTimeoutSeconds is 900: a token rotation restarts the worker-api pods (platform and workers) one at a time, " +
		"about 300 s each, so 14 pods (opencti.workerApi.maxReplicas) may take 4200 s; a rotation that runs out of time fails the deploy " +
		"and keeps the previous tokens valid; set it to 3600 (its maximum) and rotate while fewer worker-api pods run"
	if got := c.Warnings(); !reflect.DeepEqual(got, []string{want}) {
		t.Errorf("warnings %q\nwant %q", got, want)
	}
	// Without ingestion scaling the tier runs at its minimum.
	c.OpenCTI.IngestionScaling.Enabled = false
	if got := c.Warnings(); len(got) != 0 {
		t.Errorf("without ingestion scaling (the minimum, 2 pods): warnings %q", got)
	}
	// The opt-out warns about the admin token only.
	c.OpenCTI.Identities.Enabled = false
	if got := c.Warnings(); len(got) != 1 || got[0] != IdentitiesDisabledWarning {
		t.Errorf("identities disabled: warnings %q", got)
	}
}
