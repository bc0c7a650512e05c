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
// Uses only what the Lambda Node.js runtime bundles: node:https, node:crypto,
// @smithy/signature-v4 and @aws-sdk/client-secrets-manager (AWS SDK v3).
const https = require('node:https');
const crypto = require('node:crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');

const region = process.env.AWS_REGION;
const secrets = new SecretsManagerClient({});

// Sha256 is the hash constructor SignatureV4 expects, on node:crypto.
class Sha256 {
  constructor(secret) { this.hash = secret ? crypto.createHmac('sha256', toBuffer(secret)) : crypto.createHash('sha256'); }
  update(data) { this.hash.update(toBuffer(data)); }
  async digest() { return new Uint8Array(this.hash.digest()); }
}
function toBuffer(d) {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

const signer = new SignatureV4({
  service: 'es',
  region,
  sha256: Sha256,
  credentials: async () => ({
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
    sessionToken: process.env.AWS_SESSION_TOKEN,
  }),
});

const log = (msg, fields) => console.log(JSON.stringify({ msg, ...fields }));

// call sends one request to the domain, signed with SigV4 (auth = 'iam') or
// with the master user's basic authentication (auth = { username, password }).
async function call(host, method, path, body, auth) {
  const [pathname, search] = path.split('?');
  const query = Object.fromEntries(new URLSearchParams(search || ''));
  const payload = body === undefined ? undefined : JSON.stringify(body);
  let headers = { host, 'content-type': 'application/json' };
  if (auth === 'iam') {
    const signed = await signer.sign({ method, protocol: 'https:', hostname: host, path: pathname, query, headers, body: payload });
    headers = signed.headers;
  } else {
    headers.authorization = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  }
  if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port: 443, method, path, headers, timeout: 30000 }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = text ? JSON.parse(text) : {}; } catch { json = { raw: text }; }
        resolve({ status: res.statusCode, body: json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathname}: timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function fail(what, res) {
  return new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 1000)}`);
}

async function masterUser(p) {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: p.MasterUserSecretArn }));
  let s;
  // A parse error message quotes the input: never let it carry the password.
  try { s = JSON.parse(out.SecretString); } catch (_) { throw new Error('the master user secret is not a JSON object'); }
  return { username: s[p.UsernameField], password: s[p.PasswordField] };
}

// mapRole adds this function's role to the backend roles of manage_snapshots,
// keeping every existing user, backend role and host of the mapping.
async function mapRole(p) {
  const auth = await masterUser(p);
  const path = '/_plugins/_security/api/rolesmapping/manage_snapshots';
  const got = await call(p.DomainEndpoint, 'GET', path, undefined, auth);
  if (got.status !== 200 && got.status !== 404) throw fail('reading the manage_snapshots role mapping', got);
  const current = (got.status === 200 && got.body.manage_snapshots) || {};
  const backendRoles = current.backend_roles || [];
  if (backendRoles.includes(p.FunctionRoleArn)) return;
  const put = await call(p.DomainEndpoint, 'PUT', path, {
    backend_roles: [...backendRoles, p.FunctionRoleArn],
    hosts: current.hosts || [],
    users: current.users || [],
  }, auth);
  if (put.status !== 200 && put.status !== 201) throw fail('mapping the function role to manage_snapshots', put);
  log('mapped role to manage_snapshots', { role: p.FunctionRoleArn });
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
    settings: { bucket: p.BucketName, region, role_arn: p.SnapshotRoleArn },
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

exports.snapshotName = snapshotName;
