package cluster

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/constructs/cluster/clusterspec"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/internal/defaults"
)

// Docker Hub as an Amazon ECR pull-through cache upstream: the registry name
// and URL the ECR API documents for it.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html
const (
	DockerHubUpstreamRegistry    = "docker-hub"
	DockerHubUpstreamRegistryURL = "registry-1.docker.io"
	// DefaultImageCachePrefix is the ECR repository prefix of the cache.
	DefaultImageCachePrefix = clusterspec.DefaultImageCachePrefix
	// PullThroughCacheSecretPrefix starts the name of every Secrets Manager
	// secret ECR accepts as upstream credentials.
	PullThroughCacheSecretPrefix = clusterspec.PullThroughCacheSecretPrefix
)

// DockerHubCacheProps configures NewDockerHubCache.
type DockerHubCacheProps struct {
	// CredentialsSecretArn is the complete ARN of the Secrets Manager secret
	// holding the Docker Hub credentials as JSON {"username": ...,
	// "accessToken": ...}. ECR requires the secret's name to start with
	// "ecr-pullthroughcache/" and the secret to be in the rule's account and
	// region. Required (Docker Hub rules need authentication).
	CredentialsSecretArn *string
	// RepositoryPrefix is the ECR repository prefix of the cache: the image
	// docker.io/opencti/platform is pulled as
	// <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/opencti/platform.
	// 2-30 characters (ECR's pattern). Default: DefaultImageCachePrefix.
	RepositoryPrefix *string
	// NodeRoles are the roles of the nodes that pull through the cache. The
	// first pull of an image creates its repository under the prefix:
	// AmazonEC2ContainerRegistryPullOnly (the EKS Auto Mode node policy)
	// grants ecr:BatchImportUpstreamImage but not ecr:CreateRepository, so
	// each role gets both, on repositories under the prefix only.
	// Default: none (grant them yourself).
	NodeRoles []awsiam.IRole
}

// DockerHubCache is an Amazon ECR pull-through cache rule for Docker Hub.
type DockerHubCache interface {
	constructs.Construct
	// Rule is the AWS::ECR::PullThroughCacheRule.
	Rule() awsecr.CfnPullThroughCacheRule
	// RepositoryPrefix is the cache's ECR repository prefix.
	RepositoryPrefix() string
	// NodePullPolicies let the node roles create and import the cached
	// repositories, one per role, in NodeRoles' order.
	NodePullPolicies() []awsiam.Policy
	// Registry is "<account>.dkr.ecr.<region>.<url suffix>/<prefix>": an
	// image docker.io/<namespace>/<name>:<tag> is
	// <Registry>/<namespace>/<name>:<tag> (official images: namespace
	// "library").
	Registry() *string
}

type dockerHubCache struct {
	constructs.Construct
	rule     awsecr.CfnPullThroughCacheRule
	prefix   string
	policies []awsiam.Policy
}

func (c *dockerHubCache) Rule() awsecr.CfnPullThroughCacheRule { return c.rule }
func (c *dockerHubCache) RepositoryPrefix() string             { return c.prefix }
func (c *dockerHubCache) NodePullPolicies() []awsiam.Policy    { return c.policies }
func (c *dockerHubCache) Registry() *string {
	stack := awscdk.Stack_Of(c)
	return jsii.String(*stack.Account() + ".dkr.ecr." + *stack.Region() + "." + *stack.UrlSuffix() + "/" + c.prefix)
}

// NewDockerHubCache creates a pull-through cache rule for Docker Hub, so that
// nodes pull Docker Hub images through ECR: ECR fetches them from AWS
// addresses with the account's Docker Hub credentials, instead of every node
// pulling anonymously through a NAT gateway (anonymous Docker Hub pulls are
// rate-limited per source address), and later pulls are served from the
// cached repositories. The rule holds no data (the cached repositories are
// created by ECR, outside the stack, and outlive it); its prefix is unique in
// the registry, so no other rule of the account may use it. It panics
// with an *problems.InvalidProps, listing every invalid prop, before creating
// anything.
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-rule.html
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html
func NewDockerHubCache(scope constructs.Construct, id string, props *DockerHubCacheProps) DockerHubCache {
	p := DockerHubCacheProps{}
	if props != nil {
		p = *props
	}
	defaults.Set(&p.RepositoryPrefix, DefaultImageCachePrefix)
	prefix := *p.RepositoryPrefix
	const f = "cluster.DockerHubCacheProps."
	pr := &problems.List{}
	clusterspec.CheckImageCachePrefix(pr, f+"RepositoryPrefix", prefix)
	switch {
	case p.CredentialsSecretArn == nil:
		pr.Add(f+"CredentialsSecretArn", p.CredentialsSecretArn, `the complete ARN of a secret named "ecr-pullthroughcache/<name>" (Docker Hub rules need credentials)`)
	case !*awscdk.Token_IsUnresolved(p.CredentialsSecretArn):
		clusterspec.CheckImageCacheSecretArn(pr, f+"CredentialsSecretArn", *p.CredentialsSecretArn)
	}
	problems.PanicIfInvalid("cluster.NewDockerHubCache", id, pr.Err())

	c := &dockerHubCache{prefix: prefix}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	c.rule = awsecr.NewCfnPullThroughCacheRule(c, jsii.String("Resource"), &awsecr.CfnPullThroughCacheRuleProps{
		EcrRepositoryPrefix: jsii.String(prefix),
		UpstreamRegistry:    jsii.String(DockerHubUpstreamRegistry),
		UpstreamRegistryUrl: jsii.String(DockerHubUpstreamRegistryURL),
		CredentialArn:       p.CredentialsSecretArn,
	})

	stack := awscdk.Stack_Of(c)
	repositories := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ecr"), Resource: jsii.String("repository"), ResourceName: jsii.String(prefix + "/*"),
	})
	for i, role := range p.NodeRoles {
		policy := awsiam.NewPolicy(c, jsii.String(fmt.Sprintf("NodePullPolicy%d", i)), &awsiam.PolicyProps{
			Roles: &[]awsiam.IRole{role},
			Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("PullThroughCacheFirstPull"),
				Actions:   jsii.Strings("ecr:CreateRepository", "ecr:BatchImportUpstreamImage"),
				Resources: &[]*string{repositories},
			})},
		})
		cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("The first pull of an image through the cache creates its repository, named after the upstream " +
				"image, under the cache's prefix: ecr:CreateRepository and ecr:BatchImportUpstreamImage on <prefix>/* only."),
			AppliesTo: &[]any{cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:.*:ecr:.*:repository\/` + strings.ReplaceAll(regexp.QuoteMeta(prefix), "/", `\/`) + `\/\*$/`)}},
		}}, jsii.Bool(false))
		c.policies = append(c.policies, policy)
	}
	return c
}
