package config

import (
	"reflect"
	"strings"
	"testing"
)

// realProd is the prod profile with every example value replaced, as a
// deployment's configuration file would.
func realProd(t *testing.T) *Config {
	t.Helper()
	c, err := Default("prod")
	if err != nil {
		t.Fatal(err)
	}
	c.DNS = DNS{ZoneName: "cti.acme.org", ZoneID: "Z0123456789ABCDEFGHIJ", UIHostname: "ui.cti.acme.org", APIHostname: "api.cti.acme.org"}
	c.Cluster.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/admin"}
	c.OpenCTI.AdminEmail = "cti-admin@acme.org"
	c.Monitoring.AlarmEmails = []string{"ops@acme.org"}
	return c
}

func TestPlaceholdersOfTheEmbeddedProfiles(t *testing.T) {
	want := map[string][]ExampleValue{
		"dev": {
			{"dns.zoneName", "opencti.example.com", "the domain of your Route 53 hosted zone"},
			{"dns.zoneId", "Z0000000000000000000D", "the ID of your Route 53 hosted zone"},
			{"dns.uiHostname", "ui.dev.opencti.example.com", "the ui hostname in your own zone"},
			{"dns.apiHostname", "api.dev.opencti.example.com", "the api hostname in your own zone"},
			{"opencti.adminEmail", "opencti-admin@opencti.example.com", "the e-mail address of the OpenCTI admin user"},
		},
		"prod": {
			{"dns.zoneName", "opencti.example.com", "the domain of your Route 53 hosted zone"},
			{"dns.zoneId", "Z0000000000000000000P", "the ID of your Route 53 hosted zone"},
			{"dns.uiHostname", "ui.opencti.example.com", "the ui hostname in your own zone"},
			{"dns.apiHostname", "api.opencti.example.com", "the api hostname in your own zone"},
			{"cluster.adminRoleArns[0]", "arn:aws:iam::000000000000:role/opencti-prod-cluster-admin", "an IAM role of your account that administers the cluster"},
			{"opencti.adminEmail", "opencti-admin@opencti.example.com", "the e-mail address of the OpenCTI admin user"},
		},
	}
	for env, w := range want {
		c, err := Load(env, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Placeholders(); !reflect.DeepEqual(got, w) {
			t.Errorf("%s placeholders:\n got %q\nwant %q", env, got, w)
		}
	}
}

func TestExampleValueMessageNamesTheField(t *testing.T) {
	e := ExampleValue{Field: "dns.zoneName", Value: "opencti.example.com", Want: "the domain of your Route 53 hosted zone"}
	const want = `dns.zoneName still holds the example value "opencti.example.com": set it to the domain of your Route 53 hosted zone in your configuration file (-c config=<file>; see docs/configuration.md)`
	if got := e.Message(); got != want {
		t.Errorf("message:\n got %s\nwant %s", got, want)
	}
}

func TestPlaceholderDetection(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *Config)
		want   []string // fields
	}{
		{"a real configuration", func(*Config) {}, nil},
		{"the example account", func(c *Config) { c.Account = "000000000000" }, []string{"account"}},
		{"example.net zone and its hosts", func(c *Config) {
			c.DNS = DNS{ZoneName: "cti.example.net", ZoneID: "Z0123456789ABCDEFGHIJ", UIHostname: "ui.cti.example.net", APIHostname: "api.cti.example.net"}
		}, []string{"dns.zoneName", "dns.uiHostname", "dns.apiHostname"}},
		{"the .example TLD", func(c *Config) { c.DNS.ZoneName = "acme.example" }, []string{"dns.zoneName"}},
		{"all-zero zone ID", func(c *Config) { c.DNS.ZoneID = "Z000000000000" }, []string{"dns.zoneId"}},
		{"second admin role", func(c *Config) {
			c.Cluster.AdminRoleArns = append(c.Cluster.AdminRoleArns, "arn:aws:iam::000000000000:role/x")
		}, []string{"cluster.adminRoleArns[1]"}},
		{"admin e-mail at example.org", func(c *Config) { c.OpenCTI.AdminEmail = "root@EXAMPLE.ORG" }, []string{"opencti.adminEmail"}},
		{"domains that merely contain example", func(c *Config) {
			c.DNS = DNS{ZoneName: "myexample.com", ZoneID: "Z0123456789ABCDEFGHIJ", UIHostname: "ui.myexample.com", APIHostname: "api.myexample.com"}
			c.OpenCTI.AdminEmail = "a@example.com.au"
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := realProd(t)
			tc.mutate(c)
			var got []string
			for _, e := range c.Placeholders() {
				got = append(got, e.Field)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields with example values: got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExampleValuesAreReported(t *testing.T) {
	prod, _ := Default("prod")
	got := prod.ExampleValues()
	if len(got) != 7 || got[0] != "dns.zoneName: opencti.example.com" ||
		got[4] != "cluster.adminRoleArns[0]: arn:aws:iam::000000000000:role/opencti-prod-cluster-admin" || !strings.HasPrefix(got[6], "edge.auth: ") {
		t.Errorf("prod example values = %q", got)
	}
	c := realProd(t)
	c.Edge.Auth.LocalLogin = false
	c.Edge.Auth.OIDC = EdgeOIDC{Issuer: "https://login.acme.org", ClientID: "opencti", ClientSecret: SecretRef{Secret: "opencti/prod/oidc", Property: "clientSecret"}}
	if got := c.ExampleValues(); len(got) != 0 {
		t.Errorf("a real configuration reports example values: %q", got)
	}
}

func TestProdWithoutAlarmEmailIsWarned(t *testing.T) {
	const want = "monitoring.alarmEmails is empty: no one is notified when a prod alarm fires; " +
		"add at least one address (each recipient confirms the subscription from the e-mail AWS sends), " +
		"or acknowledge this warning if other endpoints subscribe to the alarm topic"
	prod, _ := Default("prod")
	if got := prod.Warnings(); !reflect.DeepEqual(got, []string{want}) {
		t.Errorf("prod without alarm e-mail: warnings %q, want %q", got, want)
	}
	if got := realProd(t).Warnings(); len(got) != 0 {
		t.Errorf("prod with an alarm e-mail: warnings %q, want none", got)
	}
	dev, _ := Default("dev")
	if got := dev.Warnings(); len(got) != 0 {
		t.Errorf("dev without alarm e-mail: warnings %q, want none", got)
	}
}
