package config

// Warnings lists what a synth of this configuration warns about without
// failing: settings that deploy but fall short of production. Each warning
// names the field. The example values (ExampleValues) are reported separately.
func (c *Config) Warnings() []string {
	var out []string
	if c.Environment == "prod" && len(c.Monitoring.AlarmEmails) == 0 {
		out = append(out, "monitoring.alarmEmails is empty: no one is notified when a prod alarm fires; "+
			"add at least one address (each recipient confirms the subscription from the e-mail AWS sends), "+
			"or acknowledge this warning if other endpoints subscribe to the alarm topic")
	}
	return append(out, c.drWarnings()...)
}
