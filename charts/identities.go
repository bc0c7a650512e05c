package charts

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opencti-ha/opencti-ha/charts/identities"
)

// ProvisioningJob describes the identities Job (chart IdentitiesJob) for
// what waits on it (charts/attach): the Job is named after its whole spec, so
// it runs once per distinct input, and it records its progress and result in
// StatusConfigMap (see charts/identities: relay keys 1..Relays, the last
// always the result).
type ProvisioningJob struct {
	// Name is the Job's name, "opencti-identities-<10 hex digits>".
	Name string
	// Namespace holds the Job and its ConfigMaps.
	Namespace string
	// StatusConfigMap is identities.StatusConfigMapName(Name).
	StatusConfigMap string
	// Relays is the number of relay keys to wait on, in order
	// (identities.RelayKey(1) ... RelayKey(Relays)).
	Relays int
	// DeadlineSeconds is the Job's activeDeadlineSeconds: the
	// health timeout plus the rollout timeout plus 10 minutes.
	DeadlineSeconds int
	// TokenSecrets are the token Secrets the Job writes, workers first.
	TokenSecrets []string
}

// Paths and sizes of the identities Job's pod.
const (
	identitiesContainer  = "provision"
	identitiesProgramDir = "/opt/opencti-identities"
	identitiesSecretDir  = "/run/secrets/opencti-identities"
	// identitiesSlackSeconds is the Job's deadline beyond its two waits: the
	// GraphQL and Kubernetes calls of a run take seconds to a few minutes.
	identitiesSlackSeconds = 600
	// jobNameLabel is the label Kubernetes (1.27+) puts on a Job's pods.
	jobNameLabel = "batch.kubernetes.io/job-name"
)

// NewIdentitiesCharts creates the identity provisioning (see
// IdentitiesProps) in two charts, so that neither grows past 100 KB with 100
// connectors: the chart id ("Identities": the Job's ServiceAccount, Role and
// RoleBinding, the ExternalSecret of the admin token it alone mounts, the
// empty token Secrets it writes, its NetworkPolicy) and the chart id+"Job"
// ("IdentitiesJob": the ConfigMaps of its program and of its status, and the
// Job). It returns nil charts and Job when Identities are disabled. Attach
// them in this order after the platform chart and wait for the Job before
// the ingestion and connectors charts (charts/attach does).
func NewIdentitiesCharts(scope constructs.Construct, id string, props *Props) (access, job cdk8s.Chart, info *ProvisioningJob, err error) {
	if err := props.Validate(); err != nil {
		return nil, nil, nil, err
	}
	ic := newIdentitiesCharts(scope, id, props.withDefaults())
	if ic == nil {
		return nil, nil, nil, nil
	}
	return ic.access, ic.job, ic.info, nil
}

// identitiesCharts are the charts of the identity provisioning, in apply
// order: tokens..., access, script, job.
type identitiesCharts struct {
	tokens              []cdk8s.Chart
	access, script, job cdk8s.Chart
	info                *ProvisioningJob
}

func newIdentitiesCharts(scope constructs.Construct, id string, p *Props) *identitiesCharts {
	if !*p.Identities.Enabled {
		return nil
	}
	ns := *p.Namespace
	consumers := tokenConsumers(p)
	jobSpec, program, specJSON, info := identitiesJobSpec(p, consumers)
	labels := objectLabels(p, ComponentIdentities, "")

	access := newChart(scope, id, p)
	object{
		apiVersion: "v1", kind: "ServiceAccount", name: *p.ServiceAccounts.Identities, namespace: ns, labels: labels,
		// Only the Job's pod mounts a token (automountServiceAccountToken on
		// the pod).
		fields: map[string]any{"automountServiceAccountToken": false},
	}.add(p, access, "IdentitiesServiceAccount")
	object{
		apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", name: IdentitiesName, namespace: ns, labels: labels,
		fields: map[string]any{"rules": identitiesRules(consumers, info.StatusConfigMap)},
	}.add(p, access, "IdentitiesRole")
	object{
		apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", name: IdentitiesName, namespace: ns, labels: labels,
		fields: map[string]any{
			"roleRef":  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: IdentitiesName},
			"subjects": []rbacv1.Subject{{Kind: "ServiceAccount", Name: *p.ServiceAccounts.Identities, Namespace: ns}},
		},
	}.add(p, access, "IdentitiesRoleBinding")
	addExternalSecret(access, p, identitiesSecretSpec(p))
	// The token Secrets exist, empty, before the Job runs: RBAC cannot limit
	// "create" to names, so the Job may only get and patch these. Their
	// manifests never carry data (an apply would otherwise overwrite the
	// token the Job wrote). They sit in charts of their own,
	// TokensPerChart each in list order (IdentitiesTokensChartID), applied
	// before this one, so that no chart grows past 100 KB with the
	// connectors and adding a connector changes only the last of them.
	var tokens []cdk8s.Chart
	for i, batch := range slices.Collect(slices.Chunk(consumers, TokensPerChart)) {
		chart := newChart(scope, IdentitiesTokensChartID(i), p)
		for _, c := range batch {
			component, connector, objID := ComponentWorker, "", "WorkerToken"
			if c.connector != nil {
				component, connector, objID = ComponentConnector, c.connector.Name, "Connector-"+c.connector.Name+"-Token"
			}
			object{
				apiVersion: "v1", kind: "Secret", name: c.secret, namespace: ns, labels: objectLabels(p, component, connector),
				fields: map[string]any{"type": "Opaque"},
			}.add(p, chart, objID)
		}
		tokens = append(tokens, chart)
	}
	addIdentitiesNetworkPolicy(access, p)

	// The program's script does not change with the configuration: its
	// ConfigMap (about 57 KB) is a chart of its own, so that the Job's
	// chart grows only by the spec's line per connector.
	script := newChart(scope, id+"Script", p) // IdentitiesScriptChartID for NewCharts
	object{
		apiVersion: "v1", kind: "ConfigMap", name: identities.ScriptConfigMapName(), namespace: ns, labels: labels,
		fields: map[string]any{
			"immutable": true,
			"data":      map[string]string{identities.ScriptFile: identities.Script},
		},
	}.add(p, script, "IdentitiesScript")

	job := newChart(scope, id+"Job", p) // IdentitiesJobChartID for NewCharts
	// The status is one ConfigMap per Job, applied and pruned with it: a Job
	// created again (a retry after a rollback) starts from an empty status.
	object{apiVersion: "v1", kind: "ConfigMap", name: info.StatusConfigMap, namespace: ns, labels: labels}.add(p, job, "IdentitiesStatus")
	object{
		apiVersion: "v1", kind: "ConfigMap", name: program, namespace: ns, labels: labels,
		fields: map[string]any{
			"immutable": true,
			"data":      map[string]string{identitiesSpecFile: string(specJSON)},
		},
	}.add(p, job, "IdentitiesProgram")
	object{
		apiVersion: "batch/v1", kind: "Job", name: info.Name, namespace: ns, labels: labels,
		fields: map[string]any{"spec": jobSpec},
	}.add(p, job, "IdentitiesJob")
	return &identitiesCharts{tokens: tokens, access: access, script: script, job: job, info: &info}
}

// TokensPerChart is how many token Secrets (the workers' first, then one
// per connector in list order) one identities tokens chart holds: about
// 44 KB.
const TokensPerChart = 100

// IdentitiesTokensChartID is the ID of the i-th (0-based) identities tokens
// chart: "IdentitiesTokens", "IdentitiesTokens2", ...
func IdentitiesTokensChartID(i int) string {
	if i == 0 {
		return IdentitiesChartID + "Tokens"
	}
	return fmt.Sprintf("%sTokens%d", IdentitiesChartID, i+1)
}

// identitiesSpecFile is the spec's key in the program ConfigMap.
const identitiesSpecFile = "spec.json"

// identitiesRules are the Job's only permissions: get and patch on exactly
// the token Secrets and the Deployments that read them (to roll them onto a
// new token), and on its own status ConfigMap. No create, list, watch or
// delete; no other object.
func identitiesRules(consumers []tokenConsumer, status string) []rbacv1.PolicyRule {
	var secrets, deployments []string
	seen := map[string]bool{}
	for _, c := range consumers {
		secrets = append(secrets, c.secret)
		for _, d := range c.deployments {
			if !seen[d] {
				seen[d] = true
				deployments = append(deployments, d)
			}
		}
	}
	verbs := []string{"get", "patch"}
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: secrets, Verbs: verbs},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, ResourceNames: deployments, Verbs: verbs},
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{status}, Verbs: verbs},
	}
}

// identitiesJobSpec is the Job's spec and, derived from it, its program
// ConfigMap's name, the program's spec and what waits on it need to know.
func identitiesJobSpec(p *Props, consumers []tokenConsumer) (batchv1.JobSpec, string, []byte, ProvisioningJob) {
	id := p.Identities
	deadline := int(*id.HealthTimeoutSeconds) + int(*id.RolloutTimeoutSeconds) + identitiesSlackSeconds
	relays := identities.Relays(deadline)
	spec := identities.Spec{
		Deployment:            *id.Deployment,
		Namespace:             *p.Namespace,
		OpenCTIURL:            ServiceURL(ConnectorAPIName, *p.Namespace),
		Rotation:              *id.Rotation,
		TokenDuration:         *id.TokenDuration,
		HealthTimeoutSeconds:  float64(*id.HealthTimeoutSeconds),
		RolloutTimeoutSeconds: float64(*id.RolloutTimeoutSeconds),
		StatusRelays:          relays,
		StatusFirstSeconds:    identities.StatusFirstSeconds,
		StatusIntervalSeconds: identities.StatusIntervalSeconds,
	}
	var secrets []string
	for _, c := range consumers {
		secrets = append(secrets, c.secret)
		if c.connector == nil {
			spec.Worker = identities.Consumer{Secret: c.secret, Deployments: c.deployments}
			continue
		}
		spec.Connectors = append(spec.Connectors, identities.Connector{
			Name: c.connector.Name, ID: *c.connector.ID, Type: c.connector.Type, Secret: c.secret, Deployments: c.deployments,
		})
	}
	specJSON, err := spec.JSON()
	if err != nil {
		panic(fmt.Sprintf("charts: cannot encode the identities spec: %v", err))
	}
	program := identities.SpecConfigMapName(specJSON)

	env := []corev1.EnvVar{
		envValue("IDENTITIES_SPEC", identitiesProgramDir+"/"+identitiesSpecFile),
		envValue("OPENCTI_ADMIN_TOKEN_FILE", identitiesSecretDir+"/"+IdentitiesAdminTokenKey),
		envValue("OPENCTI_HEALTH_ACCESS_KEY_FILE", identitiesSecretDir+"/"+IdentitiesHealthKeyKey),
		// The Job's own name (its status ConfigMap is <name>-status): from
		// the label Kubernetes puts on the Job's pods, since the name is a
		// hash of this very spec.
		{Name: "IDENTITIES_JOB_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
			APIVersion: "v1", FieldPath: "metadata.labels['" + jobNameLabel + "']",
		}}},
		// The platform image sizes Node.js for the platform; the program
		// needs little.
		envValue("NODE_OPTIONS", "--max-old-space-size=96"),
	}
	if u := id.KubernetesAPIURL; u != nil {
		env = append(env, envValue("KUBERNETES_API_URL", *u))
	}
	nodeSelector, tolerations := placement(p, *p.NodePools.Ingestion)
	podLabels := objectLabels(p, ComponentIdentities, "")
	job := batchv1.JobSpec{
		// A failure of the program (exit 1) is final: it has recorded its
		// message, and a second try would only repeat it. A pod lost with its
		// node (drain, consolidation) is started again and not counted; any
		// other failure (an out-of-memory kill) is retried twice.
		BackoffLimit:          ptr(int32(2)),
		ActiveDeadlineSeconds: ptr(int64(deadline)),
		PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
			{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
				ContainerName: ptr(identitiesContainer), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{1},
			}},
			{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
				{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue},
			}},
		}},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{
				Labels: podLabels,
				// EKS Auto Mode (Karpenter) does not consolidate a node away
				// under a running provisioning.
				Annotations: map[string]string{"karpenter.sh/do-not-disrupt": "true"},
			},
			Spec: corev1.PodSpec{
				ServiceAccountName:            *p.ServiceAccounts.Identities,
				AutomountServiceAccountToken:  ptr(true),
				EnableServiceLinks:            ptr(false),
				RestartPolicy:                 corev1.RestartPolicyNever,
				SecurityContext:               podSecurityContext(),
				NodeSelector:                  nodeSelector,
				Tolerations:                   tolerations,
				TerminationGracePeriodSeconds: ptr(int64(30)),
				Containers: []corev1.Container{{
					Name:                     identitiesContainer,
					Image:                    image(p, "platform"),
					Command:                  []string{"node", identitiesProgramDir + "/" + identities.ScriptFile},
					Env:                      env,
					Resources:                Resources{RequestsCPU: "50m", RequestsMemory: "64Mi", LimitsCPU: "500m", LimitsMemory: "128Mi"}.requirements(),
					SecurityContext:          containerSecurityContext(),
					TerminationMessagePolicy: corev1.TerminationMessageReadFile,
					VolumeMounts: []corev1.VolumeMount{
						{Name: "program", MountPath: identitiesProgramDir, ReadOnly: true},
						{Name: "secrets", MountPath: identitiesSecretDir, ReadOnly: true},
						{Name: tmpVolume.name, MountPath: tmpVolume.path},
					},
				}},
				Volumes: []corev1.Volume{
					// The script and the spec, two ConfigMaps, in one folder.
					{Name: "program", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
						DefaultMode: ptr(int32(0o444)),
						Sources: []corev1.VolumeProjection{
							{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: identities.ScriptConfigMapName()}}},
							{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: program}}},
						},
					}}},
					{Name: "secrets", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
						SecretName: IdentitiesSecretName, DefaultMode: ptr(int32(0o440)),
					}}},
					{Name: tmpVolume.name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
						SizeLimit: ptr(resource.MustParse("64Mi")),
					}}},
				},
			},
		},
	}
	name := identities.JobName(jobNameInput(job))
	return job, program, specJSON, ProvisioningJob{
		Name:            name,
		Namespace:       *p.Namespace,
		StatusConfigMap: identities.StatusConfigMapName(name),
		Relays:          relays,
		DeadlineSeconds: deadline,
		TokenSecrets:    secrets,
	}
}

// deployTimeValue matches an AWS CDK token ("${Token[TOKEN.123]}"): its
// number depends on construction order, its value is only known at deploy
// time (the cluster endpoint, an ECR registry of the deploying account).
var deployTimeValue = regexp.MustCompile(`\$\{Token\[[^\]]*\]\}`)

// jobNameInput is the Job spec as its name hashes it, with every deploy-time
// value replaced by a fixed marker, so that the name depends on what the
// configuration says, not on the synth's token numbering. (Such a value
// changes only with the cluster, where the Job does not exist yet.)
func jobNameInput(job batchv1.JobSpec) []byte {
	b, err := json.Marshal(job)
	if err != nil {
		panic(fmt.Sprintf("charts: cannot encode the identities Job: %v", err))
	}
	return deployTimeValue.ReplaceAll(b, []byte("${deploy-time value}"))
}
