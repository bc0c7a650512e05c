package config

import (
	"reflect"
	"sort"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring/monitoringspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
)

// defaultDR is disaster recovery of env: the construct defaults in prod
// (enabled, hourly snapshots, Replication Time Control, RPO 90 minutes);
// off in dev, and when turned on there daily snapshots without Replication
// Time Control (RPO 26 hours). The recovery region is derived from the
// region (deriveRecoveryRegion).
func defaultDR(env string) recoveryspec.Settings {
	d := recoveryspec.DefaultSettings()
	if env == "prod" {
		return d
	}
	d.Enabled, d.SnapshotIntervalMinutes, d.ReplicationTimeControl, d.ReplicaNoncurrentDays, d.RPOMinutes = false, 1440, false, 7, 1560
	return d
}

// deriveRecoveryRegion fills dr.region, when empty, with the region's
// partner (recoveryspec.PartnerRegions).
func (c *Config) deriveRecoveryRegion() {
	if c.DR.Region == "" {
		c.DR.Region = recoveryspec.PartnerRegion(c.Region)
	}
}

// validateDR checks the dr section with the recovery rules
// (recoveryspec.Settings.Check) against this deployment's region, account
// and name.
func (c *Config) validateDR(p *Problems) {
	c.DR.Check(p, problems.YAMLNames("dr."), recoveryspec.Limits{
		Region: c.Region, RegionField: "region",
		Account: c.Account, AccountField: "account",
		Name: c.Name, NameField: "name",
	})
}

// RecoveryThresholds are the disaster recovery alarms' thresholds derived
// from the dr section: the snapshot age at which the RPO is missed, the
// replication allowance and the backup copy age.
func (c *Config) RecoveryThresholds() monitoringspec.RecoveryThresholds {
	return monitoringspec.RecoveryThresholds{
		SnapshotAgeMinutes:        c.DR.SnapshotAgeAlarmMinutes(),
		ReplicationLatencyMinutes: recoveryspec.ReplicationLagMinutes(c.DR.ReplicationTimeControl),
		BackupCopyAgeHours:        recoveryspec.BackupCopyHours,
	}
}

// OperatorSecrets are the Secrets Manager secrets the configuration names
// that the operator creates (connector secretEnv, the Enterprise Edition
// licence, the secret registry, OIDC and SAML secrets, the SMTP password),
// sorted and each once. Disaster recovery replicates only the secrets the
// app creates; these must be replicated by their owner.
func (c *Config) OperatorSecrets() []string {
	seen := map[string]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			if ref, ok := v.Interface().(SecretRef); ok {
				if ref.Secret != "" {
					seen[ref.Secret] = true
				}
				return
			}
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(v.MapIndex(k))
			}
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		}
	}
	walk(reflect.ValueOf(*c))
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// drWarnings are the dr section's warnings (Warnings).
func (c *Config) drWarnings() []string {
	var out []string
	d := c.DR
	if c.Environment == "prod" && !d.Enabled && !d.Restoring() {
		out = append(out, "dr.enabled is false in prod: nothing is copied to a second region, and the loss of the region "+
			"(or of the account's data in it) cannot be recovered; see README \"Disaster recovery\"")
	}
	if d.Enabled && !d.Failover {
		if s := c.OperatorSecrets(); len(s) > 0 {
			out = append(out, "dr.enabled replicates the secrets this app creates, not the ones you created: replicate "+
				strings.Join(s, ", ")+" to "+d.Region+" yourself (aws secretsmanager replicate-secret-to-regions --secret-id <name> "+
				"--add-replica-regions Region="+d.Region+",KmsKeyId="+recoveryspec.KeyAlias(c.Name, recoveryspec.PurposeSecrets)+")")
		}
	}
	if d.Enabled && d.Failover {
		out = append(out, "dr.enabled with dr.failover: this failover uses the file bucket and OpenCTI secrets replicated into "+
			c.Region+", which belong to the primary deployment's recovery stack: they are not replicated to "+d.Region+
			" (the OpenSearch snapshots and the backup copies are); fail back with the runbook's aws s3 sync")
	}
	return out
}
