// Resolves an Application Load Balancer's CloudWatch dimension value
// ("app/<name>/<id>"), ARN, DNS name and canonical hosted zone ID from its
// name. The EKS load balancer controller creates the ALB from an Ingress
// moments after the manifests are applied, so the function waits for it
// (WaitSeconds) and, when Scheme is given, until the ALB has that scheme (a
// scheme change replaces the ALB under the same name). Uses only the AWS SDK
// v3 client the Lambda Node.js runtime bundles.
const {
  ElasticLoadBalancingV2Client,
  DescribeLoadBalancersCommand,
} = require('@aws-sdk/client-elastic-load-balancing-v2');

const client = new ElasticLoadBalancingV2Client({});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

exports.handler = async (event) => {
  const props = event.ResourceProperties;
  const name = props.LoadBalancerName;
  const physicalId = `alb-lookup/${name}`;
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId || physicalId };
  }
  const waitSeconds = Number(props.WaitSeconds || 600);
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      const out = await client.send(new DescribeLoadBalancersCommand({ Names: [name] }));
      const lb = (out.LoadBalancers || [])[0];
      if (lb && props.Scheme && lb.Scheme !== props.Scheme) {
        console.log(JSON.stringify({ msg: 'waiting for the scheme', name, scheme: lb.Scheme, want: props.Scheme }));
      } else if (lb) {
        const arn = lb.LoadBalancerArn;
        const dimension = arn.split(':loadbalancer/')[1];
        console.log(JSON.stringify({ msg: 'found load balancer', name, arn }));
        return {
          PhysicalResourceId: physicalId,
          Data: {
            LoadBalancerArn: arn,
            Dimension: dimension,
            DNSName: lb.DNSName,
            CanonicalHostedZoneId: lb.CanonicalHostedZoneId,
          },
        };
      }
    } catch (err) {
      if (err.name !== 'LoadBalancerNotFoundException') throw err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`no load balancer named ${name}${props.Scheme ? ` (scheme ${props.Scheme})` : ''} after ${waitSeconds} s: is the Ingress with ` +
        `alb.ingress.kubernetes.io/load-balancer-name=${name} applied, and does its IngressClass work? ` +
        '(kubectl describe ingress shows the controller events)');
    }
    console.log(JSON.stringify({ msg: 'waiting for load balancer', name }));
    await sleep(15000);
  }
};
