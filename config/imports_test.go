package config

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAwsFreePackages: the configuration, the charts and the rules they share
// with the constructs never load aws-cdk-lib (rendering stays fast, and the
// configuration stays usable without Node.js); only charts/attach, the
// constructs and the stacks may import aws-cdk-go.
func TestAwsFreePackages(t *testing.T) {
	const mod = "github.com/opencti-ha/opencti-ha/"
	pkgs := []string{mod + "config", mod + "charts", mod + "constructs/problems", mod + "constructs/secrets/secretsspec",
		mod + "constructs/opensearch/opensearchspec", mod + "constructs/cache/cachespec", mod + "constructs/broker/brokerspec",
		mod + "constructs/objectstore/objectstorespec", mod + "constructs/monitoring/monitoringspec",
		mod + "constructs/edge/edgespec", mod + "constructs/cluster/clusterspec", mod + "constructs/network/networkspec"}
	for _, pkg := range pkgs {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/aws/aws-cdk-go") || strings.HasPrefix(dep, "github.com/cdklabs/cdk-nag-go") {
				t.Errorf("%s imports %s", pkg, dep)
			}
		}
	}
}
