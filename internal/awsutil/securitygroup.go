package awsutil

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ClientPort is a TCP port a data service admits its clients on.
type ClientPort struct {
	// Port is the TCP port.
	Port int
	// Description describes the ingress rule.
	Description string
}

// NewClosedSecurityGroup creates the security group "SecurityGroup" under
// scope for a data service: no egress, and ingress only from clients, on
// ports (one rule per client and port, in that order).
func NewClosedSecurityGroup(scope constructs.Construct, vpc awsec2.IVpc, description string, clients []awsec2.ISecurityGroup, ports ...ClientPort) awsec2.SecurityGroup {
	sg := awsec2.NewSecurityGroup(scope, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String(description),
		AllowAllOutbound: jsii.Bool(false),
	})
	for _, client := range clients {
		for _, port := range ports {
			sg.AddIngressRule(client, awsec2.Port_Tcp(jsii.Number(float64(port.Port))), jsii.String(port.Description), jsii.Bool(false))
		}
	}
	return sg
}
