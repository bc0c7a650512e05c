package charts

// Props configures every OpenCTI chart. Required fields have no sensible
// default (Version, Hostnames, Endpoints, Secrets, VpcCIDR, DataServiceCIDRs);
// every optional field is a pointer, a nil slice or a nil map, and its doc
// comment says what the default does. Defaults are resolved into a copy:
// the charts never modify the Props they are given.
type Props struct {
	// Namespace holds every OpenCTI object.
	// Default: "opencti".
	Namespace *string

	// Version is the OpenCTI image tag shared by the platform, the workers and
	// the connectors, e.g. "7.260817.0". Required; "latest" is rejected.
	Version string

	// ImageRegistry is the repository prefix of every OpenCTI image:
	// <ImageRegistry>/platform, <ImageRegistry>/worker and
	// <ImageRegistry>/connector-<name>. Use it for an ECR pull-through cache,
	// e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/opencti".
	// Default: "opencti" (Docker Hub).
	ImageRegistry *string

	// AdminEmail is APP__ADMIN__EMAIL, the e-mail of the initial admin user.
	// Default: "admin@opencti.io".
	AdminEmail *string

	// LogLevel is the log level of the platforms (APP__APP_LOGS__LOGS_LEVEL),
	// the workers (WORKER_LOG_LEVEL) and the connectors (CONNECTOR_LOG_LEVEL,
	// which a connector's Env may override): error, warn, info or debug.
	// Default: "info".
	LogLevel *string

	// UI is the tier people reach with a browser on Hostnames.UI.
	// Default: see TierProps (2 to 4 replicas, base URL https://<Hostnames.UI>).
	UI TierProps
	// ConnectorAPI is the tier connectors and API clients reach, in cluster and
	// on Hostnames.API. Default: see TierProps (2 to 4 replicas, base URL
	// https://<Hostnames.API>).
	ConnectorAPI TierProps
	// WorkerAPI is the ingestion tier: each pod runs a platform (background
	// managers on, ClusterIP only) and WorkersPerPlatform workers that use it.
	// With QueueScaling it scales between MinReplicas and MaxReplicas on the
	// queue depth; without, it runs at MinReplicas. Default: see TierProps
	// (2 to 4 replicas, base URL
	// http://opencti-worker-api.<Namespace>.svc.cluster.local:80).
	WorkerAPI TierProps

	// PlatformExtraEnv adds plain environment variables to all three platform
	// tiers (e.g. PROVIDERS__OPENID__STRATEGY); a tier's own ExtraEnv wins.
	// A name may replace a value the chart sets, except the reserved ones
	// (secrets, APP__PORT, NODE_OPTIONS). Default: none.
	PlatformExtraEnv map[string]string

	// WorkersPerPlatform is how many worker containers every worker-api pod
	// runs next to its platform, so the ratio holds at every replica count
	// (see Workers). Allowed 1..4 (OpenCTI serves 3 to 4 workers per
	// platform). Default: 3.
	WorkersPerPlatform *int32

	// Worker configures the opencti/worker containers of the worker-api
	// pods. Default: see WorkerProps.
	Worker WorkerProps

	// QueueScaling scales the worker-api tier, and with it the workers, on
	// the depth of the RabbitMQ push queues: a KEDA ScaledObject in the
	// Scaling chart (KEDA and the trigger's authentication must exist in the
	// cluster; constructs/cluster installs both). Start from
	// DefaultQueueScaling(). Default: nil, no KEDA object: the tier runs at
	// WorkerAPI.MinReplicas, held there by a pinned HPA.
	QueueScaling *QueueScaling

	// Identities gives the workers and each connector their own OpenCTI user
	// and API token, provisioned by a Job with the initial administrator's
	// token, so that no worker or connector holds that token.
	// Default: see IdentitiesProps (enabled).
	Identities IdentitiesProps

	// Connectors lists the connector Deployments. A nil slice means
	// DefaultConnectors() (the five built-in file import/export connectors);
	// an empty, non-nil slice means no connector at all.
	Connectors []ConnectorProps

	// Endpoints locates the managed data services. Required.
	Endpoints Endpoints

	// Secrets names the AWS Secrets Manager entries the ExternalSecrets copy
	// into Kubernetes Secrets. Required.
	Secrets Secrets

	// SecretStoreName is the External Secrets Operator ClusterSecretStore
	// (backed by AWS Secrets Manager) that the cluster stack installs.
	// Default: "opencti-aws-secrets-manager".
	SecretStoreName *string

	// SecretRefreshInterval is how often External Secrets re-reads Secrets
	// Manager (a Go duration). Default: "1h".
	SecretRefreshInterval *string

	// Hostnames are the two public DNS names. Required.
	Hostnames Hostnames

	// Ingress configures the AWS Load Balancer Controller Ingresses.
	// Default: see IngressProps.
	Ingress IngressProps

	// Auth configures sign-in: the management mode (deployment or console),
	// the identity providers of the ui tier, the Enterprise Edition licence
	// and the secret registry. Default: see AuthProps (console mode, local
	// passwords, no identity provider, no licence).
	Auth AuthProps

	// SMTP configures outbound e-mail (notifications, digests, password
	// reset) on every platform tier and opens the platform egress
	// NetworkPolicy to its port. Default: none (SMTP__ENABLED=false).
	SMTP *SMTPProps

	// NodePools places the pods on the labelled and tainted node pools.
	// Default: see NodePools.
	NodePools NodePools

	// ServiceAccounts names the three ServiceAccounts.
	// Default: see ServiceAccounts.
	ServiceAccounts ServiceAccounts

	// VpcCIDR is the VPC's IPv4 CIDR, e.g. "10.0.0.0/16". The ALB (IP target
	// mode) reaches the ui and connector-api pods from addresses in it.
	// Required.
	VpcCIDR string

	// LoadBalancerCIDRs narrows where the ALB reaches the ui and connector-api
	// pods from (e.g. the public subnets' CIDRs); each must lie inside VpcCIDR.
	// Default: [VpcCIDR].
	LoadBalancerCIDRs []string

	// DataServiceCIDRs are the data subnets (OpenSearch, ElastiCache, Amazon MQ).
	// Platforms may reach them on 443, 6379 and 5671; workers and connectors
	// on 5671 (they consume and publish on RabbitMQ directly). Required.
	DataServiceCIDRs []string

	// PlatformHTTPSEgressCIDRs are where platform pods may open HTTPS (443)
	// connections besides the data subnets: S3 (a gateway endpoint still routes
	// to S3's public ranges) and an OpenID/SAML identity provider.
	// Default: ["0.0.0.0/0"].
	PlatformHTTPSEgressCIDRs []string

	// MonitoringNamespace, when set, may scrape the metrics ports too (the
	// OpenCTI namespace itself always may). Default: none.
	MonitoringNamespace *string

	// built, set by NewCharts only, records each chart's objects as they are
	// created (see builtObjects).
	built *builtObjects
}

// TierProps configures one OpenCTI platform tier (opencti/platform).
type TierProps struct {
	// MinReplicas is the autoscaler's minimum. Default: 2.
	MinReplicas *int32
	// MaxReplicas is the autoscaler's maximum; must be >= MinReplicas
	// (worker-api with QueueScaling: above it). Default: 4.
	MaxReplicas *int32
	// TargetCPUUtilization is the HPA's average CPU target in percent of the
	// request (ui and connector-api; worker-api scales on the queue).
	// Default: 70.
	TargetCPUUtilization *int32
	// Resources are the platform container's requests and limits.
	// Default: requests 1 CPU / 8Gi, limits 2 CPU / 8Gi.
	Resources *Resources
	// HeapMiB sizes the Node.js heap (NODE_OPTIONS=--max-old-space-size);
	// it must stay below the memory limit. Default: 75% of the memory limit.
	HeapMiB *int32
	// BaseURL is APP__BASE_URL. Default: https://<Hostnames.UI> (ui),
	// https://<Hostnames.API> (connector-api), the in-cluster Service URL
	// (worker-api; set it to the ui URL if notification e-mails sent by the
	// managers must link to the ui).
	BaseURL *string
	// ExtraEnv adds or replaces plain environment variables on this tier only.
	// Reserved names (secrets, APP__PORT, NODE_OPTIONS) are rejected.
	// Default: none.
	ExtraEnv map[string]string
}

// Resources are a container's CPU and memory requests and limits, as
// Kubernetes quantities ("500m", "2", "512Mi", "8Gi"). When given, all four
// values are required and each request must not exceed its limit.
type Resources struct {
	// RequestsCPU is the CPU request.
	RequestsCPU string
	// RequestsMemory is the memory request.
	RequestsMemory string
	// LimitsCPU is the CPU limit.
	LimitsCPU string
	// LimitsMemory is the memory limit.
	LimitsMemory string
}

// WorkerProps configures the opencti/worker containers (WorkersPerPlatform
// of them in every worker-api pod).
type WorkerProps struct {
	// Resources are the worker container's requests and limits.
	// Default: requests 250m / 256Mi, limits 1 CPU / 512Mi.
	Resources *Resources
	// ExtraEnv adds or replaces plain environment variables. Reserved names
	// (OPENCTI_URL, OPENCTI_TOKEN, WORKER_PROMETHEUS_TELEMETRY_PORT) are
	// rejected. Default: none.
	ExtraEnv map[string]string
}

// ConnectorProps configures one connector Deployment
// (opencti-connector-<Name>, image <ImageRegistry>/connector-<Name>:<Version>).
type ConnectorProps struct {
	// Name is the image suffix and the object-name suffix, a DNS label of at
	// most 40 characters, e.g. "export-file-stix". Required, unique.
	Name string
	// ID is CONNECTOR_ID, a UUIDv4 that must never change between deploys
	// (OpenCTI keys the connector's queues and state on it).
	// Default: DeriveConnectorID(Name), a UUIDv4-shaped name-based UUID that
	// is identical on every synth; renaming the connector changes it, so pin
	// ID before renaming.
	ID *string
	// Type is CONNECTOR_TYPE: EXTERNAL_IMPORT, INTERNAL_ENRICHMENT,
	// INTERNAL_IMPORT_FILE, INTERNAL_EXPORT_FILE, INTERNAL_ANALYSIS or STREAM.
	// Required.
	Type string
	// ConnectorName is CONNECTOR_NAME, as shown in OpenCTI. Required.
	ConnectorName string
	// Scope is CONNECTOR_SCOPE (MIME types for file connectors, entity types
	// for enrichment). Required for INTERNAL_* types; optional otherwise.
	Scope string
	// Auto is CONNECTOR_AUTO. Default: true for INTERNAL_IMPORT_FILE
	// connectors (uploaded files are imported without a manual trigger),
	// unset for the other types.
	Auto *bool
	// Replicas is the Deployment's replica count (0 pauses the connector).
	// Default: 1.
	Replicas *int32
	// ExposeMetrics turns on pycti's Prometheus endpoint
	// (CONNECTOR_EXPOSE_METRICS, port 9095) and a TCP liveness/readiness probe
	// on it. Set false for a connector not built on pycti's helper; it then
	// has no probe. Default: true.
	ExposeMetrics *bool
	// Resources are the connector container's requests and limits.
	// Default: requests 100m / 256Mi, limits 1 CPU / 1Gi.
	Resources *Resources
	// WritableDir is a directory of the connector image the connector writes
	// into (e.g. its working directory). An init container copies it from
	// the image into an emptyDir that is then mounted at the same path, so
	// the root file system stays read-only. Default: none; for
	// import-document (DefaultConnectors) its working directory
	// /opt/opencti-connector-import-document.
	WritableDir *string
	// Env adds plain environment variables (rendered sorted by name); it may
	// replace CONNECTOR_LOG_LEVEL but not the reserved names (OPENCTI_URL,
	// OPENCTI_TOKEN, CONNECTOR_ID, CONNECTOR_TYPE, CONNECTOR_NAME,
	// CONNECTOR_SCOPE, CONNECTOR_AUTO, CONNECTOR_EXPOSE_METRICS,
	// CONNECTOR_METRICS_PORT). Default: none.
	Env map[string]string
	// SecretEnv maps an environment variable to a Secrets Manager value; it is
	// copied into the connector's own Kubernetes Secret. Default: none.
	SecretEnv map[string]RemoteRef
	// Token is the Secrets Manager value used as OPENCTI_TOKEN when Identities
	// are disabled; with Identities enabled (the default) the connector reads
	// its own token from ConnectorTokenSecretName(Name) and Token must be nil.
	// Default: Secrets.AdminToken.
	Token *RemoteRef
}

// IdentitiesProps configures the identity provisioning (package
// charts/identities): a Job of the platform image that gives the workers and
// each connector an OpenCTI service account and an API token, each token in
// its own Kubernetes Secret (WorkerTokenSecretName,
// ConnectorTokenSecretName), and rolls the pods that use a replaced token
// before it revokes the old one. The workers and export connectors get
// BYPASS (OpenCTI lets only BYPASS users act on behalf of the connector or
// user that asked), every other connector the capabilities of OpenCTI's
// Connector role.
type IdentitiesProps struct {
	// Enabled provisions the identities. false keeps today's wiring: the
	// workers and the connectors run with the initial administrator's token
	// (Secrets.AdminToken, or a connector's Token), and one compromised
	// connector is a full administrator of OpenCTI. Default: true.
	Enabled *bool
	// Deployment names the deployment in OpenCTI: it prefixes every user,
	// group and role the Job owns ("[C] <Deployment> <connector>"), 1-40
	// letters, digits or hyphens starting with a letter. Never change it once
	// deployed (the Job would create a second set). Default: "opencti".
	Deployment *string
	// Rotation: a new value issues a new token for every identity, rolls the
	// pods that use them and then revokes the old tokens. 0 to 2147483647.
	// Default: 0.
	Rotation *int
	// TokenDuration is the tokens' lifetime, one of UNLIMITED, DAYS_30,
	// DAYS_60, DAYS_90 and DAYS_365. A deploy renews a token when less than a
	// third of its lifetime (at most 30 days) is left: with an expiry, deploy
	// at least that often. Default: "UNLIMITED".
	TokenDuration *string
	// HealthTimeoutSeconds bounds the Job's wait for OpenCTI's /health (the
	// first start of a platform initializes its indices), 60 to 3600.
	// Default: 1800.
	HealthTimeoutSeconds *int32
	// RolloutTimeoutSeconds bounds the Job's wait for the Deployments rolled
	// onto new tokens, 60 to 3600. A new worker token rolls the worker-api
	// tier, platforms included, one pod at a time: allow
	// WorkerAPIPodRolloutSeconds per pod at the tier's maximum. Default: 1800
	// (6 worker-api pods).
	RolloutTimeoutSeconds *int32
	// KubernetesAPIURL is where the Job calls the Kubernetes API, e.g. the EKS
	// cluster endpoint https://<id>.gr7.<region>.eks.amazonaws.com (its
	// certificate is signed by the cluster CA the pod's service account
	// mounts). A network policy engine that checks egress before Service
	// translation (the Amazon VPC CNI's, EKS Auto Mode's) never matches the
	// kubernetes Service's ClusterIP against KubernetesAPICIDRs: on EKS set
	// the endpoint here (the CDK stack does). Default: the in-cluster Service
	// (KUBERNETES_SERVICE_HOST).
	KubernetesAPIURL *string
	// KubernetesAPICIDRs are where the Job may open HTTPS connections to the
	// Kubernetes API (its NetworkPolicy's egress on 443): the control plane's
	// network interfaces, on EKS the cluster's subnets. Default: [VpcCIDR].
	KubernetesAPICIDRs []string
}

// Endpoints locates the managed data services.
type Endpoints struct {
	// OpenSearchURL is ELASTICSEARCH__URL, e.g.
	// "https://vpc-opencti-abc.eu-west-1.es.amazonaws.com". Required, https.
	OpenSearchURL string
	// RedisHostname is the ElastiCache primary (single) or configuration
	// (cluster) endpoint. Required.
	RedisHostname string
	// RedisPort is REDIS__PORT. Default: 6379.
	RedisPort *int32
	// RedisMode is REDIS__MODE: "single" or "cluster". In cluster mode the
	// endpoint also goes into REDIS__HOSTNAMES (OpenCTI issue 6280).
	// Default: "single".
	RedisMode *string
	// RabbitMQHostname is the Amazon MQ AMQPS endpoint host. Required.
	RabbitMQHostname string
	// RabbitMQPort is RABBITMQ__PORT (AMQPS). Default: 5671.
	RabbitMQPort *int32
	// RabbitMQManagementHostname is the management API host.
	// Default: RabbitMQHostname (Amazon MQ serves both on one name).
	RabbitMQManagementHostname *string
	// RabbitMQManagementPort is RABBITMQ__PORT_MANAGEMENT (HTTPS).
	// Default: 443.
	RabbitMQManagementPort *int32
	// RabbitMQVHost is RABBITMQ__VHOST. Default: "/".
	RabbitMQVHost *string
	// RabbitMQQueueType is RABBITMQ__QUEUE_TYPE, the x-queue-type of every
	// queue OpenCTI declares: "quorum" (replicated; use it on a clustered
	// broker from the first deploy: RabbitMQ cannot change the type of an
	// existing queue) or "classic". Default: "classic".
	RabbitMQQueueType *string
	// S3Bucket is MINIO__BUCKET_NAME. Required.
	S3Bucket string
	// S3Region is MINIO__BUCKET_REGION; MINIO__ENDPOINT becomes
	// s3.<S3Region>.amazonaws.com. Required.
	S3Region string
}

// RemoteRef points at one value in AWS Secrets Manager.
type RemoteRef struct {
	// Key is the secret's name or ARN. Required.
	Key string
	// Property is the JSON key inside the secret string; empty means the whole
	// secret string is the value.
	Property string
}

// Secrets names the Secrets Manager values OpenCTI needs. Every reference is
// required; the values never appear in a manifest (pods read them through
// secretKeyRef from the Kubernetes Secrets the ExternalSecrets create).
type Secrets struct {
	// AdminPassword is APP__ADMIN__PASSWORD.
	AdminPassword RemoteRef
	// AdminToken is APP__ADMIN__TOKEN (a UUIDv4), also the workers' and (by
	// default) the connectors' OPENCTI_TOKEN.
	AdminToken RemoteRef
	// HealthAccessKey is APP__HEALTH_ACCESS_KEY (never "ChangeMe"), used by
	// the probes and the init containers.
	HealthAccessKey RemoteRef
	// EncryptionKey is APP__ENCRYPTION_KEY (base64 of 32 bytes), identical
	// for every replica of every tier.
	EncryptionKey RemoteRef
	// OpenSearchUsername is ELASTICSEARCH__USERNAME (fine-grained access
	// control internal user).
	OpenSearchUsername RemoteRef
	// OpenSearchPassword is ELASTICSEARCH__PASSWORD.
	OpenSearchPassword RemoteRef
	// RedisAuthToken is REDIS__PASSWORD (the ElastiCache AUTH token).
	RedisAuthToken RemoteRef
	// RabbitMQUsername is RABBITMQ__USERNAME.
	RabbitMQUsername RemoteRef
	// RabbitMQPassword is RABBITMQ__PASSWORD.
	RabbitMQPassword RemoteRef
	// PlatformExtra adds secret environment variables to every platform tier,
	// e.g. PROVIDERS__OPENID__CONFIG__CLIENT_SECRET. Default: none.
	PlatformExtra map[string]RemoteRef
}

// Hostnames are the public DNS names of the two public tiers.
type Hostnames struct {
	// UI is the browser hostname, e.g. "opencti.example.com". Required.
	UI string
	// API is the hostname for connectors and API clients, e.g.
	// "api.opencti.example.com". Required, different from UI.
	API string
}

// IngressProps configures the two Ingresses (AWS Load Balancer Controller).
type IngressProps struct {
	// ClassName is the IngressClass. Default: "opencti-alb".
	ClassName *string
	// GroupName names the two Ingress groups, "<GroupName>-ui" and
	// "<GroupName>-api" (one ALB per host, named by LoadBalancerNames).
	// Default: "opencti".
	GroupName *string
	// UI configures the ui host's listener. Default: see IngressHostProps.
	UI IngressHostProps
	// API configures the api host's listener. Default: see IngressHostProps.
	API IngressHostProps
	// WafAclARN attaches an AWS WAFv2 web ACL to both load balancers, unless
	// a host sets its own (IngressHostProps.WafAclARN). Default: none.
	WafAclARN *string
	// AccessLogsBucket is the S3 bucket (SSE-S3, with a policy admitting
	// Elastic Load Balancing log delivery) both load balancers write their
	// access logs to, under the prefixes "ui" and "api". Default: none (no
	// access logs).
	AccessLogsBucket *string
	// SSLPolicy is the HTTPS listener's policy.
	// Default: "ELBSecurityPolicy-TLS13-1-2-2021-06".
	SSLPolicy *string
	// IdleTimeoutSeconds is the ALB idle timeout; WebSocket subscriptions and
	// SSE streams need more than the ALB's 60 s. Allowed 1..4000.
	// Default: 300.
	IdleTimeoutSeconds *int32
	// RejectTokenRequestsOnUI answers 403 at the ALB, on the ui host, to
	// requests carrying "Authorization: Bearer ..." or "Authorization: Basic
	// ..." (see RejectedAuthorizationValues) so API clients must use the api
	// host; browsers authenticate with a session cookie and are not affected.
	// Default: true.
	RejectTokenRequestsOnUI *bool
}

// IngressHostProps configures the ALB for one host.
type IngressHostProps struct {
	// Scheme is "internet-facing" or "internal". Default: "internet-facing".
	Scheme *string
	// CertificateARNs are the ACM certificates of the HTTPS listener.
	// Default: none, the controller discovers a certificate matching the host.
	CertificateARNs []string
	// WafAclARN attaches this host's own AWS WAFv2 web ACL (REGIONAL).
	// Default: IngressProps.WafAclARN.
	WafAclARN *string
	// Subnets are the IDs of the subnets the load balancer lives in (public
	// subnets for "internet-facing", private ones for "internal").
	// Default: none, the controller picks the subnets tagged
	// kubernetes.io/role/elb (internet-facing) or
	// kubernetes.io/role/internal-elb (internal), one per zone.
	Subnets []string
}

// NodePools names the node label (and the NoSchedule taint with the same key
// and value) of the two node pools.
type NodePools struct {
	// LabelKey is the label and taint key. Default: "opencti-ha/pool".
	LabelKey *string
	// UserFacing is the pool of the ui and connector-api tiers.
	// Default: "user-facing".
	UserFacing *string
	// Ingestion is the pool of the worker-api tier (with its workers) and the
	// connectors. Default: "ingestion".
	Ingestion *string
}

// ServiceAccounts names the three ServiceAccounts and their annotations. The
// CDK stack grants AWS access with EKS Pod Identity associations on these
// names, so no annotation is needed; IRSA users set
// eks.amazonaws.com/role-arn through the annotations.
type ServiceAccounts struct {
	// Platform is used by the three platform tiers, and so by the workers in
	// the worker-api pods. Default: "opencti-platform".
	Platform *string
	// Connector is used by every connector. Default: "opencti-connector".
	Connector *string
	// Identities is used by the identities Job, the only pod that mounts its
	// token (to write the token Secrets). Default: "opencti-identities".
	Identities *string
	// PlatformAnnotations annotate the platform ServiceAccount. Default: none.
	PlatformAnnotations map[string]string
	// ConnectorAnnotations annotate the connector ServiceAccount. Default: none.
	ConnectorAnnotations map[string]string
}
