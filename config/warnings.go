package config

// Warnings lists what a synth of this configuration warns about without
// failing: settings that deploy but fall short of production. Each warning
// names the field. The example values (ExampleValues) are reported separately.
func (c *Config) Warnings() []string {
	var out []string
	if !c.OpenCTI.Identities.Enabled {
		out = append(out, IdentitiesDisabledWarning)
	}
	if c.Environment == "prod" && len(c.Monitoring.AlarmEmails) == 0 {
		out = append(out, "monitoring.alarmEmails is empty: no one is notified when a prod alarm fires; "+
			"add at least one address (each recipient confirms the subscription from the e-mail AWS sends), "+
			"or acknowledge this warning if other endpoints subscribe to the alarm topic")
	}
	return out
}

// IdentitiesDisabledWarning is the warning of every synth while
// opencti.identities.enabled is false.
const IdentitiesDisabledWarning = "opencti.identities.enabled is false: every worker and connector runs with the initial administrator's token " +
	"(APP__ADMIN__TOKEN); one compromised connector is a full administrator of OpenCTI. Enable it unless this platform cannot run the provisioning Job"
