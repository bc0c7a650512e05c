// OpenCTI identity provisioning of one opencti-ha deployment: a user and an
// API token for the workers and for every connector, each token delivered to
// its own Kubernetes Secret. Runs as a Kubernetes Job of the pinned platform
// image (opencti/platform, which ships node) with this file mounted from a
// ConfigMap: `node provision.js`. It requires node: built-ins only.
//
// What it does, in this order (docs/identities.md has the design and the
// OpenCTI sources every step relies on):
//  1. waits until OpenCTI answers /health with 200;
//  2. ensures two roles and two groups of this deployment: "connector" (the
//     capabilities OpenCTI's built-in Connector role grants, plus
//     APIACCESS_USETOKEN) and "impersonator" (BYPASS: the workers and the
//     INTERNAL_EXPORT_FILE connectors act on behalf of other users, which
//     OpenCTI allows only to BYPASS users);
//  3. ensures one service-account user per identity (workers, each
//     connector), active and member of exactly its group; disables the users of
//     connectors no longer configured and revokes their tokens;
//  4. keeps the token stored in each identity's Secret if OpenCTI still
//     accepts it for that user, at the configured rotation; otherwise issues a
//     new token and writes it to the Secret;
//  5. when a token changed while older tokens of the identity exist, rolls the
//     Deployments that use it (pod-template annotation), waits for the rollouts
//     and only then revokes the older tokens: no ingestion gap;
//  6. records its progress and its result in its Job's status ConfigMap
//     (<job>-status, relay keys the deploy waits on: see Status below).
// A second run with the same input sends no mutation at all.
//
// Inputs: a JSON spec (IDENTITIES_SPEC, default
// /etc/opencti-identities/spec.json), the admin token and the health access key
// (files or environment), the in-cluster Kubernetes API (service account token
// and CA). No token ever reaches a log line, an error message or the
// termination message: every secret value the program handles is registered
// with a redactor that every output goes through.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const util = require('node:util');

// ---- Names and rules (exported: phase 2 validates configuration with them) --

// MARKER starts the last line of the description of every role, group and
// user this program owns; the rest of the line says which deployment owns it.
const MARKER = 'opencti-ha:managed';
// TOKEN_KEY is the key of the token in each identity's Secret.
const TOKEN_KEY = 'OPENCTI_TOKEN';
// Annotations of the Secret (what the stored token is) and of the consuming
// Deployments' pod template (which token the running pods were started with).
const ANNOTATIONS = {
  tokenId: 'opencti-ha.io/token-id',
  rotation: 'opencti-ha.io/token-rotation',
  duration: 'opencti-ha.io/token-duration',
  userId: 'opencti-ha.io/user-id',
};
const TEMPLATE_ANNOTATION = 'opencti-ha.io/token-id';

// TOKEN_DURATIONS are OpenCTI's TokenDuration values (UserTokenAddInput).
const TOKEN_DURATIONS = ['UNLIMITED', 'DAYS_30', 'DAYS_60', 'DAYS_90', 'DAYS_365'];
const DURATION_DAYS = { DAYS_30: 30, DAYS_60: 60, DAYS_90: 90, DAYS_365: 365 };
const CONNECTOR_TYPES = ['EXTERNAL_IMPORT', 'INTERNAL_ENRICHMENT', 'INTERNAL_IMPORT_FILE', 'INTERNAL_EXPORT_FILE', 'INTERNAL_ANALYSIS', 'STREAM'];
// IMPERSONATING_TYPES run with the rights of the user who asked (OpenCTI docs,
// deployment/connectors.md: "Internal Export Files should be run with a user
// who is Administrator (with bypass capability) because they impersonate the
// user requesting the export").
const IMPERSONATING_TYPES = ['INTERNAL_EXPORT_FILE'];

// CONNECTOR_CAPABILITIES: OpenCTI's built-in "Connector" role
// (createBasicRolesAndCapabilities in data-initialization.js) without
// INGESTION (7.x no longer grants it to that role), plus APIACCESS_USETOKEN
// (7.x refuses token authentication without it). The optional ones split off
// "Manage taxonomies" (SETTINGS_SETLABELS) in 7.x; a platform that does not
// define them gets the role without them.
const CONNECTOR_CAPABILITIES = {
  required: [
    'APIACCESS_USETOKEN',
    'CONNECTORAPI',
    'KNOWLEDGE_KNASKIMPORT',
    'KNOWLEDGE_KNENRICHMENT',
    'KNOWLEDGE_KNGETEXPORT_KNASKEXPORT',
    'KNOWLEDGE_KNUPDATE_KNBYPASSFIELDS',
    'KNOWLEDGE_KNUPDATE_KNBYPASSREFERENCE',
    'KNOWLEDGE_KNUPDATE_KNDELETE',
    'KNOWLEDGE_KNUPLOAD',
    'MODULES_MODMANAGE',
    'SETTINGS_SETLABELS',
    'SETTINGS_SETMARKINGS',
    'TAXIIAPI',
  ],
  optional: ['SETTINGS_SETKILLCHAINPHASES', 'SETTINGS_SETVOCABULARIES'],
};
// IMPERSONATOR_CAPABILITIES: OpenCTI honours the opencti-applicant-id header
// (workers replay each bundle as the connector that sent it, export
// connectors read as the requester) only for BYPASS users.
const IMPERSONATOR_CAPABILITIES = { required: ['BYPASS'], optional: [] };
const GROUP_CONFIDENCE = 100;

const DEPLOYMENT_RE = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
const CONNECTOR_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const CONNECTOR_MAX = 40;
const DNS_LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const UUID_V4_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// CONNECTOR_NAME_RULE says what a connector name must be: it becomes the
// OpenCTI user "[C] <deployment> <name>", the e-mail local part
// "c.<name>" and the Kubernetes objects opencti-connector-<name>*.
const CONNECTOR_NAME_RULE = `1-${CONNECTOR_MAX} lower-case letters, digits or hyphens, starting and ending with a letter or digit (it names the OpenCTI user "[C] <deployment> <name>")`;
const DEPLOYMENT_NAME_RULE = '1-40 letters, digits or hyphens, starting with a letter (it prefixes every OpenCTI user, group and role the deployment owns)';

// connectorNameProblem returns '' when name can name a connector's OpenCTI
// user, else what is allowed.
function connectorNameProblem(name) {
  return typeof name === 'string' && name.length <= CONNECTOR_MAX && CONNECTOR_RE.test(name) ? '' : CONNECTOR_NAME_RULE;
}

// deploymentNameProblem is the same for the deployment name.
function deploymentNameProblem(name) {
  return typeof name === 'string' && DEPLOYMENT_RE.test(name) ? '' : DEPLOYMENT_NAME_RULE;
}

// namesOf returns every OpenCTI name derived from the deployment name.
function namesOf(deployment) {
  const d = deployment;
  const domain = `${d.toLowerCase()}.opencti-ha.invalid`;
  return {
    connectorRole: `[opencti-ha] ${d} connector`,
    connectorsGroup: `[opencti-ha] ${d} connectors`,
    impersonatorRole: `[opencti-ha] ${d} impersonator`,
    impersonatorsGroup: `[opencti-ha] ${d} impersonators`,
    workerUser: `[W] ${d} workers`,
    workerEmail: `workers@${domain}`,
    connectorUser: (name) => `[C] ${d} ${name}`,
    connectorEmail: (name) => `c.${name}@${domain}`,
    tokenName: (rotation) => `[opencti-ha] ${d} rotation ${rotation}`,
    tokenPrefix: `[opencti-ha] ${d} rotation `,
  };
}

// markerOf is the machine-readable last line of an owned object's description.
function markerOf(deployment, kind, name, connectorId) {
  let m = `${MARKER} deployment=${deployment} kind=${kind}`;
  if (name) m += ` name=${name}`;
  if (connectorId) m += ` connector-id=${connectorId}`;
  return m;
}

// parseMarker reads the marker line of a description (null when absent).
function parseMarker(description) {
  const m = /^opencti-ha:managed deployment=(\S+) kind=(\S+)(?: name=(\S+))?(?: connector-id=(\S+))?$/m.exec(description || '');
  return m ? { deployment: m[1], kind: m[2], name: m[3] || '', connectorId: m[4] || '' } : null;
}

// ---- Secrets never printed ---------------------------------------------------

// SecretValue holds a secret; only reveal() gives it, every other way of
// turning it into text gives [redacted].
class SecretValue {
  #value;
  constructor(value) { this.#value = value; }
  reveal() { return this.#value; }
  toString() { return '[redacted]'; }
  toJSON() { return '[redacted]'; }
  [util.inspect.custom]() { return '[redacted]'; }
}

// Redactor replaces every registered secret (and its base64 forms, as they
// travel in Secret objects) in a text.
class Redactor {
  #values = new Set();
  add(value) {
    const v = value instanceof SecretValue ? value.reveal() : value;
    if (typeof v !== 'string' || v.length < 6) return;
    for (const form of [v, Buffer.from(v).toString('base64'), Buffer.from(v).toString('base64url')]) this.#values.add(form);
  }
  redact(text) {
    let out = String(text);
    for (const v of [...this.#values].sort((a, b) => b.length - a.length)) out = out.split(v).join('[redacted]');
    return out;
  }
}

// ProvisionError is a failure whose message is meant for the operator.
class ProvisionError extends Error {}

// ---- HTTP ---------------------------------------------------------------------

// httpRequest sends one request (no keep-alive) and returns { status, body }.
function httpRequest(url, { method = 'GET', headers = {}, body, ca, timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request({
      protocol: u.protocol,
      hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: u.port,
      path: u.pathname + u.search,
      method,
      agent: false,
      ca,
      headers: { connection: 'close', ...headers, ...(payload ? { 'content-length': payload.length } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const parseJSON = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

// ---- OpenCTI GraphQL ------------------------------------------------------------

// AUTH_CODES are the GraphQL error codes OpenCTI answers when a token does
// not authenticate (config/errors.js: AuthRequired, AuthFailure,
// ForbiddenAccess).
const AUTH_CODES = ['AUTH_REQUIRED', 'AUTH_FAILURE', 'FORBIDDEN_ACCESS', 'UNAUTHENTICATED'];

class OpenCTIError extends Error {
  constructor(operation, status, errors) {
    const first = errors[0] || {};
    const code = (first.extensions && first.extensions.code) || '';
    super(`${first.message || `HTTP ${status}`}${code ? ` (${code})` : ''}`);
    this.operation = operation;
    this.status = status;
    this.code = code;
    this.authFailure = status === 401 || status === 403 || AUTH_CODES.includes(code);
  }
}

const Q = {
  Capabilities: 'query Capabilities { capabilities { edges { node { id name } } } }',
  MarkingDefinitions: 'query MarkingDefinitions($after: ID) { markingDefinitions(first: 500, after: $after) { edges { node { id definition } } pageInfo { endCursor hasNextPage } } }',
  Roles: 'query Roles($after: ID) { roles(first: 500, after: $after) { edges { node { id name description capabilities { id name } } } pageInfo { endCursor hasNextPage } } }',
  RoleAdd: 'mutation RoleAdd($input: RoleAddInput!) { roleAdd(input: $input) { id name description } }',
  RoleAddCapability: 'mutation RoleAddCapability($id: ID!, $input: InternalRelationshipAddInput!) { roleEdit(id: $id) { relationAdd(input: $input) { id } } }',
  RoleRemoveCapability: 'mutation RoleRemoveCapability($id: ID!, $toId: StixRef!) { roleEdit(id: $id) { relationDelete(toId: $toId, relationship_type: "has-capability") { id } } }',
  Groups: 'query Groups($after: ID) { groups(first: 500, after: $after) { edges { node { id name description default_assignation auto_new_marking group_confidence_level { max_confidence } roles { edges { node { id name } } } allowed_marking { id } } } pageInfo { endCursor hasNextPage } } }',
  GroupAdd: 'mutation GroupAdd($input: GroupAddInput!) { groupAdd(input: $input) { id name } }',
  GroupPatch: 'mutation GroupPatch($id: ID!, $input: [EditInput]!) { groupEdit(id: $id) { fieldPatch(input: $input) { id } } }',
  GroupAddRelation: 'mutation GroupAddRelation($id: ID!, $input: InternalRelationshipAddInput!) { groupEdit(id: $id) { relationAdd(input: $input) { id } } }',
  GroupRemoveRole: 'mutation GroupRemoveRole($id: ID!, $toId: StixRef!) { groupEdit(id: $id) { relationDelete(toId: $toId, relationship_type: "has-role") { id } } }',
  Users: 'query Users($after: ID) { users(first: 500, after: $after, orderBy: name, orderMode: asc) { edges { node { id name description } } pageInfo { endCursor hasNextPage } } }',
  User: 'query User($id: String!) { user(id: $id) { id name description account_status api_tokens { id name expires_at } groups { edges { node { id name } } } } }',
  UserAdd: 'mutation UserAdd($input: UserAddInput!) { userAdd(input: $input) { id name } }',
  UserPatch: 'mutation UserPatch($id: ID!, $input: [EditInput]!) { userEdit(id: $id) { fieldPatch(input: $input) { id } } }',
  UserAddGroup: 'mutation UserAddGroup($id: ID!, $input: InternalRelationshipAddInput!) { userEdit(id: $id) { relationAdd(input: $input) { id } } }',
  UserRemoveGroup: 'mutation UserRemoveGroup($id: ID!, $toId: StixRef!) { userEdit(id: $id) { relationDelete(toId: $toId, relationship_type: "member-of") { id } } }',
  TokenAdd: 'mutation TokenAdd($userId: ID!, $input: UserTokenAddInput!) { userAdminTokenAdd(userId: $userId, input: $input) { token_id plaintext_token expires_at } }',
  TokenRevoke: 'mutation TokenRevoke($userId: ID!, $id: ID!) { userAdminTokenRevoke(userId: $userId, id: $id) }',
  Me: 'query Me { me { id } }',
};

class OpenCTI {
  constructor({ url, adminToken, request }) {
    this.url = url.replace(/\/+$/, '');
    this.adminToken = adminToken;
    this.request = request;
  }

  // call runs one operation of Q with the admin token (or token) and returns
  // its data; GraphQL errors and non-200 answers throw OpenCTIError.
  async call(operation, variables = {}, token = this.adminToken) {
    const res = await this.request(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.reveal()}`, 'user-agent': 'opencti-ha-identities' },
      body: { operationName: operation, query: Q[operation], variables },
    });
    const parsed = parseJSON(res.body);
    if (parsed && Array.isArray(parsed.errors) && parsed.errors.length > 0) throw new OpenCTIError(operation, res.status, parsed.errors);
    if (res.status !== 200 || !parsed || !parsed.data) {
      throw new OpenCTIError(operation, res.status, [{ message: `HTTP ${res.status}: ${String(res.body).slice(0, 200)}` }]);
    }
    return parsed.data;
  }

  // all pages through a connection query and returns its nodes.
  async all(operation, field) {
    const nodes = [];
    let after = null;
    for (;;) {
      const conn = (await this.call(operation, { after }))[field];
      nodes.push(...conn.edges.map((e) => e.node));
      if (!conn.pageInfo || !conn.pageInfo.hasNextPage) return nodes;
      after = conn.pageInfo.endCursor;
    }
  }
}

// ---- Kubernetes API --------------------------------------------------------------

class KubeError extends Error {
  constructor(what, status, body) {
    const parsed = parseJSON(body);
    super(`${what}: HTTP ${status}${parsed && parsed.message ? `: ${parsed.message}` : ''}`);
    this.status = status;
  }
}

// Kube talks to the API server with the pod's service account token (read
// at every call: the kubelet rotates the projected token) and CA.
class Kube {
  constructor({ url, namespace, tokenFile, ca, request }) {
    this.url = url.replace(/\/+$/, '');
    this.namespace = namespace;
    this.tokenFile = tokenFile;
    this.ca = ca;
    this.request = request;
  }

  async call(method, path, what, body) {
    const token = fs.readFileSync(this.tokenFile, 'utf8').trim();
    const headers = { accept: 'application/json', authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/merge-patch+json';
    const res = await this.request(`${this.url}${path}`, { method, headers, body, ca: this.ca });
    if (res.status === 404 && method === 'GET') return null;
    if (res.status < 200 || res.status >= 300) throw new KubeError(what, res.status, res.body);
    return parseJSON(res.body);
  }

  secretPath(name) { return `/api/v1/namespaces/${this.namespace}/secrets/${name}`; }
  configMapPath(name) { return `/api/v1/namespaces/${this.namespace}/configmaps/${name}`; }
  deploymentPath(name) { return `/apis/apps/v1/namespaces/${this.namespace}/deployments/${name}`; }
  getSecret(name) { return this.call('GET', this.secretPath(name), `reading Secret ${this.namespace}/${name}`); }
  patchSecret(name, patch) { return this.call('PATCH', this.secretPath(name), `writing Secret ${this.namespace}/${name}`, patch); }
  getDeployment(name) { return this.call('GET', this.deploymentPath(name), `reading Deployment ${this.namespace}/${name}`); }
  patchDeployment(name, patch) { return this.call('PATCH', this.deploymentPath(name), `rolling Deployment ${this.namespace}/${name}`, patch); }
  getConfigMap(name) { return this.call('GET', this.configMapPath(name), `reading ConfigMap ${this.namespace}/${name}`); }
  patchConfigMap(name, patch) { return this.call('PATCH', this.configMapPath(name), `writing ConfigMap ${this.namespace}/${name}`, patch); }
}

// ---- Status: what the deploy waits on ------------------------------------------------

// The Job records its progress and result in the ConfigMap <job>-status
// (pre-created empty by the chart, one per Job, so a re-created Job never
// reads an older run's result). A CloudFormation deploy waits on it with a
// chain of kubectl lookups (KubernetesObjectValue) that each give up after
// about 13 minutes (the kubectl Lambda's 15-minute limit): lookup i returns
// as soon as key relay-<i> exists. While the Job runs it writes relay-1 after
// statusFirstSeconds and the next one every statusIntervalSeconds (a pod
// started again by the Job writes its next key at once), never the last one;
// when it ends it writes its result into every relay key not yet written and
// into "result". The last relay therefore always holds the result for the
// deploy to judge, however long the Job ran (up to statusRelays - 1
// intervals).
const STATUS_SUFFIX = '-status';
const RELAY_PREFIX = 'relay-';
const RESULT_KEY = 'result';
const MAX_RELAYS = 50;
// STATUS_MAX_CHARS bounds a status value: CloudFormation refuses a custom
// resource response over 4,096 bytes, and the value travels in one.
const STATUS_MAX_CHARS = 2000;
const STATE = { running: 'running: ', succeeded: 'succeeded: ', failed: 'failed: ' };

// statusText is the bounded, redacted value of a relay or result key.
function statusText(state, text, redactor) {
  const out = redactor.redact(`${STATE[state]}${text}`);
  return out.length <= STATUS_MAX_CHARS ? out : `${out.slice(0, STATUS_MAX_CHARS - 40)}... (truncated, see the Job's log)`;
}

class Status {
  constructor({ kube, jobName, spec, now, log, redactor }) {
    Object.assign(this, { kube, now, log, redactor });
    this.name = `${jobName}${STATUS_SUFFIX}`;
    this.relays = spec.statusRelays;
    this.firstMs = spec.statusFirstSeconds * 1000;
    this.intervalMs = spec.statusIntervalSeconds * 1000;
    this.written = new Set();
    this.disabled = this.relays === 0;
    this.busy = false;
    this.phase = 'starting';
  }

  // begin reads the keys a previous pod of the same Job wrote.
  async begin() {
    if (this.disabled) return;
    this.started = this.now();
    let cm;
    try {
      cm = await this.kube.getConfigMap(this.name);
    } catch (err) {
      cm = err;
    }
    if (!cm || cm instanceof Error) {
      this.disabled = true;
      this.log('warn', 'cannot record the status: the deploy waiting on it will time out', {
        configMap: this.name, error: cm ? this.redactor.redact(cm.message) : 'it does not exist',
      });
      return;
    }
    for (const k of Object.keys(cm.data || {})) if (k.startsWith(RELAY_PREFIX)) this.written.add(k);
    // A pod started again by the Job: the deploy is waiting for the next key.
    this.due = this.written.size > 0 ? this.started : this.started + this.firstMs;
  }

  // tick writes the next heartbeat when one is due (never the last relay).
  async tick() {
    if (this.disabled || this.busy || this.now() < this.due) return;
    let next = 0;
    for (let i = 1; i < this.relays; i += 1) {
      if (!this.written.has(RELAY_PREFIX + i)) {
        next = i;
        break;
      }
    }
    if (next === 0) {
      this.due = Infinity;
      return;
    }
    this.busy = true;
    const key = RELAY_PREFIX + next;
    try {
      const elapsed = Math.round((this.now() - this.started) / 1000);
      await this.kube.patchConfigMap(this.name, { data: { [key]: statusText('running', `${this.phase}, ${elapsed} s after this pod started`, this.redactor) } });
      this.written.add(key);
    } catch (err) {
      this.log('warn', 'cannot record a heartbeat', { configMap: this.name, key, error: this.redactor.redact(err.message) });
    } finally {
      this.busy = false;
    }
    this.due = this.now() + this.intervalMs;
  }

  // finish writes the result into every relay key not yet written and into
  // "result" (three tries).
  async finish(state, text, sleep) {
    if (this.disabled) return;
    const value = statusText(state, text, this.redactor);
    const data = { [RESULT_KEY]: value };
    for (let i = 1; i <= this.relays; i += 1) if (!this.written.has(RELAY_PREFIX + i)) data[RELAY_PREFIX + i] = value;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.kube.patchConfigMap(this.name, { data });
        return;
      } catch (err) {
        if (attempt === 3) {
          this.log('error', 'cannot record the result: the deploy waiting on it will time out', { configMap: this.name, error: this.redactor.redact(err.message) });
          return;
        }
        await sleep(2000);
      }
    }
  }
}

// ---- Spec ---------------------------------------------------------------------------

const SPEC_DEFAULTS = {
  rotation: 0,
  tokenDuration: 'UNLIMITED',
  healthTimeoutSeconds: 1800,
  healthIntervalSeconds: 5,
  rolloutTimeoutSeconds: 900,
  rolloutIntervalSeconds: 5,
  statusRelays: 0,
  statusFirstSeconds: 240,
  statusIntervalSeconds: 600,
};

// validateSpec returns the spec with its defaults, or throws a ProvisionError
// listing every problem (field, value received, what is allowed).
function validateSpec(input) {
  const problems = [];
  const add = (field, value, want) => problems.push(`${field}: got ${JSON.stringify(value)}, want ${want}`);
  const spec = { ...SPEC_DEFAULTS, ...(input && typeof input === 'object' ? input : {}) };
  const dnsSubdomain = (field, v) => { if (typeof v !== 'string' || !DNS_SUBDOMAIN_RE.test(v)) add(field, v, 'a Kubernetes object name (lower-case letters, digits, "-" and ".")'); };
  const deployments = (field, v) => {
    if (!Array.isArray(v)) add(field, v, 'a list of Deployment names (may be empty)');
    else v.forEach((d, i) => dnsSubdomain(`${field}[${i}]`, d));
  };
  const intIn = (field, v, lo, hi) => { if (!Number.isInteger(v) || v < lo || v > hi) add(field, v, `an integer from ${lo} to ${hi}`); };
  const num = (field, v, lo, hi) => { if (typeof v !== 'number' || !(v >= lo && v <= hi)) add(field, v, `a number from ${lo} to ${hi}`); };

  const unknown = (field, obj, allowed) => {
    for (const k of Object.keys(obj).sort()) if (!allowed.includes(k)) add(`${field}${field ? '.' : ''}${k}`, obj[k], `no such field (allowed: ${allowed.join(', ')})`);
  };
  unknown('', spec, [...Object.keys(SPEC_DEFAULTS), 'deployment', 'namespace', 'openctiUrl', 'worker', 'connectors']);
  const dp = deploymentNameProblem(spec.deployment);
  if (dp) add('deployment', spec.deployment, dp);
  if (typeof spec.namespace !== 'string' || !DNS_LABEL_RE.test(spec.namespace)) add('namespace', spec.namespace, 'a Kubernetes namespace name');
  let url = null;
  try {
    url = new URL(spec.openctiUrl);
  } catch { /* reported below */ }
  if (!url || !['http:', 'https:'].includes(url.protocol)) add('openctiUrl', spec.openctiUrl, 'the http(s) URL of the connector-api Service');
  intIn('rotation', spec.rotation, 0, 2147483647);
  if (!TOKEN_DURATIONS.includes(spec.tokenDuration)) add('tokenDuration', spec.tokenDuration, `one of ${TOKEN_DURATIONS.join(', ')}`);
  num('healthTimeoutSeconds', spec.healthTimeoutSeconds, 0.001, 86400);
  num('healthIntervalSeconds', spec.healthIntervalSeconds, 0.001, 3600);
  num('rolloutTimeoutSeconds', spec.rolloutTimeoutSeconds, 0.001, 86400);
  num('rolloutIntervalSeconds', spec.rolloutIntervalSeconds, 0.001, 3600);
  intIn('statusRelays', spec.statusRelays, 0, MAX_RELAYS);
  num('statusFirstSeconds', spec.statusFirstSeconds, 0.001, 3600);
  num('statusIntervalSeconds', spec.statusIntervalSeconds, 0.001, 3600);
  if (!spec.worker || typeof spec.worker !== 'object') {
    add('worker', spec.worker, 'an object with secret and deployments');
  } else {
    unknown('worker', spec.worker, ['secret', 'deployments']);
    dnsSubdomain('worker.secret', spec.worker.secret);
    deployments('worker.deployments', spec.worker.deployments);
  }
  const secrets = new Map();
  if (spec.worker && typeof spec.worker.secret === 'string') secrets.set(spec.worker.secret, 'worker.secret');
  if (!Array.isArray(spec.connectors)) {
    add('connectors', spec.connectors, 'a list of connectors (may be empty)');
  } else {
    const names = new Map();
    const ids = new Map();
    spec.connectors.forEach((c, i) => {
      const f = `connectors[${i}]`;
      if (!c || typeof c !== 'object') {
        add(f, c, 'an object with name, id, type, secret and deployments');
        return;
      }
      unknown(f, c, ['name', 'id', 'type', 'secret', 'deployments']);
      const np = connectorNameProblem(c.name);
      if (np) add(`${f}.name`, c.name, np);
      else if (names.has(c.name)) add(`${f}.name`, c.name, `a name not already used by ${names.get(c.name)}`);
      else names.set(c.name, f);
      if (typeof c.id !== 'string' || !UUID_V4_RE.test(c.id)) add(`${f}.id`, c.id, 'the connector\'s CONNECTOR_ID, a lower-case UUIDv4');
      else if (ids.has(c.id)) add(`${f}.id`, c.id, `an ID not already used by ${ids.get(c.id)}`);
      else ids.set(c.id, f);
      if (!CONNECTOR_TYPES.includes(c.type)) add(`${f}.type`, c.type, `one of ${CONNECTOR_TYPES.join(', ')}`);
      dnsSubdomain(`${f}.secret`, c.secret);
      if (typeof c.secret === 'string') {
        if (secrets.has(c.secret)) add(`${f}.secret`, c.secret, `a Secret not already used by ${secrets.get(c.secret)} (each token has its own Secret)`);
        else secrets.set(c.secret, `${f}.secret`);
      }
      deployments(`${f}.deployments`, c.deployments);
    });
  }
  if (problems.length > 0) throw new ProvisionError(`invalid spec:\n  ${problems.join('\n  ')}`);
  return spec;
}

// identitiesOf lists the identities the spec asks for, workers first.
function identitiesOf(spec, names) {
  const worker = {
    key: 'worker',
    kind: 'worker',
    label: 'the workers',
    userName: names.workerUser,
    email: names.workerEmail,
    description: `Service account of the OpenCTI workers of the opencti-ha deployment ${spec.deployment}. Managed by its deploy: changes made here are reverted.\n${markerOf(spec.deployment, 'worker')}`,
    group: 'impersonators',
    secret: spec.worker.secret,
    deployments: spec.worker.deployments,
  };
  const connectors = spec.connectors.map((c) => ({
    key: `connector/${c.name}`,
    kind: 'connector',
    label: `connector "${c.name}"`,
    userName: names.connectorUser(c.name),
    email: names.connectorEmail(c.name),
    description: `Service account of the connector ${c.name} (${c.type}) of the opencti-ha deployment ${spec.deployment}. Managed by its deploy: changes made here are reverted.\n${markerOf(spec.deployment, 'connector', c.name, c.id)}`,
    group: IMPERSONATING_TYPES.includes(c.type) ? 'impersonators' : 'connectors',
    secret: c.secret,
    deployments: c.deployments,
  }));
  return [worker, ...connectors];
}

// ---- Provisioning steps ------------------------------------------------------------

// failure wraps err in a ProvisionError that names what failed and, for
// OpenCTI, the operation and OpenCTI's own message.
function failure(what, err) {
  const cause = err instanceof OpenCTIError ? `OpenCTI answered ${err.operation}: ${err.message}` : err.message;
  return new ProvisionError(`${what}: ${cause}`);
}

async function waitForHealth(ctx) {
  const { spec, secretsIn } = ctx;
  const base = spec.openctiUrl.replace(/\/+$/, '');
  const deadline = ctx.now() + spec.healthTimeoutSeconds * 1000;
  let last = 'no answer yet';
  for (;;) {
    try {
      const res = await ctx.request(`${base}/health?health_access_key=${encodeURIComponent(secretsIn.healthKey.reveal())}`, { timeoutMs: 20000 });
      if (res.status === 200) {
        ctx.log('info', 'OpenCTI is healthy', { url: `${base}/health` });
        return;
      }
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.code || err.message;
    }
    if (ctx.now() + spec.healthIntervalSeconds * 1000 > deadline) {
      throw new ProvisionError(`OpenCTI at ${base} did not answer /health with HTTP 200 within ${spec.healthTimeoutSeconds} s (last answer: ${last}); nothing was changed`);
    }
    await ctx.sleep(spec.healthIntervalSeconds * 1000);
  }
}

// capabilityIds resolves capability names to ids; a required name the
// platform does not define fails, an optional one is left out.
function capabilityIds(ctx, roleName, wanted, capabilities) {
  const ids = new Map();
  const missing = [];
  for (const name of wanted.required) {
    if (capabilities.has(name)) ids.set(name, capabilities.get(name));
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new ProvisionError(`role "${roleName}": OpenCTI has no capability ${missing.join(', ')} (is the platform older than the release this deployment pins?)`);
  }
  for (const name of wanted.optional) {
    if (capabilities.has(name)) ids.set(name, capabilities.get(name));
    else ctx.log('warn', 'capability not defined by this OpenCTI, left out of the role', { role: roleName, capability: name });
  }
  return ids;
}

function ownedOrFail(kind, name, description, deployment) {
  const m = parseMarker(description);
  if (!m || m.deployment !== deployment) {
    throw new ProvisionError(`${kind} "${name}" exists in OpenCTI but was not created by this opencti-ha deployment (its description has no "${MARKER} deployment=${deployment}" line): rename or delete it, or choose another deployment name`);
  }
}

async function ensureRole(ctx, roles, name, description, capIds) {
  const { oc } = ctx;
  let role = roles.find((r) => r.name === name);
  try {
    if (!role) {
      role = { ...(await oc.call('RoleAdd', { input: { name, description } })).roleAdd, capabilities: [] };
      ctx.log('info', 'created role', { role: name });
    } else {
      ownedOrFail('role', name, role.description, ctx.spec.deployment);
    }
    const have = new Map((role.capabilities || []).map((c) => [c.name, c.id]));
    for (const [capName, capId] of [...capIds].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (have.has(capName)) continue;
      await oc.call('RoleAddCapability', { id: role.id, input: { toId: capId, relationship_type: 'has-capability' } });
      ctx.log('info', 'granted capability', { role: name, capability: capName });
    }
    for (const [capName, capId] of [...have].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (capIds.has(capName)) continue;
      await oc.call('RoleRemoveCapability', { id: role.id, toId: capId });
      ctx.log('info', 'removed capability', { role: name, capability: capName });
    }
  } catch (err) {
    if (err instanceof ProvisionError) throw err;
    throw failure(`role "${name}"`, err);
  }
  return role;
}

async function ensureGroup(ctx, groups, name, description, role, markings) {
  const { oc } = ctx;
  const autoNewMarking = markings !== null;
  let group = groups.find((g) => g.name === name);
  try {
    if (!group) {
      const input = {
        name,
        description,
        default_assignation: false,
        auto_new_marking: autoNewMarking,
        no_creators: false,
        restrict_delete: false,
        group_confidence_level: { max_confidence: GROUP_CONFIDENCE, overrides: [] },
      };
      group = {
        ...(await oc.call('GroupAdd', { input })).groupAdd,
        default_assignation: false,
        auto_new_marking: autoNewMarking,
        group_confidence_level: { max_confidence: GROUP_CONFIDENCE },
        roles: { edges: [] },
        allowed_marking: [],
      };
      ctx.log('info', 'created group', { group: name });
    } else {
      ownedOrFail('group', name, group.description, ctx.spec.deployment);
      const patch = [];
      if (group.default_assignation !== false) patch.push({ key: 'default_assignation', value: [false] });
      if (group.auto_new_marking !== autoNewMarking) patch.push({ key: 'auto_new_marking', value: [autoNewMarking] });
      if (!group.group_confidence_level || group.group_confidence_level.max_confidence !== GROUP_CONFIDENCE) {
        patch.push({ key: 'group_confidence_level', value: [{ max_confidence: GROUP_CONFIDENCE, overrides: [] }] });
      }
      if (patch.length > 0) {
        await oc.call('GroupPatch', { id: group.id, input: patch });
        ctx.log('info', 'reset group settings', { group: name, fields: patch.map((p) => p.key) });
      }
    }
    const roles = (group.roles ? group.roles.edges : []).map((e) => e.node);
    if (!roles.some((r) => r.id === role.id)) {
      await oc.call('GroupAddRelation', { id: group.id, input: { toId: role.id, relationship_type: 'has-role' } });
      ctx.log('info', 'granted role', { group: name, role: role.name });
    }
    for (const r of roles.filter((x) => x.id !== role.id).sort((a, b) => a.name.localeCompare(b.name))) {
      await oc.call('GroupRemoveRole', { id: group.id, toId: r.id });
      ctx.log('info', 'removed foreign role', { group: name, role: r.name });
    }
    if (markings) {
      const allowed = new Set((group.allowed_marking || []).map((m) => m.id));
      for (const m of markings) {
        if (allowed.has(m.id)) continue;
        await oc.call('GroupAddRelation', { id: group.id, input: { toId: m.id, relationship_type: 'accesses-to' } });
        ctx.log('info', 'allowed marking', { group: name, marking: m.definition });
      }
    }
  } catch (err) {
    if (err instanceof ProvisionError) throw err;
    throw failure(`group "${name}"`, err);
  }
  return group;
}

const groupsOfUser = (user) => (user.groups ? user.groups.edges : []).map((e) => e.node);
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

async function ensureUser(ctx, identity, existing, group) {
  const { oc } = ctx;
  const what = `${identity.label} (OpenCTI user "${identity.userName}")`;
  try {
    if (!existing) {
      const input = {
        name: identity.userName,
        user_email: identity.email,
        description: identity.description,
        user_service_account: true,
        prevent_default_groups: true,
        groups: [group.id],
      };
      const created = (await oc.call('UserAdd', { input })).userAdd;
      ctx.log('info', 'created user', { user: identity.userName });
      return { id: created.id, name: identity.userName, account_status: 'Active', api_tokens: [] };
    }
    const user = (await oc.call('User', { id: existing.id })).user;
    const patch = [];
    if (user.name !== identity.userName) patch.push({ key: 'name', value: [identity.userName] });
    if (user.description !== identity.description) patch.push({ key: 'description', value: [identity.description] });
    if (user.account_status !== 'Active') patch.push({ key: 'account_status', value: ['Active'] });
    if (patch.length > 0) {
      await oc.call('UserPatch', { id: user.id, input: patch });
      ctx.log('info', 'reset user', { user: identity.userName, fields: patch.map((p) => p.key) });
    }
    const groups = groupsOfUser(user);
    if (!groups.some((g) => g.id === group.id)) {
      await oc.call('UserAddGroup', { id: user.id, input: { toId: group.id, relationship_type: 'member-of' } });
      ctx.log('info', 'added user to group', { user: identity.userName, group: group.name });
    }
    for (const g of groups.filter((x) => x.id !== group.id).sort(byName)) {
      await oc.call('UserRemoveGroup', { id: user.id, toId: g.id });
      ctx.log('info', 'removed user from group', { user: identity.userName, group: g.name });
    }
    return user;
  } catch (err) {
    throw failure(what, err);
  }
}

// disableUser is what happens to the user of a connector no longer configured.
async function disableUser(ctx, managed) {
  const { oc, names } = ctx;
  const what = `removed connector "${managed.marker.name}" (OpenCTI user "${managed.name}")`;
  try {
    const user = (await oc.call('User', { id: managed.id })).user;
    if (user.account_status !== 'Inactive') {
      await oc.call('UserPatch', { id: user.id, input: [{ key: 'account_status', value: ['Inactive'] }] });
      ctx.log('info', 'disabled user of a removed connector', { user: user.name });
    }
    for (const t of (user.api_tokens || []).filter((x) => (x.name || '').startsWith(names.tokenPrefix))) {
      await oc.call('TokenRevoke', { userId: user.id, id: t.id });
      ctx.log('info', 'revoked token of a removed connector', { user: user.name, token: t.name, tokenId: t.id });
    }
  } catch (err) {
    throw failure(what, err);
  }
}

// checkStored says why the stored token must be replaced ('' when it stays).
async function checkStored(ctx, identity, user, secret, ours) {
  const encoded = secret.data && secret.data[TOKEN_KEY];
  if (!encoded) return 'no token stored yet';
  const stored = new SecretValue(Buffer.from(encoded, 'base64').toString('utf8'));
  ctx.redactor.add(stored);
  const ann = (secret.metadata && secret.metadata.annotations) || {};
  const token = ours.find((t) => t.id === ann[ANNOTATIONS.tokenId]);
  if (!token) return 'the stored token is not a token of this user any more (revoked, or the user was re-created)';
  if (ann[ANNOTATIONS.rotation] !== String(ctx.spec.rotation)) return `rotation ${ann[ANNOTATIONS.rotation]} -> ${ctx.spec.rotation} requested`;
  if (ann[ANNOTATIONS.duration] !== ctx.spec.tokenDuration) return `token duration ${ann[ANNOTATIONS.duration]} -> ${ctx.spec.tokenDuration} requested`;
  if (token.expires_at) {
    const days = DURATION_DAYS[ctx.spec.tokenDuration] || 0;
    const renewMs = Math.min(30, Math.ceil(days / 3)) * 86400000;
    if (Date.parse(token.expires_at) - ctx.now() < renewMs) return `the token expires at ${token.expires_at}`;
  }
  try {
    const me = (await ctx.oc.call('Me', {}, stored)).me;
    if (!me || me.id !== user.id) return 'the stored token authenticates another user';
  } catch (err) {
    if (err instanceof OpenCTIError && err.authFailure) return `OpenCTI refuses the stored token: ${err.message}`;
    throw err;
  }
  return '';
}

// ensureToken keeps or replaces the token of one identity; returns
// { current, issued, replaced, stale }: replaced when the Secret held a token
// before (pods may run with it), stale the older tokens of ours on the user.
async function ensureToken(ctx, identity, user) {
  const { oc, kube, names, spec } = ctx;
  const what = `${identity.label} (OpenCTI user "${identity.userName}")`;
  let secret;
  try {
    secret = await kube.getSecret(identity.secret);
  } catch (err) {
    throw failure(what, err);
  }
  if (!secret) {
    throw new ProvisionError(`${what}: Secret ${kube.namespace}/${identity.secret} does not exist (the identities chart creates it empty, before this Job runs)`);
  }
  const ours = (user.api_tokens || []).filter((t) => (t.name || '').startsWith(names.tokenPrefix));
  let reason;
  try {
    reason = await checkStored(ctx, identity, user, secret, ours);
  } catch (err) {
    throw failure(`${what}: checking the stored token`, err);
  }
  const storedId = ((secret.metadata && secret.metadata.annotations) || {})[ANNOTATIONS.tokenId];
  if (!reason) {
    ctx.log('info', 'stored token is valid', { identity: identity.key, tokenId: storedId });
    return { current: storedId, issued: false, replaced: false, stale: ours.filter((t) => t.id !== storedId) };
  }
  ctx.log('info', 'issuing a new token', { identity: identity.key, reason });
  let created;
  try {
    created = (await oc.call('TokenAdd', { userId: user.id, input: { name: names.tokenName(spec.rotation), duration: spec.tokenDuration } })).userAdminTokenAdd;
  } catch (err) {
    throw failure(`${what}: creating an API token`, err);
  }
  const value = new SecretValue(created.plaintext_token);
  ctx.redactor.add(value);
  try {
    await kube.patchSecret(identity.secret, {
      metadata: {
        annotations: {
          [ANNOTATIONS.tokenId]: created.token_id,
          [ANNOTATIONS.rotation]: String(spec.rotation),
          [ANNOTATIONS.duration]: spec.tokenDuration,
          [ANNOTATIONS.userId]: user.id,
        },
      },
      data: { [TOKEN_KEY]: Buffer.from(value.reveal()).toString('base64') },
    });
  } catch (err) {
    let undo = 'the new token was revoked';
    try {
      await oc.call('TokenRevoke', { userId: user.id, id: created.token_id });
    } catch (revokeErr) {
      undo = `revoking the new, unused token failed too (${revokeErr.message}): revoke token ${created.token_id} of this user by hand`;
    }
    throw new ProvisionError(`${what}: ${err.message}; ${undo}, the token already in the Secret was left in place`);
  }
  ctx.log('info', 'stored the new token', { identity: identity.key, secret: identity.secret, tokenId: created.token_id, expiresAt: created.expires_at });
  return { current: created.token_id, issued: true, replaced: Boolean(secret.data && secret.data[TOKEN_KEY]), stale: ours };
}

// rolloutDone is `kubectl rollout status` for one Deployment object.
function rolloutDone(d) {
  const want = d.spec && Number.isInteger(d.spec.replicas) ? d.spec.replicas : 1;
  const st = d.status || {};
  const updated = st.updatedReplicas || 0;
  return (st.observedGeneration || 0) >= (d.metadata.generation || 0)
    && updated >= want && (st.replicas || 0) <= updated && (st.availableReplicas || 0) >= updated;
}

// waitForRollout waits until Deployment name has rolled out or deadline (one
// deadline for every rollout of the run: they roll at the same time).
async function waitForRollout(ctx, name, users, deadline) {
  const { kube, spec } = ctx;
  const keep = `the previous tokens of ${users} stay valid; deploy again once the Deployment is healthy`;
  for (;;) {
    let d;
    try {
      d = await kube.getDeployment(name);
    } catch (err) {
      throw new ProvisionError(`${err.message}; ${keep}`);
    }
    if (!d) {
      ctx.log('info', 'deployment deleted while waiting', { deployment: name });
      return;
    }
    if (rolloutDone(d)) {
      ctx.log('info', 'rollout complete', { deployment: name });
      return;
    }
    const stuck = ((d.status && d.status.conditions) || []).find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
    const st = d.status || {};
    const progress = `${st.updatedReplicas || 0} of ${d.spec && Number.isInteger(d.spec.replicas) ? d.spec.replicas : 1} pods updated, ${st.availableReplicas || 0} available`;
    if (stuck) throw new ProvisionError(`rollout of Deployment ${kube.namespace}/${name} exceeded its progress deadline (${progress}); ${keep}`);
    if (ctx.now() + spec.rolloutIntervalSeconds * 1000 > deadline) {
      throw new ProvisionError(`rollout of Deployment ${kube.namespace}/${name} did not complete within ${spec.rolloutTimeoutSeconds} s (${progress}); ${keep}`);
    }
    await ctx.sleep(spec.rolloutIntervalSeconds * 1000);
  }
}

// provision runs every step once; ctx holds the clients, the spec and the
// clock. It returns a summary of what changed.
async function provision(ctx) {
  const { oc, spec, names } = ctx;
  ctx.status.phase = 'waiting for OpenCTI /health';
  await waitForHealth(ctx);
  ctx.status.phase = 'provisioning users and tokens';

  let capabilities;
  let markings;
  let roles;
  let groups;
  let users;
  try {
    capabilities = new Map((await oc.call('Capabilities')).capabilities.edges.map((e) => [e.node.name, e.node.id]));
    markings = await oc.all('MarkingDefinitions', 'markingDefinitions');
    roles = await oc.all('Roles', 'roles');
    groups = await oc.all('Groups', 'groups');
  } catch (err) {
    throw failure('reading the roles, groups, capabilities and markings of OpenCTI', err);
  }
  const connectorRole = await ensureRole(ctx, roles, names.connectorRole,
    `Capabilities of the connectors of the opencti-ha deployment ${spec.deployment} (OpenCTI's Connector role, with API token use).\n${markerOf(spec.deployment, 'role', 'connector')}`,
    capabilityIds(ctx, names.connectorRole, CONNECTOR_CAPABILITIES, capabilities));
  const impersonatorRole = await ensureRole(ctx, roles, names.impersonatorRole,
    `Bypass for the workers and export connectors of the opencti-ha deployment ${spec.deployment}: OpenCTI lets only BYPASS users act on behalf of the connector or user that asked.\n${markerOf(spec.deployment, 'role', 'impersonator')}`,
    capabilityIds(ctx, names.impersonatorRole, IMPERSONATOR_CAPABILITIES, capabilities));
  const groupOf = {
    connectors: await ensureGroup(ctx, groups, names.connectorsGroup,
      `Connectors of the opencti-ha deployment ${spec.deployment}: every marking, confidence ${GROUP_CONFIDENCE}.\n${markerOf(spec.deployment, 'group', 'connectors')}`,
      connectorRole, markings),
    impersonators: await ensureGroup(ctx, groups, names.impersonatorsGroup,
      `Workers and export connectors of the opencti-ha deployment ${spec.deployment}.\n${markerOf(spec.deployment, 'group', 'impersonators')}`,
      impersonatorRole, null),
  };

  try {
    users = await oc.all('Users', 'users');
  } catch (err) {
    throw failure('listing the users of OpenCTI', err);
  }
  const identities = identitiesOf(spec, names);
  const managed = new Map();
  for (const u of users) {
    const m = parseMarker(u.description);
    if (!m || m.deployment !== spec.deployment || !['worker', 'connector'].includes(m.kind)) continue;
    const key = m.kind === 'worker' ? 'worker' : `connector/${m.name}`;
    if (managed.has(key)) throw new ProvisionError(`OpenCTI users ${managed.get(key).id} and ${u.id} both claim to be ${key} of deployment ${spec.deployment}: delete one`);
    managed.set(key, { ...u, marker: m });
  }
  for (const identity of identities) {
    const other = users.find((u) => u.name === identity.userName && (!managed.has(identity.key) || managed.get(identity.key).id !== u.id));
    if (other) {
      throw new ProvisionError(`${identity.label}: OpenCTI user "${identity.userName}" (${other.id}) exists but is not the account this deployment created for it (its description lacks the line "${markerOf(spec.deployment, identity.kind)}${identity.kind === 'connector' ? ' name=...' : ''}"): rename or delete that user`);
    }
  }

  const accounts = new Map();
  for (const identity of identities) {
    accounts.set(identity.key, await ensureUser(ctx, identity, managed.get(identity.key), groupOf[identity.group]));
  }
  const removed = [...managed.values()].filter((u) => !identities.some((i) => i.key === (u.marker.kind === 'worker' ? 'worker' : `connector/${u.marker.name}`)))
    .sort((a, b) => (a.marker.name < b.marker.name ? -1 : 1));
  for (const u of removed) await disableUser(ctx, u);

  // Tokens: every issue and write happens before any rollout, every rollout
  // completes before any revocation.
  const tokens = new Map();
  for (const identity of identities) tokens.set(identity.key, await ensureToken(ctx, identity, accounts.get(identity.key)));

  const waits = new Map();
  for (const identity of identities) {
    // Pods read the token at start. An empty Secret ran no pod (they wait
    // for the key); a replaced or older token may still run in some.
    const t = tokens.get(identity.key);
    if (!t.replaced && t.stale.length === 0) continue;
    for (const name of identity.deployments) {
      let d;
      try {
        d = await ctx.kube.getDeployment(name);
        if (!d) {
          ctx.log('info', 'deployment not created yet: nothing runs the old token', { deployment: name });
          continue;
        }
        const annotations = (d.spec.template.metadata && d.spec.template.metadata.annotations) || {};
        if (annotations[TEMPLATE_ANNOTATION] !== t.current) {
          await ctx.kube.patchDeployment(name, { spec: { template: { metadata: { annotations: { [TEMPLATE_ANNOTATION]: t.current } } } } });
          ctx.log('info', 'rolling deployment onto the new token', { deployment: name, tokenId: t.current });
        }
      } catch (err) {
        throw new ProvisionError(`${identity.label} (OpenCTI user "${identity.userName}"): ${err.message}; the previous tokens stay valid`);
      }
      waits.set(name, [...(waits.get(name) || []), identity.userName]);
    }
  }
  ctx.status.phase = 'waiting for the rollouts';
  const rolloutDeadline = ctx.now() + spec.rolloutTimeoutSeconds * 1000;
  for (const [name, owners] of waits) await waitForRollout(ctx, name, owners.map((o) => `"${o}"`).join(', '), rolloutDeadline);

  ctx.status.phase = 'revoking the replaced tokens';
  let revoked = 0;
  for (const identity of identities) {
    const user = accounts.get(identity.key);
    for (const t of tokens.get(identity.key).stale) {
      try {
        await oc.call('TokenRevoke', { userId: user.id, id: t.id });
      } catch (err) {
        throw failure(`${identity.label} (OpenCTI user "${identity.userName}"): revoking the replaced token ${t.id}`, err);
      }
      revoked += 1;
      ctx.log('info', 'revoked replaced token', { identity: identity.key, token: t.name, tokenId: t.id });
    }
  }
  const summary = {
    identities: identities.length,
    issued: [...tokens.values()].filter((t) => t.issued).length,
    revoked,
    rolled: waits.size,
    disabled: removed.length,
  };
  ctx.log('info', 'identities provisioned', summary);
  return summary;
}

// ---- Entry points -------------------------------------------------------------------------

function readSecret(env, name) {
  if (env[`${name}_FILE`]) return fs.readFileSync(env[`${name}_FILE`], 'utf8').trim();
  return (env[name] || '').trim();
}

// run provisions with the given options and returns the summary; failures
// throw a ProvisionError whose message is already redacted.
//   spec:           the parsed spec (required)
//   adminToken, healthKey: strings
//   kubernetesUrl, serviceAccountDir (token, ca.crt; the CA is optional for http)
//   jobName:        the Job running this (its status ConfigMap is
//                   <jobName>-status); required when spec.statusRelays > 0
//   out:            stream for log lines (default process.stdout)
//   now, sleep:     the clock (default Date.now, setTimeout)
//   request:        the HTTP function (default httpRequest)
async function run(options) {
  const redactor = new Redactor();
  const out = options.out || process.stdout;
  const log = (level, msg, fields = {}) => {
    out.write(`${redactor.redact(JSON.stringify({ time: new Date(options.now ? options.now() : Date.now()).toISOString(), level, msg, ...fields }))}\n`);
  };
  const now = options.now || Date.now;
  const sleep = options.sleep || ((ms) => new Promise((r) => setTimeout(r, ms)));
  let status = null;
  try {
    const adminToken = new SecretValue(options.adminToken || '');
    const healthKey = new SecretValue(options.healthKey || '');
    redactor.add(adminToken);
    redactor.add(healthKey);
    const spec = validateSpec(options.spec);
    const baseRequest = options.request || httpRequest;
    const saDir = options.serviceAccountDir || '/var/run/secrets/kubernetes.io/serviceaccount';
    const caFile = `${saDir}/ca.crt`;
    const kubeOf = (request) => new Kube({
      url: options.kubernetesUrl || '',
      namespace: spec.namespace,
      tokenFile: `${saDir}/token`,
      ca: fs.existsSync(caFile) ? fs.readFileSync(caFile) : undefined,
      request,
    });
    if (spec.statusRelays > 0 && options.kubernetesUrl && options.jobName) {
      status = new Status({ kube: kubeOf(baseRequest), jobName: options.jobName, spec, now, log, redactor });
      await status.begin();
    }
    const missing = [];
    if (!adminToken.reveal()) missing.push('the admin token (OPENCTI_ADMIN_TOKEN_FILE or OPENCTI_ADMIN_TOKEN)');
    if (!healthKey.reveal()) missing.push('the health access key (OPENCTI_HEALTH_ACCESS_KEY_FILE or OPENCTI_HEALTH_ACCESS_KEY)');
    if (!options.kubernetesUrl) missing.push('the Kubernetes API (KUBERNETES_SERVICE_HOST/PORT)');
    if (spec.statusRelays > 0 && !options.jobName) missing.push('the name of the Job (IDENTITIES_JOB_NAME), whose status ConfigMap the deploy waits on');
    if (missing.length > 0) throw new ProvisionError(`missing ${missing.join(', ')}`);
    // Every request and every pause first gives the status its heartbeat.
    const heartbeat = status || { tick: async () => {}, phase: '' };
    const request = async (url, opts) => {
      await heartbeat.tick();
      return baseRequest(url, opts);
    };
    const ctx = {
      spec,
      names: namesOf(spec.deployment),
      redactor,
      log,
      request,
      status: heartbeat,
      secretsIn: { adminToken, healthKey },
      now,
      sleep: async (ms) => {
        await heartbeat.tick();
        await sleep(ms);
      },
      oc: new OpenCTI({ url: spec.openctiUrl, adminToken, request }),
      kube: kubeOf(request),
    };
    log('info', 'provisioning OpenCTI identities', {
      deployment: spec.deployment, connectors: spec.connectors.length, rotation: spec.rotation, tokenDuration: spec.tokenDuration,
    });
    const summary = await provision(ctx);
    if (status) {
      await status.finish('succeeded', `${summary.identities} identities, ${summary.issued} tokens issued, ${summary.revoked} revoked, `
        + `${summary.rolled} Deployments rolled, ${summary.disabled} users disabled`, sleep);
    }
    return summary;
  } catch (err) {
    const message = redactor.redact(err instanceof ProvisionError ? err.message : `unexpected error: ${err && err.message}`);
    log('error', 'provisioning failed', { error: message });
    if (status) await status.finish('failed', message, sleep);
    throw new ProvisionError(message);
  }
}

// main is the Job's entry point: inputs from the environment, exit status 1
// and the Kubernetes termination message on failure.
async function main(env = process.env) {
  const fail = (message, logged) => {
    const text = `opencti-identities: ${message}`;
    if (!logged) process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'provisioning failed', error: text })}\n`);
    try {
      fs.writeFileSync(env.TERMINATION_LOG || '/dev/termination-log', text);
    } catch { /* not in a pod */ }
    process.stderr.write(`${text}\n`);
    return 1;
  };
  const specFile = env.IDENTITIES_SPEC || '/etc/opencti-identities/spec.json';
  let spec;
  try {
    spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
  } catch (err) {
    return fail(`cannot read the spec ${specFile}: ${err.message}`, false);
  }
  let adminToken;
  let healthKey;
  try {
    adminToken = readSecret(env, 'OPENCTI_ADMIN_TOKEN');
    healthKey = readSecret(env, 'OPENCTI_HEALTH_ACCESS_KEY');
  } catch (err) {
    return fail(`cannot read a secret file: ${err.code || 'error'} ${err.path || ''}`.trim(), false);
  }
  const host = env.KUBERNETES_SERVICE_HOST || '';
  const port = env.KUBERNETES_SERVICE_PORT_HTTPS || env.KUBERNETES_SERVICE_PORT || '443';
  try {
    await run({
      spec,
      adminToken,
      healthKey,
      kubernetesUrl: env.KUBERNETES_API_URL || (host ? `https://${host.includes(':') ? `[${host}]` : host}:${port}` : ''),
      serviceAccountDir: env.SERVICE_ACCOUNT_DIR,
      jobName: env.IDENTITIES_JOB_NAME,
    });
    return 0;
  } catch (err) {
    return fail(err.message, true);
  }
}

module.exports = {
  ANNOTATIONS,
  CONNECTOR_CAPABILITIES,
  CONNECTOR_NAME_RULE,
  CONNECTOR_TYPES,
  DEPLOYMENT_NAME_RULE,
  IMPERSONATING_TYPES,
  IMPERSONATOR_CAPABILITIES,
  MARKER,
  MAX_RELAYS,
  RELAY_PREFIX,
  RESULT_KEY,
  STATE,
  STATUS_MAX_CHARS,
  STATUS_SUFFIX,
  TEMPLATE_ANNOTATION,
  TOKEN_DURATIONS,
  TOKEN_KEY,
  connectorNameProblem,
  deploymentNameProblem,
  main,
  markerOf,
  namesOf,
  parseMarker,
  run,
  validateSpec,
};

if (require.main === module) {
  main().then((code) => { process.exitCode = code; });
}
