package config

import (
	"strconv"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/constructs/broker/brokerspec"
)

// ChartProps are the chart props this configuration decides: the opencti
// section, the hostnames, the sign-in and SMTP settings, the Ingress group
// and schemes, the secret references under secretsPrefix and the broker's
// queue type. What only a deployment knows (the data services' endpoints,
// the VPC's ranges and subnets, certificates, web ACLs, the access log
// bucket, the cluster's IngressClass and secret store) is left for the
// caller to set: the CDK app from the stacks' outputs, `make render` from the
// render section. Fields the configuration does not set keep the charts'
// defaults.
func (c *Config) ChartProps() *charts.Props {
	o := c.OpenCTI
	uiScheme, apiScheme := c.IngressSchemes()
	p := &charts.Props{
		Namespace:          new(o.Namespace),
		Version:            o.Version,
		ImageRegistry:      new(o.ImageRepository),
		LogLevel:           new(o.LogLevel),
		AdminEmail:         optStr(o.AdminEmail),
		UI:                 o.UI.chartProps(),
		ConnectorAPI:       o.ConnectorAPI.chartProps(),
		WorkerAPI:          o.WorkerAPI.chartProps(),
		WorkersPerPlatform: i32(o.WorkersPerPlatform),
		Worker:             charts.WorkerProps{Resources: o.Worker.chartResources()},
		QueueScaling:       o.IngestionScaling.chartProps(),
		Secrets:            charts.SecretsFor(c.SecretsPrefix),
		Hostnames:          charts.Hostnames{UI: c.DNS.UIHostname, API: c.DNS.APIHostname},
		Ingress: charts.IngressProps{
			GroupName: new(c.Name),
			UI:        charts.IngressHostProps{Scheme: optStr(uiScheme)},
			API:       charts.IngressHostProps{Scheme: optStr(apiScheme)},
		},
		Auth:       c.Edge.Auth.chartProps(),
		SMTP:       o.SMTP.chartProps(),
		Identities: o.Identities.chartProps(c.Name),
	}
	// Quorum queues replicate over the nodes of a clustered broker; the type
	// of a queue is fixed when OpenCTI first declares it.
	queueType := "classic"
	if c.Data.Broker.DeploymentMode == brokerspec.DeploymentModeClusterMultiAZ {
		queueType = "quorum"
	}
	p.Endpoints.RabbitMQQueueType = &queueType
	if o.Connectors != nil {
		p.Connectors = make([]charts.ConnectorProps, 0, len(o.Connectors))
		for _, cn := range o.Connectors {
			p.Connectors = append(p.Connectors, cn.chartProps())
		}
	}
	return p
}

func (cn Connector) chartProps() charts.ConnectorProps {
	out := charts.ConnectorProps{
		Name:          cn.Name,
		ID:            optStr(cn.ID),
		Type:          cn.Type,
		ConnectorName: cn.DisplayName,
		Scope:         cn.Scope,
		Env:           cn.Env,
		WritableDir:   optStr(cn.WritableDir),
	}
	if out.ConnectorName == "" {
		out.ConnectorName = cn.Name
	}
	if cn.Replicas > 0 {
		out.Replicas = i32(cn.Replicas)
	}
	if cn.Resources != (Resources{}) {
		out.Resources = cn.Resources.chartResources()
	}
	if len(cn.SecretEnv) > 0 {
		out.SecretEnv = map[string]charts.RemoteRef{}
		for k, ref := range cn.SecretEnv {
			out.SecretEnv[k] = ref.remoteRef()
		}
	}
	return out
}

// chartProps maps opencti.identities; the deployment's name prefixes its
// OpenCTI users, groups and roles.
func (i Identities) chartProps(deployment string) charts.IdentitiesProps {
	return charts.IdentitiesProps{
		Enabled:               new(i.Enabled),
		Deployment:            new(deployment),
		Rotation:              new(i.Rotation),
		TokenDuration:         new(i.TokenDuration),
		HealthTimeoutSeconds:  i32(i.HealthTimeoutSeconds),
		RolloutTimeoutSeconds: i32(i.RolloutTimeoutSeconds),
	}
}

// chartProps maps edge.auth to the charts' sign-in.
func (a EdgeAuth) chartProps() charts.AuthProps {
	out := charts.AuthProps{
		Mode:                      new(a.EffectiveMode()),
		LocalLogin:                &a.LocalLogin,
		LicenseInPlatformSettings: &a.LicenseInPlatformSettings,
	}
	if a.EnterpriseLicense != (SecretRef{}) {
		out.EnterpriseLicense = new(a.EnterpriseLicense.remoteRef())
	}
	if len(a.Secrets) > 0 {
		out.SecretRegistry = map[string]charts.RemoteRef{}
		for name, ref := range a.Secrets {
			out.SecretRegistry[name] = ref.remoteRef()
		}
	}
	if o := a.OIDC; o.Enabled() {
		out.OpenID = &charts.OpenIDProps{
			Issuer:       o.Issuer,
			ClientID:     o.ClientID,
			ClientSecret: o.ClientSecret.remoteRef(),
			Scopes:       append([]string(nil), o.Scopes...),
			Label:        optStr(o.Label),
		}
	}
	if s := a.SAML; s.Enabled() {
		out.SAML = &charts.SAMLProps{
			EntryPoint: s.EntryPoint,
			Issuer:     s.Issuer,
			Cert:       s.Cert.remoteRef(),
			Label:      optStr(s.Label),
		}
	}
	return out
}

// chartProps maps opencti.smtp; nil when no host is set.
func (s SMTP) chartProps() *charts.SMTPProps {
	if !s.Enabled() {
		return nil
	}
	out := &charts.SMTPProps{Host: s.Host, Port: i32(s.Port), Username: optStr(s.User), From: s.From}
	if s.Password != (SecretRef{}) {
		out.Password = new(s.Password.remoteRef())
	}
	return out
}

func (r SecretRef) remoteRef() charts.RemoteRef {
	return charts.RemoteRef{Key: r.Secret, Property: r.Property}
}

func (t Tier) chartProps() charts.TierProps {
	return charts.TierProps{
		MinReplicas: i32(t.MinReplicas),
		MaxReplicas: i32(t.MaxReplicas),
		Resources:   t.Resources.chartResources(),
		HeapMiB:     i32(t.HeapMiB),
	}
}

// chartResources are r as Kubernetes quantities (the inverse of resourcesOf).
func (r Resources) chartResources() *charts.Resources {
	millis := func(m int) string { return strconv.Itoa(m) + "m" }
	mebibytes := func(m int) string { return strconv.Itoa(m) + "Mi" }
	return &charts.Resources{
		RequestsCPU:    millis(r.CPURequestMillis),
		LimitsCPU:      millis(r.CPULimitMillis),
		RequestsMemory: mebibytes(r.MemoryRequestMiB),
		LimitsMemory:   mebibytes(r.MemoryLimitMiB),
	}
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func i32(n int) *int32 { return new(int32(n)) }
