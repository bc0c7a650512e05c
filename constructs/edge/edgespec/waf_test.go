package edgespec_test

import (
	"fmt"
	"testing"

	"github.com/opencti-ha/opencti-ha/constructs/edge/edgespec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

func TestDefaultsAreValid(t *testing.T) {
	var p problems.List
	edgespec.CheckRateLimit(&p, "rateLimit", edgespec.DefaultRateLimit)
	edgespec.CheckRateLimitWindowSeconds(&p, "window", edgespec.DefaultRateLimitWindowSeconds)
	edgespec.CheckAccessLogsExpirationDays(&p, "days", edgespec.DefaultAccessLogsExpirationDays)
	edgespec.CheckCountRules(&p, func(i int) string { return fmt.Sprint(i) }, append(edgespec.DefaultCountRules(), edgespec.AlwaysCountedRules()...))
	if err := p.Err(); err != nil {
		t.Error(err)
	}
}

func TestRepeatedEntries(t *testing.T) {
	var p problems.List
	field := func(i int) string { return fmt.Sprintf("allowedCidrs[%d]", i) }
	edgespec.CheckAllowedCidrs(&p, field, []string{"203.0.113.0/24", "203.0.113.0/24"})
	want := `allowedCidrs[1]: got "203.0.113.0/24", want each CIDR once`
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
