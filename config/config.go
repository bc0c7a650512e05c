// Package config is the typed configuration of opencti-ha: one struct per
// environment, embedded defaults for the "dev" and "prod" profiles, strict YAML
// loading (unknown keys and wrong types are errors) and validation that reports
// every problem at once, each naming the field, the value and what is allowed.
//
// The package depends on nothing but the standard library and a YAML parser, so
// that rendering the Kubernetes manifests never loads aws-cdk-lib.
package config

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/network/networkspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
	"github.com/opencti-ha/opencti-ha/constructs/secrets/secretsspec"
)

// Environments lists the profiles that have embedded defaults.
var Environments = []string{"dev", "prod"}

// Config is the whole configuration of one deployment (one AWS account and
// region). Every field has a default from its environment's profile.
type Config struct {
	// Environment selects the profile whose defaults fill every field the file
	// does not set: "dev" (cheap, single NAT, single-node data services,
	// data destroyed with the stacks) or "prod" (full HA over 3 AZs, data retained).
	// Default: "dev".
	Environment string `yaml:"environment"`
	// Name prefixes every stack name ("<name>-Network", ...). Letters, digits and
	// hyphens, starting with a letter. Default: "opencti-<environment>".
	Name string `yaml:"name"`
	// Account is the AWS account ID (12 digits) the stacks are pinned to. Empty
	// leaves the stacks account-agnostic: they deploy to the account of the
	// credentials in use. Default: "".
	Account string `yaml:"account"`
	// Region is the AWS region of every stack. Default: "eu-west-1".
	Region string `yaml:"region"`
	// AvailabilityZones names the zones the VPC and every data service spread
	// over; synth needs no AWS lookup for them. Exactly 3, all in Region.
	// Default: the region's a, b and c zones.
	AvailabilityZones []string `yaml:"availabilityZones"`
	// SecretsPrefix starts the name of every Secrets Manager secret the app
	// creates ("<prefix>/admin", ...); the in-cluster secrets reader may read only
	// secrets under it. Default: "opencti/<environment>".
	SecretsPrefix string `yaml:"secretsPrefix"`
	// RetainData keeps everything that holds data or keys (OpenSearch domain,
	// buckets, backup vault, KMS keys, secrets, broker, cache, log groups) when
	// a stack is deleted or a change would replace it. CloudFormation
	// DeletionPolicy RetainExceptOnCreate: what a failed first creation made is
	// still deleted by its rollback, so the retry does not fail on names left
	// behind. Default: true in prod, false in dev (destroyed with the stacks).
	RetainData bool `yaml:"retainData"`
	// Tags are added to every taggable resource. Default: Project=opencti-ha,
	// Environment=<environment>.
	Tags map[string]string `yaml:"tags"`
	// DNS holds the Route 53 zone and the two public hostnames. The embedded
	// zone, zone ID and hostnames (like opencti.adminEmail) are example
	// values: synth warns about each, and every stack refuses to deploy until
	// the configuration file replaces them (CloudFormation rule
	// CheckExampleValues, before anything is created).
	DNS DNS `yaml:"dns"`
	// Network sizes the VPC.
	Network Network `yaml:"network"`
	// Data sizes the data services (OpenSearch, S3 + AWS Backup, Redis, RabbitMQ).
	Data Data `yaml:"data"`
	// Cluster configures EKS.
	Cluster Cluster `yaml:"cluster"`
	// OpenCTI configures the OpenCTI tiers, workers and connectors.
	OpenCTI OpenCTI `yaml:"opencti"`
	// Monitoring configures alarms, their recipients and the dashboard.
	Monitoring Monitoring `yaml:"monitoring"`
	// Edge configures the public entry points: per hostname the load
	// balancer scheme, AWS WAF web ACL, rate limit and allowlist, the load
	// balancers' access logs, and sign-in to the ui tier (OpenID Connect, SAML,
	// local passwords).
	Edge Edge `yaml:"edge"`
	// ImageCache pulls the OpenCTI images from Docker Hub through an Amazon
	// ECR pull-through cache (recommended in prod).
	ImageCache ImageCache `yaml:"imageCache"`
	// DR keeps copies of the OpenCTI data, files, secrets and keys in a
	// second region (and optionally a backup account), schedules the
	// OpenSearch snapshots, states the recovery point objective, and runs a
	// restore (a failover in the recovery region, or in place after a bad
	// upgrade); see docs/disaster-recovery.md. The rules are the recovery
	// constructs' (constructs/recovery/recoveryspec).
	DR recoveryspec.Settings `yaml:"dr"`
	// Pipeline, when set, makes this file describe a delivery pipeline in a
	// tooling account (account, region) instead of a deployment: a
	// self-mutating CDK Pipelines stack that deploys the stage files it names.
	// Default: none (connectionArn, repository and stages empty).
	Pipeline Pipeline `yaml:"pipeline"`
	// Render supplies, for `make render` only, what the stacks otherwise pass
	// from their outputs: the data-service endpoints and bucket.
	Render Render `yaml:"render"`
}

// DNS names the existing Route 53 hosted zone (imported, never created) and the
// public hostnames of the ui and api tiers, both inside the zone.
type DNS struct {
	// ZoneName is the hosted zone's domain. Default: "opencti.example.com".
	ZoneName string `yaml:"zoneName"`
	// ZoneID is the hosted zone's ID (starts with "Z"). Default: "Z0000000000000000000D" (dev) / "Z0000000000000000000P" (prod): replace with your zone.
	ZoneID string `yaml:"zoneId"`
	// UIHostname is where people reach the ui tier. Default: "ui.<zoneName>" (dev: "ui.dev.<zoneName>").
	UIHostname string `yaml:"uiHostname"`
	// APIHostname is where connectors outside the cluster and API clients reach the
	// connector-api tier. Default: "api.<zoneName>" (dev: "api.dev.<zoneName>").
	APIHostname string `yaml:"apiHostname"`
}

// Network sizes the VPC: the construct's Settings
// (constructs/network/networkspec) and the retention of its flow logs.
type Network struct {
	networkspec.Settings `yaml:",inline"`
	// FlowLogRetentionDays keeps VPC flow logs this long (a CloudWatch Logs
	// retention value). Default: 30 in dev, 365 in prod.
	FlowLogRetentionDays int `yaml:"flowLogRetentionDays"`
}

// Default returns the embedded defaults of env ("dev" or "prod").
func Default(env string) (*Config, error) {
	if !contains(Environments, env) {
		return nil, fmt.Errorf("environment: got %q, want one of %s", env, strings.Join(Environments, ", "))
	}
	region := "eu-west-1"
	zone := "opencti.example.com"
	c := &Config{
		Environment:       env,
		Name:              "opencti-" + env,
		Region:            region,
		AvailabilityZones: []string{region + "a", region + "b", region + "c"},
		SecretsPrefix:     "opencti/" + env,
		RetainData:        env == "prod",
		Tags:              map[string]string{"Project": "opencti-ha", "Environment": env},
		Data:              defaultData(env),
		Cluster:           defaultCluster(env),
		OpenCTI:           defaultOpenCTI(env),
		Monitoring:        defaultMonitoring(env),
		Edge:              defaultEdge(env),
		ImageCache:        defaultImageCache(),
		Pipeline:          defaultPipeline(env),
		DR:                defaultDR(env),
	}
	c.DNS.ZoneName = zone
	switch env {
	case "prod":
		c.DNS.ZoneID = "Z0000000000000000000P"
		c.Network = Network{Settings: networkspec.Settings{VpcCidr: "10.50.0.0/16", NatGateways: 3}, FlowLogRetentionDays: 365}
	default:
		c.DNS.ZoneID = "Z0000000000000000000D"
		c.Network = Network{Settings: networkspec.Settings{VpcCidr: "10.40.0.0/16", NatGateways: 1}, FlowLogRetentionDays: 30}
	}
	c.deriveFromZone()
	c.deriveRecoveryRegion()
	return c, nil
}

// clearZoneDerived empties the defaults derived from dns.zoneName (the
// hostnames and opencti.adminEmail) and from region (dr.region), so that
// deriveFromZone and deriveRecoveryRegion fill them from what a
// configuration file sets.
func (c *Config) clearZoneDerived() {
	c.DNS.UIHostname, c.DNS.APIHostname, c.OpenCTI.AdminEmail = "", "", ""
	c.DR.Region = ""
}

// deriveFromZone fills the hostnames and opencti.adminEmail left empty from
// dns.zoneName: "ui.<zone>" and "api.<zone>" in prod, "ui.dev.<zone>" and
// "api.dev.<zone>" otherwise, and "opencti-admin@<zone>".
func (c *Config) deriveFromZone() {
	zone := c.DNS.ZoneName
	sub := ""
	if c.Environment != "prod" {
		sub = "dev."
	}
	if c.DNS.UIHostname == "" {
		c.DNS.UIHostname = "ui." + sub + zone
	}
	if c.DNS.APIHostname == "" {
		c.DNS.APIHostname = "api." + sub + zone
	}
	if c.OpenCTI.AdminEmail == "" {
		c.OpenCTI.AdminEmail = "opencti-admin@" + zone
	}
}

var (
	nameRe    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,39}$`)
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
)

// CloudWatch Logs accepts only these retention values (days).
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Validate checks every field and returns all problems at once (errors.Join),
// each naming the field path, the value and what is allowed; nil if none.
func (c *Config) Validate() error {
	p := &Problems{}
	if !contains(Environments, c.Environment) {
		p.Add("environment", c.Environment, "one of "+strings.Join(Environments, ", "))
	}
	if !nameRe.MatchString(c.Name) {
		p.Add("name", c.Name, "1-40 letters, digits or hyphens, starting with a letter")
	}
	if c.Account != "" && !accountRe.MatchString(c.Account) {
		p.Add("account", c.Account, "empty (account-agnostic) or a 12-digit AWS account ID")
	}
	if !regionRe.MatchString(c.Region) {
		p.Add("region", c.Region, "an AWS region name such as eu-west-1")
	}
	if len(c.AvailabilityZones) != 3 {
		p.Add("availabilityZones", c.AvailabilityZones, "exactly 3 availability zones")
	}
	seen := map[string]bool{}
	for i, az := range c.AvailabilityZones {
		field := fmt.Sprintf("availabilityZones[%d]", i)
		switch {
		case !strings.HasPrefix(az, c.Region) || len(az) != len(c.Region)+1 || az[len(az)-1] < 'a' || az[len(az)-1] > 'z':
			p.Add(field, az, fmt.Sprintf("a zone of region %s (%sa, %sb, ...)", c.Region, c.Region, c.Region))
		case seen[az]:
			p.Add(field, az, "each zone once")
		}
		seen[az] = true
	}
	secretsspec.CheckNamePrefix(p, "secretsPrefix", c.SecretsPrefix)
	if c.Environment == "prod" && !c.RetainData {
		p.Add("retainData", c.RetainData, "true in prod (data must survive a stack deletion)")
	}
	tagKeys := make([]string, 0, len(c.Tags))
	for k := range c.Tags {
		tagKeys = append(tagKeys, k)
	}
	sort.Strings(tagKeys)
	for _, k := range tagKeys {
		if k == "" || len(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			p.Add("tags", k, "tag keys of 1-128 characters not starting with aws:")
		}
		if len(c.Tags[k]) > 256 {
			p.Add("tags."+k, c.Tags[k], "a value of at most 256 characters")
		}
	}
	c.DNS.validate(p)
	c.Network.validate(c, p)
	c.Data.validate(c, p)
	c.Cluster.validate(c, p)
	c.OpenCTI.validate(c, p)
	c.Monitoring.validate(c, p)
	c.Edge.validate(c, p)
	c.ImageCache.validate(c, p)
	c.Pipeline.validate(c, p)
	c.checkIngestionPool(p)
	c.validateDR(p)
	return p.Err()
}

// validate applies the network construct's DNS rules (networkspec.DNS).
func (d *DNS) validate(p *Problems) {
	networkspec.DNS{ZoneID: d.ZoneID, ZoneName: d.ZoneName, UIHostname: d.UIHostname, APIHostname: d.APIHostname}.
		Check(p, problems.YAMLNames("dns."))
}

func (n *Network) validate(c *Config, p *Problems) {
	n.Settings.Check(p, problems.YAMLNames("network."), networkspec.Limits{
		AvailabilityZones: len(c.AvailabilityZones),
		Production:        c.Environment == "prod",
	})
	ValidateLogRetention(p, "network.flowLogRetentionDays", n.FlowLogRetentionDays)
}

// ValidateLogRetention records a problem unless days is a retention CloudWatch
// Logs accepts.
func ValidateLogRetention(p *Problems, field string, days int) {
	for _, d := range logRetentionDays {
		if d == days {
			return
		}
	}
	p.Add(field, days, fmt.Sprintf("a CloudWatch Logs retention in days, one of %v", logRetentionDays))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
