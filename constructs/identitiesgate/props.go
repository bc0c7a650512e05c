package identitiesgate

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/opencti-ha/opencti-ha/charts/identities"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// IdentitiesGateProps configures NewIdentitiesGate. charts.ProvisioningJob
// (Charts.Provisioning) holds the Job's values.
type IdentitiesGateProps struct {
	// Cluster runs the Job; its kubectl provider reads the Job's status.
	// Required.
	Cluster awseksv2.ICluster
	// Namespace holds the Job and its status ConfigMap. Required.
	Namespace string
	// JobName is the identities Job (ProvisioningJob.Name). Required.
	JobName string
	// StatusConfigMap is the Job's status ConfigMap.
	// Default: identities.StatusConfigMapName(JobName).
	StatusConfigMap *string
	// Relays is the number of relay keys the Job writes
	// (ProvisioningJob.Relays), 1 to identities.MaxRelays: the gate waits up
	// to about Relays x 10 minutes. Required.
	Relays int
	// RelayTimeout bounds each lookup, 11 to 14 minutes: longer than the
	// Job's 10-minute heartbeat interval, shorter than the 15 minutes the
	// kubectl provider's function may run. Default: 13 minutes
	// (identities.RelayWaitSeconds).
	RelayTimeout awscdk.Duration
	// LogRetention of the verdict function's log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy of that log group: DESTROY, RETAIN or
	// RETAIN_ON_UPDATE_OR_DELETE. Default: awscdk.RemovalPolicy_DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
}

type resolved struct {
	IdentitiesGateProps
	relaySeconds float64
}

func (p *IdentitiesGateProps) withDefaults() resolved {
	r := resolved{}
	if p != nil {
		r.IdentitiesGateProps = *p
	}
	if r.StatusConfigMap == nil {
		r.StatusConfigMap = jsii.String(identities.StatusConfigMapName(r.JobName))
	}
	r.relaySeconds = identities.RelayWaitSeconds
	if r.RelayTimeout != nil {
		r.relaySeconds = *r.RelayTimeout.ToSeconds(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)})
	}
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_ONE_MONTH)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_DESTROY)
	return r
}

func (r resolved) validate() error {
	const f = "identitiesgate.IdentitiesGateProps."
	pr := &problems.List{}
	if r.Cluster == nil {
		pr.Add(f+"Cluster", r.Cluster, "the EKS cluster the identities Job runs in")
	}
	if len(validation.IsDNS1123Label(r.Namespace)) > 0 {
		pr.Add(f+"Namespace", r.Namespace, "a Kubernetes namespace name")
	}
	for _, n := range []struct{ field, value string }{{"JobName", r.JobName}, {"StatusConfigMap", *r.StatusConfigMap}} {
		if len(validation.IsDNS1123Subdomain(n.value)) > 0 {
			pr.Add(f+n.field, n.value, "a Kubernetes object name (lower-case letters, digits, '-' and '.')")
		}
	}
	if r.Relays < 1 || r.Relays > identities.MaxRelays {
		pr.Add(f+"Relays", r.Relays, fmt.Sprintf("1 to %d (charts.ProvisioningJob.Relays)", identities.MaxRelays))
	}
	if r.relaySeconds <= identities.StatusIntervalSeconds+60 || r.relaySeconds > 14*60 {
		pr.Add(f+"RelayTimeout", problems.Raw(fmt.Sprintf("%g minutes", r.relaySeconds/60)),
			"11 to 14 minutes (longer than the Job's 10-minute heartbeats, shorter than the kubectl function's 15-minute limit)")
	}
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", r.RemovalPolicy, awscdk.RemovalPolicy_DESTROY, awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	return pr.Err()
}
