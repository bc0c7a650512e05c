package recovery

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/problems"
)

var (
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	// nameRe is the configuration's deployment name rule (config.Config.Name).
	nameRe   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,39}$`)
	regionRe = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
)

func isToken(s string) bool { return *awscdk.Token_IsUnresolved(jsii.String(s)) }

func checkName(pr *problems.List, field string, name *string) {
	if name == nil || (!isToken(*name) && !nameRe.MatchString(*name)) {
		pr.Add(field, name, "the deployment's name: 1-40 letters, digits or hyphens, starting with a letter")
	}
}
