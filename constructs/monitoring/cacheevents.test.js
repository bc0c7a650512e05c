// Tests of cacheevents.js (node --test; make test): the real
// @aws-sdk/client-sns with send() stubbed by aws-sdk-client-mock.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { mockClient } = require('aws-sdk-client-mock');
const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');
const { captureConsole, setEnv } = require('../../internal/handlertest/fakes.js');

const { handler } = require('./cacheevents.js');

const ALARMS = 'arn:aws:sns:eu-west-1:123456789012:opencti-prod-alarms';
const record = (message) => ({ Sns: { Message: message, Timestamp: '2026-12-01T03:04:05.000Z', TopicArn: 'arn:aws:sns:eu-west-1:123456789012:cache-events' } });

function setUp(t) {
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  t.after(() => sns.restore());
  setEnv(t, { ALARM_TOPIC_ARN: ALARMS, DEPLOYMENT: 'opencti-prod' });
  return { sns, lines: captureConsole(t) };
}

test('a failover reaches the alarm topic with the node and what to do', async (t) => {
  const { sns } = setUp(t);
  const out = await handler({ Records: [record('{"ElastiCache:FailoverComplete":"opencti-cache-002"}')] });
  assert.deepEqual(out, { forwarded: 1 });
  const input = sns.commandCalls(PublishCommand)[0].args[0].input;
  assert.equal(input.TopicArn, ALARMS);
  assert.equal(input.Subject, 'opencti-prod Redis: ElastiCache:FailoverComplete (opencti-cache-002)');
  assert.equal(input.Message,
    'ElastiCache:FailoverComplete on opencti-cache-002 at 2026-12-01T03:04:05.000Z: a replica was promoted to primary: OpenCTI ' +
    'connections to Redis reset once; check that every tier is Ready (runbook "Redis (ElastiCache) failover").\n\n' +
    'ElastiCache notification: {"ElastiCache:FailoverComplete":"opencti-cache-002"}');
});

test('node replacement events are forwarded, each one', async (t) => {
  const { sns } = setUp(t);
  const out = await handler({
    Records: [
      record('{"ElastiCache:CacheNodeReplaceComplete":"opencti-cache-001"}'),
      record('{"ElastiCache:NodeReplacementScheduled":"opencti-cache-003"}'),
      record('{"ElastiCache:NodeReplacementRescheduled":"opencti-cache-003"}'),
      record('{"ElastiCache:NodeReplacementCanceled":"opencti-cache-003"}'),
    ],
  });
  assert.deepEqual(out, { forwarded: 4 });
  assert.deepEqual(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject), [
    'opencti-prod Redis: ElastiCache:CacheNodeReplaceComplete (opencti-cache-001)',
    'opencti-prod Redis: ElastiCache:NodeReplacementScheduled (opencti-cache-003)',
    'opencti-prod Redis: ElastiCache:NodeReplacementRescheduled (opencti-cache-003)',
    'opencti-prod Redis: ElastiCache:NodeReplacementCanceled (opencti-cache-003)',
  ]);
});

test('routine events are dropped and logged; nothing is published', async (t) => {
  const { sns, lines } = setUp(t);
  const out = await handler({
    Records: [
      record('{"ElastiCache:SnapshotComplete":"opencti-cache-002"}'),
      record('{"ElastiCache:CacheClusterParametersChanged":"opencti-cache-001"}'),
      record('not json and no event name'),
    ],
  });
  assert.deepEqual(out, { forwarded: 0 });
  assert.equal(sns.commandCalls(PublishCommand).length, 0);
  assert.equal(lines.filter((l) => l.includes('"msg":"dropped"')).length, 3);
});

test('a message that is not JSON is searched for the event name', async (t) => {
  const { sns } = setUp(t);
  assert.deepEqual(await handler({ Records: [record('ElastiCache:FailoverComplete : opencti-cache')] }), { forwarded: 1 });
  assert.equal(sns.commandCalls(PublishCommand)[0].args[0].input.Subject, 'opencti-prod Redis: ElastiCache:FailoverComplete');
});

test('a publish error fails the invocation, so that Lambda retries the event', async (t) => {
  const { sns } = setUp(t);
  sns.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
  await assert.rejects(handler({ Records: [record('{"ElastiCache:FailoverComplete":"opencti-cache-002"}')] }), /KMS key disabled/);
});
