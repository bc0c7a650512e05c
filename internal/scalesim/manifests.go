package scalesim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FromManifests reads the scaling configuration from the manifests that ship
// it: a KEDA ScaledObject (keda.sh/v1alpha1, JSON) and the Deployment it
// scales. The bounds, the rabbitmq trigger's value, the optional CPU
// trigger, the HPA behavior and the fallback come from the ScaledObject;
// WorkersPerPlatform is the number of worker containers in the Deployment's
// pod template, which must run its platform as a native sidecar (the layout
// this package models). Anything the model does not cover is an error that
// says what.
func FromManifests(scaledObject, deployment []byte) (Config, error) {
	var so struct {
		Kind string `json:"kind"`
		Spec struct {
			ScaleTargetRef struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"scaleTargetRef"`
			MinReplicaCount *int32 `json:"minReplicaCount"`
			MaxReplicaCount *int32 `json:"maxReplicaCount"`
			Advanced        *struct {
				HorizontalPodAutoscalerConfig *struct {
					Behavior *struct {
						ScaleUp   *manifestRules `json:"scaleUp"`
						ScaleDown *manifestRules `json:"scaleDown"`
					} `json:"behavior"`
				} `json:"horizontalPodAutoscalerConfig"`
			} `json:"advanced"`
			Triggers []struct {
				Type       string            `json:"type"`
				MetricType string            `json:"metricType"`
				Metadata   map[string]string `json:"metadata"`
			} `json:"triggers"`
			Fallback *struct {
				FailureThreshold int32  `json:"failureThreshold"`
				Replicas         int32  `json:"replicas"`
				Behavior         string `json:"behavior"`
			} `json:"fallback"`
		} `json:"spec"`
	}
	var dep struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Template struct {
				Spec struct {
					InitContainers []manifestContainer `json:"initContainers"`
					Containers     []manifestContainer `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(scaledObject, &so); err != nil {
		return Config{}, fmt.Errorf("ScaledObject: %w", err)
	}
	if err := json.Unmarshal(deployment, &dep); err != nil {
		return Config{}, fmt.Errorf("Deployment: %w", err)
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if so.Kind != "ScaledObject" || dep.Kind != "Deployment" {
		fail("kinds %q and %q, want a ScaledObject and a Deployment", so.Kind, dep.Kind)
	}
	s := so.Spec
	if s.ScaleTargetRef.Kind != "Deployment" || s.ScaleTargetRef.Name != dep.Metadata.Name {
		fail("the ScaledObject scales %s %q, not the Deployment %q", s.ScaleTargetRef.Kind, s.ScaleTargetRef.Name, dep.Metadata.Name)
	}
	var c Config
	if s.MinReplicaCount == nil || s.MaxReplicaCount == nil {
		fail("minReplicaCount and maxReplicaCount must be set (the model has no scale to zero)")
	} else {
		c.MinReplicas, c.MaxReplicas = *s.MinReplicaCount, *s.MaxReplicaCount
	}
	for _, t := range s.Triggers {
		switch {
		case t.Type == "rabbitmq":
			if t.Metadata["mode"] != "QueueLength" || t.Metadata["excludeUnacknowledged"] != "true" || (t.MetricType != "" && t.MetricType != "AverageValue") {
				fail("rabbitmq trigger mode %q, excludeUnacknowledged %q, metricType %q: the model reads ready messages against an AverageValue target (QueueLength, excludeUnacknowledged true)",
					t.Metadata["mode"], t.Metadata["excludeUnacknowledged"], t.MetricType)
			}
			v, err := strconv.ParseInt(t.Metadata["value"], 10, 64)
			if err != nil {
				fail("rabbitmq trigger value %q is not a whole number of messages", t.Metadata["value"])
			}
			c.MessagesPerReplica = v
		case t.Type == "cpu" && t.MetricType == "Utilization":
			v, err := strconv.Atoi(t.Metadata["value"])
			if err != nil {
				fail("cpu trigger value %q is not a percentage", t.Metadata["value"])
			}
			c.CPUTargetPercent = int32(v)
		default:
			fail("trigger %s (metricType %q) is not modelled", t.Type, t.MetricType)
		}
	}
	if c.MessagesPerReplica == 0 {
		fail("no rabbitmq trigger")
	}
	c.ScaleUp, c.ScaleDown = DefaultScaleUp(), DefaultScaleDown()
	if a := s.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil && a.HorizontalPodAutoscalerConfig.Behavior != nil {
		b := a.HorizontalPodAutoscalerConfig.Behavior
		if b.ScaleUp != nil {
			c.ScaleUp = b.ScaleUp.rules(c.ScaleUp)
		}
		if b.ScaleDown != nil {
			c.ScaleDown = b.ScaleDown.rules(c.ScaleDown)
		}
	}
	if f := s.Fallback; f != nil {
		c.Fallback = &Fallback{FailureThreshold: f.FailureThreshold, Behavior: f.Behavior, Replicas: f.Replicas}
	}

	pod := dep.Spec.Template.Spec
	sidecars := 0
	for _, ic := range pod.InitContainers {
		if ic.RestartPolicy == "Always" && strings.Contains(ic.Image, "/platform:") {
			sidecars++
		}
	}
	if sidecars != 1 {
		fail("the pods of %s run %d platform sidecars, want 1: the model is one platform with its workers per pod", dep.Metadata.Name, sidecars)
	}
	for _, mc := range pod.Containers {
		if !strings.Contains(mc.Image, "/worker:") {
			fail("container %s (%s) of %s is not a worker", mc.Name, mc.Image, dep.Metadata.Name)
		}
	}
	c.WorkersPerPlatform = int32(len(pod.Containers))
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

type manifestContainer struct {
	Name          string `json:"name"`
	Image         string `json:"image"`
	RestartPolicy string `json:"restartPolicy"`
}

// manifestRules is one direction of an autoscaling/v2 behavior.
type manifestRules struct {
	StabilizationWindowSeconds *int32  `json:"stabilizationWindowSeconds"`
	SelectPolicy               *string `json:"selectPolicy"`
	Policies                   []struct {
		Type          string `json:"type"`
		Value         int32  `json:"value"`
		PeriodSeconds int32  `json:"periodSeconds"`
	} `json:"policies"`
}

// rules applies the fields set to the HPA's defaults of that direction.
func (m manifestRules) rules(def Rules) Rules {
	r := def
	if m.StabilizationWindowSeconds != nil {
		r.StabilizationWindowSeconds = *m.StabilizationWindowSeconds
	}
	if m.SelectPolicy != nil {
		r.Select = SelectPolicy(*m.SelectPolicy)
	}
	if m.Policies != nil {
		r.Policies = nil
		for _, p := range m.Policies {
			r.Policies = append(r.Policies, Policy{Type: PolicyType(p.Type), Value: p.Value, PeriodSeconds: p.PeriodSeconds})
		}
	}
	return r
}
