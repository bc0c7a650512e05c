package stacks

import (
	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/monitoring"
)

// connectorsTarget watches every connector of the configuration (the five
// default connectors without opencti.connectors) with the Metrics Insights
// alarms of monitoring.ConnectorsTarget, leaving out the platform tiers and
// the other workloads of the namespace.
func connectorsTarget(cfg *config.Config, clusterName *string, namespace string, platform []monitoring.Workload, other []string) *monitoring.ConnectorsTarget {
	n := len(cfg.OpenCTI.Connectors)
	if n == 0 {
		n = len(charts.DefaultConnectors())
	}
	t := &monitoring.ConnectorsTarget{ClusterName: clusterName, Namespace: namespace, Count: n}
	for _, w := range platform {
		t.NotConnectors = append(t.NotConnectors, w.Name)
	}
	t.NotConnectors = append(t.NotConnectors, other...)
	return t
}

// otherWorkloads are the OpenCTI stack's workloads that are neither a
// platform tier nor a connector: the identities Job, when there is one.
func (s *OpenCTIStack) otherWorkloads() []string {
	if s == nil || s.Charts == nil || s.Charts.Provisioning == nil {
		return nil
	}
	return []string{s.Charts.Provisioning.Name}
}
