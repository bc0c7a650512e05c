package charts_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/opencti-ha/opencti-ha/charts"
)

const ns = "opencti"

var (
	platformNames = []string{charts.UIName, charts.ConnectorAPIName, charts.WorkerAPIName}
	workerAPIURL  = "http://opencti-worker-api.opencti.svc.cluster.local:80"
	connAPIURL    = "http://opencti-connector-api.opencti.svc.cluster.local:80"
)

// deployments decodes every Deployment of s.
func (s synthesized) deployments(t *testing.T) []appsv1.Deployment {
	t.Helper()
	var out []appsv1.Deployment
	for _, d := range s.find("Deployment", "") {
		var dep appsv1.Deployment
		decode(t, d, &dep)
		out = append(out, dep)
	}
	return out
}

func (s synthesized) deployment(t *testing.T, name string) appsv1.Deployment {
	t.Helper()
	var dep appsv1.Deployment
	decode(t, s.one(t, "Deployment", name), &dep)
	return dep
}

// envOf returns a container's variables by name, failing on duplicates.
func envOf(t *testing.T, c corev1.Container) map[string]corev1.EnvVar {
	t.Helper()
	out := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		if _, dup := out[e.Name]; dup {
			t.Errorf("container %s: duplicate env %s", c.Name, e.Name)
		}
		out[e.Name] = e
	}
	return out
}

// value returns a plain variable's value, failing when it is missing or
// comes from a secret.
func value(t *testing.T, env map[string]corev1.EnvVar, name string) string {
	t.Helper()
	e, ok := env[name]
	if !ok {
		t.Errorf("env %s missing", name)
		return ""
	}
	if e.ValueFrom != nil {
		t.Errorf("env %s comes from %v, want a plain value", name, e.ValueFrom)
	}
	return e.Value
}

// platformOf returns the platform container of a platform tier's pod: the
// only container of ui and connector-api, the native sidecar (first init
// container) of worker-api.
func platformOf(t *testing.T, dep appsv1.Deployment) corev1.Container {
	t.Helper()
	for _, c := range allContainers(dep.Spec.Template.Spec) {
		if c.Name == "opencti" {
			return c
		}
	}
	t.Fatalf("%s has no platform container", dep.Name)
	return corev1.Container{}
}

func allContainers(spec corev1.PodSpec) []corev1.Container {
	return append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
}

// isConnector tells connector Deployments by their component label (a name
// prefix would also match opencti-connector-api).
func isConnector(dep appsv1.Deployment) bool {
	return dep.Spec.Template.Labels[charts.LabelComponent] == charts.ComponentConnector
}

// job decodes the identities Job of s (there is one when Identities are on).
func (s synthesized) job(t *testing.T) batchv1.Job {
	t.Helper()
	if s.charts.Provisioning == nil {
		t.Fatal("no identities Job: Identities are disabled")
	}
	var job batchv1.Job
	decode(t, s.one(t, "Job", s.charts.Provisioning.Name), &job)
	return job
}

// workload is a pod template of a Deployment or of the Job.
type workload struct {
	kind, name string
	template   corev1.PodTemplateSpec
}

// workloads lists every pod template s renders: the Deployments, then the
// identities Job.
func (s synthesized) workloads(t *testing.T) []workload {
	t.Helper()
	var out []workload
	for _, d := range s.deployments(t) {
		out = append(out, workload{"Deployment", d.Name, d.Spec.Template})
	}
	for _, d := range s.find("Job", "") {
		var job batchv1.Job
		decode(t, d, &job)
		out = append(out, workload{"Job", job.Name, job.Spec.Template})
	}
	return out
}
