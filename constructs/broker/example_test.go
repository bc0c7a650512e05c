package broker_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/constructs/broker"
)

// ExampleNewBroker: a development broker (one mq.t3.micro instance) in an
// existing VPC, sized by changing the defaults.
func ExampleNewBroker() {
	// Any App works; this one skips aws-cdk-lib's template validation only
	// because go test runs the example (testutil.NewApp says why).
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Messaging"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
	settings := broker.DefaultSettings()
	settings.InstanceType, settings.DeploymentMode = "mq.t3.micro", broker.DeploymentModeSingleInstance
	broker.NewBroker(stack, "RabbitMQ", &broker.BrokerProps{
		Vpc:           vpc,
		Settings:      &settings,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	// The construct is in the tree as itself: found by its ID, it is the
	// broker.Broker with every resource it created.
	found := stack.Node().FindChild(jsii.String("RabbitMQ")).(broker.Broker)
	fmt.Println(*found.Resource().HostInstanceType(), *found.Resource().DeploymentMode(), found.Port())
	template := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::AmazonMQ::Broker", "AWS::AmazonMQ::Configuration", "AWS::SecretsManager::Secret", "AWS::EC2::SecurityGroup"} {
		fmt.Println(typ, len(*template.FindResources(jsii.String(typ), nil)))
	}
	// Output:
	// mq.t3.micro SINGLE_INSTANCE 5671
	// AWS::AmazonMQ::Broker 1
	// AWS::AmazonMQ::Configuration 1
	// AWS::SecretsManager::Secret 1
	// AWS::EC2::SecurityGroup 1
}
