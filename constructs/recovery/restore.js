// Restores the OpenCTI indices of an Amazon OpenSearch Service domain from a
// snapshot (custom resource provider: onEvent + isComplete), for two cases:
//
// - disaster recovery: a new domain in the recovery region, restored from the
//   replica of the snapshot bucket, registered as a read-only repository
//   (BucketName set; docs/disaster-recovery.md);
// - in place after a bad upgrade: the same domain, from a repository it
//   already has (BucketName empty; e.g. the pre-upgrade snapshot in
//   "manual-snapshots", constructs/upgradesnapshot).
//
// onEvent (Create, or an Update that changes the restore target: repository,
// bucket, base path, Snapshot or Generation):
//   1. map this function's role to manage_snapshots (master user, basic auth;
//      the password is read from Secrets Manager at run time);
//   2. register the repository read-only (SigV4, passes SnapshotRoleArn) unless
//      it is registered so already; with no BucketName, require that it exists;
//   3. choose the snapshot: the named one, or for "latest" the newest SUCCESS
//      one whose shard metadata the repository can read (_status), skipping up
//      to two newer ones a replica may hold only in part;
//   4. look at the domain's <IndexPrefix>_* indices: none -> go on; all of them
//      restored from this very snapshot (_recovery: a retry) -> go on; else
//      refuse unless Overwrite is "true", then delete them by name.
//   It answers with a new PhysicalResourceId per restore target, so a later
//   stack rollback sends Delete (nothing) rather than an Update that would
//   restore the old target again.
// isComplete: starts the restore (POST _snapshot/<repo>/<snap>/_restore with
//   the OpenCTI indices and their aliases, no global state) once the indices
//   are gone, retries while a snapshot or another restore runs, then waits
//   until every primary shard is STARTED (_cat/shards); a primary that failed
//   to allocate fails the deployment with the shard and its reason. Then it
//   re-creates what a restore without global state lacks on a new domain: an
//   index template per OpenCTI alias, if none exists (OpenCTI rewrites each
//   one with its full mappings at start: opencti-graphql
//   src/database/engine.ts elUpdateIndicesMappings resets the existing
//   "<prefix>*" templates only), and, with IsmPolicyId, OpenCTI's ISM rollover
//   policy and its attachment to the restored indices (OpenCTI creates the
//   policy only when it initializes a new platform).
// An Update that changes nothing of the target, and Delete, restore nothing
// and delete nothing.
//
// Loadable as inline code (awslambda.Code_FromInline, one CommonJS file):
// the SigV4 signing, the requests to the domain, the master user and the
// manage_snapshots mapping come from internal/handlerlib/opensearch.js, which
// handlerlib.Inline puts in place of its require when the construct builds
// the function's code.
// Nothing secret is logged, returned or put in an error message.
'use strict';
const { call, fail, masterUser, mapManageSnapshots, log } = require('../../internal/handlerlib/opensearch.js');

// ---- properties ----------------------------------------------------------

const REQUIRED = ['DomainEndpoint', 'RepositoryName', 'MasterUserSecretArn', 'UsernameField', 'PasswordField', 'FunctionRoleArn', 'IndexPrefix', 'Snapshot'];
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,254}$/;

// props validates the resource properties (CloudFormation passes every value
// as a string) and fills the defaults: Generation "1", Overwrite "false",
// BasePath "", BucketName "" (use a registered repository).
function props(raw) {
  const p = { BucketName: '', BasePath: '', SnapshotRoleArn: '', Generation: '1', Overwrite: 'false', IsmPolicyId: '', IsmPolicy: '', ...raw };
  const problems = [];
  for (const f of REQUIRED) if (typeof p[f] !== 'string' || p[f] === '') problems.push(`${f} is required`);
  if (p.IndexPrefix && !/^[a-z0-9][a-z0-9_-]{0,99}$/.test(p.IndexPrefix)) problems.push(`IndexPrefix "${p.IndexPrefix}" is not an index prefix (lower-case letters, digits, "_" and "-")`);
  if (p.RepositoryName && !NAME_RE.test(p.RepositoryName)) problems.push(`RepositoryName "${p.RepositoryName}" is not a repository name (lower-case letters, digits, ".", "_" and "-")`);
  if (p.Snapshot && p.Snapshot !== 'latest' && !NAME_RE.test(p.Snapshot)) problems.push(`Snapshot "${p.Snapshot}" is neither "latest" nor a snapshot name (lower-case letters, digits, ".", "_" and "-")`);
  if (!['true', 'false'].includes(String(p.Overwrite))) problems.push(`Overwrite "${p.Overwrite}" is neither "true" nor "false"`);
  if (p.BucketName && !p.SnapshotRoleArn) problems.push('SnapshotRoleArn is required with BucketName (the role OpenSearch assumes to read the bucket)');
  if (p.IsmPolicyId) {
    try {
      const ism = JSON.parse(p.IsmPolicy);
      if (!ism || typeof ism.policy !== 'object') throw new Error('no "policy" object');
    } catch (e) {
      problems.push(`IsmPolicy is not an ISM policy document ({"policy": {...}}): ${e.message}`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid restore properties: ${problems.join('; ')}`);
  p.overwrite = String(p.Overwrite) === 'true';
  p.pattern = `${p.IndexPrefix}_*`;
  return p;
}

// target is what identifies one restore: a change of it restores again. It
// reads raw properties with their defaults and validates nothing, so that old
// properties of another shape never fail an Update.
const target = (raw) => {
  const p = { BucketName: '', BasePath: '', Generation: '1', ...(raw || {}) };
  return [p.RepositoryName, p.BucketName, p.BasePath, p.Snapshot, p.Generation].join('|');
};

// physicalId names the restore that was done: domain, repository, the chosen
// snapshot and the generation.
const physicalId = (p, snapshot) => `${p.DomainEndpoint}/${p.RepositoryName}/${snapshot}/g${p.Generation}`;
const snapshotOf = (id) => (id || '').split('/').slice(-2, -1)[0] || '';

// ---- steps ---------------------------------------------------------------

// mapRole maps this function's role to manage_snapshots.
const mapRole = (p, auth) => mapManageSnapshots(p.DomainEndpoint, auth, [p.FunctionRoleArn]);

// repositorySettings is the read-only S3 repository on the replica bucket.
function repositorySettings(p) {
  const s = { bucket: p.BucketName, region: process.env.AWS_REGION, role_arn: p.SnapshotRoleArn, readonly: true };
  if (p.BasePath) s.base_path = p.BasePath;
  return s;
}

// sameSettings compares what we set with what the domain answers (it returns
// every setting as a string).
function sameSettings(want, got) {
  if (!got) return false;
  return Object.keys(want).every((k) => String(got[k]) === String(want[k])) &&
    Object.keys(got).filter((k) => ['bucket', 'base_path', 'region', 'role_arn', 'readonly'].includes(k)).every((k) => k in want);
}

// ensureRepository registers the replica bucket read-only, or checks that the
// named repository exists when no bucket is given.
async function ensureRepository(p) {
  const path = `/_snapshot/${p.RepositoryName}`;
  const got = await call(p.DomainEndpoint, 'GET', path, undefined, 'iam');
  if (got.status !== 200 && got.status !== 404) throw fail(`reading repository ${p.RepositoryName}`, got);
  const current = got.status === 200 ? got.body[p.RepositoryName] : undefined;
  if (!p.BucketName) {
    if (!current) {
      throw new Error(`repository ${p.RepositoryName} is not registered in the domain and no BucketName was given to register it ` +
        '(an in-place restore uses a repository the domain already has, e.g. manual-snapshots)');
    }
    return;
  }
  const want = repositorySettings(p);
  if (current && current.type === 's3' && sameSettings(want, current.settings)) return;
  const put = await call(p.DomainEndpoint, 'PUT', path, { type: 's3', settings: want }, 'iam');
  if (put.status !== 200) throw fail(`registering repository ${p.RepositoryName} (read-only, bucket ${p.BucketName})`, put);
  log('registered repository', { repository: p.RepositoryName, bucket: p.BucketName, basePath: p.BasePath, readonly: true });
}

const openctiIndices = (snap, p) => (snap.indices || []).filter((i) => i.startsWith(`${p.IndexPrefix}_`));
const newestFirst = (a, b) => (b.end_time_in_millis || 0) - (a.end_time_in_millis || 0);

// chooseSnapshot returns the name of the snapshot to restore.
async function chooseSnapshot(p) {
  const got = await call(p.DomainEndpoint, 'GET', `/_snapshot/${p.RepositoryName}/_all`, undefined, 'iam');
  if (got.status !== 200) throw fail(`listing the snapshots of repository ${p.RepositoryName}`, got);
  const all = got.body.snapshots || [];
  const good = all.filter((s) => s.state === 'SUCCESS' && openctiIndices(s, p).length > 0).sort(newestFirst);
  const names = (list) => list.slice(0, 5).map((s) => s.snapshot).join(', ') || 'none';
  if (p.Snapshot !== 'latest') {
    const snap = all.find((s) => s.snapshot === p.Snapshot);
    if (!snap) throw new Error(`snapshot ${p.Snapshot} is not in repository ${p.RepositoryName}; the newest successful ones are: ${names(good)}`);
    if (snap.state !== 'SUCCESS') throw new Error(`snapshot ${p.Snapshot} is ${snap.state}, not SUCCESS; the newest successful ones are: ${names(good)}`);
    if (openctiIndices(snap, p).length === 0) throw new Error(`snapshot ${p.Snapshot} holds no index of prefix ${p.IndexPrefix}_ (it holds: ${(snap.indices || []).slice(0, 10).join(', ') || 'none'})`);
    return p.Snapshot;
  }
  if (good.length === 0) {
    const states = {};
    for (const s of all) states[s.state] = (states[s.state] || 0) + 1;
    throw new Error(`repository ${p.RepositoryName} holds no successful snapshot of the ${p.IndexPrefix}_ indices (${all.length} snapshots: ` +
      `${JSON.stringify(states)}): has the snapshot schedule run, and has replication copied it?`);
  }
  // A replica can hold the newest snapshots only in part (S3 replication does
  // not keep the order of writes): take the newest one whose shard metadata
  // the repository can read.
  for (const snap of good.slice(0, 3)) {
    const status = await call(p.DomainEndpoint, 'GET', `/_snapshot/${p.RepositoryName}/${snap.snapshot}/_status`, undefined, 'iam');
    if (status.status === 200) return snap.snapshot;
    log('snapshot not readable from the repository; trying an older one', { snapshot: snap.snapshot, status: status.status, reason: JSON.stringify(status.body).slice(0, 300) });
  }
  throw new Error(`none of the newest successful snapshots of repository ${p.RepositoryName} can be read (${names(good.slice(0, 3))}): ` +
    'the replica may still be incomplete; name an older snapshot (dr.restoreFrom) or wait for replication');
}

// existingIndices lists the domain's indices of the OpenCTI prefix, open
// and closed, as { index, status }.
async function existingIndices(p, auth) {
  const got = await call(p.DomainEndpoint, 'GET', `/_cat/indices/${p.pattern}?format=json&h=index,status,health&expand_wildcards=all`, undefined, auth);
  if (got.status === 404) return [];
  if (got.status !== 200) throw fail(`listing the ${p.pattern} indices`, got);
  return (Array.isArray(got.body) ? got.body : []).map((i) => ({ index: i.index, status: i.status }))
    .sort((a, b) => (a.index < b.index ? -1 : 1));
}

// provenance sorts the indices by where their primary shards came from:
// "ours" were recovered from repository/snapshot (what this restore leaves
// behind), "pending" have no shard recovery yet (a restore just accepted),
// "foreign" are anything else: indices OpenCTI wrote, another snapshot's,
// closed ones.
async function provenance(p, auth, indices, snapshot) {
  const got = await call(p.DomainEndpoint, 'GET', `/${p.pattern}/_recovery`, undefined, auth);
  if (got.status !== 200) throw fail(`reading the recovery of the ${p.pattern} indices`, got);
  const out = { ours: [], pending: [], foreign: [] };
  for (const { index, status } of indices) {
    const primaries = ((got.body[index] || {}).shards || []).filter((s) => s.primary);
    if (status === 'close') out.foreign.push(index);
    else if (primaries.length === 0) out.pending.push(index);
    else if (primaries.every((s) => s.type === 'SNAPSHOT' && s.source && s.source.repository === p.RepositoryName && s.source.snapshot === snapshot)) out.ours.push(index);
    else out.foreign.push(index);
  }
  return out;
}

exports.onEvent = async (event) => {
  log('event', { type: event.RequestType, snapshot: (event.ResourceProperties || {}).Snapshot, physicalId: event.PhysicalResourceId });
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const p = props(event.ResourceProperties);
  if (event.RequestType === 'Update' && target(event.OldResourceProperties) === target(event.ResourceProperties)) {
    log('restore target unchanged: nothing to restore', { physicalId: event.PhysicalResourceId });
    return { PhysicalResourceId: event.PhysicalResourceId, Data: { SnapshotName: snapshotOf(event.PhysicalResourceId), Restored: 'false' } };
  }
  const auth = await masterUser(p);
  await mapRole(p, auth);
  await ensureRepository(p);
  const snapshot = await chooseSnapshot(p);
  log('chosen snapshot', { repository: p.RepositoryName, snapshot, requested: p.Snapshot });
  const indices = await existingIndices(p, auth);
  if (indices.length > 0) {
    const from = await provenance(p, auth, indices, snapshot);
    const names = indices.map((i) => i.index);
    if (from.foreign.length === 0) {
      log('the indices were already restored from this snapshot (a retry): waiting for it', { snapshot, indices: names.length });
    } else if (!p.overwrite) {
      throw new Error(`the domain already holds ${names.length} OpenCTI indices (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}): ` +
        `refusing to restore snapshot ${snapshot} over them. Stop OpenCTI and set dr.overwrite: true to delete them and restore, ` +
        'or restore into a domain without OpenCTI indices');
    } else {
      const del = await call(p.DomainEndpoint, 'DELETE', `/${names.join(',')}?expand_wildcards=all`, undefined, auth);
      if (del.status !== 200) throw fail(`deleting the ${names.length} ${p.pattern} indices before the restore`, del);
      log('deleted the existing OpenCTI indices (overwrite)', { indices: names });
    }
  }
  return { PhysicalResourceId: physicalId(p, snapshot), Data: { SnapshotName: snapshot, Restored: 'true' } };
};

// ---- isComplete ----------------------------------------------------------

const RETRY_RE = /concurrent_snapshot_execution_exception|snapshot_restore_exception.*(running|in progress|being snapshotted)|snapshot_in_progress/;

// startRestore starts the restore; false when it must be retried later.
async function startRestore(p, snapshot) {
  const res = await call(p.DomainEndpoint, 'POST', `/_snapshot/${p.RepositoryName}/${snapshot}/_restore?wait_for_completion=false`, {
    indices: p.pattern,
    include_global_state: false,
    include_aliases: true,
    ignore_unavailable: false,
    partial: false,
  }, 'iam');
  if (res.status === 200) {
    log('restore started', { repository: p.RepositoryName, snapshot, indices: p.pattern });
    return true;
  }
  if (RETRY_RE.test(JSON.stringify(res.body))) {
    log('a snapshot or another restore is running; retrying', { snapshot });
    return false;
  }
  throw fail(`starting the restore of snapshot ${snapshot}`, res);
}

// primaries summarizes the primary shards of the OpenCTI indices.
async function primaries(p, auth) {
  const got = await call(p.DomainEndpoint, 'GET', `/_cat/shards/${p.pattern}?format=json&h=index,shard,prirep,state,unassigned.reason`, undefined, auth);
  if (got.status !== 200) throw fail(`reading the shards of the ${p.pattern} indices`, got);
  const rows = (Array.isArray(got.body) ? got.body : []).filter((r) => r.prirep === 'p');
  return {
    total: rows.length,
    started: rows.filter((r) => r.state === 'STARTED').length,
    failed: rows.filter((r) => r.state === 'UNASSIGNED' && r['unassigned.reason'] === 'ALLOCATION_FAILED'),
  };
}

// aliasesOf maps each alias of the OpenCTI indices to its indices.
async function aliasesOf(p, auth) {
  const got = await call(p.DomainEndpoint, 'GET', `/${p.pattern}/_alias`, undefined, auth);
  if (got.status !== 200) throw fail(`reading the aliases of the ${p.pattern} indices`, got);
  const out = {};
  for (const [index, v] of Object.entries(got.body)) {
    for (const alias of Object.keys((v && v.aliases) || {})) (out[alias] = out[alias] || []).push(index);
  }
  return out;
}

// ensureTemplates creates a placeholder index template per OpenCTI alias when
// the domain has none of OpenCTI's templates (a new domain: a restore without
// global state brings none). OpenCTI rewrites every existing "<prefix>*"
// template with its full mappings when it starts; without one, an index
// created by rollover would get no mappings.
async function ensureTemplates(p, auth, aliases) {
  const got = await call(p.DomainEndpoint, 'GET', `/_index_template/${p.IndexPrefix}*`, undefined, auth);
  if (got.status === 200 && (got.body.index_templates || []).length > 0) return 0;
  if (got.status !== 200 && got.status !== 404) throw fail('reading the index templates', got);
  let created = 0;
  for (const alias of Object.keys(aliases).sort()) {
    if (!alias.startsWith(`${p.IndexPrefix}_`)) continue;
    const put = await call(p.DomainEndpoint, 'PUT', `/_index_template/${alias}`, {
      index_patterns: [`${alias}*`],
      template: { settings: { index: { plugins: { index_state_management: { rollover_alias: alias } } } } },
      _meta: { description: 'placeholder written by the opencti-ha restore; OpenCTI replaces it with its mappings at start' },
    }, auth);
    if (put.status !== 200) throw fail(`creating the index template ${alias}`, put);
    created++;
  }
  if (created > 0) log('created placeholder index templates', { count: created });
  return created;
}

// ensureIsm creates OpenCTI's ISM policy when missing and attaches it to the
// restored indices that no policy manages yet (GET _plugins/_ism/explain:
// a restored index is a new index, which ISM does not manage).
async function ensureIsm(p, auth) {
  if (!p.IsmPolicyId) return;
  const path = `/_plugins/_ism/policies/${p.IsmPolicyId}`;
  const got = await call(p.DomainEndpoint, 'GET', path, undefined, auth);
  if (got.status === 404) {
    const put = await call(p.DomainEndpoint, 'PUT', path, JSON.parse(p.IsmPolicy), auth);
    if (put.status !== 200 && put.status !== 201) throw fail(`creating the ISM policy ${p.IsmPolicyId}`, put);
    log('created the ISM policy', { policy: p.IsmPolicyId });
  } else if (got.status !== 200) {
    throw fail(`reading the ISM policy ${p.IsmPolicyId}`, got);
  }
  const explain = await call(p.DomainEndpoint, 'GET', `/_plugins/_ism/explain/${p.pattern}`, undefined, auth);
  if (explain.status !== 200) throw fail(`reading the ISM state of ${p.pattern}`, explain);
  const unmanaged = Object.entries(explain.body)
    .filter(([index, v]) => index.startsWith(`${p.IndexPrefix}_`) && v && typeof v === 'object' && !v['index.plugins.index_state_management.policy_id'])
    .map(([index]) => index).sort();
  if (unmanaged.length === 0) return;
  const add = await call(p.DomainEndpoint, 'POST', `/_plugins/_ism/add/${unmanaged.join(',')}`, { policy_id: p.IsmPolicyId }, auth);
  if (add.status !== 200) throw fail(`attaching the ISM policy ${p.IsmPolicyId} to ${unmanaged.length} indices`, add);
  const failed = (add.body.failed_indices || []).filter((f) => !/already has a policy/i.test(f.reason || ''));
  if (failed.length > 0) throw new Error(`attaching the ISM policy ${p.IsmPolicyId}: ${JSON.stringify(failed).slice(0, 1000)}`);
  log('ISM policy attached', { policy: p.IsmPolicyId, updated: add.body.updated_indices || 0 });
}

exports.isComplete = async (event) => {
  const data = event.Data || {};
  if (event.RequestType === 'Delete' || data.Restored !== 'true') return { IsComplete: true };
  const p = props(event.ResourceProperties);
  const snapshot = data.SnapshotName;
  const auth = await masterUser(p);
  const indices = await existingIndices(p, auth);
  if (indices.length === 0) {
    await startRestore(p, snapshot);
    return { IsComplete: false };
  }
  const from = await provenance(p, auth, indices, snapshot);
  if (from.foreign.length > 0) {
    throw new Error(`indices appeared that do not come from snapshot ${snapshot} (${from.foreign.slice(0, 5).join(', ')}): ` +
      'is OpenCTI still writing to the domain? Stop it (scale every opencti Deployment to 0) and deploy again');
  }
  const shards = await primaries(p, auth);
  if (shards.failed.length > 0) {
    const first = shards.failed.slice(0, 3).map((s) => `${s.index}[${s.shard}]`).join(', ');
    throw new Error(`the restore of snapshot ${snapshot} failed for ${shards.failed.length} primary shards (${first}; ALLOCATION_FAILED): ` +
      'GET _cluster/allocation/explain tells why; to restore an older snapshot, delete the indices or set dr.overwrite: true, ' +
      'and set dr.restoreFrom to its name');
  }
  log('restore progress', { snapshot, primariesStarted: shards.started, primaries: shards.total });
  if (shards.total === 0 || shards.started < shards.total) return { IsComplete: false };
  await ensureTemplates(p, auth, await aliasesOf(p, auth));
  await ensureIsm(p, auth);
  log('restore complete', { snapshot, indices: indices.length });
  return { IsComplete: true, Data: { SnapshotName: snapshot, Restored: 'true' } };
};

// For the tests.
exports.props = props;
