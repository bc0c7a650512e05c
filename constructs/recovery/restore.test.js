// Tests of restore.js (node --test; make test-handlers). The Secrets Manager
// client is the real @aws-sdk/client-secrets-manager with send() stubbed by
// aws-sdk-client-mock; node:https is replaced by FakeSearch, an in-memory
// OpenSearch domain (internal/handlertest/searchfake.js).
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
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKENforRestore';
// What the Lambda runtime puts into the function's environment; every test
// sets it (setUp) for the SigV4-signed snapshot API calls.
const AWS_ENV = { AWS_REGION: 'eu-central-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN };

const handler = require('./restore.js');

const PASSWORD = 'R3st0re-Pa55word_for-tests';
const ENDPOINT = 'vpc-opencti-dr-search-abc123.eu-central-1.es.amazonaws.com';
const REPLICA = 'opencti-prod-dr-snapshots-123456789012-eu-central-1';
const ISM = { policy: { description: 'OpenCTI ISM Policy', default_state: 'hot', states: [{ name: 'hot', actions: [{ rollover: { min_primary_shard_size: '50gb', min_doc_count: 75000000 } }], transitions: [] }], ism_template: { index_patterns: ['opencti*'], priority: 100 } } };

// The disaster-recovery case: a new domain, the replica bucket registered read-only.
const drProps = {
  DomainEndpoint: ENDPOINT,
  RepositoryName: 'dr-replica',
  BucketName: REPLICA,
  BasePath: 'dr',
  SnapshotRoleArn: 'arn:aws:iam::123456789012:role/RecoverySnapshotRole',
  MasterUserSecretArn: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:opencti/prod/opensearch-AbCdEf',
  UsernameField: 'username',
  PasswordField: 'password',
  FunctionRoleArn: 'arn:aws:iam::123456789012:role/RestoreRole',
  IndexPrefix: 'opencti',
  Snapshot: 'latest',
  Overwrite: 'false',
  Generation: '1',
  IsmPolicyId: 'opencti-ism-policy',
  IsmPolicy: JSON.stringify(ISM),
};
// The in-place case: the same domain, the pre-upgrade snapshot of manual-snapshots.
const PRE_UPGRADE = 'pre-upgrade-7.260224.0-to-7.260817.0-20261130t210709z-9f8e7d6c';
const inPlaceProps = { ...drProps, RepositoryName: 'manual-snapshots', BucketName: '', BasePath: '', SnapshotRoleArn: '', Snapshot: PRE_UPGRADE };

const H = 3600 * 1000;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const OPENCTI = ['opencti_history-000001', 'opencti_internal_objects-000001', 'opencti_stix_domain_objects-000001'];
const aliasesOf = (indices) => Object.fromEntries(indices.map((i) => [i, { [i.replace(/-\d+$/, '')]: { is_write_index: true } }]));
const snap = (name, state, endHoursAgo, extra = {}) => ({
  snapshot: name, uuid: `uuid-${name}`, state, indices: [...OPENCTI, '.kibana_1'],
  start_time_in_millis: T0 - endHoursAgo * H - 60000, end_time_in_millis: T0 - endHoursAgo * H, aliases: aliasesOf(OPENCTI), ...extra,
});
const replicaSnapshots = () => [
  snap('opencti-dr-2026-12-01-09-00-aaaa', 'SUCCESS', 3),
  snap('opencti-dr-2026-12-01-11-00-cccc', 'SUCCESS', 1),
  snap('opencti-dr-2026-12-01-10-00-bbbb', 'SUCCESS', 2),
  snap('opencti-dr-2026-12-01-11-30-dddd', 'PARTIAL', 0.5),
  snap('opencti-dr-2026-12-01-11-45-eeee', 'FAILED', 0.25),
];

const create = (p = drProps) => ({ RequestType: 'Create', RequestId: 'req-create-1', ResourceProperties: p });

function setUp(t, { secretString = JSON.stringify({ username: 'opencti', password: PASSWORD }) } = {}) {
  setEnv(t, AWS_ENV);
  const search = new FakeSearch({ password: PASSWORD, region: 'eu-central-1' });
  search.addBucket(REPLICA, 'dr', replicaSnapshots());
  const requests = fakeHttps(t, (r) => search.serve(r));
  const sm = mockClient(SecretsManagerClient);
  sm.on(GetSecretValueCommand, { SecretId: drProps.MasterUserSecretArn }).resolves({ SecretString: secretString });
  t.after(() => sm.restore());
  const lines = captureConsole(t);
  return { search, requests, sm, lines };
}

// The primary domain as it is before an in-place restore: OpenCTI's indices,
// templates and ISM policy, and manual-snapshots with the pre-upgrade snapshot.
function inPlaceDomain(search) {
  search.addRepository('manual-snapshots', { bucket: 'opencti-prod-snapshots', region: 'eu-central-1', role_arn: 'arn:aws:iam::123456789012:role/SnapshotRole' });
  search.addBucket('opencti-prod-snapshots', '', [snap(PRE_UPGRADE, 'SUCCESS', 5), snap('pre-upgrade-7.251101.0-to-7.260224.0-20260301t100000z-11111111', 'SUCCESS', 2000)]);
  for (const i of [...OPENCTI, 'opencti_history-000002']) search.addIndex(i, { aliases: aliasesOf([i])[i] });
  for (const a of ['opencti_history', 'opencti_internal_objects', 'opencti_stix_domain_objects']) search.templates[a] = { index_patterns: [`${a}*`] };
  search.ismPolicies['opencti-ism-policy'] = ISM;
}

function noSecrets(texts) {
  const forbidden = [PASSWORD, Buffer.from(`opencti:${PASSWORD}`).toString('base64'), SECRET_KEY, SESSION_TOKEN];
  for (const text of texts) {
    for (const f of forbidden) assert.ok(!String(text).includes(f), `a secret leaked into: ${String(text).slice(0, 200)}`);
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

const restores = (search) => search.writes.filter((w) => w.key.endsWith('/_restore'));

test('disaster recovery: registers the replica read-only and restores the newest successful snapshot', async (t) => {
  const { search, requests, lines } = setUp(t);
  const { out, done, polls } = await runToCompletion(create());
  const chosen = 'opencti-dr-2026-12-01-11-00-cccc';
  assert.deepEqual(out, { PhysicalResourceId: `${ENDPOINT}/dr-replica/${chosen}/g1`, Data: { SnapshotName: chosen, Restored: 'true' } });
  assert.deepEqual(done, { IsComplete: true, Data: { SnapshotName: chosen, Restored: 'true' } });
  assert.equal(polls, 3, 'start, INITIALIZING, STARTED');
  assert.deepEqual(search.repositories['dr-replica'], {
    type: 's3', settings: { bucket: REPLICA, region: 'eu-central-1', role_arn: drProps.SnapshotRoleArn, readonly: true, base_path: 'dr' },
  });
  assert.deepEqual(search.rolesMapping.manage_snapshots.backend_roles, [drProps.FunctionRoleArn]);
  const [r] = restores(search);
  assert.equal(r.key, `POST /_snapshot/dr-replica/${chosen}/_restore`);
  assert.deepEqual(r.body, { indices: 'opencti_*', include_global_state: false, include_aliases: true, ignore_unavailable: false, partial: false });
  assert.deepEqual(Object.keys(search.indices).sort(), OPENCTI, 'only the OpenCTI indices, not .kibana_1');
  assert.deepEqual(search.indices['opencti_history-000001'].aliases, { opencti_history: { is_write_index: true } });
  // A template per alias, which OpenCTI rewrites at start, and the ISM policy attached.
  assert.deepEqual(Object.keys(search.templates).sort(), ['opencti_history', 'opencti_internal_objects', 'opencti_stix_domain_objects']);
  assert.deepEqual(search.templates.opencti_history.index_patterns, ['opencti_history*']);
  assert.deepEqual(search.ismPolicies['opencti-ism-policy'], ISM);
  assert.ok(OPENCTI.every((i) => search.indices[i].ism === 'opencti-ism-policy'));
  // Snapshot API SigV4-signed, everything else as the master user.
  for (const q of requests) {
    const kind = q.path.startsWith('/_snapshot') ? /^AWS4-HMAC-SHA256 / : /^Basic /;
    assert.match(q.headers.authorization, kind, q.path);
  }
  assert.ok(!search.writes.some((w) => w.key.startsWith('DELETE')), 'nothing deleted in an empty domain');
  noSecrets(lines);
});

test('latest skips a newest snapshot the replica holds only in part', async (t) => {
  const { search, lines } = setUp(t);
  search.buckets[`${REPLICA}/dr`].find((s) => s.snapshot === 'opencti-dr-2026-12-01-11-00-cccc').unreadable = true;
  const { out } = await runToCompletion(create());
  assert.equal(out.Data.SnapshotName, 'opencti-dr-2026-12-01-10-00-bbbb');
  assert.ok(lines.some((l) => l.includes('snapshot not readable from the repository; trying an older one')));
});

test('a named snapshot is chosen: in place, from the pre-upgrade snapshot, with overwrite', async (t) => {
  const { search, lines } = setUp(t);
  inPlaceDomain(search);
  search.indices['opencti_history-000001'].ism = 'opencti-ism-policy';
  const { out } = await runToCompletion(create({ ...inPlaceProps, Overwrite: 'true' }));
  assert.equal(out.Data.SnapshotName, PRE_UPGRADE);
  assert.equal(out.PhysicalResourceId, `${ENDPOINT}/manual-snapshots/${PRE_UPGRADE}/g1`);
  // The repository the domain has is used as it is: not re-registered, not read-only.
  assert.ok(!search.writes.some((w) => w.key === 'PUT /_snapshot/manual-snapshots'));
  // The existing indices were deleted by name (the one OpenCTI rolled over too), then restored.
  const del = search.writes.find((w) => w.key.startsWith('DELETE '));
  assert.equal(del.key, `DELETE /${[...OPENCTI, 'opencti_history-000002'].sort().join(',')}`);
  assert.deepEqual(Object.keys(search.indices).sort(), OPENCTI);
  assert.ok(OPENCTI.every((i) => search.indices[i].recovery.snapshot === PRE_UPGRADE));
  assert.equal(restores(search).length, 1);
  // The domain kept its templates: none were added.
  assert.ok(!search.writes.some((w) => w.key.startsWith('PUT /_index_template/')));
  assert.ok(lines.some((l) => l.includes('deleted the existing OpenCTI indices (overwrite)')));
  noSecrets(lines);
});

test('a domain that holds OpenCTI indices is refused without overwrite, with the exact message, and nothing is deleted', async (t) => {
  const { search, lines } = setUp(t);
  inPlaceDomain(search);
  await assert.rejects(handler.onEvent(create(inPlaceProps)), (err) => {
    assert.equal(err.message, 'the domain already holds 4 OpenCTI indices (opencti_history-000001, opencti_history-000002, ' +
      'opencti_internal_objects-000001, opencti_stix_domain_objects-000001): refusing to restore snapshot ' + PRE_UPGRADE +
      ' over them. Stop OpenCTI and set dr.overwrite: true to delete them and restore, or restore into a domain without OpenCTI indices');
    noSecrets([err.message, err.stack]);
    return true;
  });
  assert.equal(Object.keys(search.indices).length, 4);
  assert.ok(!search.writes.some((w) => w.key.startsWith('DELETE') || w.key.endsWith('/_restore')));
  noSecrets(lines);
});

test('a closed OpenCTI index counts as existing data', async (t) => {
  const { search } = setUp(t);
  search.addIndex('opencti_history-000001', { status: 'close' });
  await assert.rejects(handler.onEvent(create()), { message: /^the domain already holds 1 OpenCTI indices \(opencti_history-000001\): refusing to restore/ });
});

test('a retried Create waits for the restore already under way instead of refusing or restoring twice', async (t) => {
  const { search, lines } = setUp(t);
  search.restorePolls = 3;
  const first = await handler.onEvent(create());
  const ev = { ...create(), PhysicalResourceId: first.PhysicalResourceId, Data: first.Data };
  assert.deepEqual(await handler.isComplete(ev), { IsComplete: false }, 'restore started');
  assert.deepEqual(await handler.isComplete(ev), { IsComplete: false }, 'INITIALIZING');
  // The deployment failed (e.g. a timeout) and is retried: a new Create.
  const { out, done } = await runToCompletion(create());
  assert.equal(out.PhysicalResourceId, first.PhysicalResourceId);
  assert.equal(done.IsComplete, true);
  assert.equal(restores(search).length, 1, 'restored once');
  assert.ok(!search.writes.some((w) => w.key.startsWith('DELETE')));
  assert.ok(lines.some((l) => l.includes('already restored from this snapshot (a retry)')));
  // And once more after it completed: nothing is written.
  const before = search.writes.length;
  await runToCompletion(create());
  assert.equal(search.writes.length, before);
});

test('an Update that keeps the restore target, and Delete, restore and delete nothing', async (t) => {
  const { search, requests } = setUp(t);
  inPlaceDomain(search);
  const id = `${ENDPOINT}/dr-replica/opencti-dr-2026-12-01-11-00-cccc/g1`;
  const update = { RequestType: 'Update', PhysicalResourceId: id, ResourceProperties: { ...drProps, Overwrite: 'true', IsmPolicyId: '' }, OldResourceProperties: drProps };
  const out = await handler.onEvent(update);
  assert.deepEqual(out, { PhysicalResourceId: id, Data: { SnapshotName: 'opencti-dr-2026-12-01-11-00-cccc', Restored: 'false' } });
  assert.deepEqual(await handler.isComplete({ ...update, Data: out.Data }), { IsComplete: true });
  const del = { RequestType: 'Delete', PhysicalResourceId: id, ResourceProperties: { ...drProps, Overwrite: 'true' } };
  assert.deepEqual(await handler.onEvent(del), { PhysicalResourceId: id });
  assert.deepEqual(await handler.isComplete(del), { IsComplete: true });
  assert.equal(requests.length, 0, 'the domain was not called');
  assert.equal(Object.keys(search.indices).length, 4);
});

test('an Update whose old properties were of another shape still compares targets', async (t) => {
  const { requests } = setUp(t);
  const id = `${ENDPOINT}/dr-replica/opencti-dr-2026-12-01-11-00-cccc/g1`;
  const { IsmPolicyId, IsmPolicy, Generation, ...older } = drProps;
  const out = await handler.onEvent({ RequestType: 'Update', PhysicalResourceId: id, ResourceProperties: drProps, OldResourceProperties: { ...older, IndexPrefix: 'Not Valid' } });
  assert.equal(out.Data.Restored, 'false', 'Generation defaults to 1: same target');
  assert.equal(requests.length, 0);
});

test('an Update to another target restores again and answers a new physical ID', async (t) => {
  const { search } = setUp(t);
  const first = await runToCompletion(create());
  const update = {
    RequestType: 'Update', PhysicalResourceId: first.out.PhysicalResourceId,
    ResourceProperties: { ...drProps, Snapshot: 'opencti-dr-2026-12-01-09-00-aaaa', Overwrite: 'true' }, OldResourceProperties: drProps,
  };
  const { out } = await runToCompletion(update);
  assert.equal(out.PhysicalResourceId, `${ENDPOINT}/dr-replica/opencti-dr-2026-12-01-09-00-aaaa/g1`);
  assert.notEqual(out.PhysicalResourceId, first.out.PhysicalResourceId, 'a rollback must be a Delete, not an Update back');
  assert.equal(restores(search).length, 2);
  assert.ok(OPENCTI.every((i) => search.indices[i].recovery.snapshot === 'opencti-dr-2026-12-01-09-00-aaaa'));
});

test('a restore blocked by a running snapshot is retried', async (t) => {
  const { search, lines } = setUp(t);
  const out = await handler.onEvent(create());
  const ev = { ...create(), PhysicalResourceId: out.PhysicalResourceId, Data: out.Data };
  const key = `POST /_snapshot/dr-replica/${out.Data.SnapshotName}/_restore`;
  search.fail[key] = { status: 503, body: { error: { type: 'concurrent_snapshot_execution_exception', reason: 'cannot restore while a snapshot is running' }, status: 503 } };
  assert.deepEqual(await handler.isComplete(ev), { IsComplete: false });
  delete search.fail[key];
  assert.deepEqual(await handler.isComplete(ev), { IsComplete: false });
  assert.deepEqual(await handler.isComplete(ev), { IsComplete: false });
  assert.equal((await handler.isComplete(ev)).IsComplete, true);
  assert.ok(lines.some((l) => l.includes('a snapshot or another restore is running; retrying')));
});

test('every failure names the problem and carries no secret', async (t) => {
  const onEventCases = [
    {
      what: 'in place, repository not registered',
      props: { ...inPlaceProps, RepositoryName: 'old-snapshots' },
      want: 'repository old-snapshots is not registered in the domain and no BucketName was given to register it ' +
        '(an in-place restore uses a repository the domain already has, e.g. manual-snapshots)',
    },
    {
      what: 'named snapshot missing',
      props: { ...drProps, Snapshot: 'opencti-dr-2026-11-01-00-00-zzzz' },
      want: 'snapshot opencti-dr-2026-11-01-00-00-zzzz is not in repository dr-replica; the newest successful ones are: ' +
        'opencti-dr-2026-12-01-11-00-cccc, opencti-dr-2026-12-01-10-00-bbbb, opencti-dr-2026-12-01-09-00-aaaa',
    },
    {
      what: 'named snapshot not SUCCESS',
      props: { ...drProps, Snapshot: 'opencti-dr-2026-12-01-11-30-dddd' },
      want: 'snapshot opencti-dr-2026-12-01-11-30-dddd is PARTIAL, not SUCCESS; the newest successful ones are: ' +
        'opencti-dr-2026-12-01-11-00-cccc, opencti-dr-2026-12-01-10-00-bbbb, opencti-dr-2026-12-01-09-00-aaaa',
    },
    {
      what: 'named snapshot without OpenCTI indices',
      setup: (s) => s.buckets[`${REPLICA}/dr`].push({ ...snap('kibana-only', 'SUCCESS', 9), indices: ['.kibana_1'] }),
      props: { ...drProps, Snapshot: 'kibana-only' },
      want: 'snapshot kibana-only holds no index of prefix opencti_ (it holds: .kibana_1)',
    },
    {
      what: 'no successful snapshot',
      setup: (s) => { s.buckets[`${REPLICA}/dr`] = [snap('opencti-dr-x', 'FAILED', 1), snap('opencti-dr-y', 'IN_PROGRESS', 0)]; },
      props: drProps,
      want: 'repository dr-replica holds no successful snapshot of the opencti_ indices (2 snapshots: {"FAILED":1,"IN_PROGRESS":1}): ' +
        'has the snapshot schedule run, and has replication copied it?',
    },
    {
      what: 'the newest snapshots unreadable',
      setup: (s) => { for (const x of s.buckets[`${REPLICA}/dr`]) x.unreadable = true; },
      props: drProps,
      want: 'none of the newest successful snapshots of repository dr-replica can be read (opencti-dr-2026-12-01-11-00-cccc, ' +
        'opencti-dr-2026-12-01-10-00-bbbb, opencti-dr-2026-12-01-09-00-aaaa): the replica may still be incomplete; ' +
        'name an older snapshot (dr.restoreFrom) or wait for replication',
    },
    {
      what: 'no iam:PassRole on the snapshot role',
      setup: (s) => { s.fail['PUT /_snapshot/dr-replica'] = { status: 403, body: { Message: `User: ${drProps.FunctionRoleArn} is not authorized to perform: iam:PassRole on resource: ${drProps.SnapshotRoleArn}` } }; },
      props: drProps,
      want: /^registering repository dr-replica \(read-only, bucket opencti-prod-dr-snapshots-123456789012-eu-central-1\): HTTP 403 .*iam:PassRole/,
    },
    {
      what: 'a wrong master password',
      setup: (s) => { s.password = 'another'; },
      props: drProps,
      want: /^reading the manage_snapshots role mapping: HTTP 401 /,
    },
    {
      what: 'an unreachable domain',
      setup: (s) => { s.serve = () => { throw new Error('connect ETIMEDOUT 10.1.3.4:443'); }; },
      props: drProps,
      want: `GET /_plugins/_security/api/rolesmapping/manage_snapshots on ${ENDPOINT}: connect ETIMEDOUT 10.1.3.4:443`,
    },
    {
      what: 'invalid properties, all at once',
      props: { ...drProps, IndexPrefix: 'OpenCTI', Snapshot: 'Latest!', Overwrite: 'yes', SnapshotRoleArn: '', IsmPolicy: '{"states":[]}' },
      want: 'invalid restore properties: IndexPrefix "OpenCTI" is not an index prefix (lower-case letters, digits, "_" and "-"); ' +
        'Snapshot "Latest!" is neither "latest" nor a snapshot name (lower-case letters, digits, ".", "_" and "-"); ' +
        'Overwrite "yes" is neither "true" nor "false"; SnapshotRoleArn is required with BucketName (the role OpenSearch assumes to read the bucket); ' +
        'IsmPolicy is not an ISM policy document ({"policy": {...}}): no "policy" object',
    },
  ];
  for (const c of onEventCases) {
    await t.test(c.what, async (t) => {
      const { search, lines } = setUp(t);
      if (c.setup) c.setup(search);
      await assert.rejects(handler.onEvent(create(c.props)), (err) => {
        if (typeof c.want === 'string') assert.equal(err.message, c.want);
        else assert.match(err.message, c.want);
        noSecrets([err.message, err.stack]);
        return true;
      });
      assert.ok(!search.writes.some((w) => w.key.startsWith('DELETE') || w.key.endsWith('/_restore')), 'nothing destructive on a failure');
      noSecrets(lines);
    });
  }
  await t.test('a primary shard that fails to allocate', async (t) => {
    const { search, lines } = setUp(t);
    search.buckets[`${REPLICA}/dr`].find((s) => s.snapshot === 'opencti-dr-2026-12-01-11-00-cccc').failsToAllocate = true;
    await assert.rejects(runToCompletion(create()), (err) => {
      assert.equal(err.message, 'the restore of snapshot opencti-dr-2026-12-01-11-00-cccc failed for 3 primary shards ' +
        '(opencti_history-000001[0], opencti_internal_objects-000001[0], opencti_stix_domain_objects-000001[0]; ALLOCATION_FAILED): ' +
        'GET _cluster/allocation/explain tells why; to restore an older snapshot, delete the indices or set dr.overwrite: true, ' +
        'and set dr.restoreFrom to its name');
      return true;
    });
    noSecrets(lines);
  });
  await t.test('OpenCTI writing during an in-place restore', async (t) => {
    const { search } = setUp(t);
    inPlaceDomain(search);
    const ev = create({ ...inPlaceProps, Overwrite: 'true' });
    const out = await handler.onEvent(ev);
    // A platform still running recreates an index from its alias name.
    search.addIndex('opencti_history');
    await assert.rejects(handler.isComplete({ ...ev, PhysicalResourceId: out.PhysicalResourceId, Data: out.Data }), (err) => {
      assert.equal(err.message, `indices appeared that do not come from snapshot ${PRE_UPGRADE} (opencti_history): ` +
        'is OpenCTI still writing to the domain? Stop it (scale every opencti Deployment to 0) and deploy again');
      return true;
    });
  });
  await t.test('a master user secret that is not JSON', async (t) => {
    const { lines } = setUp(t, { secretString: `not-json ${PASSWORD}` });
    await assert.rejects(handler.onEvent(create()), (err) => {
      assert.equal(err.message, 'the master user secret is not a JSON object');
      noSecrets([err.message, err.stack]);
      return true;
    });
    noSecrets(lines);
  });
});

