// Tests of opensearch.js (node --test; make test-handlers): the SigV4
// signer against AWS's test suite and against the AWS SDK's own signer for
// every kind of request the three handlers send, and the manage_snapshots
// mapping against a fake domain. The handlers' own tests exercise call,
// masterUser and the mapping through their custom resources.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const { captureConsole, setEnv, fakeHttps, FakeDomain } = require('../handlertest/fakes.js');

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

const domain = require('./opensearch.js');

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
    const got = domain.signV4({ method, path, query, headers, body }, SUITE.creds, SUITE.region, SUITE.service, SUITE.amzDate);
    assert.equal(got,
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signed}, Signature=${signature}`,
      name);
  }
});

test('SigV4 canonical path and query follow the specification', () => {
  // Normalization (every service but S3) and double encoding of segments
  // that were percent-encoded on the wire.
  assert.equal(domain.canonicalPath('//example//'), '/example/');
  assert.equal(domain.canonicalPath('/example/..'), '/');
  assert.equal(domain.canonicalPath('/./example/.'), '/example');
  assert.equal(domain.canonicalPath('/example space/'), '/example%20space/');
  assert.equal(domain.canonicalPath('/a%20b'), '/a%2520b');
  assert.equal(domain.canonicalQuery({ b: '2', a: ['z', 'y'], 'c d': "!'()*" }), 'a=y&a=z&b=2&c%20d=%21%27%28%29%2A');
});

// The signer the AWS SDK for JavaScript v3 uses, as a second opinion on
// requests to the es service like the ones the handler sends.
class Sha256 {
  constructor(secret) { this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256'); }
  update(d) { this.h.update(typeof d === 'string' ? d : Buffer.from(d)); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

test('SigV4 requests to es agree with @smithy/signature-v4', async (t) => {
  const now = new Date('2026-11-30T21:07:09.123Z');
  // [region, host, method, path, query, body]: what upgradesnapshot,
  // recovery/restore and recovery/snapshots send.
  const west = 'vpc-opencti-search-abc123.eu-west-1.es.amazonaws.com';
  const central = 'vpc-opencti-dr-search-abc123.eu-central-1.es.amazonaws.com';
  const cases = [
    ['eu-west-1', west, 'GET', '/_snapshot/manual-snapshots', {}, undefined],
    ['eu-west-1', west, 'PUT', '/_snapshot/manual-snapshots', {}, JSON.stringify({ type: 's3', settings: { bucket: 'b', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/x' } })],
    ['eu-west-1', west, 'PUT', '/_snapshot/manual-snapshots/pre-upgrade-7.260224.0-to-7.260817.0-20261130t210709z-0a1b2c3d', { wait_for_completion: 'false' },
      JSON.stringify({ indices: '*,-.opendistro_security,-.kibana*,-.opendistro-*', include_global_state: false })],
    ['eu-central-1', central, 'GET', '/_snapshot/dr-replica/_all', {}, undefined],
    ['eu-central-1', central, 'PUT', '/_snapshot/dr-replica', {}, JSON.stringify({ type: 's3', settings: { bucket: 'replica', readonly: true } })],
    ['eu-central-1', central, 'POST', '/_snapshot/dr-replica/opencti-dr-2026-12-01-11-00-cccc/_restore', { wait_for_completion: 'false' }, JSON.stringify({ indices: 'opencti_*' })],
    ['eu-west-1', west, 'GET', '/_snapshot/dr-snapshots/_all', {}, undefined],
    ['eu-west-1', west, 'PUT', '/_snapshot/dr-snapshots', {}, JSON.stringify({ type: 's3', settings: { bucket: 'b', base_path: 'dr' } })],
  ];
  // esHeaders signs with the credentials and region in the environment, where
  // the Lambda runtime puts them (setEnv restores the variables afterwards).
  for (const withToken of [true, false]) {
    const creds = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET_KEY, sessionToken: withToken ? 'tok/en+==' : undefined };
    setEnv(t, { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_SESSION_TOKEN: creds.sessionToken });
    for (const [region, host, method, path, query, body] of cases) {
      setEnv(t, { AWS_REGION: region });
      const oracle = new SignatureV4({ service: 'es', region, sha256: Sha256, credentials: creds });
      const signed = await oracle.sign(
        { method, protocol: 'https:', hostname: host, path, query, body, headers: { host, 'content-type': 'application/json' } },
        { signingDate: now });
      const ours = domain.esHeaders(host, method, path, query, body, now);
      assert.equal(ours.authorization, signed.headers.authorization, `${region} ${method} ${path} token=${withToken}`);
      for (const h of ['x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']) {
        assert.equal(ours[h], signed.headers[h], `${h} of ${method} ${path}`);
      }
    }
  }
});

// ---- the manage_snapshots mapping ----------------------------------------

const PASSWORD = 'S3cr3t-Pa55word_for-handlerlib';
const HOST = 'vpc-opencti-search-abc123.eu-west-1.es.amazonaws.com';
const ROLE_A = 'arn:aws:iam::123456789012:role/A';
const ROLE_B = 'arn:aws:iam::123456789012:role/B';

test('mapManageSnapshots adds only the missing roles and keeps the mapping', async (t) => {
  const fake = new FakeDomain({ password: PASSWORD });
  fake.rolesMapping.manage_snapshots = { backend_roles: ['arn:aws:iam::123456789012:role/Existing', ROLE_A], hosts: ['h'], users: ['u'], reserved: false };
  const seen = fakeHttps(t, (r) => fake.serve(r));
  const lines = captureConsole(t);
  const auth = { username: 'opencti', password: PASSWORD };
  await domain.mapManageSnapshots(HOST, auth, [ROLE_A, ROLE_B, undefined, '']);
  assert.deepEqual(fake.rolesMapping.manage_snapshots.backend_roles, ['arn:aws:iam::123456789012:role/Existing', ROLE_A, ROLE_B]);
  assert.deepEqual(fake.rolesMapping.manage_snapshots.hosts, ['h']);
  assert.deepEqual(fake.rolesMapping.manage_snapshots.users, ['u']);
  assert.equal(seen.filter((r) => r.method === 'PUT').length, 1);
  // Everything there: read, no write.
  await domain.mapManageSnapshots(HOST, auth, [ROLE_B, ROLE_A]);
  assert.equal(seen.filter((r) => r.method === 'PUT').length, 1);
  assert.ok(lines.every((l) => !l.includes(PASSWORD)));
});

test('mapManageSnapshots names the step that failed', async (t) => {
  const fake = new FakeDomain({ password: PASSWORD });
  fake.fail['GET /_plugins/_security/api/rolesmapping/manage_snapshots'] = { status: 500, body: { error: 'boom' } };
  fakeHttps(t, (r) => fake.serve(r));
  captureConsole(t);
  await assert.rejects(domain.mapManageSnapshots(HOST, { username: 'opencti', password: PASSWORD }, [ROLE_A]),
    { message: 'reading the manage_snapshots role mapping: HTTP 500 {"error":"boom"}' });
  delete fake.fail['GET /_plugins/_security/api/rolesmapping/manage_snapshots'];
  fake.fail['PUT /_plugins/_security/api/rolesmapping/manage_snapshots'] = { status: 403, body: { error: 'no' } };
  await assert.rejects(domain.mapManageSnapshots(HOST, { username: 'opencti', password: PASSWORD }, [ROLE_A]),
    { message: 'mapping the function roles to manage_snapshots: HTTP 403 {"error":"no"}' });
});
