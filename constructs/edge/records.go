package edge

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/monitoring"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// LoadBalancerRecord is one alias record to an Application Load Balancer
// that the EKS load balancer controller creates at run time.
type LoadBalancerRecord struct {
	// ID starts the construct IDs of the record and its look-up ("<ID>Record",
	// "<ID>LoadBalancer"); a stable PascalCase literal. Required.
	ID string
	// RecordName is the hostname, inside the zone. Required.
	RecordName string
	// LoadBalancerName is the load balancer's name (the Ingress annotation
	// alb.ingress.kubernetes.io/load-balancer-name). Required.
	LoadBalancerName string
	// Scheme, when set ("internet-facing" or "internal"), makes the look-up
	// wait until the load balancer has it, and look up again when it changes
	// (a scheme change replaces the load balancer). Default: "" (any).
	Scheme string
	// WebACLArn, when set, is the AWS WAF web ACL the load balancer must
	// carry (the Ingress annotation alb.ingress.kubernetes.io/wafv2-acl-arn):
	// the look-up waits for it and fails the deployment, naming the load
	// balancer, without it, so no record points at an unprotected load
	// balancer. Default: nil (not checked).
	WebACLArn *string
	// AccessLogsBucket, when set, is the bucket the load balancer must write
	// its access logs to, under AccessLogsPrefix (the attributes
	// access_logs.s3.*); checked like WebACLArn. Default: nil (not checked).
	AccessLogsBucket *string
	// AccessLogsPrefix is the key prefix of those access logs. Default: "".
	AccessLogsPrefix string
}

// LoadBalancerRecordsProps configures NewLoadBalancerRecords.
type LoadBalancerRecordsProps struct {
	// Zone holds the records. Required.
	Zone awsroute53.IHostedZone
	// Records are the alias records, at least one. Required.
	Records []LoadBalancerRecord
	// Revision is a property of every look-up: change it to look the load
	// balancers up again (after an Ingress was deleted and re-created).
	// Default: "1".
	Revision *string
	// LogRetention of the look-up function's log groups.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// EncryptionKey encrypts the look-up function's log groups.
	// Default: none (CloudWatch Logs' own encryption).
	EncryptionKey awskms.IKey
}

// LoadBalancerRecords are A alias records (the load balancers are IPv4) that
// point hostnames at load balancers looked up by name at deploy time, so
// that they can be created in a stack deployed after the Ingresses. Deleting
// the stack deletes the records first, then the look-ups (which do nothing
// on deletion).
type LoadBalancerRecords interface {
	constructs.Construct
	// Record is the alias record of the LoadBalancerRecord with this ID; nil
	// if there is none.
	Record(id string) awsroute53.ARecord
	// LoadBalancer is the looked-up load balancer of the record with this ID.
	LoadBalancer(id string) monitoring.LoadBalancerAttributes
	// Lookup is the look-up function shared by the records.
	Lookup() monitoring.LoadBalancerLookup
}

type loadBalancerRecords struct {
	constructs.Construct
	lookup  monitoring.LoadBalancerLookup
	records map[string]awsroute53.ARecord
	lbs     map[string]monitoring.LoadBalancerAttributes
}

func (r *loadBalancerRecords) Record(id string) awsroute53.ARecord { return r.records[id] }
func (r *loadBalancerRecords) LoadBalancer(id string) monitoring.LoadBalancerAttributes {
	return r.lbs[id]
}
func (r *loadBalancerRecords) Lookup() monitoring.LoadBalancerLookup { return r.lookup }

// albAliasTarget is a Route 53 alias to an Application Load Balancer known by
// its (deploy-time) DNS name and canonical hosted zone ID.
type albAliasTarget struct {
	dnsName, zoneID *string
}

// Bind returns the alias, with the "dualstack." prefix AWS recommends for
// load balancer aliases, and evaluates the load balancer's health.
func (a *albAliasTarget) Bind(_ awsroute53.IRecordSet, _ awsroute53.IHostedZone) *awsroute53.AliasRecordTargetConfig {
	return &awsroute53.AliasRecordTargetConfig{
		DnsName:              awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("dualstack."), a.dnsName}),
		HostedZoneId:         a.zoneID,
		EvaluateTargetHealth: jsii.Bool(true),
	}
}

var (
	recordIDRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	albNameRE  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)
)

// NewLoadBalancerRecords creates one look-up function and, per record, a
// look-up of its load balancer and an A alias record. It panics with an
// *problems.InvalidProps, listing every invalid prop, before creating
// anything.
func NewLoadBalancerRecords(scope constructs.Construct, id string, props *LoadBalancerRecordsProps) LoadBalancerRecords {
	p := LoadBalancerRecordsProps{}
	if props != nil {
		p = *props
	}
	defaults.Set(&p.Revision, "1")
	const f = "edge.LoadBalancerRecordsProps."
	pr := &problems.List{}
	if p.Zone == nil {
		pr.Add(f+"Zone", p.Zone, "the hosted zone of the records")
	}
	if len(p.Records) == 0 {
		pr.Add(f+"Records", []string{}, "at least one record")
	}
	ids := map[string]bool{}
	for i, r := range p.Records {
		rf := fmt.Sprintf(f+"Records[%d]", i)
		if !recordIDRE.MatchString(r.ID) || ids[r.ID] {
			pr.Add(rf+".ID", r.ID, `a unique PascalCase construct ID such as "Ui"`)
		}
		ids[r.ID] = true
		if r.RecordName == "" || strings.HasSuffix(r.RecordName, ".") {
			pr.Add(rf+".RecordName", r.RecordName, "a hostname such as ui.example.org")
		}
		if !albNameRE.MatchString(r.LoadBalancerName) {
			pr.Add(rf+".LoadBalancerName", r.LoadBalancerName, "a load balancer name (1 to 32 letters, digits and inner '-')")
		}
		if r.Scheme != "" && r.Scheme != "internet-facing" && r.Scheme != "internal" {
			pr.Add(rf+".Scheme", r.Scheme, `"internet-facing", "internal" or empty`)
		}
	}
	problems.PanicIfInvalid("edge.NewLoadBalancerRecords", id, pr.Err())
	revision := *p.Revision
	r := &loadBalancerRecords{records: map[string]awsroute53.ARecord{}, lbs: map[string]monitoring.LoadBalancerAttributes{}}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	r.lookup = monitoring.NewLoadBalancerLookup(r, "Lookup", &monitoring.LoadBalancerLookupProps{
		LogRetention:  p.LogRetention,
		EncryptionKey: p.EncryptionKey,
		Description:   jsii.String("Looks up the OpenCTI load balancers by name for their Route 53 alias records"),
	})
	for _, rec := range p.Records {
		var lb monitoring.LoadBalancerAttributes
		if rec.WebACLArn != nil || rec.AccessLogsBucket != nil {
			lb = r.lookup.LookUpAndCheck(rec.ID+"LoadBalancer", rec.LoadBalancerName, revision, rec.Scheme, monitoring.LoadBalancerExpectations{
				WebACLArn: rec.WebACLArn, AccessLogsBucket: rec.AccessLogsBucket, AccessLogsPrefix: rec.AccessLogsPrefix,
			})
		} else {
			lb = r.lookup.LookUp(rec.ID+"LoadBalancer", rec.LoadBalancerName, revision, rec.Scheme)
		}
		record := awsroute53.NewARecord(r, jsii.String(rec.ID+"Record"), &awsroute53.ARecordProps{
			Zone:       p.Zone,
			RecordName: jsii.String(rec.RecordName),
			Target:     awsroute53.RecordTarget_FromAlias(&albAliasTarget{dnsName: lb.DNSName, zoneID: lb.CanonicalHostedZoneID}),
			Comment:    jsii.String("Load balancer " + rec.LoadBalancerName + " (created by the EKS load balancer controller)"),
		})
		r.records[rec.ID], r.lbs[rec.ID] = record, lb
	}
	return r
}
