package stacks

import (
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

func TestNetworkSpansThreeZones(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			f := fixtureFor(t, env)
			subnets := f.Resources(t, f.App.Network.Stack, "AWS::EC2::Subnet")
			byType := map[string][]string{}
			for _, s := range subnets {
				props := s["Properties"].(map[string]any)
				var kind string
				for _, tag := range props["Tags"].([]any) {
					tm := tag.(map[string]any)
					if tm["Key"] == "aws-cdk:subnet-type" {
						kind = tm["Value"].(string)
					}
				}
				byType[kind] = append(byType[kind], props["AvailabilityZone"].(string))
			}
			for _, kind := range []string{"Public", "Private", "Isolated"} {
				azs := byType[kind]
				sort.Strings(azs)
				if fmt.Sprint(azs) != fmt.Sprint(f.Config.AvailabilityZones) {
					t.Errorf("%s subnets in %v, want one in each of %v", kind, azs, f.Config.AvailabilityZones)
				}
			}
			nat := map[string]int{"dev": 1, "prod": 3}[env]
			testutil.Assert(t, func() {
				f.Template(t, f.App.Network.Stack).ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(float64(nat)))
			})
		})
	}
}

func TestNetworkFlowLogsAreEncryptedAndRetained(t *testing.T) {
	for env, days := range map[string]int{"dev": 30, "prod": 365} {
		f := fixtureFor(t, env)
		tpl := f.Template(t, f.App.Network.Stack)
		testutil.Assert(t, func() {
			tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{
				"ResourceType": "VPC",
				"TrafficType":  "ALL",
			})
			tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
				"RetentionInDays": days,
				"KmsKeyId":        assertions.Match_AnyValue(),
			})
			tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
		})
	}
	prod := fixtureFor(t, "prod")
	testutil.Assert(t, func() {
		prod.Template(t, prod.App.Network.Stack).HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
			"DeletionPolicy":      "RetainExceptOnCreate",
			"UpdateReplacePolicy": "Retain",
		})
	})
}

func TestNetworkEndpoints(t *testing.T) {
	f := fixtureFor(t, "dev")
	tpl := f.Template(t, f.App.Network.Stack)
	testutil.Assert(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
			"VpcEndpointType": "Gateway",
			"ServiceName":     assertions.Match_AnyValue(),
		})
	})
	want := []string{"secretsmanager", "sts", "ecr.api", "ecr.dkr", "logs"}
	for _, svc := range want {
		testutil.Assert(t, func() {
			tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
				"VpcEndpointType":   "Interface",
				"ServiceName":       "com.amazonaws." + f.Config.Region + "." + svc,
				"PrivateDnsEnabled": true,
			})
		})
	}
	testutil.Assert(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(float64(len(want)+1)))
	})
}

func TestNetworkCertificatesForBothHostnames(t *testing.T) {
	f := fixtureFor(t, "prod")
	tpl := f.Template(t, f.App.Network.Stack)
	for _, host := range []string{f.Config.DNS.UIHostname, f.Config.DNS.APIHostname} {
		testutil.Assert(t, func() {
			tpl.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), map[string]any{
				"DomainName":       host,
				"ValidationMethod": "DNS",
				"DomainValidationOptions": []any{map[string]any{
					"DomainName":   host,
					"HostedZoneId": f.Config.DNS.ZoneID,
				}},
			})
		})
	}
}

func TestNetworkHasNoNagErrors(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		f := fixtureFor(t, env)
		f.requireNoErrors(t, f.App.Network.Stack)
	}
}
