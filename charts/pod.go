package charts

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// uid and gid of every container: the platform image runs as user "node"
// (1000); the Python worker and connector images run fine as 1000 too.
const runAsID = 1000

// podSecurityContext is the pod-level half of the restricted profile.
func podSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr(true),
		RunAsUser:      ptr(int64(runAsID)),
		RunAsGroup:     ptr(int64(runAsID)),
		FSGroup:        ptr(int64(runAsID)),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// containerSecurityContext hardens every container, init containers included.
func containerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr(true),
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// scratchVolume is a size-limited emptyDir mounted at path: the root file
// system is read-only, so every path a process writes to gets one.
type scratchVolume struct {
	name string
	path string
}

var (
	tmpVolume      = scratchVolume{name: "tmp", path: "/tmp"}
	platformWrites = []scratchVolume{
		tmpVolume,
		{name: "logs", path: "/opt/opencti/logs"},
		{name: "support", path: "/opt/opencti/.support"},
	}
)

func volumes(vs []scratchVolume) []corev1.Volume {
	out := make([]corev1.Volume, len(vs))
	for i, v := range vs {
		out[i] = corev1.Volume{Name: v.name, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("1Gi"))},
		}}
	}
	return out
}

func volumeMounts(vs []scratchVolume) []corev1.VolumeMount {
	out := make([]corev1.VolumeMount, len(vs))
	for i, v := range vs {
		out[i] = corev1.VolumeMount{Name: v.name, MountPath: v.path}
	}
	return out
}

// placement pins pods to a node pool: the pool's nodes carry the label
// <key>=<pool> and the taint <key>=<pool>:NoSchedule, so pods need both the
// nodeSelector (to go there) and the toleration (to be allowed there).
func placement(p *Props, pool string) (map[string]string, []corev1.Toleration) {
	key := *p.NodePools.LabelKey
	return map[string]string{key: pool}, []corev1.Toleration{{
		Key: key, Operator: corev1.TolerationOpEqual, Value: pool, Effect: corev1.TaintEffectNoSchedule,
	}}
}

// topologySpread spreads a workload's pods over zones (hard: an AZ outage
// must not take a whole tier) and nodes (soft). matchLabelKeys restricts the
// count to the pods of the same ReplicaSet, so rollouts spread too.
func topologySpread(selector map[string]string) []corev1.TopologySpreadConstraint {
	honor := corev1.NodeInclusionPolicyHonor
	constraint := func(key string, when corev1.UnsatisfiableConstraintAction) corev1.TopologySpreadConstraint {
		return corev1.TopologySpreadConstraint{
			MaxSkew:           1,
			TopologyKey:       key,
			WhenUnsatisfiable: when,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: selector},
			MatchLabelKeys:    []string{"pod-template-hash"},
			NodeTaintsPolicy:  &honor,
		}
	}
	return []corev1.TopologySpreadConstraint{
		constraint("topology.kubernetes.io/zone", corev1.DoNotSchedule),
		constraint("kubernetes.io/hostname", corev1.ScheduleAnyway),
	}
}

// podSpec assembles the parts every OpenCTI pod shares; extra volumes follow
// the scratch volumes.
func podSpec(p *Props, pool, serviceAccount string, selector map[string]string, grace int64,
	initContainers, containers []corev1.Container, vols []scratchVolume, extra ...corev1.Volume) corev1.PodSpec {
	nodeSelector, tolerations := placement(p, pool)
	return corev1.PodSpec{
		ServiceAccountName:            serviceAccount,
		AutomountServiceAccountToken:  ptr(false),
		EnableServiceLinks:            ptr(false),
		SecurityContext:               podSecurityContext(),
		NodeSelector:                  nodeSelector,
		Tolerations:                   tolerations,
		TopologySpreadConstraints:     topologySpread(selector),
		TerminationGracePeriodSeconds: ptr(grace),
		InitContainers:                initContainers,
		Containers:                    containers,
		Volumes:                       append(volumes(vols), extra...),
	}
}

// waitForPlatformScript polls <PLATFORM_URL>/health with the access key from
// the container's environment until the platform answers 200 (all its data
// services reachable), so workers and connectors never start against a
// platform that cannot serve them.
const waitForPlatformScript = `const http = require('http');
const url = process.env.PLATFORM_URL + '/health?health_access_key=' + encodeURIComponent(process.env.HEALTH_ACCESS_KEY || '');
const retry = (why) => { console.log('waiting for ' + process.env.PLATFORM_URL + ': ' + why); setTimeout(poll, 5000); };
const poll = () => {
  const req = http.get(url, (res) => {
    res.resume();
    if (res.statusCode === 200) { console.log('platform healthy'); process.exit(0); }
    retry('HTTP ' + res.statusCode);
  });
  req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  req.on('error', (e) => retry(e.message));
};
poll();`

// waitForPlatform is the init container of workers and connectors. It reuses
// the platform image (its node binary; already cached on the ingestion nodes
// where worker-api runs), so no extra image needs pinning or mirroring.
func waitForPlatform(p *Props, platformURL, secretName string) corev1.Container {
	return corev1.Container{
		Name:    "wait-for-platform",
		Image:   image(p, "platform"),
		Command: []string{"node", "-e", waitForPlatformScript},
		Env: []corev1.EnvVar{
			envValue("PLATFORM_URL", platformURL),
			envSecret("HEALTH_ACCESS_KEY", secretName, HealthKeySecretKey),
			envValue("NODE_OPTIONS", "--max-old-space-size=64"),
		},
		Resources:       Resources{RequestsCPU: "10m", RequestsMemory: "64Mi", LimitsCPU: "200m", LimitsMemory: "128Mi"}.requirements(),
		SecurityContext: containerSecurityContext(),
	}
}

// image is <ImageRegistry>/<repository>:<Version>.
func image(p *Props, repository string) string {
	return *p.ImageRegistry + "/" + repository + ":" + p.Version
}

func envValue(name, value string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, Value: value}
}

func envSecret(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret},
		Key:                  key,
	}}}
}

// withExtraEnv replaces the value of variables already in env and appends the
// others, sorted by name. Reserved names were rejected by Validate.
func withExtraEnv(env []corev1.EnvVar, extra map[string]string) []corev1.EnvVar {
	for _, k := range sortedKeys(extra) {
		i := indexEnv(env, k)
		if i >= 0 {
			env[i] = envValue(k, extra[k])
			continue
		}
		env = append(env, envValue(k, extra[k]))
	}
	return env
}

func indexEnv(env []corev1.EnvVar, name string) int {
	for i, e := range env {
		if e.Name == name {
			return i
		}
	}
	return -1
}

// rollingUpdate replaces pods one at a time (maxSurge 1), taking at most
// maxUnavailable of them out of service at once.
func rollingUpdate(maxUnavailable int32) appsv1.DeploymentStrategy {
	return appsv1.DeploymentStrategy{
		Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{
			MaxUnavailable: ptr(intstr.FromInt32(maxUnavailable)),
			MaxSurge:       ptr(intstr.FromInt32(1)),
		},
	}
}
