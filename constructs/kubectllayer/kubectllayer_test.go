package kubectllayer_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/kubectllayer"
	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

var (
	stack awscdk.Stack
	tmpl  assertions.Template
	layer interface{ LayerVersionArn() *string }
)

func TestMain(m *testing.M) {
	app := testutil.NewApp()
	stack = awscdk.NewStack(app, jsii.String("LayerTest"), nil)
	layer = kubectllayer.NewKubectlV34Layer(stack, "KubectlLayer")
	tmpl = assertions.Template_FromStack(stack, nil)
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestSynthesizesOneLayerVersion(t *testing.T) {
	testutil.Assert(t, func() {
		tmpl.ResourceCountIs(jsii.String("AWS::Lambda::LayerVersion"), jsii.Number(1))
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::LayerVersion"), map[string]interface{}{
			"Description": assertions.Match_StringLikeRegexp(jsii.String("kubectl")),
			"Content": map[string]interface{}{
				"S3Bucket": assertions.Match_AnyValue(),
				"S3Key":    assertions.Match_StringLikeRegexp(jsii.String(`\.zip$`)),
			},
		})
	})
}

func TestExposesLayerVersionArn(t *testing.T) {
	if arn := layer.LayerVersionArn(); arn == nil || *arn == "" {
		t.Fatal("LayerVersionArn is empty")
	}
}

func TestConstructIDIsStable(t *testing.T) {
	if c := stack.Node().TryFindChild(jsii.String("KubectlLayer")); c == nil {
		t.Fatal("construct KubectlLayer not found under the stack")
	}
}
