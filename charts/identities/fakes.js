// Test doubles of provision.test.js (not shipped: the Job's ConfigMap holds
// provision.js only): a stateful OpenCTI GraphQL endpoint and a Kubernetes API
// server, both real node:http servers on 127.0.0.1, and one journal of every
// request either received, in arrival order.
//
// FakeOpenCTI models what provision.js relies on in OpenCTI 7.x (sources in
// docs/identities.md): users with several hashed tokens (only the plaintext
// returned once by userAdminTokenAdd authenticates), token authentication
// refused for inactive users, expired tokens and users without
// APIACCESS_USETOKEN (or BYPASS) through their groups' roles, groups with
// default assignation (joined by every new user unless prevent_default_groups),
// admin-only mutations, and /health with the access key.
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');

const CAPABILITIES_7X = [
  'APIACCESS', 'APIACCESS_USEBASICAUTH', 'APIACCESS_USETOKEN', 'AUTOMATION', 'AUTOMATION_AUTMANAGE', 'BYPASS', 'CONNECTORAPI',
  'CSVMAPPERS', 'EXPLORE', 'EXPLORE_EXUPDATE', 'EXPLORE_EXUPDATE_EXDELETE', 'EXPLORE_EXUPDATE_PUBLISH', 'INGESTION',
  'INGESTION_SETINGESTIONS', 'INVESTIGATION', 'INVESTIGATION_INUPDATE', 'INVESTIGATION_INUPDATE_INDELETE', 'KNOWLEDGE',
  'KNOWLEDGE_KNASKIMPORT', 'KNOWLEDGE_KNDISSEMINATION', 'KNOWLEDGE_KNENRICHMENT', 'KNOWLEDGE_KNFRONTENDEXPORT',
  'KNOWLEDGE_KNGETEXPORT', 'KNOWLEDGE_KNGETEXPORT_KNASKEXPORT', 'KNOWLEDGE_KNPARTICIPATE', 'KNOWLEDGE_KNSHAREFILTERS',
  'KNOWLEDGE_KNUPDATE', 'KNOWLEDGE_KNUPDATE_KNBYPASSFIELDS', 'KNOWLEDGE_KNUPDATE_KNBYPASSREFERENCE',
  'KNOWLEDGE_KNUPDATE_KNDELETE', 'KNOWLEDGE_KNUPDATE_KNMANAGEAUTHMEMBERS', 'KNOWLEDGE_KNUPDATE_KNMERGE',
  'KNOWLEDGE_KNUPDATE_KNORGARESTRICT', 'KNOWLEDGE_KNUPLOAD', 'MODULES', 'MODULES_MODMANAGE', 'PIRAPI', 'PIRAPI_PIRUPDATE',
  'SETTINGS', 'SETTINGS_FILEINDEXING', 'SETTINGS_SECURITYACTIVITY', 'SETTINGS_SETACCESSES', 'SETTINGS_SETAUTH',
  'SETTINGS_SETCASETEMPLATES', 'SETTINGS_SETCUSTOMIZATION', 'SETTINGS_SETDISSEMINATION', 'SETTINGS_SETKILLCHAINPHASES',
  'SETTINGS_SETLABELS', 'SETTINGS_SETMANAGEXTMHUB', 'SETTINGS_SETMARKINGS', 'SETTINGS_SETPARAMETERS',
  'SETTINGS_SETSTATUSTEMPLATES', 'SETTINGS_SETVOCABULARIES', 'SETTINGS_SUPPORT', 'TAXIIAPI', 'TAXIIAPI_SETCOLLECTIONS',
];
const MARKINGS = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED', 'PAP:CLEAR', 'PAP:GREEN', 'PAP:AMBER', 'PAP:RED'];

function listen(handler) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let answer;
      try {
        answer = handler(req, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        answer = { status: 500, body: { message: String(err && err.stack) } };
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

const gqlError = (message, code) => ({ status: 200, body: { errors: [{ message, extensions: { code } }], data: null } });
const uuid = () => crypto.randomUUID();

class FakeOpenCTI {
  // options: adminToken, healthKey, journal (array), now (clock), pageSize
  // (users per page; other lists have one page), unhealthy (number of 503 answers before 200, or
  // Infinity).
  constructor({ adminToken, healthKey, journal, now, pageSize = 500, unhealthy = 0 }) {
    Object.assign(this, { adminToken, healthKey, journal, now, pageSize, unhealthy });
    this.capabilities = new Map(CAPABILITIES_7X.map((name) => [uuid(), name]));
    this.markings = MARKINGS.map((definition) => ({ id: uuid(), definition }));
    this.roles = new Map();
    this.groups = new Map();
    this.users = new Map();
    this.issued = []; // every plaintext token ever returned
    this.failures = []; // { op, when(vars), message, code }
    // OpenCTI's initial Default group joins every new user unless the
    // creation says prevent_default_groups.
    const defaultRole = this.addRole('Default', 'Default role', ['KNOWLEDGE']);
    this.addGroup('Default', 'Default group', { default_assignation: true, roles: [defaultRole.id] });
  }

  async start() {
    const { server, url } = await listen((req, body) => this.handle(req, body));
    this.server = server;
    this.url = url;
    return url;
  }

  close() { return new Promise((r) => this.server.close(r)); }

  capabilityId(name) { return [...this.capabilities].find(([, n]) => n === name)[0]; }

  addRole(name, description, capabilities = []) {
    const role = { id: uuid(), name, description, caps: new Set(capabilities.map((c) => this.capabilityId(c))) };
    this.roles.set(role.id, role);
    return role;
  }

  addGroup(name, description, extra = {}) {
    const group = {
      id: uuid(), name, description, default_assignation: false, auto_new_marking: false,
      group_confidence_level: { max_confidence: 100, overrides: [] }, roles: new Set(extra.roles || []), markings: new Set(), ...extra,
    };
    group.roles = new Set(extra.roles || []);
    this.groups.set(group.id, group);
    return group;
  }

  addUser(name, description, groups = [], extra = {}) {
    const user = { id: uuid(), name, description, user_email: `${uuid()}@example.org`, account_status: 'Active', user_service_account: false, groups: new Set(groups), tokens: [], ...extra };
    this.users.set(user.id, user);
    return user;
  }

  userByName(name) { return [...this.users.values()].find((u) => u.name === name); }

  groupByName(name) { return [...this.groups.values()].find((g) => g.name === name); }

  roleByName(name) { return [...this.roles.values()].find((r) => r.name === name); }

  capabilitiesOf(user) {
    const names = new Set();
    for (const gid of user.groups) {
      for (const rid of this.groups.get(gid).roles) {
        for (const cid of this.roles.get(rid).caps) names.add(this.capabilities.get(cid));
      }
    }
    return names;
  }

  // authenticate is OpenCTI's token authentication: the user owning the
  // token, active, token not expired, allowed to use tokens.
  authenticate(token) {
    if (token === this.adminToken) return { id: 'admin', name: 'admin', admin: true };
    for (const user of this.users.values()) {
      const t = user.tokens.find((x) => x.value === token);
      if (!t) continue;
      if (t.expires_at && Date.parse(t.expires_at) <= this.now()) return null;
      if (user.account_status !== 'Active') return null;
      const caps = this.capabilitiesOf(user);
      if (!caps.has('BYPASS') && !caps.has('APIACCESS_USETOKEN')) return null;
      return user;
    }
    return null;
  }

  page(items, after, size = 500) {
    const start = after ? Number(after) : 0;
    const slice = items.slice(start, start + size);
    const end = start + slice.length;
    return { edges: slice.map((node) => ({ node })), pageInfo: { endCursor: String(end), hasNextPage: end < items.length } };
  }

  viewRole(r) { return { id: r.id, name: r.name, description: r.description, capabilities: [...r.caps].map((id) => ({ id, name: this.capabilities.get(id) })) }; }

  viewGroup(g) {
    return {
      id: g.id, name: g.name, description: g.description, default_assignation: g.default_assignation, auto_new_marking: g.auto_new_marking,
      group_confidence_level: { max_confidence: g.group_confidence_level.max_confidence },
      roles: { edges: [...g.roles].map((id) => ({ node: { id, name: this.roles.get(id).name } })) },
      allowed_marking: [...g.markings].map((id) => ({ id })),
    };
  }

  viewUser(u) {
    return {
      id: u.id, name: u.name, description: u.description, account_status: u.account_status,
      api_tokens: u.tokens.map((t) => ({ id: t.id, name: t.name, expires_at: t.expires_at })),
      groups: { edges: [...u.groups].map((id) => ({ node: { id, name: this.groups.get(id).name } })) },
    };
  }

  handle(req, body) {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/health') {
      const ok = url.searchParams.get('health_access_key') === this.healthKey && this.unhealthy <= 0;
      if (this.unhealthy > 0) this.unhealthy -= 1;
      const status = url.searchParams.get('health_access_key') !== this.healthKey ? 401 : ok ? 200 : 503;
      this.journal.push(`oc:health ${status}`);
      return { status, body: { status } };
    }
    if (url.pathname !== '/graphql' || req.method !== 'POST') return { status: 404, body: 'not found' };
    const { operationName: op, query, variables = {} } = JSON.parse(body);
    const token = (req.headers.authorization || '').replace(/^Bearer /, '');
    const caller = this.authenticate(token);
    if (!query.includes(op)) throw new Error(`operation ${op} not named in its query`);
    let answer;
    if (op === 'Me') {
      this.journal.push(`oc:Me ${caller ? caller.name : 'rejected'}`);
      return caller ? { status: 200, body: { data: { me: { id: caller.id } } } } : gqlError('You must be logged in to do this.', 'AUTH_REQUIRED');
    }
    const detail = this.detail(op, variables);
    this.journal.push(`oc:${op}${detail ? ` ${detail}` : ''}`);
    if (!caller || !caller.admin) return gqlError('You are not allowed to do this.', 'FORBIDDEN_ACCESS');
    const failure = this.failures.find((f) => f.op === op && (!f.when || f.when(variables)));
    if (failure) return gqlError(failure.message, failure.code);
    try {
      answer = { status: 200, body: { data: this.execute(op, variables) } };
    } catch (err) {
      answer = gqlError(err.message, 'FUNCTIONAL_ERROR');
    }
    return answer;
  }

  detail(op, v) {
    const user = (id) => (this.users.get(id) || {}).name;
    switch (op) {
      case 'RoleAdd': case 'GroupAdd': case 'UserAdd': return v.input.name;
      case 'RoleAddCapability': return `${this.roles.get(v.id).name} ${this.capabilities.get(v.input.toId)}`;
      case 'RoleRemoveCapability': return `${this.roles.get(v.id).name} ${this.capabilities.get(v.toId)}`;
      case 'GroupAddRelation': {
        const target = v.input.relationship_type === 'has-role' ? this.roles.get(v.input.toId).name : this.markings.find((m) => m.id === v.input.toId).definition;
        return `${this.groups.get(v.id).name} ${v.input.relationship_type} ${target}`;
      }
      case 'GroupRemoveRole': return `${this.groups.get(v.id).name} ${this.roles.get(v.toId).name}`;
      case 'GroupPatch': return `${this.groups.get(v.id).name} ${v.input.map((i) => i.key).join(',')}`;
      case 'User': case 'UserPatch': return `${user(v.id)}${v.input ? ` ${v.input.map((i) => `${i.key}=${i.key === 'description' ? '...' : i.value[0]}`).join(',')}` : ''}`;
      case 'UserAddGroup': return `${user(v.id)} ${this.groups.get(v.input.toId).name}`;
      case 'UserRemoveGroup': return `${user(v.id)} ${this.groups.get(v.toId).name}`;
      case 'TokenAdd': return `${user(v.userId)} "${v.input.name}" ${v.input.duration}`;
      case 'TokenRevoke': {
        const t = ((this.users.get(v.userId) || { tokens: [] }).tokens.find((x) => x.id === v.id) || {});
        return `${user(v.userId)} "${t.name}"`;
      }
      default: return '';
    }
  }

  execute(op, v) {
    switch (op) {
      case 'Capabilities': return { capabilities: { edges: [...this.capabilities].map(([id, name]) => ({ node: { id, name } })) } };
      case 'MarkingDefinitions': return { markingDefinitions: this.page(this.markings, v.after) };
      case 'Roles': return { roles: this.page([...this.roles.values()].map((r) => this.viewRole(r)), v.after) };
      case 'RoleAdd': return { roleAdd: this.viewRole(this.addRole(v.input.name, v.input.description)) };
      case 'RoleAddCapability': this.roles.get(v.id).caps.add(v.input.toId); return { roleEdit: { relationAdd: { id: uuid() } } };
      case 'RoleRemoveCapability': this.roles.get(v.id).caps.delete(v.toId); return { roleEdit: { relationDelete: { id: v.id } } };
      case 'Groups': return { groups: this.page([...this.groups.values()].map((g) => this.viewGroup(g)), v.after) };
      case 'GroupAdd': {
        const g = this.addGroup(v.input.name, v.input.description, {
          default_assignation: v.input.default_assignation, auto_new_marking: v.input.auto_new_marking, group_confidence_level: v.input.group_confidence_level,
        });
        return { groupAdd: { id: g.id, name: g.name } };
      }
      case 'GroupPatch': {
        const g = this.groups.get(v.id);
        for (const i of v.input) g[i.key] = i.value[0];
        return { groupEdit: { fieldPatch: { id: g.id } } };
      }
      case 'GroupAddRelation': {
        const g = this.groups.get(v.id);
        if (v.input.relationship_type === 'has-role') g.roles.add(v.input.toId);
        else if (v.input.relationship_type === 'accesses-to') g.markings.add(v.input.toId);
        else throw new Error(`unexpected relation ${v.input.relationship_type}`);
        return { groupEdit: { relationAdd: { id: uuid() } } };
      }
      case 'GroupRemoveRole': this.groups.get(v.id).roles.delete(v.toId); return { groupEdit: { relationDelete: { id: v.id } } };
      case 'Users': return { users: this.page([...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((u) => ({ id: u.id, name: u.name, description: u.description })), v.after, this.pageSize) };
      case 'User': {
        const u = this.users.get(v.id);
        if (!u) throw new Error('User not found');
        return { user: this.viewUser(u) };
      }
      case 'UserAdd': {
        const i = v.input;
        if (!i.name || i.name.length < 2) throw new Error('name too short');
        if ([...this.users.values()].some((u) => u.user_email === i.user_email)) throw new Error('User already exists');
        const groups = new Set(i.groups || []);
        if (!i.prevent_default_groups) for (const g of this.groups.values()) if (g.default_assignation) groups.add(g.id);
        const u = this.addUser(i.name, i.description, [...groups], { user_email: i.user_email, user_service_account: !!i.user_service_account });
        return { userAdd: { id: u.id, name: u.name } };
      }
      case 'UserPatch': {
        const u = this.users.get(v.id);
        for (const i of v.input) u[i.key] = i.value[0];
        return { userEdit: { fieldPatch: { id: u.id } } };
      }
      case 'UserAddGroup': this.users.get(v.id).groups.add(v.input.toId); return { userEdit: { relationAdd: { id: uuid() } } };
      case 'UserRemoveGroup': this.users.get(v.id).groups.delete(v.toId); return { userEdit: { relationDelete: { id: v.id } } };
      case 'TokenAdd': {
        const u = this.users.get(v.userId);
        if (!u) throw new Error('User not found');
        const days = { DAYS_30: 30, DAYS_60: 60, DAYS_90: 90, DAYS_365: 365 }[v.input.duration];
        const value = `flgrn_octi_tkn_${crypto.randomBytes(48).toString('base64url')}`;
        const t = { id: uuid(), name: v.input.name, value, expires_at: days ? new Date(this.now() + days * 86400000).toISOString() : null };
        u.tokens.push(t);
        this.issued.push(value);
        return { userAdminTokenAdd: { token_id: t.id, plaintext_token: value, expires_at: t.expires_at } };
      }
      case 'TokenRevoke': {
        const u = this.users.get(v.userId);
        const before = u.tokens.length;
        u.tokens = u.tokens.filter((t) => t.id !== v.id);
        if (u.tokens.length === before) throw new Error('Token not found');
        return { userAdminTokenRevoke: v.id };
      }
      default: throw new Error(`unknown operation ${op}`);
    }
  }
}

// FakeKube serves the objects provision.js reads and patches, with RBAC as
// the identities chart grants it (get/patch on the named Secrets, Deployments
// and status ConfigMaps only) and the service account token checked.
class FakeKube {
  constructor({ namespace, saToken, journal, secrets = [], allowedDeployments = [], configMaps = [] }) {
    Object.assign(this, { namespace, saToken, journal });
    this.secrets = new Map(secrets.map((name) => [name, { metadata: { name, namespace, annotations: {} }, type: 'Opaque' }]));
    this.allowedSecrets = new Set(secrets);
    this.allowedDeployments = new Set(allowedDeployments);
    this.configMaps = new Map(configMaps.map((name) => [name, { metadata: { name, namespace } }]));
    this.allowedConfigMaps = new Set(configMaps);
    this.deployments = new Map();
    this.rolloutSteps = 2; // GETs before a rolled Deployment reports complete
    this.stuck = new Set(); // Deployments that never finish rolling
    this.failures = []; // { method, kind, name, status, message (text, or a function of the request body) }
  }

  async start() {
    const { server, url } = await listen((req, body) => this.handle(req, body));
    this.server = server;
    this.url = url;
    return url;
  }

  close() { return new Promise((r) => this.server.close(r)); }

  // addDeployment creates a Deployment as the ingestion/connectors charts
  // would, already rolled out.
  addDeployment(name, replicas = 1) {
    this.deployments.set(name, {
      metadata: { name, namespace: this.namespace, generation: 1 },
      spec: { replicas, template: { metadata: { labels: { app: name } }, spec: {} } },
      status: { observedGeneration: 1, replicas, updatedReplicas: replicas, availableReplicas: replicas, readyReplicas: replicas },
      pendingGets: 0,
      rolling: false,
    });
  }

  tokenIn(secret) {
    const s = this.secrets.get(secret);
    return s && s.data && s.data.OPENCTI_TOKEN ? Buffer.from(s.data.OPENCTI_TOKEN, 'base64').toString('utf8') : '';
  }

  handle(req, body) {
    const m = /^\/(api\/v1|apis\/apps\/v1)\/namespaces\/([^/]+)\/(secrets|deployments|configmaps)\/([^/]+)$/.exec(req.url);
    if (!m) return { status: 404, body: { kind: 'Status', message: `no route ${req.url}`, code: 404 } };
    const [, , ns, kind, name] = m;
    const status = (code, message) => ({ status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code } });
    const record = (code) => this.journal.push(`k8s:${req.method} ${kind}/${name}${code === 200 ? '' : ` ${code}`}`);
    if (req.headers.authorization !== `Bearer ${this.saToken}`) {
      record(401);
      return status(401, 'Unauthorized');
    }
    const allowed = { secrets: this.allowedSecrets, deployments: this.allowedDeployments, configmaps: this.allowedConfigMaps }[kind];
    if (ns !== this.namespace || !allowed.has(name) || !['GET', 'PATCH'].includes(req.method)) {
      record(403);
      return status(403, `${kind} "${name}" is forbidden: User "system:serviceaccount:${this.namespace}:opencti-identities" cannot ${req.method.toLowerCase()} resource "${kind}" in API group "${kind === 'deployments' ? 'apps' : ''}" in the namespace "${ns}"`);
    }
    const failure = this.failures.find((f) => f.method === req.method && f.kind === kind && f.name === name);
    if (failure) {
      record(failure.status);
      return status(failure.status, typeof failure.message === 'function' ? failure.message(body) : failure.message);
    }
    const store = { secrets: this.secrets, deployments: this.deployments, configmaps: this.configMaps }[kind];
    const obj = store.get(name);
    if (!obj) {
      record(404);
      return status(404, `${kind} "${name}" not found`);
    }
    if (req.method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/merge-patch+json') throw new Error(`unexpected content-type ${req.headers['content-type']}`);
      const patch = JSON.parse(body);
      if (kind === 'secrets') {
        obj.metadata.annotations = { ...obj.metadata.annotations, ...((patch.metadata || {}).annotations || {}) };
        if (patch.data) obj.data = { ...(obj.data || {}), ...patch.data };
      } else if (kind === 'configmaps') {
        obj.data = { ...(obj.data || {}), ...(patch.data || {}) };
      } else {
        const before = JSON.stringify(obj.spec.template);
        const ann = (((patch.spec || {}).template || {}).metadata || {}).annotations || {};
        obj.spec.template.metadata.annotations = { ...(obj.spec.template.metadata.annotations || {}), ...ann };
        if (JSON.stringify(obj.spec.template) !== before) {
          obj.metadata.generation += 1;
          obj.rolling = true;
          obj.pendingGets = this.rolloutSteps;
        }
      }
      record(200);
      return { status: 200, body: this.view(kind, obj) };
    }
    if (kind === 'deployments' && obj.rolling) {
      const r = obj.spec.replicas;
      const gen = obj.metadata.generation;
      if (this.stuck.has(name) || obj.pendingGets > 0) {
        if (!this.stuck.has(name)) obj.pendingGets -= 1;
        obj.status = { observedGeneration: gen, replicas: r + 1, updatedReplicas: Math.min(r, 1), availableReplicas: r, readyReplicas: r };
      } else {
        obj.status = { observedGeneration: gen, replicas: r, updatedReplicas: r, availableReplicas: r, readyReplicas: r };
        obj.rolling = false;
      }
    }
    record(200);
    return { status: 200, body: this.view(kind, obj) };
  }

  view(kind, obj) {
    const { pendingGets, rolling, ...rest } = obj;
    return { kind: { secrets: 'Secret', deployments: 'Deployment', configmaps: 'ConfigMap' }[kind], ...JSON.parse(JSON.stringify(rest)) };
  }
}

module.exports = { CAPABILITIES_7X, MARKINGS, FakeKube, FakeOpenCTI };
