package cluster

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppressNagFindings records, with a reason, every cdk-nag AwsSolutions
// finding this construct accepts. Findings on resources we create sit on the
// narrowest construct and name the exact policy or resource (appliesTo);
// findings inside CDK's own providers are suppressed by path.
func (c *cluster) suppressNagFindings(r *resolved) {
	stack := awscdk.Stack_Of(c.Construct)
	managed := func(names ...string) *[]any {
		out := []any{}
		for _, n := range names {
			out = append(out, "Policy::arn:<AWS::Partition>:iam::aws:policy/"+n)
		}
		return &out
	}

	// The ExternalSecrets role: the narrowest resources possible.
	const (
		env     = `(<AWS::Partition>|aws[-a-z]*)`
		region  = `(<AWS::Region>|[a-z0-9-]+)`
		account = `(<AWS::AccountId>|[0-9]{12})`
	)
	cdknag.NagSuppressions_AddResourceSuppressions(c.externalSecretsRl, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Secrets Manager appends a random suffix to every secret ARN, so the secrets are named by the " +
			"configured prefix (<prefix>/*), read-only (GetSecretValue, DescribeSecret). The keys that encrypt them belong to " +
			"the Data stack and are unknown here: kms:Decrypt is limited to calls made through Secrets Manager " +
			"(kms:ViaService) in this account and region."),
		// Partition, region and account render as literals or <AWS::...>
		// placeholders depending on the stack's environment and feature flags.
		AppliesTo: &[]any{
			cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:` + env + `:secretsmanager:` + region + `:` + account + `:secret:` + regexp.QuoteMeta(r.SecretsPrefix) + `\/\*$/`)},
			cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:` + env + `:kms:` + region + `:` + account + `:key\/\*$/`)},
		},
	}}, jsii.Bool(false))

	// Node role of the OpenCTI pools: the policies EKS Auto Mode documents.
	cdknag.NagSuppressions_AddResourceSuppressions(c.nodeRole, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM4"),
		Reason:    jsii.String("EKS Auto Mode node roles use the AWS-managed minimal node and ECR pull-only policies AWS documents for them; they grant nothing beyond joining the cluster and pulling images."),
		AppliesTo: managed("AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly"),
	}}, jsii.Bool(true))

	// Roles awseksv2.Cluster creates for the control plane and the built-in pools.
	eksPath := *c.cluster.Node().Path()
	byPath := func(path string, children bool, s ...*cdknag.NagPackSuppression) {
		cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/"+path), &s, jsii.Bool(children))
	}
	byPath(eksPath+"/Role", true, &cdknag.NagPackSuppression{
		Id:     jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("The EKS cluster role of an Auto Mode cluster must carry these AWS-managed policies (cluster, compute, block storage, load balancing, networking); EKS documents no customer-managed equivalent."),
		AppliesTo: managed("AmazonEKSClusterPolicy", "AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy",
			"AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy"),
	})
	if len(r.BuiltInNodePools) > 0 {
		byPath(eksPath+"/"+*c.cluster.Node().Id()+"nodePoolRole", true, &cdknag.NagPackSuppression{
			Id:        jsii.String("AwsSolutions-IAM4"),
			Reason:    jsii.String("Node role aws-cdk-lib creates for the EKS Auto Mode built-in node pools, with the AWS-managed worker node and ECR read-only policies EKS requires."),
			AppliesTo: managed("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"),
		})
	}
	// The kubectl provider: aws-cdk-lib's own Lambda functions and provider framework.
	byPath(eksPath+"/KubectlProvider", true,
		&cdknag.NagPackSuppression{
			Id:     jsii.String("AwsSolutions-IAM4"),
			Reason: jsii.String("CDK-internal kubectl provider: aws-cdk-lib attaches AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole and ECR read-only policies to its handler and provider framework; they are not configurable."),
		},
		&cdknag.NagPackSuppression{
			Id:     jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("CDK-internal kubectl provider: the provider framework may invoke any version of its own handler function (<handler ARN>:*)."),
		},
		&cdknag.NagPackSuppression{
			Id:     jsii.String("AwsSolutions-L1"),
			Reason: jsii.String("CDK-internal kubectl provider: aws-cdk-lib picks the handler runtime (the latest Python it supports); upgrading aws-cdk-lib upgrades it."),
		},
	)
	// The LogRetention singleton Lambda that sets the control-plane log group's retention.
	if logRetention := stack.Node().TryFindChild(jsii.String("LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a")); logRetention != nil {
		byPath(*logRetention.Node().Path(), true,
			&cdknag.NagPackSuppression{
				Id:        jsii.String("AwsSolutions-IAM4"),
				Reason:    jsii.String("CDK-internal LogRetention function (sets the retention of the EKS control-plane log group, which EKS creates): it uses AWSLambdaBasicExecutionRole for its own logs."),
				AppliesTo: managed("service-role/AWSLambdaBasicExecutionRole"),
			},
			&cdknag.NagPackSuppression{
				Id:        jsii.String("AwsSolutions-IAM5"),
				Reason:    jsii.String("CDK-internal LogRetention function: logs:PutRetentionPolicy/DeleteRetentionPolicy on * because the log group is named by EKS at deploy time."),
				AppliesTo: &[]any{"Resource::*"},
			},
		)
	}
}
