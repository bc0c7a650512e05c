// Package edge provides what stands in front of the OpenCTI load balancers:
// an AWS WAF web ACL per load balancer (AWS managed rule groups, a per-IP
// rate limit, an optional allowlist, logs in CloudWatch Logs), the S3 bucket
// the load balancers write their access logs to, and the Route 53 alias
// records of the public hostnames, resolved at deploy time because the load
// balancers are created at run time by the EKS load balancer controller.
package edge

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/edge/edgespec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
	"github.com/opencti-ha/opencti-ha/internal/awsutil"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// AWS managed rule groups of every web ACL, in evaluation order.
const (
	IPReputationRuleGroup   = edgespec.IPReputationRuleGroup
	KnownBadInputsRuleGroup = edgespec.KnownBadInputsRuleGroup
	CommonRuleGroup         = edgespec.CommonRuleGroup
)

// Names of the web ACL's own rules.
const (
	AllowlistRuleName = "AllowedCidrsOnly"
	RateLimitRuleName = "RateLimitPerIp"
)

// AlwaysCountedRules are managed rules that count instead of block whatever
// WebACLProps.CountRules says (see edgespec.AlwaysCountedRules).
func AlwaysCountedRules() []string { return edgespec.AlwaysCountedRules() }

// WebACLProps configures NewWebACL. Only Name is required.
type WebACLProps struct {
	// Name of the web ACL; it also names its CloudWatch metrics, its IP set and
	// its log group (aws-waf-logs-<Name>). 1 to 115 letters, digits, '-' and
	// '_'. Required.
	Name string
	// RateLimit is how many requests one client IP may send per
	// RateLimitWindowSeconds before the web ACL answers 429, 10 to
	// 2,000,000,000. Default: edgespec.DefaultRateLimit (2000).
	RateLimit *int
	// RateLimitWindowSeconds is the rate limit's evaluation window: 60, 120,
	// 300 or 600. Default: edgespec.DefaultRateLimitWindowSeconds (300).
	RateLimitWindowSeconds *int
	// AllowedCidrs, when not empty, are the only IPv4 networks admitted;
	// every other address gets 403 (an IP set and a rule evaluated first).
	// Default: none (every address).
	AllowedCidrs []string
	// CountRules are managed rules ("<rule group>/<rule>") that count
	// instead of block, on top of AlwaysCountedRules; the rules that inspect
	// request bodies, which in OpenCTI carry threat intelligence, are
	// edgespec.DefaultCountRules() (the configuration's default).
	// Default: none.
	CountRules []string
	// LogRetention of the web ACL's log group.
	// Default: awslogs.RetentionDays_ONE_YEAR.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the log group; its policy must let this
	// region's CloudWatch Logs use it (secrets.NewLogsKey makes one).
	// Default: a new key from secrets.NewLogsKey.
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
	constructs.Construct
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
	// LogEncryptionKey encrypts the log group.
	LogEncryptionKey() awskms.IKey
}

type webACL struct {
	constructs.Construct
	acl     awswafv2.CfnWebACL
	ipSet   awswafv2.CfnIPSet
	logs    awslogs.ILogGroup
	logging awswafv2.CfnLoggingConfiguration
	key     awskms.IKey
}

func (w *webACL) Resource() awswafv2.CfnWebACL              { return w.acl }
func (w *webACL) WebACLArn() *string                        { return w.acl.AttrArn() }
func (w *webACL) AllowedIPSet() awswafv2.CfnIPSet           { return w.ipSet }
func (w *webACL) LogGroup() awslogs.ILogGroup               { return w.logs }
func (w *webACL) Logging() awswafv2.CfnLoggingConfiguration { return w.logging }
func (w *webACL) LogEncryptionKey() awskms.IKey             { return w.key }

var webACLNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,115}$`)

// logGroupPrefix starts the name of every log group AWS WAF delivers to.
const logGroupPrefix = "aws-waf-logs-"

// resolveWebACLProps returns a copy of p with defaults applied.
func resolveWebACLProps(p *WebACLProps) WebACLProps {
	r := WebACLProps{}
	if p != nil {
		r = *p
	}
	defaults.Set(&r.RateLimit, edgespec.DefaultRateLimit)
	defaults.Set(&r.RateLimitWindowSeconds, edgespec.DefaultRateLimitWindowSeconds)
	defaults.Slice(&r.AllowedCidrs, nil)
	defaults.Slice(&r.CountRules, nil)
	defaults.Zero(&r.LogRetention, awslogs.RetentionDays_ONE_YEAR)
	defaults.Zero(&r.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
	return r
}

func (p WebACLProps) validate() error {
	const f = "edge.WebACLProps."
	pr := &problems.List{}
	if !webACLNameRE.MatchString(p.Name) {
		pr.Add(f+"Name", p.Name, "1 to 115 letters, digits, '-' and '_'")
	}
	edgespec.CheckRateLimit(pr, f+"RateLimit", *p.RateLimit)
	edgespec.CheckRateLimitWindowSeconds(pr, f+"RateLimitWindowSeconds", *p.RateLimitWindowSeconds)
	edgespec.CheckAllowedCidrs(pr, func(i int) string { return fmt.Sprintf(f+"AllowedCidrs[%d]", i) }, p.AllowedCidrs)
	edgespec.CheckCountRules(pr, func(i int) string { return fmt.Sprintf(f+"CountRules[%d]", i) }, p.CountRules)
	awsutil.CheckRemovalPolicy(pr, f+"RemovalPolicy", p.RemovalPolicy)
	return pr.Err()
}

// NewWebACL creates the web ACL, its allowlist IP set, its log group and its
// logging configuration. It panics with an *problems.InvalidProps, listing
// every invalid prop, before creating anything.
func NewWebACL(scope constructs.Construct, id string, props *WebACLProps) WebACL {
	p := resolveWebACLProps(props)
	problems.PanicIfInvalid("edge.NewWebACL", id, p.validate())
	w := &webACL{}
	constructs.NewConstruct_Override(w, scope, jsii.String(id))
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
		w.ipSet = awswafv2.NewCfnIPSet(w, jsii.String("AllowedCidrs"), &awswafv2.CfnIPSetProps{
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
	w.acl = awswafv2.NewCfnWebACL(w, jsii.String("Resource"), &awswafv2.CfnWebACLProps{
		Name:             jsii.String(p.Name),
		Description:      jsii.String("OpenCTI load balancer " + p.Name + ": AWS managed rules, per-IP rate limit" + allowlistNote(p)),
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility("all"),
		Rules:            &rules,
	})

	key := p.LogEncryptionKey
	if key == nil {
		key = secrets.NewLogsKey(w, "LogsKey", &secrets.LogsKeyProps{
			Description:   jsii.String("WAF logs of " + p.Name),
			RemovalPolicy: p.RemovalPolicy,
		})
	}
	w.key = key
	logName := logGroupPrefix + p.Name
	w.logs = awslogs.NewLogGroup(w, jsii.String("Logs"), &awslogs.LogGroupProps{
		// AWS WAF delivers only to log groups named aws-waf-logs-*.
		LogGroupName:  jsii.String(logName),
		Retention:     p.LogRetention,
		EncryptionKey: key,
		RemovalPolicy: p.RemovalPolicy,
	})
	// The destination is the log group ARN without the ":*" suffix.
	logArn := awscdk.Stack_Of(w).FormatArn(&awscdk.ArnComponents{
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
	w.logging = awswafv2.NewCfnLoggingConfiguration(w, jsii.String("Logging"), &awswafv2.CfnLoggingConfigurationProps{
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
