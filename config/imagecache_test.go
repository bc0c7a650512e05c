package config

import (
	"strings"
	"testing"
)

const testCacheSecret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbC123"

func TestImageCacheDisabledByDefault(t *testing.T) {
	for _, env := range Environments {
		c, err := Load(env, "")
		if err != nil {
			t.Fatal(err)
		}
		if c.ImageCache.Enabled || c.ImageCache.RepositoryPrefix != "docker-hub" || c.OpenCTI.ImageRepository != "opencti" {
			t.Errorf("%s: imageCache %+v, opencti.imageRepository %q", env, c.ImageCache, c.OpenCTI.ImageRepository)
		}
	}
}

func TestImageCacheDerivesTheImageRepository(t *testing.T) {
	c, err := Parse([]byte(`environment: prod
account: "123456789012"
imageCache:
  enabled: true
  credentialsSecretArn: `+testCacheSecret+`
`), "")
	if err != nil {
		t.Fatal(err)
	}
	const want = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/opencti"
	if c.OpenCTI.ImageRepository != want {
		t.Errorf("opencti.imageRepository = %q, want %q", c.OpenCTI.ImageRepository, want)
	}
	// Setting it to the same value is accepted, and the result is the same.
	c2, err := Parse([]byte(`environment: prod
account: "123456789012"
opencti:
  imageRepository: `+want+`
imageCache:
  enabled: true
  repositoryPrefix: docker-hub
  credentialsSecretArn: `+testCacheSecret+`
`), "")
	if err != nil || c2.OpenCTI.ImageRepository != want {
		t.Errorf("explicit repository: %v, %q", err, c2.OpenCTI.ImageRepository)
	}
	// WithImageCache leaves the caller's configuration alone.
	d, _ := Default("prod")
	d.Account = "123456789012"
	d.ImageCache.Enabled = true
	if got := d.WithImageCache(); got == d || got.OpenCTI.ImageRepository != want || d.OpenCTI.ImageRepository != "opencti" {
		t.Errorf("WithImageCache: %q (caller now %q)", got.OpenCTI.ImageRepository, d.OpenCTI.ImageRepository)
	}
}

func TestImageCacheValidationMessages(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *Config)
		want   []string
	}{
		{"enabled without account or secret", func(c *Config) {
			c.Account = ""
			c.ImageCache.CredentialsSecretArn = ""
		}, []string{
			`account: got "", want your 12-digit AWS account ID when imageCache.enabled is true (the image URIs name the account's ECR registry)`,
			`imageCache.credentialsSecretArn: got "", want the complete ARN of the Secrets Manager secret with the Docker Hub credentials (name starting with "ecr-pullthroughcache/") when imageCache.enabled is true`,
		}},
		{"secret without the required name prefix", func(c *Config) {
			c.ImageCache.CredentialsSecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbC123"
		}, []string{
			`imageCache.credentialsSecretArn: got "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbC123", want a complete secret ARN (with its 6-character suffix) whose name starts with "ecr-pullthroughcache/" (ECR accepts no other name)`,
		}},
		{"partial ARN (no suffix)", func(c *Config) {
			c.ImageCache.CredentialsSecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub"
		}, []string{
			`imageCache.credentialsSecretArn: got "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub", want a complete secret ARN (with its 6-character suffix) whose name starts with "ecr-pullthroughcache/" (ECR accepts no other name)`,
		}},
		{"secret of another region", func(c *Config) {
			c.ImageCache.CredentialsSecretArn = strings.Replace(testCacheSecret, "eu-west-1", "us-east-1", 1)
		}, []string{
			`imageCache.credentialsSecretArn: got "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbC123", want a secret in the deployment's account and region (123456789012, eu-west-1): ECR reads the credentials only there`,
		}},
		{"bad prefix and a foreign image repository", func(c *Config) {
			c.ImageCache.RepositoryPrefix = "Docker Hub"
			c.OpenCTI.ImageRepository = "registry.acme.org/opencti"
		}, []string{
			`opencti.imageRepository: got "registry.acme.org/opencti", want "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Docker Hub/opencti" (left at "opencti", it is set to that) when imageCache.enabled is true: the images are pulled through the cache`,
			`imageCache.repositoryPrefix: got "Docker Hub", want 2-30 lower-case letters, digits and . _ - / (ECR's repository prefix pattern) such as "docker-hub"`,
		}},
		{"unsupported region", func(c *Config) {
			c.Region = "cn-north-1"
			c.AvailabilityZones = []string{"cn-north-1a", "cn-north-1b", "cn-north-1c"}
			c.ImageCache.CredentialsSecretArn = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbC123"
		}, []string{
			`region: got "cn-north-1", want a region where ECR supports pull-through cache rules (not China or AWS GovCloud) when imageCache.enabled is true`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := realProd(t)
			c.Account = "123456789012"
			c.ImageCache = ImageCache{Enabled: true, RepositoryPrefix: "docker-hub", CredentialsSecretArn: testCacheSecret}
			if err := c.Validate(); err != nil {
				t.Fatalf("valid base configuration rejected: %v", err)
			}
			tc.mutate(c)
			err := c.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			got := err.Error()
			for _, w := range tc.want {
				if !containsLine(got, w) {
					t.Errorf("missing line %q in:\n%s", w, got)
				}
			}
			if n := len(strings.Split(got, "\n")); n != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%s", n, len(tc.want), got)
			}
		})
	}
}
