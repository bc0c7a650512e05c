// Pre-upgrade snapshot of an OpenSearch Service domain with fine-grained
// access control (custom resource provider: onEvent + isComplete).
//
// Create: map this function's role to the manage_snapshots role (as the
// master user, whose password is read from Secrets Manager at run time) and
// register the S3 snapshot repository (SigV4; the snapshot role is passed).
// Update with a new Version: do the same, then take the manual snapshot
// pre-upgrade-<old>-to-<new>-<UTC time>-<request id> and wait for it.
// Update with the same Version and Delete: no snapshot. Snapshots and the
// repository are never deleted.
//
// Loadable as inline code (awslambda.Code_FromInline, one CommonJS file):
// the signing, the requests to the domain and the master user come from
// internal/handlerlib/opensearch.js, which handlerlib.Inline puts in place of
// its require when the construct builds the function's code.
const { call, fail, masterUser, mapManageSnapshots, log } = require('../../internal/handlerlib/opensearch.js');

// mapRole maps this function's role to manage_snapshots, as the master user.
async function mapRole(p) {
  await mapManageSnapshots(p.DomainEndpoint, await masterUser(p), [p.FunctionRoleArn]);
}

// registerRepository registers the S3 repository unless it already points at
// the bucket with the snapshot role.
async function registerRepository(p) {
  const path = `/_snapshot/${p.RepositoryName}`;
  const got = await call(p.DomainEndpoint, 'GET', path, undefined, 'iam');
  const settings = got.status === 200 && got.body[p.RepositoryName] && got.body[p.RepositoryName].settings;
  if (settings && settings.bucket === p.BucketName && settings.role_arn === p.SnapshotRoleArn) return;
  if (got.status !== 200 && got.status !== 404) throw fail(`reading repository ${p.RepositoryName}`, got);
  const put = await call(p.DomainEndpoint, 'PUT', path, {
    type: 's3',
    settings: { bucket: p.BucketName, region: process.env.AWS_REGION, role_arn: p.SnapshotRoleArn },
  }, 'iam');
  if (put.status !== 200) throw fail(`registering repository ${p.RepositoryName}`, put);
  log('registered repository', { repository: p.RepositoryName, bucket: p.BucketName });
}

// snapshotName is lower-case and free of characters snapshot names forbid.
function snapshotName(oldVersion, newVersion, requestId, now) {
  const clean = (s) => String(s).toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'z').toLowerCase();
  return `pre-upgrade-${clean(oldVersion)}-to-${clean(newVersion)}-${stamp}-${clean(requestId).slice(0, 8)}`;
}

exports.onEvent = async (event) => {
  const p = event.ResourceProperties;
  log('event', { type: event.RequestType, version: p.Version, old: (event.OldResourceProperties || {}).Version });
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const physicalId = event.PhysicalResourceId || `${p.DomainEndpoint}/${p.RepositoryName}`;
  await mapRole(p);
  await registerRepository(p);
  const oldVersion = event.RequestType === 'Update' ? event.OldResourceProperties.Version : undefined;
  if (oldVersion === undefined || oldVersion === p.Version) {
    return { PhysicalResourceId: physicalId, Data: { SnapshotName: '' } };
  }
  const name = snapshotName(oldVersion, p.Version, event.RequestId, new Date());
  log('taking pre-upgrade snapshot', { snapshot: name, repository: p.RepositoryName });
  return { PhysicalResourceId: physicalId, Data: { SnapshotName: name } };
};

exports.isComplete = async (event) => {
  const p = event.ResourceProperties;
  const name = event.Data && event.Data.SnapshotName;
  if (event.RequestType !== 'Update' || !name) return { IsComplete: true };
  const path = `/_snapshot/${p.RepositoryName}/${name}`;
  const got = await call(p.DomainEndpoint, 'GET', path, undefined, 'iam');
  if (got.status === 404) {
    // Not started yet (or a concurrent snapshot, e.g. the hourly automated
    // one, refused it last time): start it.
    const put = await call(p.DomainEndpoint, 'PUT', `${path}?wait_for_completion=false`, {
      indices: p.Indices,
      include_global_state: false,
    }, 'iam');
    const reason = JSON.stringify(put.body);
    if (put.status === 200) {
      log('snapshot started', { snapshot: name });
    } else if (/concurrent_snapshot_execution_exception|snapshot_in_progress/.test(reason)) {
      log('another snapshot is running; retrying', { snapshot: name });
    } else {
      throw fail(`starting snapshot ${name}`, put);
    }
    return { IsComplete: false };
  }
  if (got.status !== 200) throw fail(`reading snapshot ${name}`, got);
  const snap = (got.body.snapshots || [])[0] || {};
  log('snapshot state', { snapshot: name, state: snap.state });
  if (snap.state === 'SUCCESS') return { IsComplete: true, Data: { SnapshotName: name } };
  if (snap.state === 'IN_PROGRESS' || snap.state === undefined) return { IsComplete: false };
  throw new Error(`snapshot ${name} ended ${snap.state}: ${JSON.stringify(snap.failures || []).slice(0, 1000)}; ` +
    'the upgrade is stopped before the new manifests are applied (see the upgradesnapshot README)');
};

// For the tests.
exports.snapshotName = snapshotName;
