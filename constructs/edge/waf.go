// Package edge provides what stands in front of the OpenCTI load balancers:
// an AWS WAF web ACL per load balancer (AWS managed rule groups, a per-IP
// rate limit, an optional allowlist, logs in CloudWatch Logs), the S3 bucket
// the load balancers write their access logs to, and the Route 53 alias
// records of the public hostnames, resolved at deploy time because the load
// balancers are created at run time by the EKS load balancer controller.
package edge

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AWS managed rule groups of every web ACL, in evaluation order.
const (
	IPReputationRuleGroup   = "AWSManagedRulesAmazonIpReputationList"
	KnownBadInputsRuleGroup = "AWSManagedRulesKnownBadInputsRuleSet"
	CommonRuleGroup         = "AWSManagedRulesCommonRuleSet"
)

// Names of the web ACL's own rules.
const (
	AllowlistRuleName = "AllowedCidrsOnly"
	RateLimitRuleName = "RateLimitPerIp"
)

// AlwaysCountedRules are managed rules that count instead of block whatever
// WebACLProps.CountRules says: SizeRestrictions_BODY blocks request bodies
// over 8 KB, which OpenCTI's GraphQL mutations (STIX bundles, reports) and
// multipart file uploads exceed; an ALB passes at most the first 8 KB of a
// body to WAF anyway, so the size rule is the only one that would see more.
func AlwaysCountedRules() []string { return []string{CommonRuleGroup + "/SizeRestrictions_BODY"} }

// WebACLProps configures NewWebACL. Only Name is required.
type WebACLProps struct {
	// Name of the web ACL; it also names its CloudWatch metrics, its IP set and
	// its log group (aws-waf-logs-<Name>). 1 to 115 letters, digits, '-' and
	// '_'. Required.
	Name string
	// RateLimit is how many requests one client IP may send per
	// RateLimitWindowSeconds before the web ACL answers 429, 10 to
	// 2,000,000,000. Default: 2000.
	RateLimit *int
	// RateLimitWindowSeconds is the rate limit's evaluation window: 60, 120,
	// 300 or 600. Default: 300.
	RateLimitWindowSeconds *int
	// AllowedCidrs, when not empty, are the only IPv4 networks admitted;
	// every other address gets 403 (an IP set and a rule evaluated first).
	// Default: none (every address).
	AllowedCidrs []string
	// CountRules are managed rules ("<rule group>/<rule>") that count
	// instead of block, on top of AlwaysCountedRules. Default: none.
	CountRules []string
	// LogRetention of the web ACL's log group.
	// Default: awslogs.RetentionDays_ONE_YEAR.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the log group; its policy must let this
	// region's CloudWatch Logs use it (NewLogsKey makes one).
	// Default: a new key from NewLogsKey.
	LogEncryptionKey awskms.IKey
	// RemovalPolicy of the log group (and of the key, when created here).
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// WebACL is a REGIONAL AWS WAF web ACL for one Application Load Balancer.
// Rules, in order: the allowlist (if any, 403), the Amazon IP reputation
// list, the per-IP rate limit (429), known bad inputs and the common rule
// set. It logs blocked and counted requests, with the Authorization and
// Cookie headers redacted, to a KMS-encrypted log group.
type WebACL interface {
	constructs.IConstruct
	// Resource is the web ACL.
	Resource() awswafv2.CfnWebACL
	// WebACLArn is the web ACL's ARN, the value of the Ingress annotation
	// alb.ingress.kubernetes.io/wafv2-acl-arn.
	WebACLArn() *string
	// AllowedIPSet is the allowlist's IP set; nil without AllowedCidrs.
	AllowedIPSet() awswafv2.CfnIPSet
	// LogGroup receives the web ACL's logs.
	LogGroup() awslogs.ILogGroup
	// Logging is the web ACL's logging configuration.
	Logging() awswafv2.CfnLoggingConfiguration
}

type webACL struct {
	constructs.Construct
	acl     awswafv2.CfnWebACL
	ipSet   awswafv2.CfnIPSet
	logs    awslogs.ILogGroup
	logging awswafv2.CfnLoggingConfiguration
}

func (w *webACL) Resource() awswafv2.CfnWebACL              { return w.acl }
func (w *webACL) WebACLArn() *string                        { return w.acl.AttrArn() }
func (w *webACL) AllowedIPSet() awswafv2.CfnIPSet           { return w.ipSet }
func (w *webACL) LogGroup() awslogs.ILogGroup               { return w.logs }
func (w *webACL) Logging() awswafv2.CfnLoggingConfiguration { return w.logging }

var (
	webACLNameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,115}$`)
	managedRuleRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	rateWindows    = []int{60, 120, 300, 600}
	managedGroups  = []string{IPReputationRuleGroup, KnownBadInputsRuleGroup, CommonRuleGroup}
	edgeMinRate    = 10
	edgeMaxRate    = 2_000_000_000
	defaultRate    = 2000
	defaultWindow  = 300
	logGroupPrefix = "aws-waf-logs-"
)

// resolveWebACLProps returns a copy of p with defaults applied.
func resolveWebACLProps(p *WebACLProps) WebACLProps {
	r := WebACLProps{}
	if p != nil {
		r = *p
	}
	rate, window := defaultRate, defaultWindow
	if r.RateLimit != nil {
		rate = *r.RateLimit
	}
	if r.RateLimitWindowSeconds != nil {
		window = *r.RateLimitWindowSeconds
	}
	r.RateLimit, r.RateLimitWindowSeconds = &rate, &window
	r.AllowedCidrs = slices.Clone(r.AllowedCidrs)
	r.CountRules = slices.Clone(r.CountRules)
	if r.LogRetention == "" {
		r.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	if r.RemovalPolicy == "" {
		r.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	return r
}

func (p WebACLProps) validate() error {
	var errs []error
	add := func(field string, got any, want string) {
		errs = append(errs, fmt.Errorf("edge.WebACLProps.%s: got %v, want %s", field, got, want))
	}
	if !webACLNameRE.MatchString(p.Name) {
		add("Name", fmt.Sprintf("%q", p.Name), "1 to 115 letters, digits, '-' and '_'")
	}
	if n := *p.RateLimit; n < edgeMinRate || n > edgeMaxRate {
		add("RateLimit", n, fmt.Sprintf("%d to %d requests per client IP per window", edgeMinRate, edgeMaxRate))
	}
	if !slices.Contains(rateWindows, *p.RateLimitWindowSeconds) {
		add("RateLimitWindowSeconds", *p.RateLimitWindowSeconds, fmt.Sprintf("one of %v", rateWindows))
	}
	for i, c := range p.AllowedCidrs {
		prefix, err := netip.ParsePrefix(c)
		if err != nil || !prefix.Addr().Is4() || prefix.Masked() != prefix || prefix.Bits() == 0 {
			add(fmt.Sprintf("AllowedCidrs[%d]", i), fmt.Sprintf("%q", c), "an IPv4 network narrower than 0.0.0.0/0, e.g. 203.0.113.0/24")
		}
	}
	for i, r := range p.CountRules {
		group, rule, ok := strings.Cut(r, "/")
		if !ok || !slices.Contains(managedGroups, group) || !managedRuleRE.MatchString(rule) {
			add(fmt.Sprintf("CountRules[%d]", i), fmt.Sprintf("%q", r), "<rule group>/<rule> with a rule group among "+strings.Join(managedGroups, ", "))
		}
	}
	return errors.Join(errs...)
}

// NewLogsKey creates a customer managed KMS key (rotation on) that this
// region's CloudWatch Logs may use for the log groups of this account.
func NewLogsKey(scope constructs.Construct, id, description string, removal awscdk.RemovalPolicy) awskms.Key {
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
	})
	stack := awscdk.Stack_Of(scope)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", *stack.Partition(), *stack.Region(), *stack.Account()),
		}},
	}), nil)
	return key
}

// NewWebACL creates the web ACL, its allowlist IP set, its log group and its
// logging configuration. It panics, listing every invalid prop, before
// creating anything.
func NewWebACL(scope constructs.Construct, id string, props *WebACLProps) WebACL {
	p := resolveWebACLProps(props)
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("edge.NewWebACL %q: invalid props:\n%w", id, err))
	}
	w := &webACL{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	visibility := func(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(p.Name + "-" + metric),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	block := func(status float64) *awswafv2.CfnWebACL_RuleActionProperty {
		return &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
			CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{ResponseCode: jsii.Number(status)},
		}}
	}
	counted := map[string][]string{}
	for _, r := range append(AlwaysCountedRules(), p.CountRules...) {
		group, rule, _ := strings.Cut(r, "/")
		if !slices.Contains(counted[group], rule) {
			counted[group] = append(counted[group], rule)
		}
	}
	managed := func(group string, priority float64) *awswafv2.CfnWebACL_RuleProperty {
		stmt := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(group)}
		var overrides []any
		for _, rule := range counted[group] {
			overrides = append(overrides, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
				Name:        jsii.String(rule),
				ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: map[string]any{}},
			})
		}
		if len(overrides) > 0 {
			stmt.RuleActionOverrides = &overrides
		}
		return &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(group),
			Priority:         jsii.Number(priority),
			Statement:        &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: stmt},
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			VisibilityConfig: visibility(group),
		}
	}

	var rules []any
	if len(p.AllowedCidrs) > 0 {
		w.ipSet = awswafv2.NewCfnIPSet(w.Construct, jsii.String("AllowedCidrs"), &awswafv2.CfnIPSetProps{
			Name:             jsii.String(p.Name + "-allowed"),
			Description:      jsii.String("The only networks " + p.Name + " admits"),
			Scope:            jsii.String("REGIONAL"),
			IpAddressVersion: jsii.String("IPV4"),
			Addresses:        jsii.Strings(p.AllowedCidrs...),
		})
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String(AllowlistRuleName),
			Priority: jsii.Number(0),
			Statement: &awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{
				Statement: &awswafv2.CfnWebACL_StatementProperty{IpSetReferenceStatement: &awswafv2.CfnWebACL_IPSetReferenceStatementProperty{
					Arn: w.ipSet.AttrArn(),
				}},
			}},
			Action:           block(403),
			VisibilityConfig: visibility(AllowlistRuleName),
		})
	}
	rules = append(rules,
		managed(IPReputationRuleGroup, 10),
		&awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String(RateLimitRuleName),
			Priority: jsii.Number(20),
			Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				AggregateKeyType:    jsii.String("IP"),
				Limit:               jsii.Number(float64(*p.RateLimit)),
				EvaluationWindowSec: jsii.Number(float64(*p.RateLimitWindowSeconds)),
			}},
			Action:           block(429),
			VisibilityConfig: visibility(RateLimitRuleName),
		},
		managed(KnownBadInputsRuleGroup, 30),
		managed(CommonRuleGroup, 40),
	)
	w.acl = awswafv2.NewCfnWebACL(w.Construct, jsii.String("Resource"), &awswafv2.CfnWebACLProps{
		Name:             jsii.String(p.Name),
		Description:      jsii.String("OpenCTI load balancer " + p.Name + ": AWS managed rules, per-IP rate limit" + allowlistNote(p)),
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility("all"),
		Rules:            &rules,
	})

	key := p.LogEncryptionKey
	if key == nil {
		key = NewLogsKey(w.Construct, "LogsKey", "WAF logs of "+p.Name, p.RemovalPolicy)
	}
	logName := logGroupPrefix + p.Name
	w.logs = awslogs.NewLogGroup(w.Construct, jsii.String("Logs"), &awslogs.LogGroupProps{
		// AWS WAF delivers only to log groups named aws-waf-logs-*.
		LogGroupName:  jsii.String(logName),
		Retention:     p.LogRetention,
		EncryptionKey: key,
		RemovalPolicy: p.RemovalPolicy,
	})
	// The destination is the log group ARN without the ":*" suffix.
	logArn := awscdk.Stack_Of(w.Construct).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(logName),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	// LoggingFilter and SingleHeader are untyped JSON in the CloudFormation
	// schema: CDK passes them through as written, so their keys are PascalCase.
	keep := func(action string) map[string]any {
		return map[string]any{"ActionCondition": map[string]any{"Action": action}}
	}
	redact := func(header string) *awswafv2.CfnLoggingConfiguration_FieldToMatchProperty {
		return &awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": header}}
	}
	w.logging = awswafv2.NewCfnLoggingConfiguration(w.Construct, jsii.String("Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn:           w.acl.AttrArn(),
		LogDestinationConfigs: &[]any{logArn},
		// API tokens and session cookies never reach the logs.
		RedactedFields: &[]any{redact("authorization"), redact("cookie")},
		// Only what the web ACL blocked or counted: the load balancer's access
		// logs already hold every request.
		LoggingFilter: map[string]any{
			"DefaultBehavior": "DROP",
			"Filters": []any{map[string]any{
				"Behavior":    "KEEP",
				"Requirement": "MEETS_ANY",
				"Conditions":  []any{keep("BLOCK"), keep("COUNT"), keep("EXCLUDED_AS_COUNT")},
			}},
		},
	})
	w.logging.Node().AddDependency(w.logs)
	return w
}

func allowlistNote(p WebACLProps) string {
	if len(p.AllowedCidrs) == 0 {
		return ""
	}
	return fmt.Sprintf(", allowlist of %d networks", len(p.AllowedCidrs))
}
