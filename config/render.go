package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/opencti-ha/opencti-ha/constructs/network/networkspec"
)

// Render holds the values `make render` needs that a CDK synth takes from the
// Data and Network stacks' outputs instead: where the already deployed data
// services are. Only the render command reads (and validates) it.
type Render struct {
	// OpenSearchURL is the OpenSearch domain endpoint, https://<vpc endpoint>.
	// Default: "" (required for render).
	OpenSearchURL string `yaml:"openSearchUrl"`
	// RedisHostname is the ElastiCache primary endpoint. Default: "" (required for render).
	RedisHostname string `yaml:"redisHostname"`
	// RabbitMQHostname is the Amazon MQ broker's AMQPS host (without scheme or port).
	// Default: "" (required for render).
	RabbitMQHostname string `yaml:"rabbitmqHostname"`
	// BucketName is the S3 bucket OpenCTI stores files in. Default: "" (required for render).
	BucketName string `yaml:"bucketName"`
	// DataSubnetCidrs are the ranges the data services live in; the platforms'
	// egress NetworkPolicy allows only them. Default: (empty) = network.vpcCidr.
	DataSubnetCidrs []string `yaml:"dataSubnetCidrs"`
	// KubernetesAPIURL is where the identities Job calls the Kubernetes API, on
	// EKS the cluster endpoint (https://<id>.<zone>.<region>.eks.amazonaws.com).
	// A NetworkPolicy engine that checks egress before Service translation
	// (the Amazon VPC CNI's, EKS Auto Mode's) needs it: it never matches the
	// kubernetes Service's ClusterIP against kubernetesApiCidrs.
	// Default: "" (the in-cluster kubernetes Service).
	KubernetesAPIURL string `yaml:"kubernetesApiUrl"`
	// KubernetesAPICidrs are where the identities Job may reach the
	// Kubernetes API on 443: the control plane's addresses (on EKS the
	// cluster's subnets). Default: (empty) = network.vpcCidr.
	KubernetesAPICidrs []string `yaml:"kubernetesApiCidrs"`
}

// ValidateForRender checks the fields only rendering needs, on top of
// Validate, and returns every problem at once.
func (c *Config) ValidateForRender() error {
	p := &Problems{}
	r := c.Render
	if u, err := url.Parse(r.OpenSearchURL); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		p.Add("render.openSearchUrl", r.OpenSearchURL, "the domain endpoint as https://<host>")
	}
	checkHost(p, "render.redisHostname", r.RedisHostname)
	checkHost(p, "render.rabbitmqHostname", r.RabbitMQHostname)
	if !bucketRe.MatchString(r.BucketName) {
		p.Add("render.bucketName", r.BucketName, "an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)")
	}
	for i, cidr := range r.DataSubnetCidrs {
		if pr, err := netip.ParsePrefix(cidr); err != nil || pr.Masked() != pr {
			p.Add(fmt.Sprintf("render.dataSubnetCidrs[%d]", i), cidr, "an IPv4 network in CIDR notation")
		}
	}
	if u, err := url.Parse(r.KubernetesAPIURL); r.KubernetesAPIURL != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
		p.Add("render.kubernetesApiUrl", r.KubernetesAPIURL, "empty (the in-cluster kubernetes Service) or https://<host>")
	}
	for i, cidr := range r.KubernetesAPICidrs {
		if pr, err := netip.ParsePrefix(cidr); err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
			p.Add(fmt.Sprintf("render.kubernetesApiCidrs[%d]", i), cidr, "an IPv4 network in CIDR notation")
		}
	}
	return p.Err()
}

var bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

func checkHost(p *Problems, field, host string) {
	if !networkspec.ValidHostname(strings.ToLower(host)) || strings.Contains(host, ":") {
		p.Add(field, host, "a DNS name without scheme or port")
	}
}
