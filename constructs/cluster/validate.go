package cluster

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/opencti-ha/opencti-ha/constructs/cluster/clusterspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets/secretsspec"
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// validate reports every problem of the resolved props at once, each naming
// the prop, the value and what is allowed. Unresolved tokens are not checked.
func (r *resolved) validate() error {
	const f = "cluster.ClusterProps."
	pr := &problems.List{}
	if r.Vpc == nil {
		pr.Add(f+"Vpc", r.Vpc, "the VPC of the cluster")
	}
	secretsspec.CheckNamePrefix(pr, f+"SecretsPrefix", r.SecretsPrefix)
	if r.KubectlLayer == nil && r.version != DefaultKubernetesVersion {
		pr.Add(f+"KubernetesVersion", r.version, DefaultKubernetesVersion+" (the default kubectl layer ships kubectl 1.34; pass KubectlLayer for another version)")
	}
	clusterspec.CheckEndpoint(pr, problems.GoNames(f), string(r.endpoint), r.PublicAccessCidrs)
	clusterspec.CheckAdminRoleArns(pr, func(i int) string { return fmt.Sprintf(f+"AdminRoleArns[%d]", i) }, r.AdminRoleArns)
	r.userFacing.Check(pr, problems.GoNames(f+"UserFacingPool."))
	r.ingestion.Check(pr, problems.GoNames(f+"IngestionPool."))
	for _, np := range r.BuiltInNodePools {
		if np != "system" && np != "general-purpose" {
			pr.Add(f+"BuiltInNodePools", r.BuiltInNodePools, `a subset of "system", "general-purpose"`)
			break
		}
	}
	clusterspec.CheckExternalSecretsChartVersion(pr, f+"ExternalSecretsChartVersion", r.chartVersion)
	clusterspec.CheckExternalSecretsReplicas(pr, f+"ExternalSecretsReplicas", r.esoReplicas, false)
	clusterspec.CheckMetricsServerVersion(pr, f+"MetricsServerVersion", r.metricsVersion)
	clusterspec.CheckKedaChartVersion(pr, f+"KedaChartVersion", r.kedaChartVersion)
	clusterspec.CheckKedaReplicas(pr, f+"KedaReplicas", r.kedaReplicas, false)
	if s := r.queueScalerSecret; !isToken(s) && !isToken(r.SecretsPrefix) && !strings.HasPrefix(s, r.SecretsPrefix+"/") {
		pr.Add(f+"QueueScalerSecretName", s, "a secret name under SecretsPrefix + \"/\" ("+r.SecretsPrefix+"/...): External Secrets may read nothing else")
	}
	if d, err := time.ParseDuration(r.secretsRefresh); !isToken(r.secretsRefresh) && (err != nil || d < time.Minute) {
		pr.Add(f+"SecretsRefreshInterval", r.secretsRefresh, `a Go duration of at least 1m such as "1h"`)
	}
	if !dnsLabel.MatchString(r.ingressClass) {
		pr.Add(f+"IngressClassName", r.ingressClass, "a DNS label such as opencti-alb")
	}
	for _, ns := range []struct {
		field string
		names []string
	}{{"SecretStoreNamespaces", r.SecretStoreNamespaces}, {"IngressNamespaces", r.IngressNamespaces}} {
		if len(ns.names) == 0 {
			pr.Add(f+ns.field, ns.names, "at least one namespace")
		}
		for i, n := range ns.names {
			if !dnsLabel.MatchString(n) {
				pr.Add(fmt.Sprintf("%s%s[%d]", f, ns.field, i), n, "a Kubernetes namespace name")
			}
		}
	}
	return pr.Err()
}

func isToken(s string) bool {
	return *awscdk.Token_IsUnresolved(&s)
}

// adminAccessID is the construct ID of the access entry of one admin role.
func adminAccessID(arn string) string { return clusterspec.AdminAccessID(arn) }
