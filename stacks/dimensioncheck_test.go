package stacks

import (
	"encoding/json"
	"testing"
)

// The app's Monitoring stack checks the dimensions its configuration names:
// the literal domain and broker names, the replication group members and
// the cluster (weak references, resolved at deployment), with the
// configured wait.
func TestMonitoringStackDimensionCheck(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			f := monitoringFor(t, env)
			var check map[string]any
			for _, r := range f.resources {
				if r["Type"] == "Custom::AlarmDimensionCheck" {
					if check != nil {
						t.Fatal("more than one Custom::AlarmDimensionCheck")
					}
					check = r["Properties"].(map[string]any)
				}
			}
			if check == nil {
				t.Fatal("no Custom::AlarmDimensionCheck")
			}
			if check["WaitSeconds"] != "1800" || check["AlarmNamePrefix"] != f.cfg.Name+"-" {
				t.Errorf("wait %v, prefix %v; want 1800 and %s-", check["WaitSeconds"], check["AlarmNamePrefix"], f.cfg.Name)
			}
			targets, _ := check["Targets"].([]any)
			// Domain + 1 (dev) or 3 (prod) Redis nodes + broker + cluster.
			want := 3 + 1 + f.cfg.Data.Redis.Replicas
			if len(targets) != want {
				b, _ := json.Marshal(targets)
				t.Errorf("Targets %s: want %d names", b, want)
			}
			if _, literal := targets[0].(string); !literal {
				t.Errorf("first target %v, want the domain's literal name", targets[0])
			}
		})
	}
}
