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
	clusterspec.CheckKedaChartVersion(&p, "keda", clusterspec.DefaultKedaChartVersion)
	clusterspec.CheckKedaReplicas(&p, "kedaReplicas", clusterspec.DefaultKedaReplicas, true)
	if err := p.Err(); err != nil {
		t.Error(err)
	}
}

func TestKedaRules(t *testing.T) {
	var p problems.List
	for _, v := range []string{"2.19.0", "2.20.2", "3.0.0"} {
		clusterspec.CheckKedaChartVersion(&p, "KedaChartVersion", v)
	}
	clusterspec.CheckKedaReplicas(&p, "KedaReplicas", 1, false)
	clusterspec.CheckKedaReplicas(&p, "KedaReplicas", 3, true)
	if err := p.Err(); err != nil {
		t.Errorf("valid KEDA settings rejected: %v", err)
	}
	clusterspec.CheckKedaChartVersion(&p, "KedaChartVersion", "v2.20.2")
	clusterspec.CheckKedaChartVersion(&p, "KedaChartVersion", "2.18.3")
	clusterspec.CheckKedaChartVersion(&p, "KedaChartVersion", "1.5.0")
	clusterspec.CheckKedaReplicas(&p, "KedaReplicas", 0, false)
	clusterspec.CheckKedaReplicas(&p, "KedaReplicas", 1, true)
	want := `KedaChartVersion: got "v2.20.2", want an exact chart version such as 2.20.2
KedaChartVersion: got "2.18.3", want 2.19.0 or later (KEDA tests Kubernetes 1.34 from 2.19 on)
KedaChartVersion: got "1.5.0", want 2.19.0 or later (KEDA tests Kubernetes 1.34 from 2.19 on)
KedaReplicas: got 0, want 1 to 3
KedaReplicas: got 1, want at least 2 in prod`
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	if clusterspec.KedaPods(2) != 5 || clusterspec.KedaPods(1) != 3 {
		t.Error("KedaPods: operator and webhooks per replica, one metrics server")
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
