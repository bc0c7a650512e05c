// Package edgespec holds the rules and defaults of what stands in front of
// the OpenCTI load balancers (AWS WAF web ACLs, the access log bucket),
// shared by the constructs (edge.NewWebACL, edge.NewLoadBalancerLogsBucket)
// and the configuration (edge.*). It depends on no AWS package.
package edgespec

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

// AWS managed rule groups of every web ACL, in evaluation order.
const (
	IPReputationRuleGroup   = "AWSManagedRulesAmazonIpReputationList"
	KnownBadInputsRuleGroup = "AWSManagedRulesKnownBadInputsRuleSet"
	CommonRuleGroup         = "AWSManagedRulesCommonRuleSet"
)

// ManagedRuleGroups are the AWS managed rule groups of every web ACL, the
// groups a count rule may name.
var ManagedRuleGroups = []string{IPReputationRuleGroup, KnownBadInputsRuleGroup, CommonRuleGroup}

// RateLimitWindows are the evaluation windows (seconds) AWS WAF offers for a
// rate-based rule.
var RateLimitWindows = []int{60, 120, 300, 600}

// Bounds and defaults of a web ACL and of the access log bucket.
const (
	// MinRateLimit and MaxRateLimit bound an AWS WAF rate-based rule.
	MinRateLimit = 10
	MaxRateLimit = 2_000_000_000
	// DefaultRateLimit is the requests per client IP per window of a web ACL.
	DefaultRateLimit = 2000
	// DefaultRateLimitWindowSeconds is the rate limit's window.
	DefaultRateLimitWindowSeconds = 300
	// MaxAccessLogsExpirationDays bounds how long access logs are kept.
	MaxAccessLogsExpirationDays = 3650
	// DefaultAccessLogsExpirationDays is how long access logs are kept.
	DefaultAccessLogsExpirationDays = 365
)

// AlwaysCountedRules are managed rules that count instead of block whatever
// else is configured: SizeRestrictions_BODY blocks request bodies over 8 KB,
// which OpenCTI's GraphQL mutations (STIX bundles, reports) and multipart file
// uploads exceed; an ALB passes at most the first 8 KB of a body to WAF
// anyway, so the size rule is the only one that would see more.
func AlwaysCountedRules() []string { return []string{CommonRuleGroup + "/SizeRestrictions_BODY"} }

// DefaultCountRules are the managed rules that count instead of block by
// default: those that inspect the request body, which in OpenCTI carries
// threat intelligence (indicators such as ${jndi:...}, URLs with IP
// addresses, script tags).
func DefaultCountRules() []string {
	return []string{
		CommonRuleGroup + "/CrossSiteScripting_BODY",
		CommonRuleGroup + "/GenericLFI_BODY",
		CommonRuleGroup + "/GenericRFI_BODY",
		CommonRuleGroup + "/EC2MetaDataSSRF_BODY",
		KnownBadInputsRuleGroup + "/Log4JRCE_BODY",
		KnownBadInputsRuleGroup + "/JavaDeserializationRCE_BODY",
	}
}

var ruleNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// CheckRateLimit reports n to p, as field, unless an AWS WAF rate-based rule
// takes it.
func CheckRateLimit(p *problems.List, field string, n int) {
	if n < MinRateLimit || n > MaxRateLimit {
		p.Add(field, n, fmt.Sprintf("%d to %d requests per client IP per window (the range of an AWS WAF rate-based rule)", MinRateLimit, MaxRateLimit))
	}
}

// CheckRateLimitWindowSeconds reports n to p, as field, unless it is one of
// RateLimitWindows.
func CheckRateLimitWindowSeconds(p *problems.List, field string, n int) {
	if !slices.Contains(RateLimitWindows, n) {
		p.Add(field, n, fmt.Sprintf("one of %v (the evaluation windows AWS WAF offers)", RateLimitWindows))
	}
}

// CheckAllowedCidrs reports to p every entry that is not an IPv4 network
// narrower than 0.0.0.0/0, and every repeated one; field(i) names entry i.
func CheckAllowedCidrs(p *problems.List, field func(i int) string, cidrs []string) {
	seen := map[string]bool{}
	for i, cidr := range cidrs {
		prefix, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil || !prefix.Addr().Is4() || prefix.Masked() != prefix:
			p.Add(field(i), cidr, "an IPv4 network in CIDR notation such as 203.0.113.0/24")
		case prefix.Bits() == 0:
			p.Add(field(i), cidr, "a network narrower than 0.0.0.0/0 (leave the list empty to admit every address)")
		case seen[cidr]:
			p.Add(field(i), cidr, "each CIDR once")
		}
		seen[cidr] = true
	}
}

// CheckCountRules reports to p every entry that is not "<rule group>/<rule>"
// of a group of ManagedRuleGroups, and every repeated one; field(i) names
// entry i.
func CheckCountRules(p *problems.List, field func(i int) string, rules []string) {
	seen := map[string]bool{}
	for i, r := range rules {
		group, rule, found := strings.Cut(r, "/")
		switch {
		case !found || !slices.Contains(ManagedRuleGroups, group) || !ruleNameRe.MatchString(rule):
			p.Add(field(i), r, "<rule group>/<rule> with a rule group among "+strings.Join(ManagedRuleGroups, ", ")+", e.g. "+CommonRuleGroup+"/CrossSiteScripting_BODY")
		case seen[r]:
			p.Add(field(i), r, "each rule once")
		}
		seen[r] = true
	}
}

// CheckAccessLogsExpirationDays reports n to p, as field, unless it is 1 to
// MaxAccessLogsExpirationDays.
func CheckAccessLogsExpirationDays(p *problems.List, field string, n int) {
	if n < 1 || n > MaxAccessLogsExpirationDays {
		p.Add(field, n, fmt.Sprintf("1 to %d days", MaxAccessLogsExpirationDays))
	}
}
