// An in-memory fake of the Amazon OpenSearch Service REST API that the
// disaster-recovery handlers (constructs/recovery/handlers) call: role
// mappings, S3 snapshot repositories (read-only ones refuse writes), the
// snapshots in them, _restore with shard recovery that takes a few polls,
// _cat/indices, _cat/shards, _recovery, index deletion, aliases, index
// templates, ISM policies and snapshot management (SM) policies with the
// _seq_no/_primary_term update check. Answers follow the shapes of
// OpenSearch 2.x; each test drives it through fakeHttps (fakes.js).
'use strict';

// glob matches an index name against a comma-separated list of patterns
// with "*" wildcards.
function glob(patterns, name) {
  return patterns.split(',').some((pat) => new RegExp('^' + pat.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$').test(name));
}

class FakeSearch {
  constructor({ username = 'opencti', password, region = 'eu-west-1' }) {
    this.username = username;
    this.password = password;
    this.region = region;
    this.rolesMapping = { manage_snapshots: { backend_roles: [], hosts: [], users: [], reserved: false } };
    // repositories[name] = { type, settings } (registered in the domain);
    // buckets["<bucket>/<base path>"] = [{ snapshot, state, indices,
    // end_time_in_millis, aliases: { index: aliases }, unreadable,
    // failsToAllocate }]: what the S3 objects hold, whoever registers them.
    this.repositories = {};
    this.buckets = {};
    // indices[name] = { status, aliases, recovery: null | { type, repository, snapshot }, shards, pollsLeft, failed }
    this.indices = {};
    this.templates = {};
    this.ismPolicies = {};
    this.smPolicies = {};
    this.seqNo = 0;
    this.fail = {};
    this.writes = [];
    // Polls of _cat/shards a restored primary stays INITIALIZING.
    this.restorePolls = 1;
  }

  // addBucket puts snapshots into a bucket (and base path), as snapshots
  // taken elsewhere and replicated there.
  addBucket(bucket, basePath, snapshots) {
    this.buckets[`${bucket}/${basePath || ''}`] = snapshots;
  }

  // addRepository registers a repository in the domain; settings are kept as given.
  addRepository(name, settings) {
    this.repositories[name] = { type: 's3', settings };
  }

  snapshotsOf(repo) {
    const key = `${repo.settings.bucket}/${repo.settings.base_path || ''}`;
    if (!this.buckets[key]) this.buckets[key] = [];
    return this.buckets[key];
  }

  // addIndex puts an index OpenCTI wrote (recovered from an empty store).
  addIndex(name, { status = 'open', aliases = {}, recovery = { type: 'EMPTY_STORE' } } = {}) {
    this.indices[name] = { status, aliases, recovery, shards: 1, pollsLeft: 0, failed: false };
  }

  basicOK(h) {
    return h.authorization === 'Basic ' + Buffer.from(`${this.username}:${this.password}`).toString('base64');
  }

  sigv4OK(h) {
    return /^AWS4-HMAC-SHA256 Credential=[A-Z0-9]+\/\d{8}\/[a-z0-9-]+\/es\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.test(h.authorization || '') &&
      (h.authorization || '').includes(`/${this.region}/es/`) && /^\d{8}T\d{6}Z$/.test(h['x-amz-date'] || '');
  }

  matching(pattern) {
    return Object.keys(this.indices).filter((i) => glob(pattern, i)).sort();
  }

  serve(r) {
    const [path, search] = r.path.split('?');
    const query = Object.fromEntries(new URLSearchParams(search || ''));
    const key = `${r.method} ${path}`;
    if (this.fail[key]) return this.fail[key];
    const body = r.body ? JSON.parse(r.body) : undefined;
    if (r.method !== 'GET') this.writes.push({ key, query, body });
    if (path.startsWith('/_snapshot')) {
      if (!this.sigv4OK(r.headers)) return { status: 403, body: { message: 'The security token included in the request is invalid.' } };
      return this.snapshotApi(r.method, path, body);
    }
    if (!this.basicOK(r.headers)) return { status: 401, body: 'Unauthorized' };
    let m = path.match(/^\/_plugins\/_security\/api\/rolesmapping\/([a-z_]+)$/);
    if (m) {
      if (r.method === 'GET') {
        return this.rolesMapping[m[1]] ? { status: 200, body: { [m[1]]: this.rolesMapping[m[1]] } } : { status: 404, body: { status: 'NOT_FOUND' } };
      }
      this.rolesMapping[m[1]] = { ...body, reserved: false };
      return { status: 200, body: { status: 'OK' } };
    }
    if ((m = path.match(/^\/_plugins\/_sm\/policies\/([^/]+)(\/_start)?$/))) return this.smApi(r.method, m[1], m[2], query, body);
    if ((m = path.match(/^\/_plugins\/_ism\/policies\/([^/]+)$/))) {
      if (r.method === 'GET') {
        return this.ismPolicies[m[1]] ? { status: 200, body: { _id: m[1], policy: this.ismPolicies[m[1]].policy } }
          : { status: 404, body: { error: { type: 'status_exception', reason: 'Policy not found' }, status: 404 } };
      }
      this.ismPolicies[m[1]] = body;
      return { status: 201, body: { _id: m[1] } };
    }
    if ((m = path.match(/^\/_plugins\/_ism\/add\/(.+)$/))) {
      const failed = [];
      let updated = 0;
      for (const i of this.matching(m[1])) {
        if (this.indices[i].ism) failed.push({ index_name: i, reason: 'This index already has a policy, use the update policy API to update index policies' });
        else { this.indices[i].ism = body.policy_id; updated++; }
      }
      return { status: 200, body: { updated_indices: updated, failures: failed.length > 0, failed_indices: failed } };
    }
    if ((m = path.match(/^\/_plugins\/_ism\/explain\/(.+)$/))) {
      const out = { total_managed_indices: 0 };
      for (const i of this.matching(m[1])) {
        out[i] = { 'index.plugins.index_state_management.policy_id': this.indices[i].ism || null, 'index.opendistro.index_state_management.policy_id': this.indices[i].ism || null };
        if (this.indices[i].ism) out.total_managed_indices++;
      }
      return { status: 200, body: out };
    }
    if ((m = path.match(/^\/_cat\/indices\/(.+)$/))) {
      return { status: 200, body: this.matching(m[1]).map((i) => ({ index: i, status: this.indices[i].status, health: 'green' })) };
    }
    if ((m = path.match(/^\/_cat\/shards\/(.+)$/))) {
      const rows = [];
      for (const i of this.matching(m[1])) {
        const idx = this.indices[i];
        let state = 'STARTED';
        if (idx.failed) state = 'UNASSIGNED';
        else if (idx.pollsLeft > 0) { state = 'INITIALIZING'; idx.pollsLeft--; }
        for (let s = 0; s < idx.shards; s++) {
          rows.push({ index: i, shard: String(s), prirep: 'p', state, 'unassigned.reason': idx.failed ? 'ALLOCATION_FAILED' : null });
          rows.push({ index: i, shard: String(s), prirep: 'r', state: 'UNASSIGNED', 'unassigned.reason': 'REPLICA_ADDED' });
        }
      }
      return { status: 200, body: rows };
    }
    if ((m = path.match(/^\/_index_template\/(.+)$/))) {
      if (r.method === 'GET') {
        const found = Object.keys(this.templates).filter((t) => glob(m[1], t));
        return found.length === 0 ? { status: 404, body: { error: { type: 'resource_not_found_exception' }, status: 404 } }
          : { status: 200, body: { index_templates: found.map((name) => ({ name, index_template: this.templates[name] })) } };
      }
      this.templates[m[1]] = body;
      return { status: 200, body: { acknowledged: true } };
    }
    if ((m = path.match(/^\/([^_/][^/]*)\/_recovery$/))) {
      const out = {};
      for (const i of this.matching(m[1])) {
        const rec = this.indices[i].recovery;
        if (this.indices[i].status === 'close') continue;
        out[i] = { shards: rec ? [{ id: 0, primary: true, type: rec.type, stage: 'DONE', source: rec.type === 'SNAPSHOT' ? { repository: rec.repository, snapshot: rec.snapshot, index: i } : {} }] : [] };
      }
      return { status: 200, body: out };
    }
    if ((m = path.match(/^\/([^_/][^/]*)\/_alias$/))) {
      const out = {};
      for (const i of this.matching(m[1])) out[i] = { aliases: this.indices[i].aliases };
      return { status: 200, body: out };
    }
    if (r.method === 'DELETE' && (m = path.match(/^\/([^_/][^/]*)$/))) {
      const names = m[1].split(',');
      const missing = names.filter((n) => !this.indices[n]);
      if (missing.length > 0) return { status: 404, body: { error: { type: 'index_not_found_exception', index: missing[0] }, status: 404 } };
      for (const n of names) delete this.indices[n];
      return { status: 200, body: { acknowledged: true } };
    }
    return { status: 404, body: { error: `no handler for ${key}` } };
  }

  snapshotApi(method, path, body) {
    let m = path.match(/^\/_snapshot\/([^/]+)$/);
    if (m) {
      const repo = this.repositories[m[1]];
      if (method === 'GET') {
        if (!repo) return { status: 404, body: { error: { type: 'repository_missing_exception', reason: `[${m[1]}] missing` }, status: 404 } };
        // OpenSearch answers every setting as a string.
        const settings = Object.fromEntries(Object.entries(repo.settings).map(([k, v]) => [k, String(v)]));
        return { status: 200, body: { [m[1]]: { type: repo.type, settings } } };
      }
      this.repositories[m[1]] = { type: body.type, settings: body.settings };
      return { status: 200, body: { acknowledged: true } };
    }
    m = path.match(/^\/_snapshot\/([^/]+)\/([^/]+)(\/_status|\/_restore)?$/);
    if (!m) return { status: 404, body: { error: 'no handler' } };
    const repo = this.repositories[m[1]];
    if (!repo) return { status: 404, body: { error: { type: 'repository_missing_exception', reason: `[${m[1]}] missing` }, status: 404 } };
    if (m[2] === '_all' && method === 'GET') {
      return { status: 200, body: { snapshots: this.snapshotsOf(repo).map(({ unreadable, aliases, failsToAllocate, ...s }) => s) } };
    }
    const snap = this.snapshotsOf(repo).find((s) => s.snapshot === m[2]);
    if (!snap) return { status: 404, body: { error: { type: 'snapshot_missing_exception', reason: `[${m[1]}:${m[2]}] is missing` }, status: 404 } };
    if (m[3] === '/_status') {
      return snap.unreadable ? { status: 500, body: { error: { type: 'snapshot_exception', reason: `[${m[1]}:${m[2]}] failed to read shard metadata: NoSuchKey` }, status: 500 } }
        : { status: 200, body: { snapshots: [{ snapshot: m[2], state: snap.state }] } };
    }
    if (m[3] === '/_restore' && method === 'POST') {
      const wanted = snap.indices.filter((i) => glob(body.indices, i));
      const open = wanted.filter((i) => this.indices[i] && this.indices[i].status === 'open');
      if (open.length > 0) {
        return { status: 500, body: { error: { type: 'snapshot_restore_exception', reason: `[${m[1]}:${m[2]}] cannot restore index [${open[0]}] because an open index with same name already exists in the cluster` }, status: 500 } };
      }
      for (const i of wanted) {
        this.indices[i] = {
          status: 'open', aliases: body.include_aliases ? ((snap.aliases || {})[i] || {}) : {},
          recovery: { type: 'SNAPSHOT', repository: m[1], snapshot: m[2] }, shards: 1, pollsLeft: this.restorePolls, failed: !!snap.failsToAllocate,
        };
      }
      return { status: 200, body: { accepted: true } };
    }
    return { status: 404, body: { error: 'no handler' } };
  }

  smApi(method, name, start, query, body) {
    const cur = this.smPolicies[name];
    const missing = { status: 404, body: { error: { type: 'status_exception', reason: `SM policy [${name}] not found` }, status: 404 } };
    if (start) {
      if (!cur) return missing;
      cur.policy.enabled = true;
      return { status: 200, body: { acknowledged: true } };
    }
    if (method === 'GET') {
      return cur ? { status: 200, body: { _id: `${name}-sm-policy`, _version: cur.version, _seq_no: cur.seqNo, _primary_term: 1, sm_policy: { name, ...cur.policy, schema_version: 21, user: { name: this.username } } } }
        : missing;
    }
    if (method === 'DELETE') {
      if (!cur) return missing;
      delete this.smPolicies[name];
      return { status: 200, body: { result: 'deleted' } };
    }
    if (method === 'POST') {
      if (cur) return { status: 409, body: { error: { type: 'version_conflict_engine_exception' }, status: 409 } };
      this.smPolicies[name] = { policy: body, version: 1, seqNo: ++this.seqNo };
      return { status: 201, body: { _id: `${name}-sm-policy`, sm_policy: body } };
    }
    if (method === 'PUT') {
      if (!cur) return missing;
      if (String(query.if_seq_no) !== String(cur.seqNo) || query.if_primary_term !== '1') {
        return { status: 409, body: { error: { type: 'version_conflict_engine_exception', reason: 'required seqNo / primaryTerm mismatch' }, status: 409 } };
      }
      this.smPolicies[name] = { policy: body, version: cur.version + 1, seqNo: ++this.seqNo };
      return { status: 200, body: { _id: `${name}-sm-policy`, sm_policy: body } };
    }
    return { status: 405, body: {} };
  }
}

module.exports = { FakeSearch, glob };
