// Test doubles shared by the Lambda handler tests (node --test; see README.md
// here): console capture, environment variables for one test, a fake
// node:https, and a stateful fake of the OpenSearch Service domain's REST API
// (fine-grained access control role mappings, snapshot repositories and
// snapshots, audit configuration).
'use strict';
const https = require('node:https');
const { EventEmitter } = require('node:events');

// captureConsole records every console.log/info/warn/error line of the test
// (restored when the test ends) and returns them as one array of strings.
function captureConsole(t) {
  const lines = [];
  for (const m of ['log', 'info', 'warn', 'error']) {
    t.mock.method(console, m, (...args) => { lines.push(args.map(String).join(' ')); });
  }
  return lines;
}

// setEnv sets environment variables for the test (undefined removes one) and
// puts back, when the test ends, what each held before the test's first
// setEnv of it. The handlers read process.env when called, and make
// test-handlers runs every test file in one process (--test-isolation=none,
// all files loaded before the first test runs): a variable set at a file's
// top level would hold for the other files' tests too, the file loaded last
// winning, so each test sets what it needs here.
const savedEnv = new WeakMap();
function setEnv(t, vars) {
  let saved = savedEnv.get(t);
  if (!saved) {
    saved = new Map();
    savedEnv.set(t, saved);
    t.after(() => {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
  }
  for (const [k, v] of Object.entries(vars)) {
    if (!saved.has(k)) saved.set(k, Object.hasOwn(process.env, k) ? process.env[k] : undefined);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

// fakeHttps replaces https.request for the test: serve(req) receives
// { method, host, path, headers, body } and returns { status, body } (an
// object is sent as JSON) or throws to make the request fail. It returns the
// list of requests seen.
function fakeHttps(t, serve) {
  const seen = [];
  t.mock.method(https, 'request', (opts, onResponse) => {
    const req = new EventEmitter();
    const chunks = [];
    req.write = (c) => { chunks.push(Buffer.from(c)); };
    req.destroy = (err) => { setImmediate(() => req.emit('error', err)); };
    req.end = (c) => {
      if (c !== undefined) chunks.push(Buffer.from(c));
      const r = {
        method: opts.method,
        host: opts.host || opts.hostname,
        path: opts.path,
        headers: opts.headers || {},
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(r);
      setImmediate(() => {
        let answer;
        try {
          answer = serve(r);
        } catch (err) {
          req.emit('error', err);
          return;
        }
        const res = new EventEmitter();
        res.statusCode = answer.status;
        res.resume = () => {};
        onResponse(res);
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body === undefined ? {} : answer.body);
        setImmediate(() => {
          if (text) res.emit('data', text);
          res.emit('end');
        });
      });
    };
    return req;
  });
  return seen;
}

// fakeDomain is an in-memory OpenSearch Service domain behind fine-grained
// access control. Basic-auth requests must carry the master user's
// credentials, SigV4 requests an AWS4-HMAC-SHA256 Authorization for service
// "es" (the signature itself is tested separately, against AWS's test suite).
// Set fail[<METHOD path>] = { status, body } to make one route answer an error.
class FakeDomain {
  constructor({ username = 'opencti', password, region = 'eu-west-1' }) {
    this.username = username;
    this.password = password;
    this.region = region;
    this.rolesMapping = { manage_snapshots: { backend_roles: [], hosts: [], users: [], reserved: false } };
    this.repositories = {};
    this.snapshots = {};
    this.fail = {};
    // GET _plugins/_security/api/audit on a new domain: audit logging off,
    // the security plugin's defaults (opensearch-project/security,
    // AuditApiAction and static_config/static_audit.yml).
    this.readonly = ['/audit/exclude_sensitive_headers', '/compliance/internal_config', '/compliance/external_config'];
    this.audit = {
      enabled: false,
      audit: {
        enable_rest: true, disabled_rest_categories: ['AUTHENTICATED', 'GRANTED_PRIVILEGES'],
        enable_transport: true, disabled_transport_categories: ['AUTHENTICATED', 'GRANTED_PRIVILEGES'],
        resolve_bulk_requests: false, log_request_body: true, resolve_indices: true,
        exclude_sensitive_headers: true, ignore_users: ['kibanaserver'], ignore_requests: [],
      },
      compliance: {
        enabled: true, internal_config: true, external_config: false,
        read_metadata_only: true, read_watched_fields: {}, read_ignore_users: ['kibanaserver'],
        write_metadata_only: true, write_log_diffs: false, write_watched_indices: [], write_ignore_users: ['kibanaserver'],
      },
    };
    // Snapshot states a GET returns, in order, after the snapshot started.
    this.snapshotStates = ['IN_PROGRESS', 'SUCCESS'];
    this.puts = [];
  }

  basicOK(h) {
    return h.authorization === 'Basic ' + Buffer.from(`${this.username}:${this.password}`).toString('base64');
  }

  sigv4OK(h) {
    return /^AWS4-HMAC-SHA256 Credential=[A-Z0-9]+\/\d{8}\/[a-z0-9-]+\/es\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.test(h.authorization || '') &&
      (h.authorization || '').includes(`/${this.region}/es/`) && /^\d{8}T\d{6}Z$/.test(h['x-amz-date'] || '');
  }

  serve(r) {
    const [path] = r.path.split('?');
    const key = `${r.method} ${path}`;
    if (this.fail[key]) return this.fail[key];
    const body = r.body ? JSON.parse(r.body) : undefined;
    if (r.method !== 'GET') this.puts.push({ key, body });
    if (path.startsWith('/_plugins/_security/')) {
      if (!this.basicOK(r.headers)) return { status: 401, body: 'Unauthorized' };
      let m = path.match(/^\/_plugins\/_security\/api\/rolesmapping\/([a-z_]+)$/);
      if (m) {
        if (r.method === 'GET') {
          return this.rolesMapping[m[1]] ? { status: 200, body: { [m[1]]: this.rolesMapping[m[1]] } } : { status: 404, body: { status: 'NOT_FOUND' } };
        }
        this.rolesMapping[m[1]] = { ...body, reserved: false };
        return { status: 200, body: { status: 'OK', message: `'${m[1]}' updated.` } };
      }
      if (key === 'GET /_plugins/_security/api/audit') return { status: 200, body: { _readonly: this.readonly, config: this.audit } };
      if (key === 'PUT /_plugins/_security/api/audit/config') {
        const at = (o, p) => p.split('/').slice(1).reduce((x, k) => (x === undefined ? undefined : x[k]), o);
        if (this.readonly.some((p) => JSON.stringify(at(this.audit, p)) !== JSON.stringify(at(body, p)))) {
          return { status: 409, body: { status: 'error', reason: 'Attempted to update read-only property.' } };
        }
        this.audit = body;
        return { status: 200, body: { status: 'OK', message: "'config' updated." } };
      }
      return { status: 404, body: { error: 'no handler' } };
    }
    if (!this.sigv4OK(r.headers)) return { status: 403, body: { message: 'The security token included in the request is invalid.' } };
    let m = path.match(/^\/_snapshot\/([^/]+)$/);
    if (m) {
      if (r.method === 'GET') {
        return this.repositories[m[1]] ? { status: 200, body: { [m[1]]: this.repositories[m[1]] } }
          : { status: 404, body: { error: { type: 'repository_missing_exception' }, status: 404 } };
      }
      this.repositories[m[1]] = body;
      return { status: 200, body: { acknowledged: true } };
    }
    m = path.match(/^\/_snapshot\/([^/]+)\/([^/]+)$/);
    if (m) {
      if (!this.repositories[m[1]]) return { status: 404, body: { error: { type: 'repository_missing_exception' } } };
      const snap = this.snapshots[m[2]];
      if (r.method === 'GET') {
        if (!snap) return { status: 404, body: { error: { type: 'snapshot_missing_exception' }, status: 404 } };
        const state = snap.states.length > 1 ? snap.states.shift() : snap.states[0];
        return { status: 200, body: { snapshots: [{ snapshot: m[2], state, failures: snap.failures || [] }] } };
      }
      this.snapshots[m[2]] = { body, states: [...this.snapshotStates] };
      return { status: 200, body: { accepted: true } };
    }
    return { status: 404, body: { error: 'no handler' } };
  }
}

module.exports = { captureConsole, setEnv, fakeHttps, FakeDomain };
