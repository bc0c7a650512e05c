// Turns on the OpenSearch security plugin's audit logging inside an Amazon
// OpenSearch Service domain (custom resource provider: onEvent + isComplete).
// The domain publishes AUDIT_LOGS to CloudWatch Logs, but the plugin writes
// nothing there until audit logging is enabled through its REST API as a
// user mapped to security_manager, here the master user (OpenSearch Service
// Developer Guide, "Monitoring audit logs": enabling is a two-step process).
//
// Create/Update: isComplete reads GET _plugins/_security/api/audit, lays the
// managed settings (ResourceProperties.AuditConfig, a JSON string, since
// CloudFormation turns property values into strings) over the current
// configuration, keeps every path the response lists in "_readonly" as it
// is (the plugin answers 409 to a change of one), and PUTs
// _plugins/_security/api/audit/config only when something differs. While the
// domain cannot answer yet (security plugin still initializing, 502/503/504,
// connection refused or timed out) it returns IsComplete: false and the
// provider polls again. Delete: nothing (audit logging stays on: a stack
// operation must not silently stop a security control, and a replacement
// deletes the old resource after the new one was created).
//
// Loadable as inline code: only node:https and, through
// internal/handlerlib/opensearch.js (the master user and the log line;
// handlerlib.Inline puts it in place of its require),
// @aws-sdk/client-secrets-manager (in the Lambda Node.js runtimes). The
// master password is read at run time and never logged or returned.
const https = require('node:https');
const { masterUser, log } = require('../../internal/handlerlib/opensearch.js');

const GET_PATH = '/_plugins/_security/api/audit';
const PUT_PATH = '/_plugins/_security/api/audit/config';
const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);

class Transient extends Error {}

// call sends one request with the master user's basic authentication.
// Network failures and 429/502/503/504 are Transient.
function call(host, method, path, body, auth) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { host, 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64') };
  if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port: 443, method, path, headers, timeout: 20000 }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = text ? JSON.parse(text) : {}; } catch { json = { raw: text }; }
        const out = { status: res.statusCode, body: json };
        if (TRANSIENT_STATUS.has(out.status)) reject(new Transient(`${method} ${path}: HTTP ${out.status} ${JSON.stringify(json).slice(0, 300)}`));
        else resolve(out);
      });
    });
    req.on('timeout', () => req.destroy(new Transient(`${method} ${path} on ${host}: timed out after 20 s`)));
    req.on('error', (e) => reject(e instanceof Transient ? e : new Transient(`${method} ${path} on ${host}: ${e.message}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function fail(what, res) {
  let hint = '';
  if (res.status === 401) hint = ' (the master user secret does not match the domain\'s master user)';
  if (res.status === 403) hint = ' (the master user must be mapped to security_manager or all_access)';
  if (res.status === 501) hint = ' (the audit API is off: the domain must publish AUDIT_LOGS to CloudWatch Logs, LogPublishingOptions)';
  return new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 1000)}${hint}`);
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// overlay returns base with every field of top laid over it: objects merge,
// everything else (arrays included) is replaced.
function overlay(base, top) {
  const out = isObject(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(top)) out[k] = isObject(v) ? overlay(out[k], v) : v;
  return out;
}

const at = (o, path) => path.split('/').filter(Boolean).reduce((x, k) => (isObject(x) ? x[k] : undefined), o);
function setAt(o, path, value) {
  const keys = path.split('/').filter(Boolean);
  let x = o;
  for (const k of keys.slice(0, -1)) {
    if (!isObject(x[k])) x[k] = {};
    x = x[k];
  }
  if (value === undefined) delete x[keys[keys.length - 1]];
  else x[keys[keys.length - 1]] = value;
}

// desiredConfig is current with managed laid over it and the read-only
// paths restored; it also returns the read-only paths whose managed value
// could not be applied.
function desiredConfig(current, managed, readonly) {
  const out = overlay(current, managed);
  const kept = [];
  for (const path of readonly || []) {
    const want = at(managed, path);
    if (want !== undefined && JSON.stringify(want) !== JSON.stringify(at(current, path))) kept.push(path);
    setAt(out, path, at(current, path));
  }
  return { config: out, kept };
}

// canonical sorts object keys, so that two configurations compare equal
// whatever order the domain returns their fields in.
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

function managedConfig(p) {
  let managed;
  try { managed = JSON.parse(p.AuditConfig); } catch (_) { managed = undefined; }
  if (!isObject(managed)) throw new Error('the AuditConfig property is not a JSON object');
  return managed;
}

exports.onEvent = async (event) => {
  const p = event.ResourceProperties;
  log('event', { type: event.RequestType, domain: p.DomainEndpoint });
  if (event.RequestType !== 'Delete') managedConfig(p);
  return { PhysicalResourceId: event.PhysicalResourceId || `${p.DomainEndpoint}/audit-config` };
};

exports.isComplete = async (event) => {
  const p = event.ResourceProperties;
  if (event.RequestType === 'Delete') {
    log('audit logging left as it is', { domain: p.DomainEndpoint });
    return { IsComplete: true };
  }
  const managed = managedConfig(p);
  const auth = await masterUser(p);
  try {
    const got = await call(p.DomainEndpoint, 'GET', GET_PATH, undefined, auth);
    if (got.status !== 200) throw fail('reading the audit configuration', got);
    const current = isObject(got.body.config) ? got.body.config : {};
    const { config, kept } = desiredConfig(current, managed, got.body._readonly);
    if (kept.length > 0) log('read-only on this domain, kept as it is', { paths: kept });
    if (same(current, config)) {
      log('audit logging already configured', { domain: p.DomainEndpoint, enabled: config.enabled });
      return { IsComplete: true };
    }
    const put = await call(p.DomainEndpoint, 'PUT', PUT_PATH, config, auth);
    if (put.status !== 200) throw fail('writing the audit configuration', put);
    log('audit logging configured', {
      domain: p.DomainEndpoint,
      enabled: config.enabled,
      rest: config.audit && config.audit.enable_rest,
      transport: config.audit && config.audit.enable_transport,
      disabledCategories: config.audit && config.audit.disabled_rest_categories,
    });
    // The next poll reads the configuration back and completes when it holds.
    return { IsComplete: false };
  } catch (err) {
    if (!(err instanceof Transient)) throw err;
    log('the domain cannot answer yet; trying again', { reason: err.message });
    return { IsComplete: false };
  }
};

// For the tests.
exports.desiredConfig = desiredConfig;
