// Tests of generator.js (node --test; make test): the real
// @aws-sdk/client-secrets-manager with send() stubbed by aws-sdk-client-mock
// over an in-memory secret store; node:https (the response to CloudFormation's
// pre-signed URL) replaced by a fake that records the responses.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { mockClient } = require('aws-sdk-client-mock');
const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const { captureConsole, fakeHttps } = require('../../internal/handlertest/fakes.js');

const { handler } = require('./generator.js');

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ADMIN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:opencti/prod/admin-AbCdEf';
const KEY = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:opencti/prod/encryption-key-AbCdEf';
const context = { logStreamName: '2026/11/30/[$LATEST]0123456789abcdef' };
const event = (type, secretId, fields) => ({
  RequestType: type,
  ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/arn%3Aaws?X-Amz-Signature=abc',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/opencti-prod-Data/guid',
  RequestId: 'req-1',
  LogicalResourceId: 'OpenCTISecretsAdminTokenGenerator',
  PhysicalResourceId: type === 'Create' ? undefined : 'generated-fields-OpenCTISecretsAdminTokenGenerator',
  ResourceProperties: { ServiceToken: 'arn:fn', SecretId: secretId, Fields: fields, Generation: '1' },
});

// setUp gives an in-memory Secrets Manager, the fake CloudFormation endpoint
// and captured console output.
function setUp(t, store) {
  const sm = mockClient(SecretsManagerClient);
  sm.on(GetSecretValueCommand).callsFake((input) => {
    if (!(input.SecretId in store)) {
      const e = new Error(`Secrets Manager can't find the specified secret.`);
      e.name = 'ResourceNotFoundException';
      throw e;
    }
    return { SecretString: store[input.SecretId] };
  });
  sm.on(PutSecretValueCommand).callsFake((input) => { store[input.SecretId] = input.SecretString; return {}; });
  t.after(() => sm.restore());
  const sent = fakeHttps(t, () => ({ status: 200, body: '' }));
  const responses = () => sent.map((r) => ({ ...JSON.parse(r.body), method: r.method, host: r.host, path: r.path }));
  return { sm, responses, lines: captureConsole(t) };
}

// noValues asserts that none of the values appears in any of the texts.
function noValues(texts, values) {
  for (const text of texts) for (const v of values) assert.ok(!String(text).includes(v), `a secret value leaked into: ${text}`);
}

test('Create writes a UUIDv4 token, keeps the other fields and answers SUCCESS without the value', async (t) => {
  const store = { [ADMIN]: JSON.stringify({ password: 'Generated-By-SecretsManager-32ch' }) };
  const { sm, responses, lines } = setUp(t, store);
  await handler(event('Create', ADMIN, { token: 'uuid4' }), context);
  const doc = JSON.parse(store[ADMIN]);
  assert.match(doc.token, UUID4);
  assert.equal(doc.password, 'Generated-By-SecretsManager-32ch');
  assert.equal(sm.commandCalls(PutSecretValueCommand).length, 1);
  const [r] = responses();
  assert.equal(r.method, 'PUT');
  assert.equal(r.host, 'cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com');
  assert.equal(r.path, '/arn%3Aaws?X-Amz-Signature=abc');
  assert.deepEqual({ ...r, method: undefined, host: undefined, path: undefined }, {
    Status: 'SUCCESS', Reason: 'ok', NoEcho: true, Data: {},
    PhysicalResourceId: 'generated-fields-OpenCTISecretsAdminTokenGenerator',
    StackId: event('Create').StackId, RequestId: 'req-1', LogicalResourceId: 'OpenCTISecretsAdminTokenGenerator',
    method: undefined, host: undefined, path: undefined,
  });
  assert.deepEqual(lines, [JSON.stringify({ secret: ADMIN, written: ['token'] })]);
  noValues([...lines, JSON.stringify(responses())], [doc.token, doc.password]);
});

test('Update and a retried Create never rotate a valid value (idempotent)', async (t) => {
  const token = '3b241101-e2bb-4255-8caf-4136c566a962';
  const key = Buffer.alloc(32, 7).toString('base64');
  const store = { [ADMIN]: JSON.stringify({ password: 'p', token }), [KEY]: JSON.stringify({ key }) };
  const { sm, responses, lines } = setUp(t, store);
  await handler(event('Create', ADMIN, { token: 'uuid4' }), context);
  await handler(event('Update', ADMIN, { token: 'uuid4' }), context);
  await handler(event('Update', KEY, { key: 'base64_32' }), context);
  assert.equal(sm.commandCalls(PutSecretValueCommand).length, 0);
  assert.equal(JSON.parse(store[ADMIN]).token, token);
  assert.equal(JSON.parse(store[KEY]).key, key);
  assert.deepEqual(responses().map((r) => r.Status), ['SUCCESS', 'SUCCESS', 'SUCCESS']);
  assert.ok(lines.every((l) => l.includes('"written":[]')));
  noValues(lines, [token, key]);
});

test('the 44-character placeholder and malformed values are replaced', async (t) => {
  const store = {
    [KEY]: JSON.stringify({ key: 'a'.repeat(44) }),
    [ADMIN]: JSON.stringify({ password: 'p', token: '3b241101-e2bb-1255-8caf-4136c566a962' }), // version 1, not 4
  };
  const { sm } = setUp(t, store);
  await handler(event('Create', KEY, { key: 'base64_32' }), context);
  await handler(event('Update', ADMIN, { token: 'uuid4' }), context);
  const key = JSON.parse(store[KEY]).key;
  assert.equal(key.length, 44);
  assert.equal(Buffer.from(key, 'base64').length, 32);
  assert.match(JSON.parse(store[ADMIN]).token, UUID4);
  assert.equal(sm.commandCalls(PutSecretValueCommand).length, 2);
});

test('Delete touches no secret and answers SUCCESS', async (t) => {
  const store = { [ADMIN]: JSON.stringify({ password: 'p' }) };
  const { sm, responses } = setUp(t, store);
  await handler(event('Delete', ADMIN, { token: 'uuid4' }), context);
  assert.equal(sm.calls().length, 0);
  assert.deepEqual(responses().map((r) => [r.Status, r.PhysicalResourceId]), [['SUCCESS', 'generated-fields-OpenCTISecretsAdminTokenGenerator']]);
  assert.equal(store[ADMIN], JSON.stringify({ password: 'p' }));
});

test('failures answer FAILED with a reason that names the problem and no value', async (t) => {
  const secretText = 'SUPERSECRET-do-not-print-0123456789';
  const cases = [
    ['a value that is not JSON', { [ADMIN]: `not-json ${secretText}` }, ADMIN, { token: 'uuid4' },
      'Error: the secret value is not a JSON object (log stream 2026/11/30/[$LATEST]0123456789abcdef)'],
    ['a JSON value that is not an object', { [ADMIN]: JSON.stringify([secretText]) }, ADMIN, { token: 'uuid4' },
      'Error: the secret value is not a JSON object (log stream 2026/11/30/[$LATEST]0123456789abcdef)'],
    ['an unknown kind', { [ADMIN]: JSON.stringify({ password: secretText }) }, ADMIN, { token: 'uuid7' },
      'Error: unknown kind uuid7 for field token (log stream 2026/11/30/[$LATEST]0123456789abcdef)'],
    ['a missing secret', {}, ADMIN, { token: 'uuid4' },
      "ResourceNotFoundException: Secrets Manager can't find the specified secret. (log stream 2026/11/30/[$LATEST]0123456789abcdef)"],
  ];
  for (const [what, store, id, fields, reason] of cases) {
    await t.test(what, async (t) => {
      const { sm, responses, lines } = setUp(t, store);
      await handler(event('Create', id, fields), context);
      const [r] = responses();
      assert.equal(r.Status, 'FAILED');
      assert.equal(r.Reason, reason);
      assert.equal(r.NoEcho, true);
      assert.deepEqual(r.Data, {});
      assert.deepEqual(lines, [reason]);
      assert.equal(sm.commandCalls(PutSecretValueCommand).length, 0);
      noValues([...lines, JSON.stringify(r)], [secretText]);
    });
  }
});
