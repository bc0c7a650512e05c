// Scheduled OpenSearch snapshots for disaster recovery, two Lambda entry
// points in one inline file:
//
// onEvent: a custom resource (Custom::OpenSearchSnapshotSchedule, provider
//   framework, no isComplete) that keeps an OpenSearch snapshot management
//   (SM) policy in the domain (Index Management plugin, _plugins/_sm;
//   OpenSearch Service supports SM from OpenSearch 2.5):
//   Create/Update - map this function's role and the age probe's role
//   (ProbeRoleArn) to manage_snapshots (master user),
//   register the DR repository (SigV4, passes SnapshotRoleArn; a base path of
//   its own in the snapshot bucket, so that every blob of it is written after
//   S3 replication was turned on), then create the policy, or update it
//   (with the _seq_no/_primary_term the plugin requires) when it differs, and
//   start it when it is stopped. Delete - delete the policy (best effort: a
//   domain already gone must not block a stack deletion); the snapshots and
//   the repository stay.
// handler: run every few minutes by an EventBridge schedule; lists the DR
//   repository (SigV4) and writes, as a CloudWatch embedded metric format log
//   line, the age in seconds of the newest SUCCESS snapshot
//   (LastSuccessfulSnapshotAgeSeconds) and the number of successful
//   snapshots. No snapshot at all: no age is written (the alarm treats
//   missing data as breaching); the domain unreachable: the function fails.
//
// Loadable as inline code: the SigV4 signing, the requests to the domain, the
// master user and the manage_snapshots mapping come from
// internal/handlerlib/opensearch.js (handlerlib.Inline puts it in place of
// its require). Nothing secret is logged or returned.
'use strict';
const { call, fail, masterUser, mapManageSnapshots, log } = require('../../internal/handlerlib/opensearch.js');

// ---- the SM policy -------------------------------------------------------

const REQUIRED = ['DomainEndpoint', 'MasterUserSecretArn', 'UsernameField', 'PasswordField', 'FunctionRoleArn', 'RepositoryName',
  'BucketName', 'SnapshotRoleArn', 'PolicyName', 'Schedule', 'Indices', 'MaxAge', 'MinCount'];
const TIME_RE = /^[1-9][0-9]*(m|h|d)$/;

// props validates the properties (strings, as CloudFormation passes them)
// and fills the defaults: BasePath "dr", Timezone "UTC", DeletionSchedule
// = Schedule, TimeLimit "1h", IncludeGlobalState "false", MaxCount none,
// ProbeRoleArn none.
function props(raw) {
  const p = { BasePath: 'dr', Timezone: 'UTC', TimeLimit: '1h', IncludeGlobalState: 'false', MaxCount: '', ProbeRoleArn: '', ...raw };
  if (!p.DeletionSchedule) p.DeletionSchedule = p.Schedule;
  const problems = [];
  for (const f of REQUIRED) if (typeof p[f] !== 'string' || p[f] === '') problems.push(`${f} is required`);
  if (p.PolicyName && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(p.PolicyName)) problems.push(`PolicyName "${p.PolicyName}" is not a policy name (lower-case letters, digits, "_" and "-")`);
  for (const f of ['Schedule', 'DeletionSchedule']) {
    if (p[f] && p[f].trim().split(/\s+/).length !== 5) problems.push(`${f} "${p[f]}" is not a 5-field cron expression (minute hour day-of-month month day-of-week)`);
  }
  for (const f of ['MaxAge', 'TimeLimit']) if (p[f] && !TIME_RE.test(p[f])) problems.push(`${f} "${p[f]}" is not a duration such as 30m, 1h or 7d`);
  const min = Number(p.MinCount);
  if (p.MinCount && (!Number.isInteger(min) || min < 1)) problems.push(`MinCount "${p.MinCount}" is not a whole number of at least 1`);
  if (p.MaxCount !== '' && (!Number.isInteger(Number(p.MaxCount)) || Number(p.MaxCount) <= min)) {
    problems.push(`MaxCount "${p.MaxCount}" is not a whole number larger than MinCount (${p.MinCount})`);
  }
  if (!['true', 'false'].includes(String(p.IncludeGlobalState))) problems.push(`IncludeGlobalState "${p.IncludeGlobalState}" is neither "true" nor "false"`);
  if (problems.length > 0) throw new Error(`invalid snapshot schedule properties: ${problems.join('; ')}`);
  return p;
}

// policyBody is the SM policy: snapshots of Indices on Schedule, kept at
// least MinCount and deleted after MaxAge (or beyond MaxCount). Field names
// from opensearch-project/index-management SMPolicy.kt (creation, deletion,
// condition max_age/max_count/min_count, snapshot_config, enabled).
function policyBody(p) {
  const condition = { max_age: p.MaxAge, min_count: Number(p.MinCount) };
  if (p.MaxCount !== '') condition.max_count = Number(p.MaxCount);
  return {
    description: `opencti-ha disaster recovery snapshots of ${p.Indices} (managed by CloudFormation: change the configuration, not this policy)`,
    creation: { schedule: { cron: { expression: p.Schedule, timezone: p.Timezone } }, time_limit: p.TimeLimit },
    deletion: { schedule: { cron: { expression: p.DeletionSchedule, timezone: p.Timezone } }, condition, time_limit: p.TimeLimit },
    snapshot_config: {
      repository: p.RepositoryName,
      indices: p.Indices,
      include_global_state: String(p.IncludeGlobalState) === 'true',
      ignore_unavailable: true,
      partial: false,
      date_format: 'yyyy-MM-dd-HH-mm',
      timezone: p.Timezone,
    },
    enabled: true,
  };
}

// differs tells whether the policy in the domain differs from the wanted one
// in a field this resource manages (the plugin adds its own fields).
function differs(want, got) {
  const pick = (b) => JSON.stringify([
    b.description, b.creation && b.creation.schedule, b.creation && b.creation.time_limit,
    b.deletion && b.deletion.schedule, b.deletion && b.deletion.condition && {
      max_age: b.deletion.condition.max_age, min_count: b.deletion.condition.min_count, max_count: b.deletion.condition.max_count,
    }, b.deletion && b.deletion.time_limit,
    b.snapshot_config && Object.fromEntries(Object.keys(want.snapshot_config).sort().map((k) => [k, b.snapshot_config[k]])),
  ]);
  return pick(want) !== pick(got || {});
}

// mapRole maps this function's role, and the age probe's (ProbeRoleArn),
// to manage_snapshots. The probe's IAM policy allows it GET on _snapshot
// only, so the mapping gives it no more than reading.
const mapRole = (p, auth) => mapManageSnapshots(p.DomainEndpoint, auth, [p.FunctionRoleArn, p.ProbeRoleArn]);

// registerRepository registers the DR repository (writable) unless it
// already points at the bucket, base path and role.
async function registerRepository(p) {
  const path = `/_snapshot/${p.RepositoryName}`;
  const got = await call(p.DomainEndpoint, 'GET', path, undefined, 'iam');
  if (got.status !== 200 && got.status !== 404) throw fail(`reading repository ${p.RepositoryName}`, got);
  const s = got.status === 200 && got.body[p.RepositoryName] && got.body[p.RepositoryName].settings;
  if (s && s.bucket === p.BucketName && (s.base_path || '') === p.BasePath && s.role_arn === p.SnapshotRoleArn && String(s.readonly || 'false') !== 'true') return;
  const settings = { bucket: p.BucketName, region: process.env.AWS_REGION, role_arn: p.SnapshotRoleArn };
  if (p.BasePath) settings.base_path = p.BasePath;
  const put = await call(p.DomainEndpoint, 'PUT', path, { type: 's3', settings }, 'iam');
  if (put.status !== 200) throw fail(`registering repository ${p.RepositoryName}`, put);
  log('registered repository', { repository: p.RepositoryName, bucket: p.BucketName, basePath: p.BasePath });
}

// putPolicy creates the policy, or updates it when it differs, and starts
// it when it is stopped.
async function putPolicy(p, auth) {
  const path = `/_plugins/_sm/policies/${p.PolicyName}`;
  const want = policyBody(p);
  const got = await call(p.DomainEndpoint, 'GET', path, undefined, auth);
  if (got.status === 404) {
    const created = await call(p.DomainEndpoint, 'POST', path, want, auth);
    if (created.status !== 200 && created.status !== 201) throw fail(`creating the snapshot policy ${p.PolicyName}`, created);
    log('created the snapshot policy', { policy: p.PolicyName, schedule: p.Schedule });
    return 'created';
  }
  if (got.status !== 200) throw fail(`reading the snapshot policy ${p.PolicyName}`, got);
  let result = 'unchanged';
  if (differs(want, got.body.sm_policy)) {
    const q = `?if_seq_no=${got.body._seq_no}&if_primary_term=${got.body._primary_term}`;
    const updated = await call(p.DomainEndpoint, 'PUT', path + q, want, auth);
    if (updated.status !== 200) throw fail(`updating the snapshot policy ${p.PolicyName}`, updated);
    log('updated the snapshot policy', { policy: p.PolicyName, schedule: p.Schedule });
    result = 'updated';
  }
  if (got.body.sm_policy && got.body.sm_policy.enabled === false) {
    const started = await call(p.DomainEndpoint, 'POST', `${path}/_start`, undefined, auth);
    if (started.status !== 200) throw fail(`starting the snapshot policy ${p.PolicyName}`, started);
    log('started the snapshot policy', { policy: p.PolicyName });
  }
  return result;
}

exports.onEvent = async (event) => {
  const raw = event.ResourceProperties || {};
  log('event', { type: event.RequestType, policy: raw.PolicyName, schedule: raw.Schedule });
  if (event.RequestType === 'Delete') {
    // Best effort; the snapshots and the repository stay.
    const name = (event.PhysicalResourceId || '').split('/').pop();
    try {
      const p = { ...raw };
      const auth = await masterUser(p);
      const del = await call(p.DomainEndpoint, 'DELETE', `/_plugins/_sm/policies/${name}`, undefined, auth);
      log('deleted the snapshot policy (snapshots kept)', { policy: name, status: del.status });
    } catch (e) {
      log('could not delete the snapshot policy; leaving it', { policy: name, error: e.message.slice(0, 300) });
    }
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const p = props(raw);
  const auth = await masterUser(p);
  await mapRole(p, auth);
  await registerRepository(p);
  const result = await putPolicy(p, auth);
  return { PhysicalResourceId: `${p.DomainEndpoint}/${p.PolicyName}`, Data: { PolicyName: p.PolicyName, Result: result } };
};

// ---- the age probe -------------------------------------------------------

// handler writes the age of the newest successful snapshot of REPOSITORY as
// an embedded metric format line (namespace METRIC_NAMESPACE, dimensions
// Deployment and Repository).
exports.handler = async () => {
  const env = process.env;
  for (const k of ['DOMAIN_ENDPOINT', 'REPOSITORY', 'METRIC_NAMESPACE', 'DEPLOYMENT']) {
    if (!env[k]) throw new Error(`environment variable ${k} is not set`);
  }
  const got = await call(env.DOMAIN_ENDPOINT, 'GET', `/_snapshot/${env.REPOSITORY}/_all`, undefined, 'iam');
  if (got.status !== 200) throw fail(`listing the snapshots of repository ${env.REPOSITORY}`, got);
  const good = (got.body.snapshots || []).filter((s) => s.state === 'SUCCESS' && s.end_time_in_millis);
  const now = Date.now();
  const newest = good.reduce((m, s) => Math.max(m, s.end_time_in_millis), 0);
  const metrics = [{ Name: 'SuccessfulSnapshots', Unit: 'Count' }];
  const line = {
    _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: env.METRIC_NAMESPACE, Dimensions: [['Deployment', 'Repository']], Metrics: metrics }] },
    Deployment: env.DEPLOYMENT,
    Repository: env.REPOSITORY,
    SuccessfulSnapshots: good.length,
  };
  if (newest > 0) {
    metrics.unshift({ Name: 'LastSuccessfulSnapshotAgeSeconds', Unit: 'Seconds' });
    line.LastSuccessfulSnapshotAgeSeconds = Math.max(0, Math.round((now - newest) / 1000));
  }
  console.log(JSON.stringify(line));
  return { successfulSnapshots: good.length, lastSuccessfulSnapshotAgeSeconds: line.LastSuccessfulSnapshotAgeSeconds };
};

// For the tests.
exports.props = props;
exports.policyBody = policyBody;
