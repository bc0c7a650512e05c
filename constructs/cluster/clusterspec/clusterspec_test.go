package clusterspec_test

import (
	"fmt"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/cluster/clusterspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestDefaultsAreValid(t *testing.T) {
	var p problems.List
	clusterspec.DefaultUserFacingPool().Check(&p, problems.GoNames("UserFacingPool."))
	clusterspec.DefaultIngestionPool().Check(&p, problems.GoNames("IngestionPool."))
	clusterspec.CheckEndpoint(&p, problems.GoNames(""), clusterspec.EndpointPrivate, nil)
	clusterspec.CheckExternalSecretsChartVersion(&p, "chart", clusterspec.DefaultExternalSecretsChartVersion)
	clusterspec.CheckExternalSecretsReplicas(&p, "replicas", clusterspec.DefaultExternalSecretsReplicas, true)
	clusterspec.CheckMetricsServerVersion(&p, "metrics", clusterspec.DefaultMetricsServerVersion)
	clusterspec.CheckImageCachePrefix(&p, "prefix", clusterspec.DefaultImageCachePrefix)
	if err := p.Err(); err != nil {
		t.Error(err)
	}
}

func TestPoolsShareNoSlices(t *testing.T) {
	a := clusterspec.DefaultIngestionPool()
	b := a.Clone()
	b.InstanceCategories[0] = "r"
	if a.InstanceCategories[0] != "c" {
		t.Error("Clone shares the caller's slices")
	}
}

func TestAdminAccessIDs(t *testing.T) {
	if got := clusterspec.AdminAccessID("arn:aws:iam::123456789012:role/ops/Admin"); got != "AdminAccess123456789012opsAdmin" {
		t.Errorf("AdminAccessID %q", got)
	}
	var p problems.List
	clusterspec.CheckAdminRoleArns(&p, func(i int) string { return fmt.Sprintf("AdminRoleArns[%d]", i) },
		[]string{"arn:aws:iam::123456789012:role/a-b", "arn:aws:iam::123456789012:role/ab", "arn:aws:iam::123456789012:role/a-b"})
	want := `AdminRoleArns[1]: got "arn:aws:iam::123456789012:role/ab", want a role whose account and name differ from arn:aws:iam::123456789012:role/a-b in more than punctuation (both would be access entry AdminAccess123456789012ab)` + "\n" +
		`AdminRoleArns[2]: got "arn:aws:iam::123456789012:role/a-b", want each role once`
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
