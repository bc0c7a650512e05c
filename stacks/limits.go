package stacks

import (
	"fmt"

	"github.com/opencti-ha/opencti-ha/config"
)

// LimitDrivers says, per stack ID prefix, which configuration makes the
// stack's templates and manifests grow, for the messages of
// cdkapp.CheckLimits: the connectors drive the OpenCTI stack (their
// manifests, their token Secrets and the identities Job's list) and the
// Monitoring stack.
func LimitDrivers(cfg *config.Config) map[string]string {
	n := len(cfg.OpenCTI.Connectors)
	connectors := fmt.Sprintf("opencti.connectors (%d entries)", n)
	if n == 0 {
		connectors = "opencti.connectors (the default connectors)"
	}
	return map[string]string{
		OpenCTIStackID:    connectors,
		MonitoringStackID: connectors,
	}
}
