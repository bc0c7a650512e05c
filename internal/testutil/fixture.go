package testutil

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Fixture is a test stack in eu-west-1 of a fixed test account. With
// NewVPCFixture it also holds a VPC with isolated "Data" subnets in three AZs
// and a "Workload" security group standing for the cluster's pods, the shape
// the data-service constructs are built into.
type Fixture struct {
	Stack  awscdk.Stack
	Vpc    awsec2.Vpc
	Client awsec2.SecurityGroup
	// Template and JSON are set by Synth.
	Template assertions.Template
	JSON     map[string]any
}

// NewFixture creates an empty test stack name in app.
func NewFixture(app awscdk.App, name string) *Fixture {
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	return &Fixture{Stack: awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: env})}
}

// NewVPCFixture creates a test stack with the VPC and the workload group.
func NewVPCFixture(app awscdk.App, name string) *Fixture {
	f := NewFixture(app, name)
	f.Vpc = awsec2.NewVpc(f.Stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b", "eu-west-1c"),
		NatGateways:       jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(f.Vpc, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-VPC7"), Reason: jsii.String("Test fixture; the Network stack owns flow logs."),
	}}, jsii.Bool(true))
	f.Client = awsec2.NewSecurityGroup(f.Stack, jsii.String("Workload"), &awsec2.SecurityGroupProps{
		Vpc: f.Vpc, Description: jsii.String("workload"), AllowAllOutbound: jsii.Bool(true),
	})
	return f
}

// Synth synthesizes the stack into Template and JSON.
func (f *Fixture) Synth() {
	f.Template = assertions.Template_FromStack(f.Stack, nil)
	f.JSON = *f.Template.ToJSON()
}

// Resources returns the resources of type typ in a template, by logical ID.
func Resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		if res := r.(map[string]any); res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// IngressRules lists "source:fromPort-toPort" for every ingress rule of the
// security group sgID, inline or separate (source is the JSON of the source
// group ID or CIDR).
func IngressRules(tmpl map[string]any, sgID string) []string {
	var out []string
	rule := func(r map[string]any) {
		src, _ := json.Marshal(r["SourceSecurityGroupId"])
		if r["CidrIp"] != nil {
			src, _ = json.Marshal(r["CidrIp"])
		}
		out = append(out, fmt.Sprintf("%s:%v-%v", src, r["FromPort"], r["ToPort"]))
	}
	sg := tmpl["Resources"].(map[string]any)[sgID].(map[string]any)["Properties"].(map[string]any)
	if inline, ok := sg["SecurityGroupIngress"].([]any); ok {
		for _, r := range inline {
			rule(r.(map[string]any))
		}
	}
	for _, r := range Resources(tmpl, "AWS::EC2::SecurityGroupIngress") {
		p := r["Properties"].(map[string]any)
		if gid, _ := json.Marshal(p["GroupId"]); strings.Contains(string(gid), `"`+sgID+`"`) {
			rule(p)
		}
	}
	return out
}
