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
const { captureConsole, setEnv, fakeHttps, FakeDomain } = require('../../internal/handlertest/fakes.js');

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
// What the Lambda runtime puts into the function's environment; every test
// of the custom resource sets it (setUp) for the SigV4-signed snapshot API calls.
const AWS_ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN };

const handler = require('./handler.js');

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
  setEnv(t, AWS_ENV);
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
  const forbidden = [PASSWORD, Buffer.from(`opencti:${PASSWORD}`).toString('base64'), SECRET_KEY, SESSION_TOKEN];
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
