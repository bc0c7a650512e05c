package scalesim

import (
	"strings"
	"testing"
)

const testDeployment = `{"kind":"Deployment","metadata":{"name":"opencti-worker-api"},"spec":{"template":{"spec":{
 "initContainers":[{"name":"opencti","image":"opencti/platform:7.260817.0","restartPolicy":"Always"},{"name":"wait-for-platform","image":"opencti/platform:7.260817.0"}],
 "containers":[{"name":"worker-1","image":"opencti/worker:7.260817.0"},{"name":"worker-2","image":"opencti/worker:7.260817.0"}]}}}}`

func TestFromManifestsDefaultsTheBehavior(t *testing.T) {
	c, err := FromManifests([]byte(`{"kind":"ScaledObject","spec":{"scaleTargetRef":{"kind":"Deployment","name":"opencti-worker-api"},
		"minReplicaCount":1,"maxReplicaCount":5,
		"triggers":[{"type":"rabbitmq","metadata":{"mode":"QueueLength","value":"500","excludeUnacknowledged":"true"}},
		            {"type":"cpu","metricType":"Utilization","metadata":{"value":"75","containerName":"opencti"}}]}}`), []byte(testDeployment))
	if err != nil {
		t.Fatal(err)
	}
	if c.MinReplicas != 1 || c.MaxReplicas != 5 || c.WorkersPerPlatform != 2 || c.MessagesPerReplica != 500 || c.CPUTargetPercent != 75 ||
		c.Fallback != nil || c.ScaleUp.StabilizationWindowSeconds != 0 || c.ScaleDown.StabilizationWindowSeconds != 300 || len(c.ScaleUp.Policies) != 2 {
		t.Errorf("read %+v; want the HPA's default behavior, no fallback", c)
	}
}

// TestFromManifestsRejectsWhatTheModelDoesNotCover: the model is one
// platform with its workers per pod, scaled on ready messages.
func TestFromManifestsRejectsWhatTheModelDoesNotCover(t *testing.T) {
	separate := `{"kind":"Deployment","metadata":{"name":"opencti-worker"},"spec":{"template":{"spec":{
 "containers":[{"name":"worker","image":"opencti/worker:7.260817.0"}]}}}}`
	_, err := FromManifests([]byte(`{"kind":"ScaledObject","spec":{"scaleTargetRef":{"kind":"Deployment","name":"opencti-worker-api"},
		"triggers":[{"type":"rabbitmq","metadata":{"mode":"MessageRate","value":"10"}},{"type":"kafka","metadata":{}}]}}`), []byte(separate))
	want := []string{
		`the ScaledObject scales Deployment "opencti-worker-api", not the Deployment "opencti-worker"`,
		"minReplicaCount and maxReplicaCount must be set (the model has no scale to zero)",
		`rabbitmq trigger mode "MessageRate", excludeUnacknowledged "", metricType "": the model reads ready messages against an AverageValue target (QueueLength, excludeUnacknowledged true)`,
		`trigger kafka (metricType "") is not modelled`,
		"the pods of opencti-worker run 0 platform sidecars, want 1: the model is one platform with its workers per pod",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("FromManifests:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}
