package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultsAreValid(t *testing.T) {
	for _, env := range Environments {
		c, err := Load(env, "")
		if err != nil {
			t.Fatalf("embedded %s profile: %v", env, err)
		}
		if c.Environment != env || len(c.AvailabilityZones) != 3 {
			t.Errorf("%s: environment %q, %d AZs", env, c.Environment, len(c.AvailabilityZones))
		}
	}
	dev, _ := Default("dev")
	prod, _ := Default("prod")
	if dev.Network.NatGateways != 1 || prod.Network.NatGateways != 3 {
		t.Errorf("NAT gateways: dev %d, prod %d; want 1 and 3", dev.Network.NatGateways, prod.Network.NatGateways)
	}
	if dev.RetainData || !prod.RetainData {
		t.Errorf("retainData: dev %v, prod %v; want false and true", dev.RetainData, prod.RetainData)
	}
	if prod.OpenCTI.UI.MinReplicas < 2 || prod.OpenCTI.ConnectorAPI.MinReplicas < 2 || prod.OpenCTI.WorkerAPI.MinReplicas < 2 {
		t.Errorf("prod platform tiers must run at least 2 replicas: %+v", prod.OpenCTI)
	}
}

func TestLoadSelectsProfile(t *testing.T) {
	c, err := Load("", "")
	if err != nil || c.Environment != "dev" {
		t.Fatalf("Load(\"\", \"\") = %v, %v; want the dev profile", c, err)
	}
	if _, err := Load("staging", ""); err == nil || err.Error() != `environment: got "staging", want one of dev, prod` {
		t.Errorf("unknown env: got %v", err)
	}
}

func TestFileOverridesItsProfile(t *testing.T) {
	path := writeFile(t, `environment: prod
account: "123456789012"
network:
  vpcCidr: 10.60.0.0/16
opencti:
  ui:
    minReplicas: 3
    maxReplicas: 5
`)
	c, err := Load("dev", path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Environment != "prod" || c.Network.NatGateways != 3 || !c.RetainData {
		t.Errorf("the file's environment must pick the prod defaults: %+v", c)
	}
	if c.Network.VpcCidr != "10.60.0.0/16" || c.OpenCTI.UI.MinReplicas != 3 || c.OpenCTI.UI.Resources.MemoryLimitMiB != 8192 {
		t.Errorf("overrides not applied over defaults: %+v %+v", c.Network, c.OpenCTI.UI)
	}
	if c.Account != "123456789012" {
		t.Errorf("account = %q", c.Account)
	}
}

// TestZoneDerivedDefaultsFollowTheFile: the hostnames and the admin e-mail
// a file leaves out are derived from the file's own dns.zoneName, not from
// the profile's example zone; the ones it sets are kept.
func TestZoneDerivedDefaultsFollowTheFile(t *testing.T) {
	for _, tc := range []struct {
		env, extra, ui, api, email string
	}{
		{"prod", "", "ui.cti.acme.org", "api.cti.acme.org", "opencti-admin@cti.acme.org"},
		{"dev", "", "ui.dev.cti.acme.org", "api.dev.cti.acme.org", "opencti-admin@cti.acme.org"},
		{"prod", "  uiHostname: opencti.cti.acme.org\nopencti:\n  adminEmail: soc@acme.org\n", "opencti.cti.acme.org", "api.cti.acme.org", "soc@acme.org"},
	} {
		c, err := Parse([]byte("environment: "+tc.env+"\ndns:\n  zoneName: cti.acme.org\n  zoneId: Z0123456789ABCDEFGHIJ\n"+tc.extra), "")
		if err != nil {
			t.Fatalf("%s %q: %v", tc.env, tc.extra, err)
		}
		if c.DNS.UIHostname != tc.ui || c.DNS.APIHostname != tc.api || c.OpenCTI.AdminEmail != tc.email {
			t.Errorf("%s %q: ui %q, api %q, adminEmail %q; want %q, %q, %q", tc.env, tc.extra,
				c.DNS.UIHostname, c.DNS.APIHostname, c.OpenCTI.AdminEmail, tc.ui, tc.api, tc.email)
		}
	}
}

func TestStrictParsing(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "network:\n  vpcCidrs: 10.0.0.0/16\n", []string{"line 2: field vpcCidrs not found"}},
		{"wrong type", "network:\n  natGateways: three\n", []string{"line 2: cannot unmarshal !!str `three` into int"}},
		{"garbage", "{{{ not yaml", []string{"not valid YAML"}},
		{"two documents", "environment: dev\n---\nenvironment: prod\n", []string{"more than one YAML document"}},
		{"unknown and wrong at once", "bogus: 1\nnetwork:\n  natGateways: x\n", []string{"field bogus not found", "cannot unmarshal !!str `x` into int"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("", writeFile(t, tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := Load("", filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestValidationReportsEveryProblem(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"account", func(c *Config) { c.Account = "1234" }, `account: got "1234", want empty (account-agnostic) or a 12-digit AWS account ID`},
		{"region", func(c *Config) { c.Region = "mars" }, `region: got "mars", want an AWS region name such as eu-west-1`},
		{"two AZs", func(c *Config) { c.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b"} }, `availabilityZones: got ["eu-west-1a" "eu-west-1b"], want exactly 3 availability zones`},
		{"AZ of another region", func(c *Config) { c.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b", "us-east-1a"} }, `availabilityZones[2]: got "us-east-1a", want a zone of region eu-west-1 (eu-west-1a, eu-west-1b, ...)`},
		{"duplicate AZ", func(c *Config) { c.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1a"} }, `availabilityZones[2]: got "eu-west-1a", want each zone once`},
		{"cidr", func(c *Config) { c.Network.VpcCidr = "10.0.0.0/33" }, `network.vpcCidr: got "10.0.0.0/33", want an IPv4 network in CIDR notation such as 10.40.0.0/16`},
		{"cidr too small", func(c *Config) { c.Network.VpcCidr = "10.0.0.0/24" }, `network.vpcCidr: got "10.0.0.0/24", want a prefix length from /16 to /18 (EKS pods take VPC addresses)`},
		{"public cidr", func(c *Config) { c.Network.VpcCidr = "8.8.0.0/16" }, `network.vpcCidr: got "8.8.0.0/16", want a private (RFC 1918) range`},
		{"nat", func(c *Config) { c.Network.NatGateways = 0 }, `network.natGateways: got 0, want 1 to 3 (one per availability zone)`},
		{"flow log retention", func(c *Config) { c.Network.FlowLogRetentionDays = 10 }, `network.flowLogRetentionDays: got 10, want a CloudWatch Logs retention in days, one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`},
		{"host outside zone", func(c *Config) { c.DNS.UIHostname = "ui.other.org" }, `dns.uiHostname: got "ui.other.org", want a name inside the zone opencti.example.com (ending in .opencti.example.com)`},
		{"same host", func(c *Config) { c.DNS.APIHostname = c.DNS.UIHostname }, `dns.apiHostname: got "ui.dev.opencti.example.com", want a hostname different from dns.uiHostname (API traffic must not reach the ui tier)`},
		{"zone id", func(c *Config) { c.DNS.ZoneID = "abc" }, `dns.zoneId: got "abc", want a Route 53 hosted zone ID (Z followed by upper-case letters and digits)`},
		{"latest", func(c *Config) { c.OpenCTI.Version = "latest" }, `opencti.version: got "latest", want a pinned OpenCTI release such as 7.260817.0 (never latest)`},
		{"ratio", func(c *Config) { c.OpenCTI.WorkersPerPlatform = 5 }, `opencti.workersPerPlatform: got 5, want 1 to 4 (OpenCTI: 3, at most 4 workers per platform)`},
		{"heap", func(c *Config) { c.OpenCTI.UI.HeapMiB = 4096 }, `opencti.ui.heapMiB: got 4096, want 512 to 3686 (90% of the memory limit, leaving room outside the Node.js heap)`},
		{"max below min", func(c *Config) { c.OpenCTI.WorkerAPI.MaxReplicas = 0 }, `opencti.workerApi.maxReplicas: got 0, want 1 (minReplicas) to 50`},
		{"connector type", func(c *Config) {
			c.OpenCTI.Connectors = []Connector{{Name: "mitre", Type: "IMPORT"}}
		}, `opencti.connectors[0].type: got "IMPORT", want one of EXTERNAL_IMPORT, INTERNAL_ENRICHMENT, INTERNAL_IMPORT_FILE, INTERNAL_EXPORT_FILE, INTERNAL_ANALYSIS, STREAM`},
		{"connector id", func(c *Config) {
			c.OpenCTI.Connectors = []Connector{{Name: "mitre", Type: "EXTERNAL_IMPORT", ID: "not-a-uuid"}}
		}, `opencti.connectors[0].id: got "not-a-uuid", want empty (derived from the name) or a lower-case UUIDv4`},
		{"duplicate connector", func(c *Config) {
			c.OpenCTI.Connectors = []Connector{{Name: "mitre", Type: "EXTERNAL_IMPORT"}, {Name: "mitre", Type: "EXTERNAL_IMPORT"}}
		}, `opencti.connectors[1].name: got "mitre", want a name not already used by opencti.connectors[0]`},
		{"connector secret outside prefix", func(c *Config) {
			c.OpenCTI.Connectors = []Connector{{Name: "misp", Type: "EXTERNAL_IMPORT", SecretEnv: map[string]SecretRef{"MISP_KEY": {Secret: "other/misp"}}}}
		}, `opencti.connectors[0].secretEnv.MISP_KEY.secret: got "other/misp", want a secret name under opencti/dev/ (the only secrets the cluster may read)`},
		{"reserved connector env", func(c *Config) {
			c.OpenCTI.Connectors = []Connector{{Name: "misp", Type: "EXTERNAL_IMPORT", Env: map[string]string{"OPENCTI_URL": "http://x"}}}
		}, `opencti.connectors[0].env.OPENCTI_URL: got "OPENCTI_URL", want a variable the chart does not set itself (it sets CONNECTOR_AUTO, CONNECTOR_EXPOSE_METRICS, CONNECTOR_ID, CONNECTOR_METRICS_PORT, CONNECTOR_NAME, CONNECTOR_SCOPE, CONNECTOR_TYPE, MQ_USE_SSL_REJECT_UNAUTHORIZED, OPENCTI_TOKEN, OPENCTI_URL)`},
	}
	independent := map[string]bool{"account": true, "duplicate AZ": true, "cidr too small": true, "nat": true,
		"host outside zone": true, "zone id": true, "latest": true, "ratio": true, "heap": true, "duplicate connector": true}
	all, _ := Default("dev")
	var want []string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := Default("dev")
			tc.mutate(c)
			err := c.Validate()
			if err == nil || !containsLine(err.Error(), tc.want) {
				t.Errorf("got %v\nwant a line %s", err, tc.want)
			}
		})
		if independent[tc.name] {
			tc.mutate(all)
			want = append(want, tc.want)
		}
	}
	t.Run("every problem at once", func(t *testing.T) {
		err := all.Validate()
		if err == nil {
			t.Fatal("accepted")
		}
		for _, w := range want {
			if !containsLine(err.Error(), w) {
				t.Errorf("the joined error lacks %s\ngot:\n%v", w, err)
			}
		}
	})
}

func TestProdRules(t *testing.T) {
	c, _ := Default("prod")
	c.Network.NatGateways = 1
	c.RetainData = false
	c.OpenCTI.UI.MinReplicas = 1
	err := c.Validate()
	for _, want := range []string{
		`network.natGateways: got 1, want 3 in prod (one per availability zone, so losing a zone keeps egress)`,
		`retainData: got false, want true in prod (data must survive a stack deletion)`,
		`opencti.ui.minReplicas: got 1, want 2 to 50`,
	} {
		if err == nil || !containsLine(err.Error(), want) {
			t.Errorf("got %v\nwant a line %s", err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("environment: prod\nnetwork:\n  natGateways: 3\n"))
	f.Add([]byte("opencti:\n  connectors:\n  - name: mitre\n    type: EXTERNAL_IMPORT\n"))
	f.Add([]byte("{{{"))
	f.Add([]byte("availabilityZones: [a, b]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "")
		if err == nil {
			if c == nil {
				t.Fatal("nil config without an error")
			}
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Parse accepted a config that does not validate: %v", verr)
			}
			return
		}
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
	})
}

func containsLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
