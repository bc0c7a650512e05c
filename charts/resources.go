package charts

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// requirements converts validated Resources into the Kubernetes type.
func (r Resources) requirements() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(r.RequestsCPU),
			corev1.ResourceMemory: resource.MustParse(r.RequestsMemory),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(r.LimitsCPU),
			corev1.ResourceMemory: resource.MustParse(r.LimitsMemory),
		},
	}
}

// memoryMiB returns a memory quantity in whole MiB (rounded down).
func memoryMiB(q string) (int64, bool) {
	v, err := resource.ParseQuantity(q)
	if err != nil || v.Sign() <= 0 {
		return 0, false
	}
	return v.Value() / (1024 * 1024), true
}
