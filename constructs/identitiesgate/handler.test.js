// Tests of handler.js (node --test; make test-handlers): the verdict on the
// identities Job's status, answered to a fake CloudFormation endpoint
// (node:https replaced by internal/handlertest/fakes.js).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { captureConsole, fakeHttps } = require('../../internal/handlertest/fakes.js');

const { handler, judge } = require('./handler.js');

const context = { logStreamName: '2026/11/30/[$LATEST]0123456789abcdef' };
const JOB = 'opencti-identities-0a1b2c3d4e';
const event = (type, result, extra = {}) => ({
  RequestType: type,
  ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/arn%3Aaws?X-Amz-Signature=abc',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/opencti-prod-OpenCTI/guid',
  RequestId: 'req-1',
  LogicalResourceId: 'ChartIdentitiesGateVerdict',
  PhysicalResourceId: type === 'Create' ? undefined : 'opencti-identities-gate-ChartIdentitiesGateVerdict',
  ResourceProperties: { ServiceToken: 'arn:fn', Namespace: 'opencti', JobName: JOB, Result: result },
  ...extra,
});

function setUp(t) {
  const sent = fakeHttps(t, () => ({ status: 200, body: '' }));
  const responses = () => sent.map((r) => ({ ...JSON.parse(r.body), method: r.method, host: r.host, path: r.path }));
  return { responses, lines: captureConsole(t) };
}

const FAILED = 'failed: connector "mitre" (OpenCTI user "[C] opencti-prod mitre"): creating an API token: '
  + 'OpenCTI answered TokenAdd: Too many tokens for this user (FUNCTIONAL_ERROR)';

test('a succeeded Job lets the deploy go on (Create and Update), with its summary', async (t) => {
  const { responses } = setUp(t);
  const ok = 'succeeded: 6 identities, 6 tokens issued, 0 revoked, 0 Deployments rolled, 0 users disabled';
  await handler(event('Create', ok), context);
  await handler(event('Update', ok), context);
  const [create, update] = responses();
  assert.deepEqual(create, {
    Status: 'SUCCESS', Reason: 'ok', PhysicalResourceId: 'opencti-identities-gate-ChartIdentitiesGateVerdict',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/opencti-prod-OpenCTI/guid', RequestId: 'req-1',
    LogicalResourceId: 'ChartIdentitiesGateVerdict', Data: { Result: `identities Job opencti/${JOB}: ${ok}` },
    method: 'PUT', host: 'cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com', path: '/arn%3Aaws?X-Amz-Signature=abc',
  });
  assert.equal(update.Status, 'SUCCESS');
  assert.equal(update.PhysicalResourceId, 'opencti-identities-gate-ChartIdentitiesGateVerdict', 'the same resource across updates');
});

test('a failed Job fails the deploy with its message: the connector and OpenCTI\'s error', async (t) => {
  const { responses, lines } = setUp(t);
  await handler(event('Update', FAILED), context);
  const [r] = responses();
  assert.equal(r.Status, 'FAILED');
  assert.equal(r.Reason, `identities Job opencti/${JOB} failed: connector "mitre" (OpenCTI user "[C] opencti-prod mitre"): creating an API token: `
    + 'OpenCTI answered TokenAdd: Too many tokens for this user (FUNCTIONAL_ERROR) '
    + `(tokens in use before this deploy keep working; details: kubectl -n opencti logs job/${JOB})`);
  assert.deepEqual(r.Data, {});
  assert.ok(lines.some((l) => l.includes('"ok":false')));
});

test('a Job still running after the last relay, or an unknown status, fails the deploy saying so', async (t) => {
  const { responses } = setUp(t);
  await handler(event('Create', 'running: waiting for the rollouts, 3240 s after this pod started'), context);
  await handler(event('Create', 'garbage'), context);
  const [running, garbage] = responses();
  assert.equal(running.Status, 'FAILED');
  assert.equal(running.Reason, `identities Job opencti/${JOB} was still running when the deploy stopped waiting `
    + '(running: waiting for the rollouts, 3240 s after this pod started); it has a deadline of its own: '
    + `see kubectl -n opencti logs job/${JOB}, then deploy again`);
  assert.equal(garbage.Status, 'FAILED');
  assert.equal(garbage.Reason, `identities Job opencti/${JOB} recorded an unexpected status "garbage" (see kubectl -n opencti logs job/${JOB})`);
});

test('Delete always succeeds, whatever the Job said (a rollback or a stack deletion must not stop here)', async (t) => {
  const { responses } = setUp(t);
  await handler(event('Delete', FAILED), context);
  await handler(event('Delete', undefined, { ResourceProperties: {} }), context);
  assert.deepEqual(responses().map((r) => r.Status), ['SUCCESS', 'SUCCESS']);
});

test('no token reaches CloudFormation, and the reason fits its 4,096-byte response', async (t) => {
  const { responses, lines } = setUp(t);
  const token = 'flgrn_octi_tkn_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefghijklmnop';
  await handler(event('Update', `failed: writing Secret x: Invalid value: "${token}"${' and more'.repeat(500)}`), context);
  const [r] = responses();
  const body = JSON.stringify(r);
  assert.ok(!body.includes(token) && !lines.join('\n').includes(token), 'the token leaked');
  assert.match(r.Reason, /Invalid value: "\[redacted\]"/);
  assert.ok(Buffer.byteLength(body) < 4096, `${Buffer.byteLength(body)} bytes`);
  assert.ok(r.Reason.endsWith('... (cut)'));
});

test('judge reads only the Result property it is given', () => {
  assert.equal(judge({ Namespace: 'x', JobName: 'j', Result: 'succeeded: 1 identities' }).ok, true);
  assert.equal(judge({ Namespace: 'x', JobName: 'j' }).ok, false);
  assert.equal(judge({ Namespace: 'x', JobName: 'j', Result: 'SUCCEEDED: no' }).ok, false, 'the prefix is exact');
});
