// Shared by the Lambda handlers that talk to the OpenSearch Service domain
// (constructs/upgradesnapshot/handler.js, constructs/recovery/restore.js,
// constructs/recovery/snapshots.js; constructs/opensearch/auditlog.js takes
// the master user and the log line): AWS Signature Version 4 for the es
// service, one HTTPS request to the domain, the master user's credentials
// from Secrets Manager, and the manage_snapshots role mapping.
//
// The handlers are deployed as inline code (one index.js): a handler
// requires this file by its relative path, and handlerlib.Inline (Go)
// replaces that require with this file's source wrapped as a module when
// the construct builds the function's code. It may therefore require only
// node: built-ins and @aws-sdk/client-secrets-manager, which the Lambda
// Node.js runtimes include (AWS SDK for JavaScript v3; Lambda Developer
// Guide, "Building Lambda functions with Node.js", runtime-included SDK
// versions). The SigV4 signer is the small implementation below, on
// node:crypto: the runtime documents no signing package.
'use strict';
const https = require('node:https');
const crypto = require('node:crypto');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');

const secrets = new SecretsManagerClient({});

// ---- AWS Signature Version 4 -------------------------------------------
// As specified in the IAM User Guide, "Create a signed AWS API request"
// (reference_sigv4-create-signed-request): canonical request, string to
// sign, signing key HMAC chain, Authorization header. opensearch.test.js checks
// it against AWS's SigV4 test suite and against @smithy/signature-v4 for
// requests to the es service.

const sha256hex = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

// uriEncode is RFC 3986 percent-encoding of everything but the unreserved
// characters A-Z a-z 0-9 - _ . ~ (encodeURIComponent leaves !'()* as they are).
function uriEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// canonicalPath normalizes the path as sent (no empty or "." segments, ".."
// resolved; every service but S3 does this) and URI-encodes each segment of
// it: a segment that was percent-encoded on the wire is so encoded twice, as
// the specification asks for every service but S3.
function canonicalPath(path) {
  const segments = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return '/' + segments.map(uriEncode).join('/') + trailing;
}

// canonicalQuery encodes each name and value and sorts by name, then value.
function canonicalQuery(query) {
  return Object.entries(query || {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [uriEncode(k), uriEncode(x === undefined || x === null ? '' : String(x))]))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

// signV4 returns the Authorization header value of req ({method, path,
// query, headers, body}) signed with creds for region and service at amzDate
// (YYYYMMDDTHHMMSSZ). Every header in req.headers is signed; they must hold
// host and x-amz-date (and x-amz-security-token with temporary credentials).
function signV4(req, creds, region, service, amzDate) {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = String(v).trim().replace(/\s+/g, ' ');
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(req.path),
    canonicalQuery(req.query),
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    signedHeaders,
    sha256hex(req.body || ''),
  ].join('\n');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + creds.secretAccessKey, day), region), service), 'aws4_request');
  const signature = crypto.createHmac('sha256', key).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

// amzDateOf formats a Date as YYYYMMDDTHHMMSSZ.
const amzDateOf = (d) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

// esHeaders are the headers of a request to the OpenSearch Service domain
// host, signed for service "es" with the function's credentials (the Lambda
// runtime puts them in the environment).
function esHeaders(host, method, path, query, payload, now = new Date()) {
  const creds = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
    sessionToken: process.env.AWS_SESSION_TOKEN,
  };
  if (!creds.accessKeyId || !creds.secretAccessKey) throw new Error('no AWS credentials in the environment to sign the request with');
  const amzDate = amzDateOf(now);
  const headers = {
    host,
    'content-type': 'application/json',
    'x-amz-content-sha256': sha256hex(payload || ''),
    'x-amz-date': amzDate,
  };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  headers.authorization = signV4({ method, path, query, headers, body: payload }, creds, process.env.AWS_REGION, 'es', amzDate);
  return headers;
}

// log writes one JSON line to the function's log.
const log = (msg, fields) => console.log(JSON.stringify({ msg, ...fields }));

// call sends one request to the domain, signed with SigV4 (auth = 'iam') or
// with the master user's basic authentication (auth = { username, password }).
// The response body is parsed as JSON when it is JSON.
async function call(host, method, path, body, auth) {
  const [pathname, search] = path.split('?');
  const query = Object.fromEntries(new URLSearchParams(search || ''));
  const payload = body === undefined ? undefined : JSON.stringify(body);
  let headers;
  if (auth === 'iam') {
    headers = esHeaders(host, method, pathname, query, payload);
  } else {
    headers = { host, 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64') };
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
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathname}: timed out after 30 s`)));
    req.on('error', (e) => reject(new Error(`${method} ${pathname} on ${host}: ${e.message}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// fail is the error of an unexpected answer: what was being done, the HTTP
// status and the start of the body.
function fail(what, res) {
  return new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 1000)}`);
}

// masterUser reads the domain's master user from Secrets Manager
// (p.MasterUserSecretArn, fields p.UsernameField and p.PasswordField).
async function masterUser(p) {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: p.MasterUserSecretArn }));
  let s;
  // A parse error message quotes the input: never let it carry the password.
  try { s = JSON.parse(out.SecretString); } catch (_) { s = undefined; }
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new Error('the master user secret is not a JSON object');
  for (const f of [p.UsernameField, p.PasswordField]) {
    if (typeof s[f] !== 'string' || s[f] === '') throw new Error(`the master user secret has no "${f}" field`);
  }
  return { username: s[p.UsernameField], password: s[p.PasswordField] };
}

// mapManageSnapshots adds roles (IAM role ARNs; empty entries are skipped)
// to the backend roles of OpenSearch's manage_snapshots role, keeping every
// existing user, backend role and host of the mapping. It changes nothing
// when they are all there already.
async function mapManageSnapshots(host, auth, roles) {
  const path = '/_plugins/_security/api/rolesmapping/manage_snapshots';
  const got = await call(host, 'GET', path, undefined, auth);
  if (got.status !== 200 && got.status !== 404) throw fail('reading the manage_snapshots role mapping', got);
  const current = (got.status === 200 && got.body.manage_snapshots) || {};
  const backendRoles = current.backend_roles || [];
  const missing = roles.filter((r) => r && !backendRoles.includes(r));
  if (missing.length === 0) return;
  const put = await call(host, 'PUT', path, {
    backend_roles: [...backendRoles, ...missing],
    hosts: current.hosts || [],
    users: current.users || [],
  }, auth);
  if (put.status !== 200 && put.status !== 201) throw fail('mapping the function roles to manage_snapshots', put);
  log('mapped roles to manage_snapshots', { roles: missing });
}

module.exports = {
  signV4, esHeaders, canonicalPath, canonicalQuery, amzDateOf, call, fail, masterUser, mapManageSnapshots, log,
};
