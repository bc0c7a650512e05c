// Tests of handler.js (node --test; make test). The AWS SDK client is the
// real @aws-sdk/client-secrets-manager with its send() stubbed by
// aws-sdk-client-mock; node:https is replaced by a stateful fake of the
// OpenSearch domain (internal/handlertest/fakes.js).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { mockClient } = require('aws-sdk-client-mock');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const { SignatureV4 } = require('@smithy/signature-v4');
const { captureConsole, fakeHttps, FakeDomain } = require('../../internal/handlertest/fakes.js');

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
process.env.AWS_REGION = 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
process.env.AWS_SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';

const handler = require('./handler.js');

// ---- SigV4 ---------------------------------------------------------------

// AWS Signature Version 4 test suite: the requests and expected
// Authorization headers of aws-sig-v4-test-suite (published by AWS with the
// "Signature Version 4 test suite" page of the AWS General Reference,
// docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html; all
// signed on 2015-08-30T12:36:00Z in us-east-1 for service "service" with the
// example key below), as the AWS SDK for JavaScript v3 carries them in
// smithy-lang/smithy-typescript packages/signature-v4/src/suite.fixture.ts
// (commit 1e36cf8582f4bf644c2714f8766cdf915f5e5815). Only the request data
// and the expected signatures are taken; no code.
const SUITE = {
  region: 'us-east-1',
  service: 'service',
  amzDate: '20150830T123600Z',
  creds: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
};
const host = 'example.amazonaws.com';
const base = { host, 'x-amz-date': SUITE.amzDate };
const vectors = [
  ['get-vanilla', 'GET', '/', {}, base, undefined, 'host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
  ['get-vanilla-empty-query-key', 'GET', '/', { Param1: 'value1' }, base, undefined, 'host;x-amz-date', 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb'],
  ['get-vanilla-query-order-key-case', 'GET', '/', { Param2: 'value2', Param1: 'value1' }, base, undefined, 'host;x-amz-date', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'],
  ['get-vanilla-query-unreserved', 'GET', '/', { '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz': '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' }, base, undefined, 'host;x-amz-date', '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197'],
  ['get-vanilla-utf8-query', 'GET', '/', { 'ሴ': 'bar' }, base, undefined, 'host;x-amz-date', '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04'],
  ['get-unreserved', 'GET', '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', {}, base, undefined, 'host;x-amz-date', '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f'],
  ['get-utf8', 'GET', '/ሴ', {}, base, undefined, 'host;x-amz-date', '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85'],
  ['get-header-key-duplicate', 'GET', '/', {}, { ...base, 'my-header1': 'value2,value2,value1' }, undefined, 'host;my-header1;x-amz-date', 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea'],
  ['get-header-value-multiline', 'GET', '/', {}, { ...base, 'my-header1': 'value1,value2,value3' }, undefined, 'host;my-header1;x-amz-date', 'ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790'],
  ['get-header-value-order', 'GET', '/', {}, { ...base, 'my-header1': 'value4,value1,value3,value2' }, undefined, 'host;my-header1;x-amz-date', '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01'],
  ['get-header-value-trim', 'GET', '/', {}, { ...base, 'my-header1': 'value1', 'my-header2': '"a   b   c"' }, undefined, 'host;my-header1;my-header2;x-amz-date', 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736'],
  ['post-vanilla', 'POST', '/', {}, base, undefined, 'host;x-amz-date', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
  ['post-vanilla-query', 'POST', '/', { Param1: 'value1' }, base, undefined, 'host;x-amz-date', '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11'],
  ['post-vanilla-query-nonunreserved', 'POST', '/', { '@#$%^': '', '+': '/,?><`";:\\|][{}' }, base, undefined, 'host;x-amz-date', '66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e'],
  ['post-vanilla-query-space', 'POST', '/', { p: '' }, base, undefined, 'host;x-amz-date', 'e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b'],
  ['post-header-key-sort', 'POST', '/', {}, { ...base, 'my-header1': 'value1' }, undefined, 'host;my-header1;x-amz-date', 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c'],
  ['post-header-value-case', 'POST', '/', {}, { ...base, 'my-header1': 'VALUE1' }, undefined, 'host;my-header1;x-amz-date', 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d'],
  ['post-sts-header-before', 'POST', '/', {}, { ...base, 'x-amz-security-token': 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==' }, undefined, 'host;x-amz-date;x-amz-security-token', '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead'],
  ['post-x-www-form-urlencoded', 'POST', '/', {}, { ...base, 'content-type': 'application/x-www-form-urlencoded' }, 'Param1=value1', 'content-type;host;x-amz-date', 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a'],
  ['post-x-www-form-urlencoded-parameters', 'POST', '/', {}, { ...base, 'content-type': 'application/x-www-form-urlencoded; charset=utf8' }, 'Param1=value1', 'content-type;host;x-amz-date', '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe'],
];

test('SigV4 matches every vector of the AWS SigV4 test suite', () => {
  for (const [name, method, path, query, headers, body, signed, signature] of vectors) {
    const got = handler.signV4({ method, path, query, headers, body }, SUITE.creds, SUITE.region, SUITE.service, SUITE.amzDate);
    assert.equal(got,
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signed}, Signature=${signature}`,
      name);
  }
});

test('SigV4 canonical path and query follow the specification', () => {
  // Normalization (every service but S3) and double encoding of segments
  // that were percent-encoded on the wire.
  assert.equal(handler.canonicalPath('//example//'), '/example/');
  assert.equal(handler.canonicalPath('/example/..'), '/');
  assert.equal(handler.canonicalPath('/./example/.'), '/example');
  assert.equal(handler.canonicalPath('/example space/'), '/example%20space/');
  assert.equal(handler.canonicalPath('/a%20b'), '/a%2520b');
  assert.equal(handler.canonicalQuery({ b: '2', a: ['z', 'y'], 'c d': "!'()*" }), 'a=y&a=z&b=2&c%20d=%21%27%28%29%2A');
});

// The signer the AWS SDK for JavaScript v3 uses, as a second opinion on
// requests to the es service like the ones the handler sends.
class Sha256 {
  constructor(secret) { this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256'); }
  update(d) { this.h.update(typeof d === 'string' ? d : Buffer.from(d)); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

test('SigV4 requests to es agree with @smithy/signature-v4', async () => {
  const domain = 'vpc-opencti-search-abc123.eu-west-1.es.amazonaws.com';
  const now = new Date('2026-11-30T21:07:09.123Z');
  const cases = [
    ['GET', '/_snapshot/manual-snapshots', {}, undefined],
    ['PUT', '/_snapshot/manual-snapshots', {}, JSON.stringify({ type: 's3', settings: { bucket: 'b', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/x' } })],
    ['PUT', '/_snapshot/manual-snapshots/pre-upgrade-7.260224.0-to-7.260817.0-20261130t210709z-0a1b2c3d', { wait_for_completion: 'false' },
      JSON.stringify({ indices: '*,-.opendistro_security,-.kibana*,-.opendistro-*', include_global_state: false })],
  ];
  for (const withToken of [true, false]) {
    const creds = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET_KEY, sessionToken: withToken ? 'tok/en+==' : undefined };
    const oracle = new SignatureV4({ service: 'es', region: 'eu-west-1', sha256: Sha256, credentials: creds });
    for (const [method, path, query, body] of cases) {
      const signed = await oracle.sign(
        { method, protocol: 'https:', hostname: domain, path, query, body, headers: { host: domain, 'content-type': 'application/json' } },
        { signingDate: now });
      const saved = { ...process.env };
      process.env.AWS_ACCESS_KEY_ID = creds.accessKeyId;
      if (withToken) process.env.AWS_SESSION_TOKEN = creds.sessionToken; else delete process.env.AWS_SESSION_TOKEN;
      const ours = handler.esHeaders(domain, method, path, query, body, now);
      Object.assign(process.env, saved);
      if (saved.AWS_SESSION_TOKEN) process.env.AWS_SESSION_TOKEN = saved.AWS_SESSION_TOKEN;
      assert.equal(ours.authorization, signed.headers.authorization, `${method} ${path} token=${withToken}`);
      for (const h of ['x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']) {
        assert.equal(ours[h], signed.headers[h], `${h} of ${method} ${path}`);
      }
    }
  }
});

// ---- the custom resource -------------------------------------------------

const PASSWORD = 'S3cr3t-Pa55word_for-tests';
const props = {
  Version: '7.260224.0',
  DomainEndpoint: 'vpc-opencti-search-abc123.eu-west-1.es.amazonaws.com',
  RepositoryName: 'manual-snapshots',
  BucketName: 'opencti-snapshots',
  SnapshotRoleArn: 'arn:aws:iam::123456789012:role/SnapshotRole',
  MasterUserSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:opencti/prod/opensearch-AbCdEf',
  UsernameField: 'username',
  PasswordField: 'password',
  FunctionRoleArn: 'arn:aws:iam::123456789012:role/UpgradeSnapshotRole',
  Indices: '*,-.opendistro_security,-.kibana*,-.opendistro-*',
};
const create = { RequestType: 'Create', RequestId: '0a1b2c3d-aaaa-bbbb-cccc-000000000001', ResourceProperties: props };
const update = (oldVersion, version) => ({
  RequestType: 'Update', RequestId: '9f8e7d6c-aaaa-bbbb-cccc-000000000002', PhysicalResourceId: `${props.DomainEndpoint}/manual-snapshots`,
  ResourceProperties: { ...props, Version: version }, OldResourceProperties: { ...props, Version: oldVersion },
});

// setUp wires a fresh fake domain, the fake https and the Secrets Manager mock.
function setUp(t, secretString = JSON.stringify({ username: 'opencti', password: PASSWORD })) {
  const domain = new FakeDomain({ password: PASSWORD });
  const requests = fakeHttps(t, (r) => domain.serve(r));
  const sm = mockClient(SecretsManagerClient);
  sm.on(GetSecretValueCommand, { SecretId: props.MasterUserSecretArn }).resolves({ SecretString: secretString });
  t.after(() => sm.restore());
  const lines = captureConsole(t);
  return { domain, requests, sm, lines };
}

// noSecrets asserts that no output or error text carries a secret.
function noSecrets(texts) {
  const forbidden = [PASSWORD, Buffer.from(`opencti:${PASSWORD}`).toString('base64'), SECRET_KEY, process.env.AWS_SESSION_TOKEN];
  for (const text of texts) {
    for (const f of forbidden) assert.ok(!String(text).includes(f), `a secret leaked into: ${text}`);
  }
}

async function runToCompletion(event, max = 10) {
  const out = await handler.onEvent(event);
  let polls = 0;
  for (;;) {
    const done = await handler.isComplete({ ...event, PhysicalResourceId: out.PhysicalResourceId, Data: out.Data });
    polls++;
    if (done.IsComplete) return { out, done, polls };
    assert.ok(polls < max, 'isComplete never completed');
  }
}

test('Create maps the function role, registers the repository and takes no snapshot', async (t) => {
  const { domain, requests, lines } = setUp(t);
  domain.rolesMapping.manage_snapshots.backend_roles = ['arn:aws:iam::123456789012:role/operator'];
  domain.rolesMapping.manage_snapshots.users = ['alice'];
  const { out, done } = await runToCompletion(create);
  assert.deepEqual(out, { PhysicalResourceId: `${props.DomainEndpoint}/manual-snapshots`, Data: { SnapshotName: '' } });
  assert.deepEqual(done, { IsComplete: true });
  assert.deepEqual(domain.rolesMapping.manage_snapshots.backend_roles, ['arn:aws:iam::123456789012:role/operator', props.FunctionRoleArn]);
  assert.deepEqual(domain.rolesMapping.manage_snapshots.users, ['alice']);
  assert.deepEqual(domain.repositories['manual-snapshots'], {
    type: 's3', settings: { bucket: 'opencti-snapshots', region: 'eu-west-1', role_arn: props.SnapshotRoleArn },
  });
  assert.deepEqual(Object.keys(domain.snapshots), []);
  // The role mapping goes as the master user, the repository SigV4-signed.
  const rm = requests.filter((r) => r.path.startsWith('/_plugins/'));
  assert.ok(rm.every((r) => r.headers.authorization.startsWith('Basic ')));
  const repo = requests.filter((r) => r.path.startsWith('/_snapshot'));
  assert.ok(repo.length === 2 && repo.every((r) => r.headers.authorization.startsWith('AWS4-HMAC-SHA256 ') && r.headers['x-amz-security-token']));
  noSecrets(lines);
});

test('a retried Create changes nothing (idempotent)', async (t) => {
  const { domain, lines } = setUp(t);
  await runToCompletion(create);
  const writes = domain.puts.length;
  await runToCompletion(create);
  assert.equal(domain.puts.length, writes, 'the second run wrote again');
  assert.equal(domain.rolesMapping.manage_snapshots.backend_roles.length, 1);
  noSecrets(lines);
});

test('Update to a new version takes the snapshot and waits for SUCCESS', async (t) => {
  const { domain, lines } = setUp(t);
  await runToCompletion(create);
  const { out, done, polls } = await runToCompletion(update('7.260224.0', '7.260817.0'));
  const name = out.Data.SnapshotName;
  assert.match(name, /^pre-upgrade-7\.260224\.0-to-7\.260817\.0-\d{8}t\d{6}z-9f8e7d6c$/);
  assert.deepEqual(done, { IsComplete: true, Data: { SnapshotName: name } });
  assert.equal(polls, 3, 'start, IN_PROGRESS, SUCCESS');
  assert.deepEqual(domain.snapshots[name].body, { indices: props.Indices, include_global_state: false });
  assert.ok(lines.some((l) => l.includes('taking pre-upgrade snapshot')));
  noSecrets(lines);
});

test('Update with the same version, and Delete, take no snapshot', async (t) => {
  const { domain, requests, lines } = setUp(t);
  const { out } = await runToCompletion(update('7.260817.0', '7.260817.0'));
  assert.equal(out.Data.SnapshotName, '');
  assert.deepEqual(Object.keys(domain.snapshots), []);
  const before = requests.length;
  const del = await handler.onEvent({ RequestType: 'Delete', PhysicalResourceId: 'x/manual-snapshots', ResourceProperties: props });
  assert.deepEqual(del, { PhysicalResourceId: 'x/manual-snapshots' });
  assert.deepEqual(await handler.isComplete({ RequestType: 'Delete', ResourceProperties: props }), { IsComplete: true });
  assert.equal(requests.length, before, 'Delete must not call the domain');
  noSecrets(lines);
});

test('a concurrent snapshot (the hourly automated one) is waited out', async (t) => {
  const { domain, lines } = setUp(t);
  await runToCompletion(create);
  const ev = update('7.260224.0', '7.260817.0');
  const out = await handler.onEvent(ev);
  const path = `PUT /_snapshot/manual-snapshots/${out.Data.SnapshotName}`;
  domain.fail[path] = { status: 503, body: { error: { type: 'concurrent_snapshot_execution_exception' }, status: 503 } };
  assert.deepEqual(await handler.isComplete({ ...ev, Data: out.Data }), { IsComplete: false });
  delete domain.fail[path];
  assert.deepEqual(await handler.isComplete({ ...ev, Data: out.Data }), { IsComplete: false });
  assert.ok(domain.snapshots[out.Data.SnapshotName], 'started on the second poll');
  assert.ok(lines.some((l) => l.includes('another snapshot is running')));
});

test('failures name the problem and never print a secret', async (t) => {
  const cases = [
    {
      what: 'a failed snapshot', want: /^snapshot pre-upgrade-.* ended FAILED: \[\{"reason":"disk full"\}\]; the upgrade is stopped/,
      run: async (domain) => {
        domain.snapshotStates = ['FAILED'];
        const ev = update('7.260224.0', '7.260817.0');
        const out = await handler.onEvent(ev);
        await handler.isComplete({ ...ev, Data: out.Data });
        domain.snapshots[out.Data.SnapshotName].failures = [{ reason: 'disk full' }];
        await handler.isComplete({ ...ev, Data: out.Data });
      },
    },
    {
      what: 'no iam:PassRole', want: /^registering repository manual-snapshots: HTTP 403 .*not authorized to perform: iam:PassRole/,
      run: async (domain) => {
        domain.fail['PUT /_snapshot/manual-snapshots'] = { status: 403, body: { Message: `User: ${props.FunctionRoleArn} is not authorized to perform: iam:PassRole on resource: ${props.SnapshotRoleArn}` } };
        await handler.onEvent(create);
      },
    },
    {
      what: 'a wrong master password', want: /^reading the manage_snapshots role mapping: HTTP 401 /,
      run: async (domain) => { domain.password = 'another'; await handler.onEvent(create); },
    },
    {
      what: 'an unreachable domain', want: /^GET \/_plugins\/_security\/api\/rolesmapping\/manage_snapshots on vpc-opencti-search-abc123\..*: connect ETIMEDOUT/,
      run: async (domain) => { domain.serve = () => { throw new Error('connect ETIMEDOUT 10.0.3.4:443'); }; await handler.onEvent(create); },
    },
  ];
  for (const c of cases) {
    await t.test(c.what, async (t) => {
      const { domain, lines } = setUp(t);
      await assert.rejects(c.run(domain), (err) => {
        assert.match(err.message, c.want);
        noSecrets([err.message, err.stack]);
        return true;
      });
      noSecrets(lines);
    });
  }
});

test('a master user secret that is not JSON fails without quoting it', async (t) => {
  for (const [value, want] of [
    [`not-json ${PASSWORD}`, 'the master user secret is not a JSON object'],
    [JSON.stringify([PASSWORD]), 'the master user secret is not a JSON object'],
    [JSON.stringify({ username: 'opencti', pass: PASSWORD }), 'the master user secret has no "password" field'],
  ]) {
    await t.test(want, async (t) => {
      const { lines } = setUp(t, value);
      await assert.rejects(handler.onEvent(create), (err) => {
        assert.equal(err.message, want);
        noSecrets([err.message, err.stack]);
        return true;
      });
      noSecrets(lines);
    });
  }
});

test('snapshot names are valid and traceable', () => {
  const n = handler.snapshotName('7.260224.0', 'v7.260817.0 RC/1', 'ABCDEF12-3456', new Date('2026-11-30T21:07:09.123Z'));
  assert.equal(n, 'pre-upgrade-7.260224.0-to-v7.260817.0-rc-1-20261130t210709z-abcdef12');
});
