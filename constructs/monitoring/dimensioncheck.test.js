// Tests of dimensioncheck.js (node --test; make test): the real
// @aws-sdk/client-cloudwatch with send() stubbed by aws-sdk-client-mock and
// node:test's mock clock for the deadline.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { mockClient } = require('aws-sdk-client-mock');
const {
  CloudWatchClient, DescribeAlarmsCommand, ListMetricsCommand, PutMetricDataCommand,
} = require('@aws-sdk/client-cloudwatch');
const { captureConsole, setEnv } = require('../../internal/handlertest/fakes.js');

const { onEvent, isComplete, handler } = require('./dimensioncheck.js');

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:opencti-prod-alarms';
const OTHER_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:opencti-prod-eu-alarms';
const dim = (Name, Value) => ({ Name, Value });
const alarm = (AlarmName, Namespace, MetricName, Dimensions, actions = [TOPIC]) => ({ AlarmName, Namespace, MetricName, Dimensions, AlarmActions: actions });

const DOMAIN = [dim('DomainName', 'opencti-prod'), dim('ClientId', '123456789012')];
const NODE1 = [dim('CacheClusterId', 'opencti-cache-001'), dim('CacheNodeId', '0001')];
const NODE2 = [dim('CacheClusterId', 'opencti-cache-002'), dim('CacheNodeId', '0001')];
const BROKER = [dim('Broker', 'opencti-prod')];
const CLUSTER = [dim('ClusterName', 'opencti-prod-cluster')];

const ALARMS = [
  alarm('opencti-prod-opensearch-cluster-red', 'AWS/ES', 'ClusterStatus.red', DOMAIN),
  alarm('opencti-prod-opensearch-kms-key-error', 'AWS/ES', 'KMSKeyError', DOMAIN),
  alarm('opencti-prod-redis-node1-heartbeat', 'AWS/ElastiCache', 'CPUUtilization', NODE1),
  alarm('opencti-prod-redis-node2-replication-lag', 'AWS/ElastiCache', 'ReplicationLag', NODE2),
  alarm('opencti-prod-rabbitmq-heartbeat', 'AWS/AmazonMQ', 'SystemCpuUtilization', BROKER),
  alarm('opencti-prod-eks-container-insights-missing', 'ContainerInsights', 'cluster_node_count', CLUSTER),
  // Skipped: per-Deployment Container Insights, ALB, S3.
  alarm('opencti-prod-opencti-ui-replicas-missing', 'ContainerInsights', 'replicas_desired', [...CLUSTER, dim('Namespace', 'opencti'), dim('PodName', 'opencti-ui')]),
  alarm('opencti-prod-alb-ui-target-5xx', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', [dim('LoadBalancer', 'app/opencti-prod-ui/0123')]),
  // A metric math alarm: its MetricStat metrics are checked, SQL queries skipped.
  {
    AlarmName: 'opencti-prod-rabbitmq-consumers-missing', AlarmActions: [TOPIC], Metrics: [
      { Id: 'alarm', Expression: 'IF(ready > 0 AND consumers < 6, 1, 0)' },
      { Id: 'ready', MetricStat: { Metric: { Namespace: 'AWS/AmazonMQ', MetricName: 'MessageReadyCount', Dimensions: BROKER } } },
    ],
  },
  { AlarmName: 'opencti-prod-rabbitmq-memory-high', AlarmActions: [TOPIC], Metrics: [{ Id: 'used', Expression: 'SELECT MAX(RabbitMQMemUsed) FROM SCHEMA("AWS/AmazonMQ", Broker, Node)' }] },
  // Another deployment whose name extends this one's: not ours.
  alarm('opencti-prod-eu-redis-node1-heartbeat', 'AWS/ElastiCache', 'CPUUtilization', [dim('CacheClusterId', 'gone-001'), dim('CacheNodeId', '0001')], [OTHER_TOPIC]),
];

const props = { ServiceToken: 'arn:fn', AlarmNamePrefix: 'opencti-prod-', TopicArn: TOPIC, WaitSeconds: '1800', Targets: [], Alarms: [] };
const ev = (type, extra = {}) => ({
  RequestType: type, ResourceProperties: props,
  PhysicalResourceId: type === 'Create' ? undefined : 'alarm-dimension-check/opencti-prod-', ...extra,
});

// published answers ListMetrics as CloudWatch would for the given metric
// dimension sets: every metric carrying at least the filter's dimensions.
function serve(cw, sets) {
  cw.on(ListMetricsCommand).callsFake((input) => ({
    Metrics: sets
      .filter((s) => s.Namespace === input.Namespace)
      .filter((s) => input.Dimensions.every((f) => s.Dimensions.some((d) => d.Name === f.Name && d.Value === f.Value)))
      .map((s) => ({ Namespace: s.Namespace, MetricName: s.MetricName, Dimensions: s.Dimensions })),
  }));
}
const live = [
  { Namespace: 'AWS/ES', MetricName: 'CPUUtilization', Dimensions: DOMAIN },
  { Namespace: 'AWS/ElastiCache', MetricName: 'CPUUtilization', Dimensions: NODE1 },
  { Namespace: 'AWS/ElastiCache', MetricName: 'CPUUtilization', Dimensions: NODE2 },
  { Namespace: 'AWS/AmazonMQ', MetricName: 'SystemCpuUtilization', Dimensions: BROKER },
  { Namespace: 'ContainerInsights', MetricName: 'cluster_node_count', Dimensions: CLUSTER },
];

function setUp(t, alarms = ALARMS) {
  const cw = mockClient(CloudWatchClient);
  t.after(() => cw.restore());
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: alarms });
  return { cw, lines: captureConsole(t) };
}

test('Create: onEvent records the start; isComplete checks each dimension set of a continuous namespace once', async (t) => {
  const { cw } = setUp(t);
  serve(cw, live);
  const started = await onEvent(ev('Create'));
  assert.deepEqual(started, { PhysicalResourceId: 'alarm-dimension-check/opencti-prod-', Data: { StartedAt: '1000000' } });
  assert.equal(cw.calls().length, 0, 'onEvent calls nothing');
  const out = await isComplete(ev('Create', started));
  // 7 metrics checked (6 single-metric alarms + 1 MetricStat); skipped: the
  // per-Deployment and ALB alarms (the SQL alarm has no MetricStat).
  assert.deepEqual(out, { IsComplete: true, Data: { Checked: '7', Skipped: '2' } });
  assert.deepEqual(cw.commandCalls(DescribeAlarmsCommand)[0].args[0].input, { AlarmNamePrefix: 'opencti-prod-', AlarmTypes: ['MetricAlarm'], MaxRecords: 100, NextToken: undefined });
  const queried = cw.commandCalls(ListMetricsCommand).map((c) => c.args[0].input);
  assert.equal(queried.length, 5, 'one ListMetrics per namespace and dimension set');
  assert.ok(queried.every((q) => q.RecentlyActive === 'PT3H' && q.MetricName === undefined));
  assert.deepEqual(queried.map((q) => q.Namespace).sort(), ['AWS/AmazonMQ', 'AWS/ES', 'AWS/ElastiCache', 'AWS/ElastiCache', 'ContainerInsights']);
  assert.ok(!queried.some((q) => q.Dimensions.some((d) => d.Value === 'gone-001')), 'another deployment\'s alarms are not checked');
});

test('a brand-new resource that publishes later: not complete until then, with no Data', async (t) => {
  const { cw } = setUp(t);
  serve(cw, live.filter((s) => s.Namespace !== 'AWS/AmazonMQ'));
  const event = ev('Create', { PhysicalResourceId: 'alarm-dimension-check/opencti-prod-', Data: { StartedAt: '1000000' } });
  t.mock.timers.tick(60_000);
  assert.deepEqual(await isComplete(event), { IsComplete: false });
  serve(cw, live);
  t.mock.timers.tick(60_000);
  assert.deepEqual(await isComplete(event), { IsComplete: true, Data: { Checked: '7', Skipped: '2' } });
});

test('at the deadline it fails naming every stale alarm, its namespace, metric and dimensions, and what to do', async (t) => {
  const { cw } = setUp(t);
  // The replication group was replaced: node 2 publishes under another ID;
  // the domain publishes only with an extra dimension (not an exact match).
  serve(cw, [
    ...live.filter((s) => s.Dimensions !== NODE2 && s.Dimensions !== DOMAIN),
    { Namespace: 'AWS/ElastiCache', MetricName: 'CPUUtilization', Dimensions: [dim('CacheClusterId', 'opencti-cache-new-002'), dim('CacheNodeId', '0001')] },
    { Namespace: 'AWS/ES', MetricName: 'CPUUtilization', Dimensions: [...DOMAIN, dim('NodeId', 'abc')] },
  ]);
  const event = ev('Update', { Data: { StartedAt: '1000000' } });
  t.mock.timers.tick(1_799_000);
  assert.deepEqual(await isComplete(event), { IsComplete: false }, 'still within WaitSeconds');
  t.mock.timers.tick(1_000);
  await assert.rejects(isComplete(event), (err) => {
    assert.equal(err.message,
      '3 alarm(s) watch dimensions that match no metric published in the past 3 hours (CloudWatch ListMetrics, waited 1800 s): ' +
      'opencti-prod-opensearch-cluster-red (AWS/ES ClusterStatus.red, ClientId=123456789012, DomainName=opencti-prod); ' +
      'opencti-prod-opensearch-kms-key-error (AWS/ES KMSKeyError, ClientId=123456789012, DomainName=opencti-prod); ' +
      'opencti-prod-redis-node2-replication-lag (AWS/ElastiCache ReplicationLag, CacheClusterId=opencti-cache-002, CacheNodeId=0001). ' +
      'These alarms would never fire. The resource named by the dimension does not exist or publishes nothing under that name: ' +
      'it was replaced or renamed outside this deployment, the replication group members carry other IDs, or it is stopped. ' +
      'Compare with `aws cloudwatch list-metrics --namespace <namespace> --recently-active PT3H` and fix the name the Monitoring ' +
      'stack is given; if the resource is down on purpose, deploy with monitoring.dimensionCheckMinutes: 0 and set it back afterwards.');
    return true;
  });
});

test('an alarm whose own metric is not published passes when its resource publishes (ReplicationLag on a primary, KMSKeyError)', async (t) => {
  const { cw } = setUp(t, [ALARMS[1], ALARMS[3]]);
  serve(cw, live);
  assert.deepEqual(await isComplete(ev('Create', { Data: { StartedAt: '1000000' } })), { IsComplete: true, Data: { Checked: '2', Skipped: '0' } });
});

test('pages through DescribeAlarms and ListMetrics', async (t) => {
  const { cw } = setUp(t);
  cw.on(DescribeAlarmsCommand).callsFake((input) => (input.NextToken === 'a2'
    ? { MetricAlarms: [ALARMS[2]] }
    : { MetricAlarms: [ALARMS[0]], NextToken: 'a2' }));
  cw.on(ListMetricsCommand).callsFake((input) => {
    if (input.Namespace === 'AWS/ElastiCache') return { Metrics: [{ Namespace: 'AWS/ElastiCache', MetricName: 'SwapUsage', Dimensions: NODE1 }] };
    return input.NextToken === 'm2'
      ? { Metrics: [{ Namespace: 'AWS/ES', MetricName: 'Nodes', Dimensions: DOMAIN }] }
      : { Metrics: [{ Namespace: 'AWS/ES', MetricName: 'CPUUtilization', Dimensions: [...DOMAIN, dim('NodeId', 'x')] }], NextToken: 'm2' };
  });
  assert.deepEqual(await isComplete(ev('Create', { Data: { StartedAt: '1000000' } })), { IsComplete: true, Data: { Checked: '2', Skipped: '0' } });
  assert.equal(cw.commandCalls(DescribeAlarmsCommand).length, 2);
  assert.equal(cw.commandCalls(ListMetricsCommand).length, 3);
});

test('no alarm of this deployment found fails at once with the prefix and topic', async (t) => {
  setUp(t, [ALARMS[ALARMS.length - 1]]);
  await assert.rejects(isComplete(ev('Create', { Data: { StartedAt: '1000000' } })), {
    message: `no CloudWatch metric alarm named opencti-prod-* notifies ${TOPIC}: the check runs after the stack's alarms are created, so the prefix or the topic does not match them`,
  });
});

test('an API error fails at once', async (t) => {
  const { cw } = setUp(t);
  cw.on(ListMetricsCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudwatch:ListMetrics'), { name: 'AccessDenied' }));
  await assert.rejects(isComplete(ev('Create', { Data: { StartedAt: '1000000' } })), /not authorized to perform: cloudwatch:ListMetrics/);
});

test('Delete calls nothing and keeps the physical ID; an Update retry checks again', async (t) => {
  const { cw } = setUp(t);
  serve(cw, live);
  assert.deepEqual(await onEvent(ev('Delete')), { PhysicalResourceId: 'alarm-dimension-check/opencti-prod-' });
  assert.deepEqual(await isComplete(ev('Delete')), { IsComplete: true });
  assert.equal(cw.calls().length, 0);
  const started = await onEvent(ev('Update'));
  assert.equal(started.PhysicalResourceId, 'alarm-dimension-check/opencti-prod-', 'same physical ID: no replacement');
  assert.equal((await isComplete(ev('Update', started))).IsComplete, true);
  assert.equal((await isComplete(ev('Update', started))).IsComplete, true, 'a retry is read-only and gives the same answer');
});

test('hourly: publishes the stale count under OpenCTI/Monitoring and logs the stale alarms', async (t) => {
  const { cw, lines } = setUp(t);
  setEnv(t, { ALARM_NAME_PREFIX: 'opencti-prod-', TOPIC_ARN: TOPIC });
  serve(cw, live.filter((s) => s.Dimensions !== NODE1));
  cw.on(PutMetricDataCommand).resolves({});
  assert.deepEqual(await handler({ 'detail-type': 'Scheduled Event' }), { alarms: 10, checked: 7, stale: 1 });
  assert.deepEqual(cw.commandCalls(PutMetricDataCommand)[0].args[0].input, {
    Namespace: 'OpenCTI/Monitoring',
    MetricData: [{ MetricName: 'StaleAlarmDimensions', Dimensions: [{ Name: 'Deployment', Value: 'opencti-prod-' }], Value: 1, Unit: 'Count' }],
  });
  assert.ok(lines.some((l) => l.includes('opencti-prod-redis-node1-heartbeat (AWS/ElastiCache CPUUtilization, CacheClusterId=opencti-cache-001, CacheNodeId=0001)')));
  serve(cw, live);
  assert.deepEqual(await handler({}), { alarms: 10, checked: 7, stale: 0 });
  assert.equal(cw.commandCalls(PutMetricDataCommand)[1].args[0].input.MetricData[0].Value, 0);
});

test('hourly: without alarms it publishes nothing (the alarm on the count treats silence as breaching)', async (t) => {
  const { cw } = setUp(t, []);
  setEnv(t, { ALARM_NAME_PREFIX: 'opencti-prod-', TOPIC_ARN: TOPIC });
  await assert.rejects(handler({}), { message: `no CloudWatch metric alarm named opencti-prod-* notifies ${TOPIC}` });
  assert.equal(cw.commandCalls(PutMetricDataCommand).length, 0);
});
