package stacks

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/config"
	"github.com/opencti-ha/opencti-ha/constructs/edge"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
)

// Construct IDs of the two edge stacks. The Edge stack deploys before the
// OpenCTI stack (its Ingresses name the web ACLs and the log bucket); the
// EdgeDns stack after it (its records point at the load balancers the
// Ingresses create).
const (
	EdgeStackID    = "Edge"
	EdgeDNSStackID = "EdgeDns"
)

// EdgeStackProps configures the Edge stack.
type EdgeStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration; Name, RetainData and Edge are
	// read.
	Config *config.Config
}

// EdgeStack holds what the load balancers need before they exist: a
// REGIONAL AWS WAF web ACL per load balancer and the access log bucket. It
// depends on no other stack.
type EdgeStack struct {
	awscdk.Stack
	// UIWebACL protects the ui load balancer (dns.uiHostname).
	UIWebACL edge.WebACL
	// APIWebACL protects the api load balancer (dns.apiHostname); the
	// edge.api.allowedCidrs allowlist lives here.
	APIWebACL edge.WebACL
	// LogsKey encrypts both web ACLs' log groups.
	LogsKey awskms.IKey
	// AccessLogsBucket receives both load balancers' access logs, under ui/
	// and api/ (SSE-S3; retained in prod, emptied and deleted in dev).
	AccessLogsBucket awss3.IBucket
}

// NewEdgeStack creates the Edge stack from props.Config.Edge.
func NewEdgeStack(scope constructs.Construct, id string, props *EdgeStackProps) *EdgeStack {
	cfg := props.Config
	e := cfg.Edge
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	s := &EdgeStack{Stack: stack}
	s.LogsKey = secrets.NewLogsKey(stack, "WafLogsKey", &secrets.LogsKeyProps{
		Description:   jsii.String(cfg.Name + " AWS WAF logs"),
		RemovalPolicy: removalPolicy(cfg),
	})
	acl := func(id, suffix string, h config.EdgeHost) edge.WebACL {
		return edge.NewWebACL(stack, id, &edge.WebACLProps{
			Name:                   cfg.Name + "-" + suffix,
			RateLimit:              &h.RateLimit,
			RateLimitWindowSeconds: &e.Waf.RateLimitWindowSeconds,
			AllowedCidrs:           h.AllowedCidrs,
			CountRules:             e.Waf.CountRules,
			LogRetention:           awsutil.LogRetention(e.Waf.LogRetentionDays),
			LogEncryptionKey:       s.LogsKey,
			RemovalPolicy:          removalPolicy(cfg),
		})
	}
	s.UIWebACL = acl("UiWebAcl", "ui", e.UI)
	s.APIWebACL = acl("ApiWebAcl", "api", e.API)
	s.AccessLogsBucket = edge.NewLoadBalancerLogsBucket(stack, "AccessLogs", &edge.LoadBalancerLogsBucketProps{
		Prefixes:       []string{charts.AccessLogsPrefixUI, charts.AccessLogsPrefixAPI},
		ExpirationDays: &e.AccessLogs.ExpirationDays,
		RemovalPolicy:  removalPolicy(cfg),
	})
	return s
}

// EdgeDNSStackProps configures the EdgeDns stack.
type EdgeDNSStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration; Name, DNS, Edge, Cluster
	// (ingressScheme) and Monitoring (loadBalancerLookupRevision,
	// logRetentionDays) are read.
	Config *config.Config
	// Network gives the hosted zone.
	Network *NetworkStack
	// Edge gives the web ACL and the access log bucket each load balancer
	// must carry: the look-up behind each record waits for them and fails the
	// deployment, naming the load balancer and what it lacks, without them.
	// Default: nil (not checked; for an OpenCTI stack built without Edge).
	Edge *EdgeStack
}

// EdgeDNSStack holds the Route 53 alias records of the ui and api hostnames.
// The load balancers are created at run time by the EKS load balancer
// controller from the Ingresses, so a custom resource looks each one up by
// name at deploy time, and checks that it carries its web ACL and writes its
// access logs to the Edge bucket (the deployment fails otherwise): the stack must deploy after the OpenCTI stack (the app
// adds that dependency) and, on deletion, goes first, so the records are
// deleted before the Ingresses and their load balancers.
type EdgeDNSStack struct {
	awscdk.Stack
	// Records are the ui ("Ui") and api ("Api") alias records.
	Records edge.LoadBalancerRecords
}

// NewEdgeDNSStack creates the EdgeDns stack.
func NewEdgeDNSStack(scope constructs.Construct, id string, props *EdgeDNSStackProps) *EdgeDNSStack {
	cfg := props.Config
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	uiLB, apiLB := LoadBalancerNames(cfg)
	uiScheme, apiScheme := cfg.IngressSchemes()
	ui := edge.LoadBalancerRecord{ID: "Ui", RecordName: cfg.DNS.UIHostname, LoadBalancerName: uiLB, Scheme: uiScheme}
	api := edge.LoadBalancerRecord{ID: "Api", RecordName: cfg.DNS.APIHostname, LoadBalancerName: apiLB, Scheme: apiScheme}
	if e := props.Edge; e != nil {
		// What the OpenCTI Ingresses ask the load balancer controller for
		// (charts/ingress.go): each host's web ACL, and access logs to the
		// Edge bucket under the host's prefix.
		ui.WebACLArn, ui.AccessLogsBucket, ui.AccessLogsPrefix = e.UIWebACL.WebACLArn(), e.AccessLogsBucket.BucketName(), charts.AccessLogsPrefixUI
		api.WebACLArn, api.AccessLogsBucket, api.AccessLogsPrefix = e.APIWebACL.WebACLArn(), e.AccessLogsBucket.BucketName(), charts.AccessLogsPrefixAPI
	}
	records := edge.NewLoadBalancerRecords(stack, "Records", &edge.LoadBalancerRecordsProps{
		Zone:    props.Network.HostedZone,
		Records: []edge.LoadBalancerRecord{ui, api},
		// The knob that re-resolves the alarms' load balancers re-resolves
		// the records too: both follow a re-created load balancer.
		Revision:     jsii.String(strconv.Itoa(cfg.Monitoring.LoadBalancerLookupRevision)),
		LogRetention: awsutil.LogRetention(cfg.Monitoring.LogRetentionDays),
	})
	return &EdgeDNSStack{Stack: stack, Records: records}
}
