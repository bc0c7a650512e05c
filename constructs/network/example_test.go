package network_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/network"
)

// ExampleNewNetwork: a smaller VPC with one NAT gateway, in two named zones.
func ExampleNewNetwork() {
	// Any App works; this one skips aws-cdk-lib's template validation only
	// because go test runs the example (testutil.NewApp says why).
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Shared"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-central-1")},
	})
	settings := network.DefaultSettings()
	settings.VpcCidr, settings.NatGateways = "10.70.0.0/18", 1
	net := network.NewNetwork(stack, "OpenCTINetwork", &network.NetworkProps{
		Settings:          &settings,
		AvailabilityZones: []string{"eu-central-1a", "eu-central-1b"},
	})
	fmt.Println(*net.WorkloadSubnets().SubnetGroupName, len(*net.Vpc().PrivateSubnets()), len(*net.Vpc().IsolatedSubnets()))
	template := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::VPCEndpoint", "AWS::EC2::FlowLog"} {
		fmt.Println(typ, len(*template.FindResources(jsii.String(typ), nil)))
	}
	// Output:
	// Workload 2 2
	// AWS::EC2::Subnet 6
	// AWS::EC2::NatGateway 1
	// AWS::EC2::VPCEndpoint 6
	// AWS::EC2::FlowLog 1
}
