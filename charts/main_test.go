package charts_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/internal/testmain"
)

// doc is one synthesized Kubernetes object.
type doc struct {
	Chart string
	Kind  string
	Name  string
	Raw   []byte         // the object's JSON, for strict decoding
	Obj   map[string]any // the same, generic
}

// synthesized holds the objects of one NewCharts call, per chart and in order.
type synthesized struct {
	charts *charts.Charts
	docs   []doc
	sizes  map[string]int // chart ID -> bytes of the chart's JSON
}

// The cdk8s apps are built once per test binary (each binary runs one Node
// process for jsii).
var (
	defaults synthesized // validProps()
	large    synthesized // largeProps(): 30 connectors, 10 replicas per tier
	again    synthesized // validProps() again, in a second App
	edge     synthesized // edgeProps(): deployment mode with identity providers, per-host WAF, subnets, access logs
	console  synthesized // consoleProps(): console mode with a secret registry, a licence, SMTP, quorum queues
	scaling  synthesized // scalingProps(): queue-depth scaling (KEDA ScaledObject), worker-api 2 to 6 pods
	disabled synthesized // disabledProps(): validProps() with Identities disabled (the admin token opt-out)
)

func TestMain(m *testing.M) {
	start := time.Now()
	var err error
	if defaults, err = synth(validProps()); err == nil {
		if large, err = synth(largeProps()); err == nil {
			if again, err = synth(validProps()); err == nil {
				if edge, err = synth(edgeProps()); err == nil {
					if console, err = synth(consoleProps()); err == nil {
						if scaling, err = synth(scalingProps()); err == nil {
							disabled, err = synth(disabledProps())
						}
					}
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "charts_test: seven synths in %v\n", time.Since(start).Round(time.Millisecond))
	testmain.Run(m)
}

func synth(p *charts.Props) (synthesized, error) {
	app := cdk8s.Testing_App(&cdk8s.AppProps{Outdir: jsii.String(os.TempDir())})
	c, err := charts.NewCharts(app, p)
	if err != nil {
		return synthesized{}, err
	}
	s := synthesized{charts: c, sizes: map[string]int{}}
	for _, ch := range c.All() {
		id := *ch.Node().Id()
		objs := *cdk8s.Testing_Synth(ch)
		whole, err := json.Marshal(objs)
		if err != nil {
			return s, err
		}
		s.sizes[id] = len(whole)
		for _, o := range objs {
			raw, err := json.Marshal(o)
			if err != nil {
				return s, err
			}
			m := o.(map[string]any)
			md := m["metadata"].(map[string]any)
			s.docs = append(s.docs, doc{Chart: id, Kind: m["kind"].(string), Name: md["name"].(string), Raw: raw, Obj: m})
		}
	}
	return s, nil
}

// validProps is a complete production-like configuration relying on every
// default.
func validProps() *charts.Props {
	ref := func(key, prop string) charts.RemoteRef { return charts.RemoteRef{Key: key, Property: prop} }
	return &charts.Props{
		Version: "7.260817.0",
		Endpoints: charts.Endpoints{
			OpenSearchURL:    "https://vpc-opencti-abc123.eu-west-1.es.amazonaws.com",
			RedisHostname:    "master.opencti-redis.abc123.euw1.cache.amazonaws.com",
			RabbitMQHostname: "b-1234.mq.eu-west-1.on.aws",
			S3Bucket:         "opencti-files-123456789012",
			S3Region:         "eu-west-1",
		},
		Secrets: charts.Secrets{
			AdminPassword:      ref("opencti/platform", "admin_password"),
			AdminToken:         ref("opencti/platform", "admin_token"),
			HealthAccessKey:    ref("opencti/platform", "health_access_key"),
			EncryptionKey:      ref("opencti/platform", "encryption_key"),
			OpenSearchUsername: ref("opencti/opensearch", "username"),
			OpenSearchPassword: ref("opencti/opensearch", "password"),
			RedisAuthToken:     ref("opencti/redis", ""),
			RabbitMQUsername:   ref("opencti/rabbitmq", "username"),
			RabbitMQPassword:   ref("opencti/rabbitmq", "password"),
		},
		Hostnames:        charts.Hostnames{UI: "opencti.example.com", API: "api.opencti.example.com"},
		VpcCIDR:          "10.0.0.0/16",
		DataServiceCIDRs: []string{"10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"},
	}
}

// largeProps stresses the chart sizes: 30 connectors with env and secrets,
// 10 replicas per tier.
func largeProps() *charts.Props {
	p := validProps()
	ten := int32(10)
	for _, t := range []*charts.TierProps{&p.UI, &p.ConnectorAPI, &p.WorkerAPI} {
		t.MinReplicas, t.MaxReplicas = &ten, &ten
		t.ExtraEnv = map[string]string{"APP__SESSION_TIMEOUT": "3600000"}
	}
	p.Secrets.PlatformExtra = map[string]charts.RemoteRef{
		"PROVIDERS__OPENID__CONFIG__CLIENT_SECRET": {Key: "opencti/oidc", Property: "client_secret"},
	}
	p.Connectors = charts.DefaultConnectors()
	for i := len(p.Connectors); i < 30; i++ {
		p.Connectors = append(p.Connectors, charts.ConnectorProps{
			Name: fmt.Sprintf("feed-%02d", i), Type: "EXTERNAL_IMPORT", ConnectorName: fmt.Sprintf("Feed %02d", i),
			Scope: "indicator", Env: map[string]string{"FEED_INTERVAL": "PT1H", "FEED_URL": "https://feeds.example.com/x"},
			SecretEnv: map[string]charts.RemoteRef{"FEED_API_KEY": {Key: "opencti/feeds", Property: fmt.Sprintf("feed_%02d", i)}},
		})
	}
	p.MonitoringNamespace = jsii.String("monitoring")
	p.LogLevel = jsii.String("warn")
	p.Endpoints.RedisMode = jsii.String("cluster")
	p.Endpoints.RedisHostname = "clustercfg.opencti-redis.abc123.euw1.cache.amazonaws.com"
	p.Ingress.API.Scheme = jsii.String("internal")
	p.Ingress.UI.CertificateARNs = []string{
		"arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-4333-8444-555555555555",
		"arn:aws:acm:eu-west-1:123456789012:certificate/66666666-7777-4888-9999-000000000000",
	}
	p.Ingress.WafAclARN = jsii.String("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/opencti/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
	return p
}

// edgeProps puts an OpenID Connect and a SAML provider on the ui tier
// (deployment mode, by default), the licence from Secrets Manager, its own
// web ACL, subnets and access logs on each host, the api host internal.
func edgeProps() *charts.Props {
	p := validProps()
	p.Auth = charts.AuthProps{
		EnterpriseLicense: &charts.RemoteRef{Key: "opencti/prod/enterprise-license", Property: "pem"},
		OpenID: &charts.OpenIDProps{
			Issuer:       "https://login.example.org/realms/cti",
			ClientID:     "opencti",
			ClientSecret: charts.RemoteRef{Key: "opencti/prod/oidc", Property: "clientSecret"},
		},
		SAML: &charts.SAMLProps{
			EntryPoint: "https://idp.example.org/sso/saml",
			Issuer:     "opencti-prod",
			Cert:       charts.RemoteRef{Key: "opencti/prod/saml", Property: "cert"},
		},
	}
	p.Ingress.UI.WafAclARN = jsii.String("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/opencti-ui/11111111-2222-4333-8444-555555555555")
	p.Ingress.API.WafAclARN = jsii.String("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/opencti-api/66666666-7777-4888-9999-000000000000")
	p.Ingress.UI.Subnets = []string{"subnet-0a0a0a0a0a0a0a0a0", "subnet-0b0b0b0b0b0b0b0b0", "subnet-0c0c0c0c0c0c0c0c0"}
	p.Ingress.API.Subnets = []string{"subnet-01010101", "subnet-02020202", "subnet-03030303"}
	p.Ingress.API.Scheme = jsii.String("internal")
	p.Ingress.AccessLogsBucket = jsii.String("opencti-alb-logs-123456789012")
	return p
}

// consoleProps leaves sign-in to OpenCTI's UI (console mode) with a secret
// registry and the licence, sends e-mail through SMTPS with a password, and
// declares quorum queues.
func consoleProps() *charts.Props {
	p := validProps()
	p.Auth = charts.AuthProps{
		Mode:              jsii.String(charts.AuthModeConsole),
		EnterpriseLicense: &charts.RemoteRef{Key: "opencti/prod/enterprise-license"},
		SecretRegistry: map[string]charts.RemoteRef{
			"OIDC_CLIENT_SECRET": {Key: "opencti/prod/oidc", Property: "clientSecret"},
			"LDAP_BIND":          {Key: "opencti/prod/ldap", Property: "password"},
		},
	}
	p.SMTP = &charts.SMTPProps{
		Host: "email-smtp.eu-west-1.amazonaws.com", Port: new(int32(465)), Username: jsii.String("AKIAEXAMPLE"),
		Password: &charts.RemoteRef{Key: "opencti/prod/smtp", Property: "password"}, From: "cti@example.com",
	}
	p.Endpoints.RabbitMQQueueType = jsii.String("quorum")
	return p
}

// scalingProps scale the ingestion tier on the queue depth: worker-api 2 to
// 6 pods (6 to 18 workers), the default QueueScaling, a management host of
// its own on a non-default port and vhost.
func scalingProps() *charts.Props {
	p := validProps()
	q := charts.DefaultQueueScaling()
	p.QueueScaling = &q
	p.WorkerAPI.MinReplicas, p.WorkerAPI.MaxReplicas = new(int32(2)), new(int32(6))
	p.Endpoints.RabbitMQManagementHostname = jsii.String("b-1234-mgmt.mq.eu-west-1.on.aws")
	p.MonitoringNamespace = jsii.String("monitoring")
	return p
}

// disabledProps opts out of the identities: workers and connectors keep the
// admin token (today's wiring before issue 12).
func disabledProps() *charts.Props {
	p := validProps()
	p.Identities.Enabled = new(false)
	return p
}

// find returns the objects of kind (and name, if not empty).
func (s synthesized) find(kind, name string) []doc {
	var out []doc
	for _, d := range s.docs {
		if d.Kind == kind && (name == "" || d.Name == name) {
			out = append(out, d)
		}
	}
	return out
}

// one returns the single object of kind and name, failing the test otherwise.
func (s synthesized) one(t *testing.T, kind, name string) doc {
	t.Helper()
	found := s.find(kind, name)
	if len(found) != 1 {
		t.Fatalf("%s %q: found %d objects, want 1", kind, name, len(found))
	}
	return found[0]
}

// decode strictly decodes d into out (unknown fields are an error).
func decode(t *testing.T, d doc, out any) {
	t.Helper()
	if err := strictUnmarshal(d.Raw, out); err != nil {
		t.Fatalf("%s %s: %v", d.Kind, d.Name, err)
	}
}
