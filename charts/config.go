package charts

import (
	"strconv"

	"github.com/opencti-ha/opencti-ha/config"
)

// Names of the Secrets Manager secrets the Data stack creates below
// config.SecretsPrefix, and the JSON fields inside them. The Data stack's
// constants are tested equal to these, so the ExternalSecrets always name
// secrets and fields that exist.
const (
	SecretSuffixAdmin           = "admin"
	SecretSuffixHealthAccessKey = "health-access-key"
	SecretSuffixEncryptionKey   = "encryption-key"
	SecretSuffixOpenSearch      = "opensearch"
	SecretSuffixRedis           = "redis"
	SecretSuffixRabbitMQ        = "rabbitmq"

	SecretFieldAdminPassword   = "password"
	SecretFieldAdminToken      = "token"
	SecretFieldHealthAccessKey = "accessKey"
	SecretFieldEncryptionKey   = "key"
	SecretFieldUsername        = "username"
	SecretFieldPassword        = "password"
)

// Inputs are what the charts need beyond the configuration: where the data
// services are. A CDK synth takes them from the Data and Network stacks'
// outputs; `make render` from the configuration's render section.
type Inputs struct {
	Endpoints Endpoints
	// VpcCIDR is the VPC's range (the ALB reaches pods from it).
	VpcCIDR string
	// LoadBalancerCIDRs are the public subnets' ranges. Default: VpcCIDR.
	LoadBalancerCIDRs []string
	// DataServiceCIDRs are the data subnets' ranges.
	DataServiceCIDRs []string
	// UICertificateARNs and APICertificateARNs are the ACM certificates of
	// the two hostnames. Default: none (the load balancer discovers them by host).
	UICertificateARNs, APICertificateARNs []string
	// UISubnetIDs and APISubnetIDs are the subnets of the ui and api load
	// balancers (public subnets for internet-facing, workload subnets for
	// internal). Default: none (the controller picks subnets by their
	// kubernetes.io/role/elb or internal-elb tags).
	UISubnetIDs, APISubnetIDs []string
	// UIWafAclARN and APIWafAclARN are the WAFv2 web ACLs of the ui and api
	// load balancers. Default: none.
	UIWafAclARN, APIWafAclARN string
	// AccessLogsBucket receives both load balancers' access logs.
	// Default: none (no access logs).
	AccessLogsBucket string
	// IngressClassName is the cluster's IngressClass.
	IngressClassName string
	// SecretStoreName and SecretRefreshInterval come from the cluster.
	SecretStoreName, SecretRefreshInterval string
}

// SecretsFor returns the Secrets Manager references of the secrets the Data
// stack creates under prefix.
func SecretsFor(prefix string) Secrets {
	ref := func(suffix, field string) RemoteRef {
		return RemoteRef{Key: prefix + "/" + suffix, Property: field}
	}
	return Secrets{
		AdminPassword:      ref(SecretSuffixAdmin, SecretFieldAdminPassword),
		AdminToken:         ref(SecretSuffixAdmin, SecretFieldAdminToken),
		HealthAccessKey:    ref(SecretSuffixHealthAccessKey, SecretFieldHealthAccessKey),
		EncryptionKey:      ref(SecretSuffixEncryptionKey, SecretFieldEncryptionKey),
		OpenSearchUsername: ref(SecretSuffixOpenSearch, SecretFieldUsername),
		OpenSearchPassword: ref(SecretSuffixOpenSearch, SecretFieldPassword),
		RedisAuthToken:     ref(SecretSuffixRedis, SecretFieldPassword),
		RabbitMQUsername:   ref(SecretSuffixRabbitMQ, SecretFieldUsername),
		RabbitMQPassword:   ref(SecretSuffixRabbitMQ, SecretFieldPassword),
	}
}

// PropsFromConfig maps a validated configuration and the deployment's inputs
// to chart Props. Fields the configuration does not set keep the charts'
// defaults.
func PropsFromConfig(cfg *config.Config, in Inputs) *Props {
	o := cfg.OpenCTI
	uiScheme, apiScheme := cfg.IngressSchemes()
	p := &Props{
		Namespace:          str(o.Namespace),
		Version:            o.Version,
		ImageRegistry:      str(o.ImageRepository),
		LogLevel:           str(o.LogLevel),
		AdminEmail:         optStr(o.AdminEmail),
		UI:                 tierProps(o.UI),
		ConnectorAPI:       tierProps(o.ConnectorAPI),
		WorkerAPI:          tierProps(o.WorkerAPI),
		WorkersPerPlatform: i32(o.WorkersPerPlatform),
		Worker:             WorkerProps{Resources: resources(o.Worker)},
		Endpoints:          in.Endpoints,
		Secrets:            SecretsFor(cfg.SecretsPrefix),
		Hostnames:          Hostnames{UI: cfg.DNS.UIHostname, API: cfg.DNS.APIHostname},
		VpcCIDR:            in.VpcCIDR,
		LoadBalancerCIDRs:  in.LoadBalancerCIDRs,
		DataServiceCIDRs:   in.DataServiceCIDRs,
		Ingress: IngressProps{
			ClassName: optStr(in.IngressClassName),
			GroupName: str(cfg.Name),
			UI: IngressHostProps{Scheme: optStr(uiScheme), CertificateARNs: in.UICertificateARNs,
				Subnets: in.UISubnetIDs, WafAclARN: optStr(in.UIWafAclARN)},
			API: IngressHostProps{Scheme: optStr(apiScheme), CertificateARNs: in.APICertificateARNs,
				Subnets: in.APISubnetIDs, WafAclARN: optStr(in.APIWafAclARN)},
			AccessLogsBucket: optStr(in.AccessLogsBucket),
		},
		Auth:                  authProps(cfg.Edge.Auth),
		SMTP:                  smtpProps(cfg.OpenCTI.SMTP),
		SecretStoreName:       optStr(in.SecretStoreName),
		SecretRefreshInterval: optStr(in.SecretRefreshInterval),
	}
	// Quorum queues replicate over the nodes of a clustered broker; the type
	// of a queue is fixed when OpenCTI first declares it.
	if p.Endpoints.RabbitMQQueueType == nil {
		queueType := "classic"
		if cfg.Data.Broker.DeploymentMode == "CLUSTER_MULTI_AZ" {
			queueType = "quorum"
		}
		p.Endpoints.RabbitMQQueueType = &queueType
	}
	if o.Connectors != nil {
		p.Connectors = make([]ConnectorProps, 0, len(o.Connectors))
		for _, c := range o.Connectors {
			cp := ConnectorProps{
				Name:          c.Name,
				ID:            optStr(c.ID),
				Type:          c.Type,
				ConnectorName: c.DisplayName,
				Scope:         c.Scope,
				Env:           c.Env,
				WritableDir:   optStr(c.WritableDir),
			}
			if cp.ConnectorName == "" {
				cp.ConnectorName = c.Name
			}
			if c.Replicas > 0 {
				cp.Replicas = i32(c.Replicas)
			}
			if c.Resources != (config.Resources{}) {
				cp.Resources = resources(c.Resources)
			}
			if len(c.SecretEnv) > 0 {
				cp.SecretEnv = map[string]RemoteRef{}
				for k, ref := range c.SecretEnv {
					cp.SecretEnv[k] = RemoteRef{Key: ref.Secret, Property: ref.Property}
				}
			}
			p.Connectors = append(p.Connectors, cp)
		}
	}
	return p
}

// authProps maps the configuration's edge.auth to the charts' sign-in.
func authProps(a config.EdgeAuth) AuthProps {
	out := AuthProps{
		Mode:                      str(a.EffectiveMode()),
		LocalLogin:                &a.LocalLogin,
		LicenseInPlatformSettings: &a.LicenseInPlatformSettings,
	}
	if a.EnterpriseLicense != (config.SecretRef{}) {
		out.EnterpriseLicense = remoteRef(a.EnterpriseLicense)
	}
	if len(a.Secrets) > 0 {
		out.SecretRegistry = map[string]RemoteRef{}
		for name, ref := range a.Secrets {
			out.SecretRegistry[name] = *remoteRef(ref)
		}
	}
	if o := a.OIDC; o.Enabled() {
		out.OpenID = &OpenIDProps{
			Issuer:       o.Issuer,
			ClientID:     o.ClientID,
			ClientSecret: *remoteRef(o.ClientSecret),
			Scopes:       append([]string(nil), o.Scopes...),
			Label:        optStr(o.Label),
		}
	}
	if s := a.SAML; s.Enabled() {
		out.SAML = &SAMLProps{
			EntryPoint: s.EntryPoint,
			Issuer:     s.Issuer,
			Cert:       *remoteRef(s.Cert),
			Label:      optStr(s.Label),
		}
	}
	return out
}

// smtpProps maps opencti.smtp; nil when no host is set.
func smtpProps(s config.SMTP) *SMTPProps {
	if !s.Enabled() {
		return nil
	}
	out := &SMTPProps{Host: s.Host, Port: i32(s.Port), Username: optStr(s.User), From: s.From}
	if s.Password != (config.SecretRef{}) {
		out.Password = remoteRef(s.Password)
	}
	return out
}

func remoteRef(r config.SecretRef) *RemoteRef {
	return &RemoteRef{Key: r.Secret, Property: r.Property}
}

func tierProps(t config.Tier) TierProps {
	return TierProps{
		MinReplicas: i32(t.MinReplicas),
		MaxReplicas: i32(t.MaxReplicas),
		Resources:   resources(t.Resources),
		HeapMiB:     i32(t.HeapMiB),
	}
}

func resources(r config.Resources) *Resources {
	return &Resources{
		RequestsCPU:    millis(r.CPURequestMillis),
		LimitsCPU:      millis(r.CPULimitMillis),
		RequestsMemory: mebibytes(r.MemoryRequestMiB),
		LimitsMemory:   mebibytes(r.MemoryLimitMiB),
	}
}

func millis(m int) string    { return strconv.Itoa(m) + "m" }
func mebibytes(m int) string { return strconv.Itoa(m) + "Mi" }

func str(s string) *string { return &s }

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func i32(n int) *int32 {
	v := int32(n)
	return &v
}
