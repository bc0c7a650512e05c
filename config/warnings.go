package config

import (
	"fmt"

	"github.com/opencti-ha/opencti-ha/charts"
)

// Warnings lists what a synth of this configuration warns about without
// failing: settings that deploy but fall short of production. Each warning
// names the field. The example values (ExampleValues) are reported separately.
func (c *Config) Warnings() []string {
	var out []string
	if !c.OpenCTI.Identities.Enabled {
		out = append(out, IdentitiesDisabledWarning)
	} else if w := c.OpenCTI.rolloutTimeoutWarning(); w != "" {
		out = append(out, w)
	}
	if c.Environment == "prod" && len(c.Monitoring.AlarmEmails) == 0 {
		out = append(out, "monitoring.alarmEmails is empty: no one is notified when a prod alarm fires; "+
			"add at least one address (each recipient confirms the subscription from the e-mail AWS sends), "+
			"or acknowledge this warning if other endpoints subscribe to the alarm topic")
	}
	return append(out, c.drWarnings()...)
}

// IdentitiesDisabledWarning is the warning of every synth while
// opencti.identities.enabled is false.
const IdentitiesDisabledWarning = "opencti.identities.enabled is false: every worker and connector runs with the initial administrator's token " +
	"(APP__ADMIN__TOKEN); one compromised connector is a full administrator of OpenCTI. Enable it unless this platform cannot run the provisioning Job"

// rolloutTimeoutWarning warns when the identities Job's wait for its
// rollouts is shorter than a rollout of the worker-api tier at its largest:
// a new worker token rolls the worker-api pods (platform and workers) one at
// a time, charts.WorkerAPIPodRolloutSeconds each. A rotation that runs out of
// time fails the deploy and keeps the previous tokens valid; it deploys once
// the tier is smaller or the timeout longer.
func (o *OpenCTI) rolloutTimeoutWarning() string {
	pods, field := o.WorkerAPI.MinReplicas, "opencti.workerApi.minReplicas"
	if o.IngestionScaling.Enabled {
		pods, field = o.WorkerAPI.MaxReplicas, "opencti.workerApi.maxReplicas"
	}
	need := pods * charts.WorkerAPIPodRolloutSeconds
	if o.Identities.RolloutTimeoutSeconds >= need {
		return ""
	}
	fix := fmt.Sprintf("set it to %d", need)
	if need > charts.MaxIdentitiesTimeoutSeconds {
		fix = fmt.Sprintf("set it to %d (its maximum) and rotate while fewer worker-api pods run", charts.MaxIdentitiesTimeoutSeconds)
	}
	return fmt.Sprintf("opencti.identities.rolloutTimeoutSeconds is %d: a token rotation restarts the worker-api pods (platform and workers) one at a time, "+
		"about %d s each, so %d pods (%s) may take %d s; a rotation that runs out of time fails the deploy and keeps the previous tokens valid; %s",
		o.Identities.RolloutTimeoutSeconds, charts.WorkerAPIPodRolloutSeconds, pods, field, need, fix)
}
