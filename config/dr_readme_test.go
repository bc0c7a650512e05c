package config

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/recovery/recoveryspec"
)

// TestReadmeStatesTheDerivedRPOAndRTO: the README's "RPO and RTO per
// profile" table states what recoveryspec derives from each profile's dr
// settings and data nodes.
func TestReadmeStatesTheDerivedRPOAndRTO(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	prod, _ := Default("prod")
	dev, _ := Default("dev")
	dev.DR.Enabled = true
	p, d := prod.DR, dev.DR
	pn, dn := prod.Data.OpenSearch.DataNodes, dev.Data.OpenSearch.DataNodes
	rows := []string{
		fmt.Sprintf("| snapshot interval (`dr.snapshotIntervalMinutes`) | %d min | %d min |", p.SnapshotIntervalMinutes, d.SnapshotIntervalMinutes),
		fmt.Sprintf("| **RPO, OpenSearch data** (interval + snapshot + replication) | **%d min** (stated `dr.rpoMinutes`: %d) | **%d min** (stated: %d) |",
			p.OpenSearchRPOMinutes(), p.RPOMinutes, d.OpenSearchRPOMinutes(), d.RPOMinutes),
		fmt.Sprintf("| **RPO, files** (replication) | **%d min** | **%d min** |", p.FilesRPOMinutes(), d.FilesRPOMinutes()),
		fmt.Sprintf("| snapshot age alarm (RPO - snapshot - replication allowances) | %d min | %d min |", p.SnapshotAgeAlarmMinutes(), d.SnapshotAgeAlarmMinutes()),
		fmt.Sprintf("| **RTO**, 10 GB / 100 GB / 300 GB of primary shards | **%d / %d / %d min** | **%d / %d (50 GB) min** (%d data node) |",
			recoveryspec.RTOMinutes(10, pn), recoveryspec.RTOMinutes(100, pn), recoveryspec.RTOMinutes(300, pn),
			recoveryspec.RTOMinutes(10, dn), recoveryspec.RTOMinutes(50, dn), dn),
	}
	for _, r := range rows {
		if !strings.Contains(readme, r) {
			t.Errorf("README lacks the derived row\n%s", r)
		}
	}
}
