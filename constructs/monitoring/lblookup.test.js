// Tests of lblookup.js (node --test; make test): the real
// @aws-sdk/client-elastic-load-balancing-v2 and @aws-sdk/client-wafv2 with
// send() stubbed by aws-sdk-client-mock, and node:test's mock timers for the
// 15 s polls and the deadline (no test waits in real time).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { mockClient } = require('aws-sdk-client-mock');
const {
  ElasticLoadBalancingV2Client, DescribeLoadBalancersCommand, DescribeLoadBalancerAttributesCommand,
} = require('@aws-sdk/client-elastic-load-balancing-v2');
const { WAFV2Client, GetWebACLForResourceCommand } = require('@aws-sdk/client-wafv2');
const { captureConsole, setEnv } = require('../../internal/handlertest/fakes.js');

const { handler } = require('./lblookup.js');

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/opencti-prod-ui/0123456789abcdef';
const ACL = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/opencti-prod-ui/11111111-2222-3333-4444-555555555555';
const OTHER_ACL = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/default/99999999-2222-3333-4444-555555555555';
const lb = (scheme = 'internet-facing') => ({
  LoadBalancerArn: ARN, DNSName: 'opencti-prod-ui-123.eu-west-1.elb.amazonaws.com', CanonicalHostedZoneId: 'Z32O12XQLNTSW2', Scheme: scheme,
});
const notFound = () => Object.assign(new Error('Load balancers \'[opencti-prod-ui]\' not found'), { name: 'LoadBalancerNotFoundException' });
const attrs = (enabled, bucket, prefix) => ({
  Attributes: [
    { Key: 'access_logs.s3.enabled', Value: enabled },
    { Key: 'access_logs.s3.bucket', Value: bucket },
    { Key: 'access_logs.s3.prefix', Value: prefix },
    { Key: 'idle_timeout.timeout_seconds', Value: '3600' },
  ],
});
const base = { ServiceToken: 'arn:fn', LoadBalancerName: 'opencti-prod-ui', WaitSeconds: '600', Revision: '1' };
const checked = { ...base, Scheme: 'internet-facing', ExpectedWebAclArn: ACL, ExpectedAccessLogsBucket: 'opencti-prod-edge-accesslogs', ExpectedAccessLogsPrefix: 'ui' };
const ev = (type, props) => ({ RequestType: type, PhysicalResourceId: type === 'Create' ? undefined : 'alb-lookup/opencti-prod-ui', ResourceProperties: props });

// setUp mocks both clients and the clock (setTimeout and Date from 0 ms).
function setUp(t) {
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const waf = mockClient(WAFV2Client);
  t.after(() => { elb.restore(); waf.restore(); });
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  return { elb, waf, lines: captureConsole(t) };
}

// drive runs the handler, advancing the mocked clock one poll at a time
// whenever it waits; it returns the outcome and the simulated seconds.
async function drive(t, promise) {
  let settled = false;
  promise.then(() => { settled = true; }, () => { settled = true; });
  while (!settled) {
    await new Promise((r) => setImmediate(r));
    if (!settled) t.mock.timers.tick(15000);
  }
  const seconds = Date.now() / 1000;
  try {
    return { out: await promise, seconds };
  } catch (err) {
    return { err, seconds };
  }
}

const data = {
  LoadBalancerArn: ARN, Dimension: 'app/opencti-prod-ui/0123456789abcdef',
  DNSName: 'opencti-prod-ui-123.eu-west-1.elb.amazonaws.com', CanonicalHostedZoneId: 'Z32O12XQLNTSW2',
};

test('Create waits for the load balancer and its scheme, then returns its attributes', async (t) => {
  const { elb, waf } = setUp(t);
  elb.on(DescribeLoadBalancersCommand, { Names: ['opencti-prod-ui'] })
    .rejectsOnce(notFound()).resolvesOnce({ LoadBalancers: [lb('internal')] }).resolves({ LoadBalancers: [lb()] });
  const { out, seconds } = await drive(t, handler(ev('Create', { ...base, Scheme: 'internet-facing' })));
  assert.deepEqual(out, { PhysicalResourceId: 'alb-lookup/opencti-prod-ui', Data: data });
  assert.equal(seconds, 30, 'two 15 s polls');
  assert.equal(elb.commandCalls(DescribeLoadBalancersCommand).length, 3);
  assert.equal(waf.calls().length, 0, 'no expectation, no WAF call');
  assert.equal(elb.commandCalls(DescribeLoadBalancerAttributesCommand).length, 0);
});

test('with expectations it waits until the controller attached the web ACL and the access logs', async (t) => {
  const { elb, waf, lines } = setUp(t);
  elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb()] });
  elb.on(DescribeLoadBalancerAttributesCommand, { LoadBalancerArn: ARN })
    .resolvesOnce(attrs('false', '', '')).resolves(attrs('true', 'opencti-prod-edge-accesslogs', 'ui'));
  waf.on(GetWebACLForResourceCommand, { ResourceArn: ARN })
    .rejectsOnce(Object.assign(new Error('not found'), { name: 'WAFNonexistentItemException' }))
    .resolvesOnce({})
    .resolves({ WebACL: { Name: 'opencti-prod-ui', Id: '1111', ARN: ACL } });
  const { out, seconds } = await drive(t, handler(ev('Create', checked)));
  assert.deepEqual(out, { PhysicalResourceId: 'alb-lookup/opencti-prod-ui', Data: data });
  assert.equal(seconds, 30);
  const waits = lines.filter((l) => l.includes('waiting for the load balancer controller to attach'));
  assert.equal(waits.length, 2);
  assert.match(waits[0], /no AWS WAF web ACL is associated/);
  assert.match(waits[0], /access logs are off/);
});

test('an Update or a retry looks again and only reads (idempotent)', async (t) => {
  const { elb, waf } = setUp(t);
  elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb()] });
  elb.on(DescribeLoadBalancerAttributesCommand).resolves(attrs('true', 'opencti-prod-edge-accesslogs', 'ui'));
  waf.on(GetWebACLForResourceCommand).resolves({ WebACL: { ARN: ACL } });
  const first = await drive(t, handler(ev('Create', checked)));
  const again = await drive(t, handler(ev('Create', checked)));
  const update = await drive(t, handler({ ...ev('Update', { ...checked, Revision: '2' }), OldResourceProperties: checked }));
  assert.deepEqual(again.out, first.out);
  assert.deepEqual(update.out, first.out);
  const names = [...elb.calls(), ...waf.calls()].map((c) => c.args[0].constructor.name).sort();
  assert.deepEqual([...new Set(names)], ['DescribeLoadBalancerAttributesCommand', 'DescribeLoadBalancersCommand', 'GetWebACLForResourceCommand']);
});

test('Delete calls nothing', async (t) => {
  const { elb, waf } = setUp(t);
  const { out } = await drive(t, handler(ev('Delete', checked)));
  assert.deepEqual(out, { PhysicalResourceId: 'alb-lookup/opencti-prod-ui' });
  assert.equal(elb.calls().length + waf.calls().length, 0);
});

test('a load balancer still unprotected at the deadline fails the deployment, naming it and what is missing', async (t) => {
  const { elb, waf } = setUp(t);
  elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb()] });
  elb.on(DescribeLoadBalancerAttributesCommand).resolves(attrs('true', 'some-other-bucket', 'api'));
  waf.on(GetWebACLForResourceCommand).resolves({ WebACL: { ARN: OTHER_ACL } });
  const { err, seconds } = await drive(t, handler(ev('Create', checked)));
  assert.equal(seconds, 600);
  assert.equal(err.message,
    `load balancer opencti-prod-ui (${ARN}) is not protected as expected after 600 s: ` +
    `web ACL ${OTHER_ACL} is associated (want ${ACL}); ` +
    'access logs go to bucket some-other-bucket (want opencti-prod-edge-accesslogs); ' +
    'access logs go under prefix "api" (want "ui"). ' +
    'The AWS Load Balancer Controller sets both from the Ingress annotations alb.ingress.kubernetes.io/wafv2-acl-arn and ' +
    'alb.ingress.kubernetes.io/load-balancer-attributes: check the Ingress (kubectl describe ingress shows the controller events) ' +
    'and that no one changed the load balancer by hand');
});

test('a web ACL that never comes and logs that stay off are both named', async (t) => {
  const { elb, waf } = setUp(t);
  elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb()] });
  elb.on(DescribeLoadBalancerAttributesCommand).resolves({ Attributes: [] });
  waf.on(GetWebACLForResourceCommand).resolves({});
  const { err } = await drive(t, handler(ev('Create', { ...checked, WaitSeconds: '60' })));
  assert.match(err.message, /^load balancer opencti-prod-ui \(arn:.*\) is not protected as expected after 60 s: no AWS WAF web ACL is associated \(want arn:aws:wafv2:.*\); access logs are off \(access_logs\.s3\.enabled=unset; want them in s3:\/\/opencti-prod-edge-accesslogs\/ui\)\./);
});

test('a load balancer that never appears fails with a hint', async (t) => {
  const { elb } = setUp(t);
  elb.on(DescribeLoadBalancersCommand).rejects(notFound());
  const { err, seconds } = await drive(t, handler(ev('Create', checked)));
  assert.equal(seconds, 600);
  assert.equal(err.message, 'no load balancer named opencti-prod-ui (scheme internet-facing) after 600 s: is the Ingress with ' +
    'alb.ingress.kubernetes.io/load-balancer-name=opencti-prod-ui applied, and does its IngressClass work? ' +
    '(kubectl describe ingress shows the controller events)');
});

test('an API error other than "not found" fails at once with its name', async (t) => {
  const { elb, waf, lines } = setUp(t);
  // The function's credentials, where the Lambda runtime puts them: the
  // secret key must not reach the log.
  const secretKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  setEnv(t, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: secretKey });
  elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb()] });
  waf.on(GetWebACLForResourceCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: wafv2:GetWebACLForResource'), { name: 'AccessDeniedException' }));
  const { err, seconds } = await drive(t, handler(ev('Create', checked)));
  assert.equal(seconds, 0);
  assert.equal(err.name, 'AccessDeniedException');
  assert.match(err.message, /not authorized to perform: wafv2:GetWebACLForResource/);
  assert.ok(lines.every((l) => !l.includes(secretKey)));
});
