// Tests of snapshots.js (node --test; make test-handlers): the snapshot
// management policy custom resource and the snapshot age probe, against
// FakeSearch (internal/handlertest/searchfake.js) and the real Secrets
// Manager client with send() stubbed by aws-sdk-client-mock.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { mockClient } = require('aws-sdk-client-mock');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const { SignatureV4 } = require('@smithy/signature-v4');
const { captureConsole, setEnv, fakeHttps } = require('../../internal/handlertest/fakes.js');
const { FakeSearch } = require('../../internal/handlertest/searchfake.js');

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKENforSnapshots';
// What the Lambda runtime puts into the function's environment; every test
// sets it (setUp) for the SigV4-signed snapshot API calls.
const AWS_ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN };

const handler = require('./snapshots.js');

const PASSWORD = 'Sch3dule-Pa55word_for-tests';
const ENDPOINT = 'vpc-opencti-prod-search-abc123.eu-west-1.es.amazonaws.com';
const props = {
  DomainEndpoint: ENDPOINT,
  MasterUserSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:opencti/prod/opensearch-AbCdEf',
  UsernameField: 'username',
  PasswordField: 'password',
  FunctionRoleArn: 'arn:aws:iam::123456789012:role/SnapshotScheduleRole',
  RepositoryName: 'dr-snapshots',
  BucketName: 'opencti-prod-snapshots',
  BasePath: 'dr',
  SnapshotRoleArn: 'arn:aws:iam::123456789012:role/SnapshotRole',
  PolicyName: 'opencti-dr',
  Schedule: '0 * * * *',
  Indices: 'opencti_*',
  MaxAge: '7d',
  MinCount: '24',
};
const create = (p = props) => ({ RequestType: 'Create', RequestId: 'req-1', ResourceProperties: p });
const ID = `${ENDPOINT}/opencti-dr`;

function setUp(t) {
  setEnv(t, AWS_ENV);
  const search = new FakeSearch({ password: PASSWORD, region: 'eu-west-1' });
  const requests = fakeHttps(t, (r) => search.serve(r));
  const sm = mockClient(SecretsManagerClient);
  sm.on(GetSecretValueCommand, { SecretId: props.MasterUserSecretArn }).resolves({ SecretString: JSON.stringify({ username: 'opencti', password: PASSWORD }) });
  t.after(() => sm.restore());
  return { search, requests, lines: captureConsole(t) };
}

function noSecrets(texts) {
  const forbidden = [PASSWORD, Buffer.from(`opencti:${PASSWORD}`).toString('base64'), SECRET_KEY, SESSION_TOKEN];
  for (const text of texts) for (const f of forbidden) assert.ok(!String(text).includes(f), `a secret leaked into: ${String(text).slice(0, 200)}`);
}

const WANT_POLICY = {
  description: 'opencti-ha disaster recovery snapshots of opencti_* (managed by CloudFormation: change the configuration, not this policy)',
  creation: { schedule: { cron: { expression: '0 * * * *', timezone: 'UTC' } }, time_limit: '1h' },
  deletion: { schedule: { cron: { expression: '0 * * * *', timezone: 'UTC' } }, condition: { max_age: '7d', min_count: 24 }, time_limit: '1h' },
  snapshot_config: {
    repository: 'dr-snapshots', indices: 'opencti_*', include_global_state: false, ignore_unavailable: true, partial: false,
    date_format: 'yyyy-MM-dd-HH-mm', timezone: 'UTC',
  },
  enabled: true,
};

test('Create registers the DR repository under its own base path and creates the SM policy', async (t) => {
  const { search, lines } = setUp(t);
  const out = await handler.onEvent(create());
  assert.deepEqual(out, { PhysicalResourceId: ID, Data: { PolicyName: 'opencti-dr', Result: 'created' } });
  assert.deepEqual(search.repositories['dr-snapshots'], {
    type: 's3', settings: { bucket: 'opencti-prod-snapshots', region: 'eu-west-1', role_arn: props.SnapshotRoleArn, base_path: 'dr' },
  });
  assert.deepEqual(search.rolesMapping.manage_snapshots.backend_roles, [props.FunctionRoleArn]);
  assert.deepEqual(search.smPolicies['opencti-dr'].policy, WANT_POLICY);
  noSecrets(lines);
});

test('Create maps the age probe role too, keeping the existing mapping, once', async (t) => {
  const { search } = setUp(t);
  search.rolesMapping.manage_snapshots = { backend_roles: ['arn:aws:iam::123456789012:role/Operator'], hosts: [], users: ['alice'] };
  const probe = 'arn:aws:iam::123456789012:role/SnapshotAgeProbeRole';
  await handler.onEvent(create({ ...props, ProbeRoleArn: probe }));
  assert.deepEqual(search.rolesMapping.manage_snapshots.backend_roles, ['arn:aws:iam::123456789012:role/Operator', props.FunctionRoleArn, probe]);
  assert.deepEqual(search.rolesMapping.manage_snapshots.users, ['alice']);
  const before = search.writes.length;
  await handler.onEvent(create({ ...props, ProbeRoleArn: probe }));
  assert.equal(search.writes.length, before, 'a retry maps nothing again');
});

test('a retried Create writes nothing (idempotent)', async (t) => {
  const { search } = setUp(t);
  await handler.onEvent(create());
  const before = search.writes.length;
  const out = await handler.onEvent(create());
  assert.equal(out.Data.Result, 'unchanged');
  assert.equal(search.writes.length, before);
});

test('an Update of the schedule or retention updates the policy with its seq_no and primary term', async (t) => {
  const { search } = setUp(t);
  await handler.onEvent(create());
  const seq = search.smPolicies['opencti-dr'].seqNo;
  const update = { RequestType: 'Update', PhysicalResourceId: ID, OldResourceProperties: props,
    ResourceProperties: { ...props, Schedule: '*/30 * * * *', DeletionSchedule: '15 2 * * *', MaxCount: '400' } };
  const out = await handler.onEvent(update);
  assert.equal(out.Data.Result, 'updated');
  const put = search.writes.find((w) => w.key === 'PUT /_plugins/_sm/policies/opencti-dr');
  assert.deepEqual(put.query, { if_seq_no: String(seq), if_primary_term: '1' });
  const got = search.smPolicies['opencti-dr'].policy;
  assert.deepEqual(got.creation.schedule.cron, { expression: '*/30 * * * *', timezone: 'UTC' });
  assert.deepEqual(got.deletion.schedule.cron, { expression: '15 2 * * *', timezone: 'UTC' });
  assert.deepEqual(got.deletion.condition, { max_age: '7d', min_count: 24, max_count: 400 });
});

test('a stopped policy is started', async (t) => {
  const { search } = setUp(t);
  await handler.onEvent(create());
  search.smPolicies['opencti-dr'].policy.enabled = false;
  await handler.onEvent(create());
  assert.ok(search.writes.some((w) => w.key === 'POST /_plugins/_sm/policies/opencti-dr/_start'));
  assert.equal(search.smPolicies['opencti-dr'].policy.enabled, true);
});

test('Delete deletes the policy only: snapshots and the repository stay', async (t) => {
  const { search, lines } = setUp(t);
  await handler.onEvent(create());
  search.addBucket('opencti-prod-snapshots', 'dr', [{ snapshot: 'opencti-dr-2026-12-01-11-00-x', state: 'SUCCESS', indices: ['opencti_history-000001'], end_time_in_millis: 1 }]);
  const before = search.writes.length;
  const out = await handler.onEvent({ RequestType: 'Delete', PhysicalResourceId: ID, ResourceProperties: props });
  assert.deepEqual(out, { PhysicalResourceId: ID });
  assert.deepEqual(search.writes.slice(before).map((w) => w.key), ['DELETE /_plugins/_sm/policies/opencti-dr']);
  assert.ok(search.repositories['dr-snapshots']);
  assert.equal(search.buckets['opencti-prod-snapshots/dr'].length, 1);
  noSecrets(lines);
});

test('Delete succeeds when the domain is gone', async (t) => {
  const { search, lines } = setUp(t);
  search.serve = () => { throw new Error('getaddrinfo ENOTFOUND'); };
  const out = await handler.onEvent({ RequestType: 'Delete', PhysicalResourceId: ID, ResourceProperties: props });
  assert.deepEqual(out, { PhysicalResourceId: ID });
  assert.ok(lines.some((l) => l.includes('could not delete the snapshot policy; leaving it')));
});

test('invalid properties are reported all at once', async (t) => {
  setUp(t);
  await assert.rejects(handler.onEvent(create({ ...props, PolicyName: 'DR Policy', Schedule: '@hourly', MaxAge: '1w', MinCount: '0', MaxCount: '0', IncludeGlobalState: 'maybe' })), {
    message: 'invalid snapshot schedule properties: PolicyName "DR Policy" is not a policy name (lower-case letters, digits, "_" and "-"); ' +
      'Schedule "@hourly" is not a 5-field cron expression (minute hour day-of-month month day-of-week); ' +
      'DeletionSchedule "@hourly" is not a 5-field cron expression (minute hour day-of-month month day-of-week); ' +
      'MaxAge "1w" is not a duration such as 30m, 1h or 7d; MinCount "0" is not a whole number of at least 1; ' +
      'MaxCount "0" is not a whole number larger than MinCount (0); IncludeGlobalState "maybe" is neither "true" nor "false"',
  });
});

test('failures name the problem and carry no secret', async (t) => {
  for (const [what, setup, want] of [
    ['no iam:PassRole', (s) => { s.fail['PUT /_snapshot/dr-snapshots'] = { status: 403, body: { Message: 'not authorized to perform: iam:PassRole' } }; }, /^registering repository dr-snapshots: HTTP 403 .*iam:PassRole/],
    ['SM refuses the policy', (s) => { s.fail['POST /_plugins/_sm/policies/opencti-dr'] = { status: 400, body: { error: { type: 'illegal_argument_exception', reason: 'Must provide the repository in snapshot config.' } } }; }, /^creating the snapshot policy opencti-dr: HTTP 400 .*Must provide the repository/],
    ['a wrong master password', (s) => { s.password = 'other'; }, /^reading the manage_snapshots role mapping: HTTP 401 /],
  ]) {
    await t.test(what, async (t) => {
      const { search, lines } = setUp(t);
      setup(search);
      await assert.rejects(handler.onEvent(create()), (err) => {
        assert.match(err.message, want);
        noSecrets([err.message, err.stack]);
        return true;
      });
      noSecrets(lines);
    });
  }
});

// ---- the age probe -------------------------------------------------------

function probeEnv(t) {
  setEnv(t, { DOMAIN_ENDPOINT: ENDPOINT, REPOSITORY: 'dr-snapshots', METRIC_NAMESPACE: 'OpenCTI/DisasterRecovery', DEPLOYMENT: 'opencti-prod' });
}

test('the probe writes the age of the newest successful snapshot as an embedded metric', async (t) => {
  const { search, requests, lines } = setUp(t);
  probeEnv(t);
  t.mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 11, 1, 12, 0, 0) });
  const now = Date.now();
  search.addRepository('dr-snapshots', { bucket: 'opencti-prod-snapshots', base_path: 'dr' });
  search.addBucket('opencti-prod-snapshots', 'dr', [
    { snapshot: 'a', state: 'SUCCESS', indices: [], end_time_in_millis: now - 3 * 3600 * 1000 },
    { snapshot: 'b', state: 'SUCCESS', indices: [], end_time_in_millis: now - 4000 * 1000 },
    { snapshot: 'c', state: 'FAILED', indices: [], end_time_in_millis: now - 60 * 1000 },
    { snapshot: 'd', state: 'IN_PROGRESS', indices: [] },
  ]);
  const out = await handler.handler({});
  assert.deepEqual(out, { successfulSnapshots: 2, lastSuccessfulSnapshotAgeSeconds: 4000 });
  const emf = JSON.parse(lines.find((l) => l.includes('"_aws"')));
  assert.deepEqual(emf, {
    _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: 'OpenCTI/DisasterRecovery', Dimensions: [['Deployment', 'Repository']],
      Metrics: [{ Name: 'LastSuccessfulSnapshotAgeSeconds', Unit: 'Seconds' }, { Name: 'SuccessfulSnapshots', Unit: 'Count' }] }] },
    Deployment: 'opencti-prod', Repository: 'dr-snapshots', SuccessfulSnapshots: 2, LastSuccessfulSnapshotAgeSeconds: 4000,
  });
  assert.ok(requests.every((r) => r.headers.authorization.startsWith('AWS4-HMAC-SHA256 ')), 'the probe signs; it reads no secret');
  noSecrets(lines);
});

test('the probe writes no age without a successful snapshot, and fails when the domain does not answer', async (t) => {
  const { search, lines } = setUp(t);
  probeEnv(t);
  search.addRepository('dr-snapshots', { bucket: 'opencti-prod-snapshots', base_path: 'dr' });
  search.addBucket('opencti-prod-snapshots', 'dr', [{ snapshot: 'c', state: 'FAILED', indices: [], end_time_in_millis: 5 }]);
  assert.deepEqual(await handler.handler({}), { successfulSnapshots: 0, lastSuccessfulSnapshotAgeSeconds: undefined });
  const emf = JSON.parse(lines.find((l) => l.includes('"_aws"')));
  assert.deepEqual(emf._aws.CloudWatchMetrics[0].Metrics, [{ Name: 'SuccessfulSnapshots', Unit: 'Count' }]);
  assert.ok(!('LastSuccessfulSnapshotAgeSeconds' in emf));
  delete search.repositories['dr-snapshots'];
  await assert.rejects(handler.handler({}), { message: /^listing the snapshots of repository dr-snapshots: HTTP 404 .*repository_missing_exception/ });
});

