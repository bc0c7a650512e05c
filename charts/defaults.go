package charts

import (
	"maps"
	"slices"
)

// Default values of the optional props (see each field's doc comment).
const (
	DefaultNamespace                = "opencti"
	DefaultImageRegistry            = "opencti"
	DefaultAdminEmail               = "admin@opencti.io"
	DefaultWorkersPerPlatform       = 3
	DefaultMinReplicas              = 2
	DefaultMaxReplicas              = 4
	DefaultTargetCPUUtilization     = 70
	DefaultLogLevel                 = "info"
	DefaultConnectorReplicas        = 1
	DefaultRedisPort                = 6379
	DefaultRedisMode                = "single"
	DefaultRabbitMQPort             = 5671
	DefaultRabbitMQManagementPort   = 443
	DefaultRabbitMQVHost            = "/"
	DefaultRabbitMQQueueType        = "classic"
	DefaultSecretStoreName          = "opencti-aws-secrets-manager"
	DefaultSecretRefreshInterval    = "1h"
	DefaultIngressClassName         = "opencti-alb"
	DefaultIngressGroupName         = "opencti"
	DefaultIngressScheme            = "internet-facing"
	DefaultSSLPolicy                = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	DefaultIdleTimeoutSeconds       = 300
	DefaultNodePoolLabelKey         = "opencti-ha/pool"
	DefaultUserFacingPool           = "user-facing"
	DefaultIngestionPool            = "ingestion"
	DefaultPlatformServiceAccount   = "opencti-platform"
	DefaultConnectorServiceAccount  = "opencti-connector"
	DefaultIdentitiesServiceAccount = "opencti-identities"
	DefaultIdentitiesDeployment     = "opencti"
	DefaultTokenDuration            = "UNLIMITED"
	DefaultHealthTimeoutSeconds     = 1800
	DefaultRolloutTimeoutSeconds    = 1800
)

// DefaultPlatformResources are a platform tier's resources when
// TierProps.Resources is nil (OpenCTI sizing: 2 cores, >= 8 GB).
func DefaultPlatformResources() Resources {
	return Resources{RequestsCPU: "1", RequestsMemory: "8Gi", LimitsCPU: "2", LimitsMemory: "8Gi"}
}

// DefaultWorkerResources are the worker's resources when WorkerProps.Resources
// is nil.
func DefaultWorkerResources() Resources {
	return Resources{RequestsCPU: "250m", RequestsMemory: "256Mi", LimitsCPU: "1", LimitsMemory: "512Mi"}
}

// DefaultConnectorResources are a connector's resources when
// ConnectorProps.Resources is nil.
func DefaultConnectorResources() Resources {
	return Resources{RequestsCPU: "100m", RequestsMemory: "256Mi", LimitsCPU: "1", LimitsMemory: "1Gi"}
}

// withDefaults returns a copy of p with every optional field resolved. The
// caller's Props, slices and maps are never written to. Derived values that
// depend on a valid input (HeapMiB from an unparsable memory limit) are left
// for validate to report.
func (p *Props) withDefaults() *Props {
	r := *p
	r.Namespace = orDefault(p.Namespace, DefaultNamespace)
	r.ImageRegistry = orDefault(p.ImageRegistry, DefaultImageRegistry)
	r.AdminEmail = orDefault(p.AdminEmail, DefaultAdminEmail)
	r.LogLevel = orDefault(p.LogLevel, DefaultLogLevel)
	r.WorkersPerPlatform = orDefault(p.WorkersPerPlatform, DefaultWorkersPerPlatform)
	r.PlatformExtraEnv = maps.Clone(p.PlatformExtraEnv)

	r.UI = p.UI.withDefaults("https://" + p.Hostnames.UI)
	r.ConnectorAPI = p.ConnectorAPI.withDefaults("https://" + p.Hostnames.API)
	r.WorkerAPI = p.WorkerAPI.withDefaults(ServiceURL(WorkerAPIName, *r.Namespace))

	r.Worker.Resources = orDefault(p.Worker.Resources, DefaultWorkerResources())
	r.Worker.ExtraEnv = maps.Clone(p.Worker.ExtraEnv)
	if p.QueueScaling != nil {
		q := p.QueueScaling.withDefaults()
		r.QueueScaling = &q
	}

	if p.Connectors == nil {
		r.Connectors = DefaultConnectors()
	} else {
		r.Connectors = slices.Clone(p.Connectors)
	}
	r.Identities = p.Identities.withDefaults(p.VpcCIDR)
	for i := range r.Connectors {
		r.Connectors[i] = r.Connectors[i].withDefaults(&p.Secrets.AdminToken, *r.Identities.Enabled)
	}

	e := p.Endpoints
	r.Endpoints.RedisPort = orDefault(e.RedisPort, DefaultRedisPort)
	r.Endpoints.RedisMode = orDefault(e.RedisMode, DefaultRedisMode)
	r.Endpoints.RabbitMQPort = orDefault(e.RabbitMQPort, DefaultRabbitMQPort)
	r.Endpoints.RabbitMQManagementHostname = orDefault(e.RabbitMQManagementHostname, e.RabbitMQHostname)
	r.Endpoints.RabbitMQManagementPort = orDefault(e.RabbitMQManagementPort, DefaultRabbitMQManagementPort)
	r.Endpoints.RabbitMQVHost = orDefault(e.RabbitMQVHost, DefaultRabbitMQVHost)
	r.Endpoints.RabbitMQQueueType = orDefault(e.RabbitMQQueueType, DefaultRabbitMQQueueType)

	r.Secrets.PlatformExtra = maps.Clone(p.Secrets.PlatformExtra)
	r.Auth = p.Auth.withDefaults(p.Hostnames.UI)
	if p.SMTP != nil {
		smtp := p.SMTP.withDefaults()
		r.SMTP = &smtp
	}
	r.SecretStoreName = orDefault(p.SecretStoreName, DefaultSecretStoreName)
	r.SecretRefreshInterval = orDefault(p.SecretRefreshInterval, DefaultSecretRefreshInterval)

	in := p.Ingress
	r.Ingress.ClassName = orDefault(in.ClassName, DefaultIngressClassName)
	r.Ingress.GroupName = orDefault(in.GroupName, DefaultIngressGroupName)
	r.Ingress.UI.Scheme = orDefault(in.UI.Scheme, DefaultIngressScheme)
	r.Ingress.UI.CertificateARNs = slices.Clone(in.UI.CertificateARNs)
	r.Ingress.API.Scheme = orDefault(in.API.Scheme, DefaultIngressScheme)
	r.Ingress.API.CertificateARNs = slices.Clone(in.API.CertificateARNs)
	r.Ingress.SSLPolicy = orDefault(in.SSLPolicy, DefaultSSLPolicy)
	r.Ingress.IdleTimeoutSeconds = orDefault(in.IdleTimeoutSeconds, DefaultIdleTimeoutSeconds)
	r.Ingress.RejectTokenRequestsOnUI = orDefault(in.RejectTokenRequestsOnUI, true)

	r.NodePools.LabelKey = orDefault(p.NodePools.LabelKey, DefaultNodePoolLabelKey)
	r.NodePools.UserFacing = orDefault(p.NodePools.UserFacing, DefaultUserFacingPool)
	r.NodePools.Ingestion = orDefault(p.NodePools.Ingestion, DefaultIngestionPool)

	sa := p.ServiceAccounts
	r.ServiceAccounts.Platform = orDefault(sa.Platform, DefaultPlatformServiceAccount)
	r.ServiceAccounts.Connector = orDefault(sa.Connector, DefaultConnectorServiceAccount)
	r.ServiceAccounts.Identities = orDefault(sa.Identities, DefaultIdentitiesServiceAccount)
	r.ServiceAccounts.PlatformAnnotations = maps.Clone(sa.PlatformAnnotations)
	r.ServiceAccounts.ConnectorAnnotations = maps.Clone(sa.ConnectorAnnotations)

	if len(p.LoadBalancerCIDRs) == 0 {
		r.LoadBalancerCIDRs = []string{p.VpcCIDR}
	} else {
		r.LoadBalancerCIDRs = slices.Clone(p.LoadBalancerCIDRs)
	}
	r.DataServiceCIDRs = slices.Clone(p.DataServiceCIDRs)
	if len(p.PlatformHTTPSEgressCIDRs) == 0 {
		r.PlatformHTTPSEgressCIDRs = []string{"0.0.0.0/0"}
	} else {
		r.PlatformHTTPSEgressCIDRs = slices.Clone(p.PlatformHTTPSEgressCIDRs)
	}
	return &r
}

func (t TierProps) withDefaults(baseURL string) TierProps {
	r := t
	r.MinReplicas = orDefault(t.MinReplicas, DefaultMinReplicas)
	r.MaxReplicas = orDefault(t.MaxReplicas, DefaultMaxReplicas)
	r.TargetCPUUtilization = orDefault(t.TargetCPUUtilization, DefaultTargetCPUUtilization)
	r.Resources = orDefault(t.Resources, DefaultPlatformResources())
	if t.HeapMiB == nil {
		if limit, ok := memoryMiB(r.Resources.LimitsMemory); ok {
			r.HeapMiB = ptr(int32(limit * 3 / 4))
		}
	}
	r.BaseURL = orDefault(t.BaseURL, baseURL)
	r.ExtraEnv = maps.Clone(t.ExtraEnv)
	return r
}

func (i IdentitiesProps) withDefaults(vpcCIDR string) IdentitiesProps {
	r := i
	r.Enabled = orDefault(i.Enabled, true)
	r.Deployment = orDefault(i.Deployment, DefaultIdentitiesDeployment)
	r.Rotation = orDefault(i.Rotation, 0)
	r.TokenDuration = orDefault(i.TokenDuration, DefaultTokenDuration)
	r.HealthTimeoutSeconds = orDefault(i.HealthTimeoutSeconds, DefaultHealthTimeoutSeconds)
	r.RolloutTimeoutSeconds = orDefault(i.RolloutTimeoutSeconds, DefaultRolloutTimeoutSeconds)
	if i.KubernetesAPIURL != nil {
		r.KubernetesAPIURL = ptr(*i.KubernetesAPIURL)
	}
	if len(i.KubernetesAPICIDRs) == 0 {
		r.KubernetesAPICIDRs = []string{vpcCIDR}
	} else {
		r.KubernetesAPICIDRs = slices.Clone(i.KubernetesAPICIDRs)
	}
	return r
}

// withDefaults resolves a connector; its Token defaults to the admin token
// only when identities are disabled (with identities it reads its own).
func (c ConnectorProps) withDefaults(adminToken *RemoteRef, identities bool) ConnectorProps {
	r := c
	if c.ID == nil {
		r.ID = ptr(DeriveConnectorID(c.Name))
	}
	if c.Auto == nil && c.Type == "INTERNAL_IMPORT_FILE" {
		r.Auto = ptr(true)
	}
	r.Replicas = orDefault(c.Replicas, DefaultConnectorReplicas)
	r.ExposeMetrics = orDefault(c.ExposeMetrics, true)
	r.Resources = orDefault(c.Resources, DefaultConnectorResources())
	if !identities {
		r.Token = orDefault(c.Token, *adminToken)
	} else if c.Token != nil {
		r.Token = ptr(*c.Token)
	}
	if c.WritableDir != nil {
		r.WritableDir = ptr(*c.WritableDir)
	}
	r.Env = maps.Clone(c.Env)
	r.SecretEnv = maps.Clone(c.SecretEnv)
	return r
}

// orDefault returns a fresh pointer to *v, or to def when v is nil, so the
// resolved copy never aliases the caller's values.
func orDefault[T any](v *T, def T) *T {
	if v != nil {
		c := *v
		return &c
	}
	return &def
}

func ptr[T any](v T) *T { return &v }
