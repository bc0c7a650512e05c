// Resolves an Application Load Balancer's CloudWatch dimension value
// ("app/<name>/<id>"), ARN, DNS name and canonical hosted zone ID from its
// name, and optionally checks that it is protected as the deployment
// expects. The EKS load balancer controller creates the ALB from an Ingress
// moments after the manifests are applied, then associates its AWS WAF web
// ACL and sets its attributes, so the function waits (WaitSeconds, polling
// every 15 s) for the ALB, for its Scheme when given (a scheme change
// replaces the ALB under the same name), and then for what is expected:
//
// - ExpectedWebAclArn: the web ACL wafv2 GetWebACLForResource returns for the
//   ALB (WAF API Reference: WebACL, absent or WAFNonexistentItemException
//   when none is associated);
// - ExpectedAccessLogsBucket / ExpectedAccessLogsPrefix: the attributes
//   access_logs.s3.enabled = "true", access_logs.s3.bucket and
//   access_logs.s3.prefix of DescribeLoadBalancerAttributes (ELB User Guide
//   for Application Load Balancers, "Load balancer attributes").
//
// When the time is up the deployment fails with the load balancer's name and
// everything that is still missing. Delete does nothing. Uses only the AWS
// SDK v3 clients the Lambda Node.js runtimes include (inline code).
const {
  ElasticLoadBalancingV2Client,
  DescribeLoadBalancersCommand,
  DescribeLoadBalancerAttributesCommand,
} = require('@aws-sdk/client-elastic-load-balancing-v2');
const { WAFV2Client, GetWebACLForResourceCommand } = require('@aws-sdk/client-wafv2');

const elb = new ElasticLoadBalancingV2Client({});
const waf = new WAFV2Client({});
const POLL_MS = 15000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (msg, fields) => console.log(JSON.stringify({ msg, ...fields }));

// missingProtection lists what the load balancer lacks of what props
// expect; [] when it has everything.
async function missingProtection(lb, props) {
  const missing = [];
  if (props.ExpectedWebAclArn) {
    let got;
    try {
      const out = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: lb.LoadBalancerArn }));
      got = out.WebACL && out.WebACL.ARN;
    } catch (err) {
      if (err.name !== 'WAFNonexistentItemException') throw err;
    }
    if (!got) missing.push(`no AWS WAF web ACL is associated (want ${props.ExpectedWebAclArn})`);
    else if (got !== props.ExpectedWebAclArn) missing.push(`web ACL ${got} is associated (want ${props.ExpectedWebAclArn})`);
  }
  if (props.ExpectedAccessLogsBucket) {
    const out = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    const attrs = Object.fromEntries((out.Attributes || []).map((a) => [a.Key, a.Value]));
    const prefix = props.ExpectedAccessLogsPrefix || '';
    const want = `s3://${props.ExpectedAccessLogsBucket}/${prefix}`;
    if (attrs['access_logs.s3.enabled'] !== 'true') {
      missing.push(`access logs are off (access_logs.s3.enabled=${attrs['access_logs.s3.enabled'] || 'unset'}; want them in ${want})`);
    } else {
      if (attrs['access_logs.s3.bucket'] !== props.ExpectedAccessLogsBucket) {
        missing.push(`access logs go to bucket ${attrs['access_logs.s3.bucket'] || '(none)'} (want ${props.ExpectedAccessLogsBucket})`);
      }
      if ((attrs['access_logs.s3.prefix'] || '') !== prefix) {
        missing.push(`access logs go under prefix "${attrs['access_logs.s3.prefix'] || ''}" (want "${prefix}")`);
      }
    }
  }
  return missing;
}

exports.handler = async (event) => {
  const props = event.ResourceProperties;
  const name = props.LoadBalancerName;
  const physicalId = `alb-lookup/${name}`;
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId || physicalId };
  }
  const waitSeconds = Number(props.WaitSeconds || 600);
  const deadline = Date.now() + waitSeconds * 1000;
  let missing;
  let arn;
  for (;;) {
    let lb;
    try {
      const out = await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }));
      lb = (out.LoadBalancers || [])[0];
    } catch (err) {
      if (err.name !== 'LoadBalancerNotFoundException') throw err;
    }
    if (lb && props.Scheme && lb.Scheme !== props.Scheme) {
      log('waiting for the scheme', { name, scheme: lb.Scheme, want: props.Scheme });
      lb = undefined;
    }
    if (lb) {
      arn = lb.LoadBalancerArn;
      missing = await missingProtection(lb, props);
      if (missing.length === 0) {
        log('found load balancer', { name, arn, checked: { webAcl: !!props.ExpectedWebAclArn, accessLogs: !!props.ExpectedAccessLogsBucket } });
        return {
          PhysicalResourceId: physicalId,
          Data: {
            LoadBalancerArn: arn,
            Dimension: arn.split(':loadbalancer/')[1],
            DNSName: lb.DNSName,
            CanonicalHostedZoneId: lb.CanonicalHostedZoneId,
          },
        };
      }
      log('waiting for the load balancer controller to attach', { name, missing });
    } else {
      log('waiting for load balancer', { name });
    }
    if (Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  if (missing && missing.length > 0) {
    throw new Error(`load balancer ${name} (${arn}) is not protected as expected after ${waitSeconds} s: ${missing.join('; ')}. ` +
      'The AWS Load Balancer Controller sets both from the Ingress annotations alb.ingress.kubernetes.io/wafv2-acl-arn and ' +
      'alb.ingress.kubernetes.io/load-balancer-attributes: check the Ingress (kubectl describe ingress shows the controller events) ' +
      'and that no one changed the load balancer by hand');
  }
  throw new Error(`no load balancer named ${name}${props.Scheme ? ` (scheme ${props.Scheme})` : ''} after ${waitSeconds} s: is the Ingress with ` +
    `alb.ingress.kubernetes.io/load-balancer-name=${name} applied, and does its IngressClass work? ` +
    '(kubectl describe ingress shows the controller events)');
};
