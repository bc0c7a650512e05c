package config

import (
	"fmt"
	"strings"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/constructs/cluster/clusterspec"
)

// ImageCache serves the OpenCTI images (Docker Hub's opencti/platform,
// opencti/worker, opencti/connector-*) through an Amazon ECR pull-through
// cache. Anonymous Docker Hub pulls are rate-limited per source address, and
// every node of a private subnet pulls through the same NAT gateway addresses;
// with the cache, ECR fetches each image once, from AWS addresses, with the
// account's Docker Hub credentials, and the nodes pull it from ECR through the
// VPC endpoints. Recommended in prod.
//
// When enabled, the Cluster stack creates the pull-through cache rule and
// lets the OpenCTI nodes create the cached repositories on first pull, and
// opencti.imageRepository becomes
// <account>.dkr.ecr.<region>.amazonaws.com/<repositoryPrefix>/opencti.
type ImageCache struct {
	// Enabled creates the pull-through cache rule and pulls every OpenCTI image
	// through it. It needs account (the image URIs name the registry) and
	// credentialsSecretArn. Default: false (images come from Docker Hub).
	Enabled bool `yaml:"enabled"`
	// RepositoryPrefix is the ECR repository prefix of the cache (2-30
	// lower-case letters, digits and . _ - /); no other pull-through cache
	// rule of the registry may use it. Default: "docker-hub".
	RepositoryPrefix string `yaml:"repositoryPrefix"`
	// CredentialsSecretArn is the complete ARN (with its 6-character suffix)
	// of the Secrets Manager secret that holds the Docker Hub user and access
	// token as JSON {"username": "...", "accessToken": "..."}. Create it before
	// deploying, in the deployment's account and region; ECR requires its name
	// to start with "ecr-pullthroughcache/". Required when enabled.
	// Default: "".
	CredentialsSecretArn string `yaml:"credentialsSecretArn"`
}

// DefaultOpenCTIImageRepository is opencti.imageRepository's default: the
// opencti namespace of Docker Hub.
const DefaultOpenCTIImageRepository = charts.DefaultImageRegistry

func defaultImageCache() ImageCache {
	return ImageCache{RepositoryPrefix: clusterspec.DefaultImageCachePrefix}
}

// ImageCacheRepository is the registry path of the OpenCTI images pulled
// through the cache: <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/opencti
// (Docker Hub's opencti/platform becomes <that>/platform).
func (c *Config) ImageCacheRepository() string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s/%s", c.Account, c.Region, c.ImageCache.RepositoryPrefix, DefaultOpenCTIImageRepository)
}

func (i *ImageCache) validate(c *Config, p *Problems) {
	clusterspec.CheckImageCachePrefix(p, "imageCache.repositoryPrefix", i.RepositoryPrefix)
	if !i.Enabled {
		return
	}
	// https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
	if strings.HasPrefix(c.Region, "cn-") || strings.HasPrefix(c.Region, "us-gov-") {
		p.Add("region", c.Region, "a region where ECR supports pull-through cache rules (not China or AWS GovCloud) when imageCache.enabled is true")
	}
	if c.Account == "" {
		p.Add("account", c.Account, "your 12-digit AWS account ID when imageCache.enabled is true (the image URIs name the account's ECR registry)")
	}
	region, account, arnOK := clusterspec.ParseImageCacheSecretArn(i.CredentialsSecretArn)
	switch {
	case i.CredentialsSecretArn == "":
		p.Add("imageCache.credentialsSecretArn", i.CredentialsSecretArn,
			`the complete ARN of the Secrets Manager secret with the Docker Hub credentials (name starting with "ecr-pullthroughcache/") when imageCache.enabled is true`)
	case !arnOK:
		clusterspec.CheckImageCacheSecretArn(p, "imageCache.credentialsSecretArn", i.CredentialsSecretArn)
	case region != c.Region || (c.Account != "" && account != c.Account):
		p.Add("imageCache.credentialsSecretArn", i.CredentialsSecretArn,
			fmt.Sprintf("a secret in the deployment's account and region (%s, %s): ECR reads the credentials only there", orUnset(c.Account), c.Region))
	}
	if want := c.ImageCacheRepository(); c.Account != "" && c.OpenCTI.ImageRepository != DefaultOpenCTIImageRepository && c.OpenCTI.ImageRepository != want {
		p.Add("opencti.imageRepository", c.OpenCTI.ImageRepository,
			fmt.Sprintf("%q (left at %q, it is set to that) when imageCache.enabled is true: the images are pulled through the cache", want, DefaultOpenCTIImageRepository))
	}
}

// WithImageCache returns c itself unless the image cache is enabled and
// opencti.imageRepository is still the Docker Hub default; then it returns a
// copy whose opencti.imageRepository is ImageCacheRepository(). Load and Parse
// return configurations already resolved this way.
func (c *Config) WithImageCache() *Config {
	if !c.ImageCache.Enabled || c.OpenCTI.ImageRepository != DefaultOpenCTIImageRepository {
		return c
	}
	out := *c
	out.OpenCTI.ImageRepository = c.ImageCacheRepository()
	return &out
}

func orUnset(account string) string {
	if account == "" {
		return "account unset"
	}
	return account
}
