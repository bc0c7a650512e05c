// Tests of provision.js (node --test; make test-handlers) against a fake
// OpenCTI GraphQL endpoint and a fake Kubernetes API (fakes.js: real node:http
// servers on 127.0.0.1). Each test asserts the exact requests of a run, in
// order, from one journal both servers write to, and the state left behind
// (users, groups, roles, which tokens OpenCTI accepts, what the Secrets and
// Deployments hold). Every test also checks that no token, admin token or
// health key appears in any log line or error message. The clock is injected:
// no test waits in real time (except the two runs of the real entry point).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');

const { FakeKube, FakeOpenCTI, MARKINGS } = require('./fakes.js');
const provision = require('./provision.js');

const { run } = provision;
const ADMIN = 'a9c3c0d2-6a4f-4f0e-9d2b-4c1f7c9e8b11';
const HEALTH = 'health-key-7d1e4b2a9c';
const SA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.service-account-token';
const NS = 'opencti';
const JOB = 'opencti-identities-0123456789';
const STATUS = `${JOB}-status`;

const connector = (name, type, id) => ({
  name, id, type, secret: `opencti-connector-${name}-token`, deployments: [`opencti-connector-${name}`],
});
const EXPORT = connector('export-file-stix', 'INTERNAL_EXPORT_FILE', '11111111-1111-4111-8111-111111111111');
const MITRE = connector('mitre', 'EXTERNAL_IMPORT', '22222222-2222-4222-8222-222222222222');
const ABUSE = connector('abuseipdb', 'INTERNAL_ENRICHMENT', '33333333-3333-4333-8333-333333333333');
const ALL = [EXPORT, MITRE, ABUSE];

const W = '[W] dev workers';
const C = (name) => `[C] dev ${name}`;
const R = (n) => `"[opencti-ha] dev rotation ${n}"`;
const CONNECTOR_ROLE = '[opencti-ha] dev connector';
const IMPERSONATOR_ROLE = '[opencti-ha] dev impersonator';
const CONNECTORS_GROUP = '[opencti-ha] dev connectors';
const IMPERSONATORS_GROUP = '[opencti-ha] dev impersonators';
// The connector role's capabilities, in the order they are granted.
const CONNECTOR_CAPS = [
  'APIACCESS_USETOKEN', 'CONNECTORAPI', 'KNOWLEDGE_KNASKIMPORT', 'KNOWLEDGE_KNENRICHMENT', 'KNOWLEDGE_KNGETEXPORT_KNASKEXPORT',
  'KNOWLEDGE_KNUPDATE_KNBYPASSFIELDS', 'KNOWLEDGE_KNUPDATE_KNBYPASSREFERENCE', 'KNOWLEDGE_KNUPDATE_KNDELETE', 'KNOWLEDGE_KNUPLOAD',
  'MODULES_MODMANAGE', 'SETTINGS_SETKILLCHAINPHASES', 'SETTINGS_SETLABELS', 'SETTINGS_SETMARKINGS', 'SETTINGS_SETVOCABULARIES', 'TAXIIAPI',
];
const READS = ['oc:health 200', 'oc:Capabilities', 'oc:MarkingDefinitions', 'oc:Roles', 'oc:Groups'];

// setUp starts both fakes; secrets lists the Secrets the identities chart
// pre-creates (and the Job may get/patch), deployments those it may roll.
async function setUp(t, { unhealthy = 0 } = {}) {
  const journal = [];
  let clock = Date.parse('2026-09-01T00:00:00Z');
  const now = () => clock;
  const sleep = async (ms) => { clock += ms; };
  const oc = new FakeOpenCTI({ adminToken: ADMIN, healthKey: HEALTH, journal, now, unhealthy });
  const kube = new FakeKube({
    namespace: NS,
    saToken: SA_TOKEN,
    journal,
    secrets: ['opencti-worker-token', ...ALL.map((c) => c.secret)],
    allowedDeployments: ['opencti-worker-api', ...ALL.map((c) => c.deployments[0])],
    configMaps: [STATUS],
  });
  await oc.start();
  await kube.start();
  const saDir = fs.mkdtempSync(path.join(os.tmpdir(), 'identities-sa-'));
  fs.writeFileSync(path.join(saDir, 'token'), `${SA_TOKEN}\n`);
  t.after(async () => {
    await Promise.all([oc.close(), kube.close()]);
    fs.rmSync(saDir, { recursive: true, force: true });
  });
  const output = []; // every log line and error message of every run
  const spec = (connectors, extra = {}) => ({
    deployment: 'dev',
    namespace: NS,
    openctiUrl: oc.url,
    rotation: 0,
    worker: { secret: 'opencti-worker-token', deployments: ['opencti-worker-api'] },
    connectors,
    ...extra,
  });
  // deploy runs provision.js once and returns its summary or { error }; the
  // journal then holds exactly that run's requests.
  const deploy = async (s, extra = {}) => {
    journal.length = 0;
    const out = { write: (chunk) => output.push(...String(chunk).split('\n').filter(Boolean)) };
    try {
      return await run({ spec: s, adminToken: ADMIN, healthKey: HEALTH, kubernetesUrl: kube.url, serviceAccountDir: saDir, out, now, sleep, jobName: JOB, ...extra });
    } catch (err) {
      output.push(err.message);
      return { error: err.message };
    }
  };
  // chartsApplied creates the Deployments as the charts would: the
  // worker-api Deployment, whose pods run the workers (platform chart, applied
  // before the Job), and the connectors (connectors charts, after it).
  const chartsApplied = (connectors) => {
    for (const name of ['opencti-worker-api', ...connectors.map((c) => c.deployments[0])]) if (!kube.deployments.has(name)) kube.addDeployment(name);
  };
  // accepted says which user OpenCTI authenticates with the token.
  const accepted = (token) => {
    const u = oc.authenticate(token);
    return u ? u.name : null;
  };
  const secretOf = (name) => ({ token: kube.tokenIn(name), annotations: kube.secrets.get(name).metadata.annotations });
  // noSecretsPrinted: no plaintext token OpenCTI ever issued, no admin token
  // and no health key (nor their base64) in any output.
  const noSecretsPrinted = () => {
    assert.ok(output.length > 0, 'the runs printed something');
    const secrets = [ADMIN, HEALTH, ...oc.issued];
    const status = Object.values(kube.configMaps.get(STATUS).data || {});
    for (const line of [...output, ...status]) {
      for (const s of secrets) {
        for (const form of [s, Buffer.from(s).toString('base64')]) assert.ok(!line.includes(form), `a secret leaked into: ${line}`);
      }
    }
  };
  const advance = (ms) => { clock += ms; };
  return { oc, kube, journal, spec, deploy, chartsApplied, accepted, secretOf, noSecretsPrinted, output, advance, now: () => clock };
}

// firstDeployJournal is every request of a first run on an empty platform
// (OpenCTI's initial Default group and role only) for the given connectors.
function firstDeployJournal(connectors) {
  return [
    ...READS,
    `oc:RoleAdd ${CONNECTOR_ROLE}`,
    ...CONNECTOR_CAPS.map((c) => `oc:RoleAddCapability ${CONNECTOR_ROLE} ${c}`),
    `oc:RoleAdd ${IMPERSONATOR_ROLE}`,
    `oc:RoleAddCapability ${IMPERSONATOR_ROLE} BYPASS`,
    `oc:GroupAdd ${CONNECTORS_GROUP}`,
    `oc:GroupAddRelation ${CONNECTORS_GROUP} has-role ${CONNECTOR_ROLE}`,
    ...MARKINGS.map((m) => `oc:GroupAddRelation ${CONNECTORS_GROUP} accesses-to ${m}`),
    `oc:GroupAdd ${IMPERSONATORS_GROUP}`,
    `oc:GroupAddRelation ${IMPERSONATORS_GROUP} has-role ${IMPERSONATOR_ROLE}`,
    'oc:Users',
    `oc:UserAdd ${W}`,
    ...connectors.map((c) => `oc:UserAdd ${C(c.name)}`),
    'k8s:GET secrets/opencti-worker-token',
    `oc:TokenAdd ${W} ${R(0)} UNLIMITED`,
    'k8s:PATCH secrets/opencti-worker-token',
    ...connectors.flatMap((c) => [`k8s:GET secrets/${c.secret}`, `oc:TokenAdd ${C(c.name)} ${R(0)} UNLIMITED`, `k8s:PATCH secrets/${c.secret}`]),
  ];
}

// unchangedJournal is a run that changes nothing: reads, one token check each.
function unchangedJournal(connectors, usersPages = 1) {
  return [
    ...READS,
    ...Array(usersPages).fill('oc:Users'),
    `oc:User ${W}`,
    ...connectors.map((c) => `oc:User ${C(c.name)}`),
    'k8s:GET secrets/opencti-worker-token',
    `oc:Me ${W}`,
    ...connectors.flatMap((c) => [`k8s:GET secrets/${c.secret}`, `oc:Me ${C(c.name)}`]),
  ];
}

const MUTATIONS = /^(oc:(RoleAdd|RoleAddCapability|RoleRemoveCapability|GroupAdd|GroupPatch|GroupAddRelation|GroupRemoveRole|UserAdd|UserPatch|UserAddGroup|UserRemoveGroup|TokenAdd|TokenRevoke)|k8s:PATCH)/;

test('first deploy: roles, groups, a service account and a token per identity, each token in its own Secret', async (t) => {
  const f = await setUp(t);
  const summary = await f.deploy(f.spec([EXPORT, MITRE]));
  assert.deepEqual(f.journal, firstDeployJournal([EXPORT, MITRE]));
  assert.deepEqual(summary, { identities: 3, issued: 3, revoked: 0, rolled: 0, disabled: 0 });

  // Roles hold exactly the justified capabilities; groups one role each.
  const caps = (role) => [...f.oc.roleByName(role).caps].map((id) => f.oc.capabilities.get(id)).sort();
  assert.deepEqual(caps(CONNECTOR_ROLE), [...CONNECTOR_CAPS].sort());
  assert.deepEqual(caps(IMPERSONATOR_ROLE), ['BYPASS']);
  const connectorsGroup = f.oc.groupByName(CONNECTORS_GROUP);
  const impersonatorsGroup = f.oc.groupByName(IMPERSONATORS_GROUP);
  assert.deepEqual([...connectorsGroup.roles], [f.oc.roleByName(CONNECTOR_ROLE).id]);
  assert.equal(connectorsGroup.markings.size, MARKINGS.length, 'connectors see every marking');
  assert.equal(connectorsGroup.auto_new_marking, true);
  assert.equal(connectorsGroup.default_assignation, false);
  assert.deepEqual(connectorsGroup.group_confidence_level, { max_confidence: 100, overrides: [] });
  assert.deepEqual([...impersonatorsGroup.roles], [f.oc.roleByName(IMPERSONATOR_ROLE).id]);

  // Users: service accounts, exactly one group (not OpenCTI's Default group).
  const groupsOf = (name) => [...f.oc.userByName(name).groups].map((id) => f.oc.groups.get(id).name);
  assert.deepEqual(groupsOf(W), [IMPERSONATORS_GROUP]);
  assert.deepEqual(groupsOf(C('export-file-stix')), [IMPERSONATORS_GROUP], 'export connectors impersonate the requester');
  assert.deepEqual(groupsOf(C('mitre')), [CONNECTORS_GROUP]);
  const mitre = f.oc.userByName(C('mitre'));
  assert.equal(mitre.user_service_account, true);
  assert.equal(mitre.user_email, 'c.mitre@dev.opencti-ha.invalid');
  assert.match(mitre.description, /^opencti-ha:managed deployment=dev kind=connector name=mitre connector-id=22222222-2222-4222-8222-222222222222$/m);

  // Each Secret holds its identity's token, which OpenCTI accepts for that user only.
  for (const [secret, user] of [['opencti-worker-token', W], [EXPORT.secret, C('export-file-stix')], [MITRE.secret, C('mitre')]]) {
    const s = f.secretOf(secret);
    assert.equal(f.accepted(s.token), user, `${secret} authenticates ${user}`);
    const u = f.oc.userByName(user);
    assert.deepEqual(s.annotations, {
      'opencti-ha.io/token-id': u.tokens[0].id,
      'opencti-ha.io/token-rotation': '0',
      'opencti-ha.io/token-duration': 'UNLIMITED',
      'opencti-ha.io/user-id': u.id,
    });
  }
  assert.equal(new Set([f.secretOf('opencti-worker-token').token, f.secretOf(EXPORT.secret).token, f.secretOf(MITRE.secret).token]).size, 3);
  assert.equal(f.secretOf(ABUSE.secret).token, '', 'a Secret of no configured connector is untouched');
  f.noSecretsPrinted();
});

test('first deploy on a running platform (pods started with the admin token, or worker-api pods waiting for their token): no rollout, the charts switch them', async (t) => {
  const f = await setUp(t);
  f.chartsApplied([MITRE]);
  const summary = await f.deploy(f.spec([MITRE]));
  assert.deepEqual(f.journal, firstDeployJournal([MITRE]), 'an empty Secret ran no pod: nothing to roll');
  assert.deepEqual(summary, { identities: 2, issued: 2, revoked: 0, rolled: 0, disabled: 0 });
  assert.equal(f.kube.deployments.get('opencti-worker-api').metadata.generation, 1);
  f.noSecretsPrinted();
});

test('repeat deploy with the same input changes nothing and keeps every token valid', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([EXPORT, MITRE]));
  f.chartsApplied([EXPORT, MITRE]);
  const before = ['opencti-worker-token', EXPORT.secret, MITRE.secret].map((s) => f.secretOf(s));

  const summary = await f.deploy(f.spec([EXPORT, MITRE]));
  assert.deepEqual(f.journal, unchangedJournal([EXPORT, MITRE]));
  assert.equal(f.journal.filter((r) => MUTATIONS.test(r)).length, 0, 'no mutation, no patch');
  assert.deepEqual(summary, { identities: 3, issued: 0, revoked: 0, rolled: 0, disabled: 0 });
  assert.deepEqual(['opencti-worker-token', EXPORT.secret, MITRE.secret].map((s) => f.secretOf(s)), before);
  for (const s of before) assert.ok(f.accepted(s.token));

  // Users listed over several pages: the same run, one Users request per page.
  f.oc.pageSize = 2;
  await f.deploy(f.spec([EXPORT, MITRE]));
  assert.deepEqual(f.journal, unchangedJournal([EXPORT, MITRE], 2));
  f.noSecretsPrinted();
});

test('a connector added to the configuration gets its user and token; nothing else changes', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([EXPORT, MITRE]));
  f.chartsApplied([EXPORT, MITRE]);

  const summary = await f.deploy(f.spec([EXPORT, MITRE, ABUSE]));
  assert.deepEqual(f.journal, [
    ...READS,
    'oc:Users',
    `oc:User ${W}`,
    `oc:User ${C('export-file-stix')}`,
    `oc:User ${C('mitre')}`,
    `oc:UserAdd ${C('abuseipdb')}`,
    'k8s:GET secrets/opencti-worker-token',
    `oc:Me ${W}`,
    `k8s:GET secrets/${EXPORT.secret}`,
    `oc:Me ${C('export-file-stix')}`,
    `k8s:GET secrets/${MITRE.secret}`,
    `oc:Me ${C('mitre')}`,
    `k8s:GET secrets/${ABUSE.secret}`,
    `oc:TokenAdd ${C('abuseipdb')} ${R(0)} UNLIMITED`,
    `k8s:PATCH secrets/${ABUSE.secret}`,
  ]);
  assert.deepEqual(summary, { identities: 4, issued: 1, revoked: 0, rolled: 0, disabled: 0 });
  assert.equal(f.accepted(f.secretOf(ABUSE.secret).token), C('abuseipdb'));
  assert.deepEqual([...f.oc.userByName(C('abuseipdb')).groups].map((id) => f.oc.groups.get(id).name), [CONNECTORS_GROUP]);
  f.noSecretsPrinted();
});

test('a connector removed from the configuration: its user is disabled and its token revoked', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([EXPORT, MITRE]));
  f.chartsApplied([EXPORT, MITRE]);
  const mitreToken = f.secretOf(MITRE.secret).token;

  const summary = await f.deploy(f.spec([EXPORT]));
  assert.deepEqual(f.journal, [
    ...READS,
    'oc:Users',
    `oc:User ${W}`,
    `oc:User ${C('export-file-stix')}`,
    `oc:User ${C('mitre')}`,
    `oc:UserPatch ${C('mitre')} account_status=Inactive`,
    `oc:TokenRevoke ${C('mitre')} ${R(0)}`,
    'k8s:GET secrets/opencti-worker-token',
    `oc:Me ${W}`,
    `k8s:GET secrets/${EXPORT.secret}`,
    `oc:Me ${C('export-file-stix')}`,
  ]);
  assert.deepEqual(summary, { identities: 2, issued: 0, revoked: 0, rolled: 0, disabled: 1 });
  assert.equal(f.oc.userByName(C('mitre')).account_status, 'Inactive');
  assert.equal(f.oc.userByName(C('mitre')).tokens.length, 0);
  assert.equal(f.accepted(mitreToken), null, 'the removed connector\'s token no longer authenticates');

  // Removing it again changes nothing more.
  await f.deploy(f.spec([EXPORT]));
  assert.deepEqual(f.journal.filter((r) => MUTATIONS.test(r)), []);

  // Adding it back re-enables the same user with a new token and rolls its pods onto it.
  const summary2 = await f.deploy(f.spec([EXPORT, MITRE]));
  assert.deepEqual(f.journal.filter((r) => MUTATIONS.test(r)), [
    `oc:UserPatch ${C('mitre')} account_status=Active`,
    `oc:TokenAdd ${C('mitre')} ${R(0)} UNLIMITED`,
    `k8s:PATCH secrets/${MITRE.secret}`,
    'k8s:PATCH deployments/opencti-connector-mitre',
  ]);
  assert.deepEqual(summary2, { identities: 3, issued: 1, revoked: 0, rolled: 1, disabled: 0 });
  assert.equal(f.accepted(f.secretOf(MITRE.secret).token), C('mitre'));
  f.noSecretsPrinted();
});

test('rotation: issue, write, roll, wait for the rollouts, then revoke the old tokens', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([EXPORT, MITRE]));
  f.chartsApplied([EXPORT, MITRE]);
  const old = ['opencti-worker-token', EXPORT.secret, MITRE.secret].map((s) => f.secretOf(s).token);

  const summary = await f.deploy(f.spec([EXPORT, MITRE], { rotation: 1 }));
  const deps = ['opencti-worker-api', 'opencti-connector-export-file-stix', 'opencti-connector-mitre'];
  assert.deepEqual(f.journal, [
    ...READS,
    'oc:Users',
    `oc:User ${W}`,
    `oc:User ${C('export-file-stix')}`,
    `oc:User ${C('mitre')}`,
    // issue and write, identity by identity
    'k8s:GET secrets/opencti-worker-token',
    `oc:TokenAdd ${W} ${R(1)} UNLIMITED`,
    'k8s:PATCH secrets/opencti-worker-token',
    `k8s:GET secrets/${EXPORT.secret}`,
    `oc:TokenAdd ${C('export-file-stix')} ${R(1)} UNLIMITED`,
    `k8s:PATCH secrets/${EXPORT.secret}`,
    `k8s:GET secrets/${MITRE.secret}`,
    `oc:TokenAdd ${C('mitre')} ${R(1)} UNLIMITED`,
    `k8s:PATCH secrets/${MITRE.secret}`,
    // roll every consumer
    ...deps.flatMap((d) => [`k8s:GET deployments/${d}`, `k8s:PATCH deployments/${d}`]),
    // wait for each rollout (two polls in progress, then complete)
    ...deps.flatMap((d) => Array(3).fill(`k8s:GET deployments/${d}`)),
    // revoke the replaced tokens
    `oc:TokenRevoke ${W} ${R(0)}`,
    `oc:TokenRevoke ${C('export-file-stix')} ${R(0)}`,
    `oc:TokenRevoke ${C('mitre')} ${R(0)}`,
  ]);
  assert.deepEqual(summary, { identities: 3, issued: 3, revoked: 3, rolled: 3, disabled: 0 });
  for (const token of old) assert.equal(f.accepted(token), null, 'old tokens revoked');
  for (const [secret, user, dep] of [['opencti-worker-token', W, deps[0]], [EXPORT.secret, C('export-file-stix'), deps[1]], [MITRE.secret, C('mitre'), deps[2]]]) {
    const s = f.secretOf(secret);
    assert.equal(f.accepted(s.token), user);
    assert.equal(s.annotations['opencti-ha.io/token-rotation'], '1');
    assert.equal(f.kube.deployments.get(dep).spec.template.metadata.annotations['opencti-ha.io/token-id'], s.annotations['opencti-ha.io/token-id'],
      'the pods were restarted with the token now in the Secret');
  }

  // The next deploy with the same rotation changes nothing.
  await f.deploy(f.spec([EXPORT, MITRE], { rotation: 1 }));
  assert.deepEqual(f.journal, unchangedJournal([EXPORT, MITRE]));
  f.noSecretsPrinted();
});

test('a token revoked by hand is replaced and its pods are rolled onto the new one', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([MITRE]));
  f.chartsApplied([MITRE]);
  f.oc.userByName(C('mitre')).tokens = []; // an administrator revoked it in the UI

  const summary = await f.deploy(f.spec([MITRE]));
  assert.deepEqual(f.journal.slice(READS.length + 3), [
    'k8s:GET secrets/opencti-worker-token',
    `oc:Me ${W}`,
    `k8s:GET secrets/${MITRE.secret}`,
    `oc:TokenAdd ${C('mitre')} ${R(0)} UNLIMITED`,
    `k8s:PATCH secrets/${MITRE.secret}`,
    'k8s:GET deployments/opencti-connector-mitre',
    'k8s:PATCH deployments/opencti-connector-mitre',
    ...Array(3).fill('k8s:GET deployments/opencti-connector-mitre'),
  ]);
  assert.deepEqual(summary, { identities: 2, issued: 1, revoked: 0, rolled: 1, disabled: 0 });
  assert.equal(f.accepted(f.secretOf(MITRE.secret).token), C('mitre'));
  f.noSecretsPrinted();
});

test('drift is reverted: extra capabilities, foreign roles and groups, an inactive or renamed user', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([MITRE]));
  const { oc } = f;
  oc.roleByName(CONNECTOR_ROLE).caps.add(oc.capabilityId('SETTINGS_SETACCESSES'));
  oc.groupByName(CONNECTORS_GROUP).roles.add(oc.addRole('Administrator', 'admins', ['BYPASS']).id);
  oc.groupByName(CONNECTORS_GROUP).default_assignation = true;
  const admins = oc.addGroup('Administrators', 'admins');
  oc.userByName(W).groups.add(admins.id);
  const mitre = oc.userByName(C('mitre'));
  mitre.account_status = 'Locked';
  mitre.name = 'renamed by hand';

  await f.deploy(f.spec([MITRE]));
  assert.deepEqual(f.journal.filter((r) => MUTATIONS.test(r)), [
    `oc:RoleRemoveCapability ${CONNECTOR_ROLE} SETTINGS_SETACCESSES`,
    `oc:GroupPatch ${CONNECTORS_GROUP} default_assignation`,
    `oc:GroupRemoveRole ${CONNECTORS_GROUP} Administrator`,
    `oc:UserRemoveGroup ${W} Administrators`,
    `oc:UserPatch renamed by hand name=${C('mitre')},account_status=Active`,
  ]);
  assert.ok(f.accepted(f.secretOf(MITRE.secret).token), 'the stored token works again once the user is active');
  f.noSecretsPrinted();
});

test('OpenCTI error: fails naming the connector and OpenCTI\'s error; every existing token keeps working', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([EXPORT, MITRE]));
  f.chartsApplied([EXPORT, MITRE]);
  const old = ['opencti-worker-token', EXPORT.secret, MITRE.secret].map((s) => f.secretOf(s).token);
  f.oc.failures.push({ op: 'TokenAdd', when: (v) => v.userId === f.oc.userByName(C('mitre')).id, message: 'Too many tokens for this user', code: 'FUNCTIONAL_ERROR' });

  const { error } = await f.deploy(f.spec([EXPORT, MITRE], { rotation: 1 }));
  assert.equal(error, 'connector "mitre" (OpenCTI user "[C] dev mitre"): creating an API token: OpenCTI answered TokenAdd: Too many tokens for this user (FUNCTIONAL_ERROR)');
  assert.equal(f.journal.at(-1), `oc:TokenAdd ${C('mitre')} ${R(1)} UNLIMITED`, 'it stops at the failure: no rollout, no revocation');
  for (const token of old) assert.ok(f.accepted(token), 'old tokens still valid');
  assert.equal(f.secretOf(MITRE.secret).token, old[2], 'the failed identity keeps its token');
  for (const s of ['opencti-worker-token', EXPORT.secret]) assert.ok(f.accepted(f.secretOf(s).token), 'tokens already rotated are valid too');

  // Once OpenCTI accepts again, the retry finishes the rotation.
  f.oc.failures.length = 0;
  const summary = await f.deploy(f.spec([EXPORT, MITRE], { rotation: 1 }));
  assert.deepEqual(summary, { identities: 3, issued: 1, revoked: 3, rolled: 3, disabled: 0 });
  for (const token of old) assert.equal(f.accepted(token), null);
  f.noSecretsPrinted();
});

test('OpenCTI error on a role: names the role and the error, before any user or token is touched', async (t) => {
  const f = await setUp(t);
  f.oc.failures.push({ op: 'RoleAdd', message: 'You are not allowed to do this.', code: 'FORBIDDEN_ACCESS' });
  const { error } = await f.deploy(f.spec([MITRE]));
  assert.equal(error, 'role "[opencti-ha] dev connector": OpenCTI answered RoleAdd: You are not allowed to do this. (FORBIDDEN_ACCESS)');
  assert.deepEqual(f.journal, [...READS, `oc:RoleAdd ${CONNECTOR_ROLE}`]);
  f.noSecretsPrinted();
});

test('Kubernetes error writing a Secret: the new token is revoked, the stored one keeps working, nothing printed leaks it', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([EXPORT, MITRE]));
  f.chartsApplied([EXPORT, MITRE]);
  const oldExport = f.secretOf(EXPORT.secret).token;
  // The API server echoes the rejected value in its message.
  f.kube.failures.push({
    method: 'PATCH', kind: 'secrets', name: EXPORT.secret, status: 422,
    message: (body) => `Secret "${EXPORT.secret}" is invalid: data[OPENCTI_TOKEN]: Invalid value: "${JSON.parse(body).data.OPENCTI_TOKEN}"`,
  });

  const { error } = await f.deploy(f.spec([EXPORT, MITRE], { rotation: 1 }));
  assert.equal(error, 'connector "export-file-stix" (OpenCTI user "[C] dev export-file-stix"): writing Secret opencti/opencti-connector-export-file-stix-token: '
    + 'HTTP 422: Secret "opencti-connector-export-file-stix-token" is invalid: data[OPENCTI_TOKEN]: Invalid value: "[redacted]"; '
    + 'the new token was revoked, the token already in the Secret was left in place');
  assert.deepEqual(f.journal.slice(-3), [
    `oc:TokenAdd ${C('export-file-stix')} ${R(1)} UNLIMITED`,
    `k8s:PATCH secrets/${EXPORT.secret} 422`,
    `oc:TokenRevoke ${C('export-file-stix')} ${R(1)}`,
  ]);
  assert.equal(f.secretOf(EXPORT.secret).token, oldExport);
  assert.equal(f.accepted(oldExport), C('export-file-stix'));
  assert.equal(f.oc.userByName(C('export-file-stix')).tokens.length, 1, 'no orphan token left behind');
  f.noSecretsPrinted();
});

test('Kubernetes error: a Secret the chart did not create, or RBAC that forbids it', async (t) => {
  const f = await setUp(t);
  f.kube.secrets.delete(MITRE.secret);
  let { error } = await f.deploy(f.spec([MITRE]));
  assert.equal(error, 'connector "mitre" (OpenCTI user "[C] dev mitre"): Secret opencti/opencti-connector-mitre-token does not exist '
    + '(the identities chart creates it empty, before this Job runs)');
  assert.equal(f.journal.at(-1), `k8s:GET secrets/${MITRE.secret} 404`);
  assert.equal(f.oc.userByName(C('mitre')).tokens.length, 0, 'no token issued for nowhere');

  f.kube.secrets.set(MITRE.secret, { metadata: { name: MITRE.secret, annotations: {} } });
  f.kube.allowedSecrets.delete(MITRE.secret);
  ({ error } = await f.deploy(f.spec([MITRE])));
  assert.equal(error, 'connector "mitre" (OpenCTI user "[C] dev mitre"): reading Secret opencti/opencti-connector-mitre-token: HTTP 403: '
    + 'secrets "opencti-connector-mitre-token" is forbidden: User "system:serviceaccount:opencti:opencti-identities" cannot get resource "secrets" in API group "" in the namespace "opencti"');
  f.noSecretsPrinted();
});

test('health never ready: fails after the timeout without touching anything', async (t) => {
  const f = await setUp(t, { unhealthy: Infinity });
  const { error } = await f.deploy(f.spec([MITRE], { healthTimeoutSeconds: 30, healthIntervalSeconds: 5 }));
  assert.equal(error, `OpenCTI at ${f.oc.url} did not answer /health with HTTP 200 within 30 s (last answer: HTTP 503); nothing was changed`);
  assert.deepEqual(f.journal, Array(7).fill('oc:health 503'), 'one try every 5 s from 0 to 30 s');
  f.noSecretsPrinted();
});

test('health: waits while OpenCTI starts, then provisions', async (t) => {
  const f = await setUp(t, { unhealthy: 3 });
  const summary = await f.deploy(f.spec([MITRE]));
  assert.deepEqual(f.journal.slice(0, 5), ['oc:health 503', 'oc:health 503', 'oc:health 503', 'oc:health 200', 'oc:Capabilities']);
  assert.equal(summary.issued, 2);
  assert.equal(f.now() - Date.parse('2026-09-01T00:00:00Z'), 15000);
});

test('a rollout that does not finish: the old tokens are not revoked, and the next deploy finishes the rotation', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([MITRE]));
  f.chartsApplied([MITRE]);
  const oldWorker = f.secretOf('opencti-worker-token').token;
  f.kube.stuck.add('opencti-worker-api');

  const { error } = await f.deploy(f.spec([MITRE], { rotation: 1, rolloutTimeoutSeconds: 20, rolloutIntervalSeconds: 5 }));
  assert.equal(error, 'rollout of Deployment opencti/opencti-worker-api did not complete within 20 s (1 of 1 pods updated, 1 available); '
    + 'the previous tokens of "[W] dev workers" stay valid; deploy again once the Deployment is healthy');
  assert.ok(!f.journal.some((r) => r.startsWith('oc:TokenRevoke')));
  assert.equal(f.accepted(oldWorker), W, 'pods not yet restarted keep working');

  f.kube.stuck.delete('opencti-worker-api');
  const summary = await f.deploy(f.spec([MITRE], { rotation: 1 }));
  assert.deepEqual(f.journal.filter((r) => MUTATIONS.test(r)), [`oc:TokenRevoke ${W} ${R(0)}`, `oc:TokenRevoke ${C('mitre')} ${R(0)}`],
    'no new token, no new patch: only the revocations left over');
  assert.deepEqual(summary, { identities: 2, issued: 0, revoked: 2, rolled: 2, disabled: 0 });
  assert.equal(f.accepted(oldWorker), null);
  f.noSecretsPrinted();
});

test('invalid input is refused before any request, every problem at once', async (t) => {
  const f = await setUp(t);
  const bad = f.spec([
    { ...MITRE, name: 'Mitre_ATTACK', replicas: 2 },
    { ...EXPORT, secret: MITRE.secret, type: 'EXPORT', id: 'not-a-uuid' },
  ], { deployment: '1dev', rotation: -1, tokenDuration: 'DAYS_7', rotaton: 1 });
  const { error } = await f.deploy(bad);
  assert.equal(error, [
    'invalid spec:',
    '  rotaton: got 1, want no such field (allowed: rotation, tokenDuration, healthTimeoutSeconds, healthIntervalSeconds, rolloutTimeoutSeconds, rolloutIntervalSeconds, statusRelays, statusFirstSeconds, statusIntervalSeconds, deployment, namespace, openctiUrl, worker, connectors)',
    '  deployment: got "1dev", want 1-40 letters, digits or hyphens, starting with a letter (it prefixes every OpenCTI user, group and role the deployment owns)',
    '  rotation: got -1, want an integer from 0 to 2147483647',
    '  tokenDuration: got "DAYS_7", want one of UNLIMITED, DAYS_30, DAYS_60, DAYS_90, DAYS_365',
    '  connectors[0].replicas: got 2, want no such field (allowed: name, id, type, secret, deployments)',
    '  connectors[0].name: got "Mitre_ATTACK", want 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit (it names the OpenCTI user "[C] <deployment> <name>")',
    '  connectors[1].id: got "not-a-uuid", want the connector\'s CONNECTOR_ID, a lower-case UUIDv4',
    '  connectors[1].type: got "EXPORT", want one of EXTERNAL_IMPORT, INTERNAL_ENRICHMENT, INTERNAL_IMPORT_FILE, INTERNAL_EXPORT_FILE, INTERNAL_ANALYSIS, STREAM',
    '  connectors[1].secret: got "opencti-connector-mitre-token", want a Secret not already used by connectors[0].secret (each token has its own Secret)',
  ].join('\n'));
  assert.deepEqual(f.journal, []);
});

test('an OpenCTI user or group with a managed name that this deployment did not create is never taken over', async (t) => {
  const f = await setUp(t);
  f.oc.addUser(C('mitre'), 'created by a person');
  let { error } = await f.deploy(f.spec([MITRE]));
  assert.match(error, /^connector "mitre": OpenCTI user "\[C\] dev mitre" \(\S+\) exists but is not the account this deployment created for it \(its description lacks the line "opencti-ha:managed deployment=dev kind=connector name=\.\.\."\): rename or delete that user$/);
  assert.deepEqual(f.journal.filter((r) => r.startsWith('oc:User')), ['oc:Users']);

  const f2 = await setUp(t);
  f2.oc.addGroup(CONNECTORS_GROUP, 'a group of people');
  ({ error } = await f2.deploy(f2.spec([MITRE])));
  assert.equal(error, 'group "[opencti-ha] dev connectors" exists in OpenCTI but was not created by this opencti-ha deployment '
    + '(its description has no "opencti-ha:managed deployment=dev" line): rename or delete it, or choose another deployment name');
});

test('expiring tokens are renewed when a third of their lifetime is left, through the same rollout', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([MITRE], { tokenDuration: 'DAYS_30' }));
  f.chartsApplied([MITRE]);
  assert.equal(f.oc.userByName(W).tokens[0].expires_at, '2026-10-01T00:00:00.000Z');

  f.advance(19 * 86400000); // 11 days left: kept
  await f.deploy(f.spec([MITRE], { tokenDuration: 'DAYS_30' }));
  assert.deepEqual(f.journal.filter((r) => MUTATIONS.test(r)), []);

  f.advance(2 * 86400000); // 9 days left: renewed
  const summary = await f.deploy(f.spec([MITRE], { tokenDuration: 'DAYS_30' }));
  assert.deepEqual(f.journal.filter((r) => MUTATIONS.test(r)), [
    `oc:TokenAdd ${W} ${R(0)} DAYS_30`,
    'k8s:PATCH secrets/opencti-worker-token',
    `oc:TokenAdd ${C('mitre')} ${R(0)} DAYS_30`,
    `k8s:PATCH secrets/${MITRE.secret}`,
    'k8s:PATCH deployments/opencti-worker-api',
    'k8s:PATCH deployments/opencti-connector-mitre',
    `oc:TokenRevoke ${W} ${R(0)}`,
    `oc:TokenRevoke ${C('mitre')} ${R(0)}`,
  ]);
  assert.deepEqual(summary, { identities: 2, issued: 2, revoked: 2, rolled: 2, disabled: 0 });
  assert.equal(f.oc.userByName(W).tokens[0].expires_at, '2026-10-22T00:00:00.000Z');

  // Back to tokens without expiry: replaced at once.
  await f.deploy(f.spec([MITRE]));
  assert.equal(f.journal.filter((r) => r.startsWith('oc:TokenAdd')).length, 2);
  assert.equal(f.oc.userByName(W).tokens[0].expires_at, null);
  f.noSecretsPrinted();
});

// statusOf is what the Job recorded for the deploy to wait on.
const statusOf = (f) => ({ ...(f.kube.configMaps.get(STATUS).data || {}) });
const STATUS_CALLS = /^k8s:(GET|PATCH) configmaps\//;

test('status: heartbeats in the relay keys while OpenCTI starts, then the result in every relay key left and in "result"', async (t) => {
  const f = await setUp(t, { unhealthy: 180 }); // /health answers 200 after 900 s
  const summary = await f.deploy(f.spec([MITRE], { statusRelays: 4 }));
  assert.equal(summary.issued, 2);
  assert.deepEqual(f.journal.filter((r) => STATUS_CALLS.test(r)), [
    `k8s:GET configmaps/${STATUS}`, // a pod started again would find its keys here
    `k8s:PATCH configmaps/${STATUS}`, // relay-1 at 240 s
    `k8s:PATCH configmaps/${STATUS}`, // relay-2 at 840 s
    `k8s:PATCH configmaps/${STATUS}`, // the result
  ]);
  assert.equal(f.journal.indexOf(`k8s:PATCH configmaps/${STATUS}`), 1 + 48, 'the first heartbeat comes before the request at 240 s (48 tries from 0 to 235 s)');
  const done = 'succeeded: 2 identities, 2 tokens issued, 0 revoked, 0 Deployments rolled, 0 users disabled';
  assert.deepEqual(statusOf(f), {
    'relay-1': 'running: waiting for OpenCTI /health, 240 s after this pod started',
    'relay-2': 'running: waiting for OpenCTI /health, 840 s after this pod started',
    'relay-3': done,
    'relay-4': done,
    result: done,
  });
  f.noSecretsPrinted();
});

test('status: a failure is recorded in every relay key left, redacted, naming the connector and OpenCTI\'s error', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([EXPORT, MITRE], { statusRelays: 3 }));
  f.chartsApplied([EXPORT, MITRE]);
  f.kube.configMaps.set(STATUS, { metadata: { name: STATUS, namespace: NS } }); // the next Job's own, empty status
  f.oc.failures.push({ op: 'TokenAdd', when: (v) => v.userId === f.oc.userByName(C('mitre')).id, message: 'Too many tokens for this user', code: 'FUNCTIONAL_ERROR' });
  const { error } = await f.deploy(f.spec([EXPORT, MITRE], { rotation: 1, statusRelays: 3 }));
  const failed = `failed: ${error}`;
  assert.equal(failed, 'failed: connector "mitre" (OpenCTI user "[C] dev mitre"): creating an API token: OpenCTI answered TokenAdd: Too many tokens for this user (FUNCTIONAL_ERROR)');
  assert.deepEqual(statusOf(f), { 'relay-1': failed, 'relay-2': failed, 'relay-3': failed, result: failed });

  // The API server echoes a rejected token: the status holds it redacted.
  f.oc.failures.length = 0;
  f.kube.configMaps.set(STATUS, { metadata: { name: STATUS, namespace: NS } });
  f.kube.failures.push({
    method: 'PATCH', kind: 'secrets', name: MITRE.secret, status: 422,
    message: (body) => `Secret "${MITRE.secret}" is invalid: data[OPENCTI_TOKEN]: Invalid value: "${JSON.parse(body).data.OPENCTI_TOKEN}"`,
  });
  await f.deploy(f.spec([EXPORT, MITRE], { rotation: 2, statusRelays: 3 }));
  assert.match(statusOf(f).result, /^failed: connector "mitre" .*Invalid value: "\[redacted\]"; the new token was revoked, the token already in the Secret was left in place$/);
  f.noSecretsPrinted();
});

test('status: a pod the Job starts again writes the next relay key at once, and never the last one before the end', async (t) => {
  const f = await setUp(t, { unhealthy: 300 }); // 1500 s until /health answers
  f.kube.configMaps.get(STATUS).data = { 'relay-1': 'running: waiting for OpenCTI /health, 240 s after this pod started', 'relay-2': 'running: x' };
  await f.deploy(f.spec([MITRE], { statusRelays: 4 }));
  assert.deepEqual(f.journal.filter((r) => STATUS_CALLS.test(r)).slice(0, 2), [`k8s:GET configmaps/${STATUS}`, `k8s:PATCH configmaps/${STATUS}`]);
  assert.equal(f.journal.indexOf(`k8s:PATCH configmaps/${STATUS}`), 1, 'relay-3 before the first request');
  assert.equal(f.journal.filter((r) => STATUS_CALLS.test(r)).length, 3, 'GET, relay-3, then only the result: relay-4 is the result\'s');
  const s = statusOf(f);
  assert.equal(s['relay-3'], 'running: waiting for OpenCTI /health, 0 s after this pod started');
  assert.equal(s['relay-4'], 'succeeded: 2 identities, 2 tokens issued, 0 revoked, 0 Deployments rolled, 0 users disabled');
  assert.equal(s.result, s['relay-4']);
  assert.equal(s['relay-2'], 'running: x', 'keys already written are left alone');
});

test('status: heartbeats go on while the Job waits for rollouts', async (t) => {
  const f = await setUp(t);
  await f.deploy(f.spec([MITRE]));
  f.chartsApplied([MITRE]);
  f.kube.stuck.add('opencti-worker-api');
  const { error } = await f.deploy(f.spec([MITRE], { rotation: 1, statusRelays: 5, rolloutTimeoutSeconds: 1300, rolloutIntervalSeconds: 10 }));
  assert.match(error, /^rollout of Deployment opencti\/opencti-worker-api did not complete within 1300 s/);
  const s = statusOf(f);
  assert.equal(s['relay-1'], 'running: waiting for the rollouts, 240 s after this pod started');
  assert.equal(s['relay-2'], 'running: waiting for the rollouts, 840 s after this pod started');
  for (const k of ['relay-3', 'relay-4', 'relay-5', 'result']) assert.equal(s[k], `failed: ${error}`);
  f.noSecretsPrinted();
});

test('status: without its ConfigMap the Job warns and still provisions; a long message is cut to fit a CloudFormation response', async (t) => {
  const f = await setUp(t);
  f.kube.configMaps.delete(STATUS);
  const summary = await f.deploy(f.spec([MITRE], { statusRelays: 2 }));
  assert.equal(summary.issued, 2);
  assert.deepEqual(f.journal.filter((r) => STATUS_CALLS.test(r)), [`k8s:GET configmaps/${STATUS} 404`]);
  assert.ok(f.output.some((l) => l.includes('"msg":"cannot record the status: the deploy waiting on it will time out"') && l.includes('it does not exist')));

  f.kube.configMaps.set(STATUS, { metadata: { name: STATUS, namespace: NS } });
  f.oc.failures.push({ op: 'Users', message: 'x'.repeat(5000), code: 'DATABASE_ERROR' });
  await f.deploy(f.spec([MITRE], { statusRelays: 2 }));
  const { result } = statusOf(f);
  assert.ok(result.length <= provision.STATUS_MAX_CHARS, `${result.length} characters`);
  assert.match(result, /^failed: listing the users of OpenCTI: OpenCTI answered Users: x+\.\.\. \(truncated, see the Job's log\)$/);

  const { error } = await f.deploy(f.spec([MITRE], { statusRelays: 2 }), { jobName: '' });
  assert.equal(error, 'missing the name of the Job (IDENTITIES_JOB_NAME), whose status ConfigMap the deploy waits on');
});

test('the real entry point: environment and files in, JSON log lines out, exit status and termination message', async (t) => {
  const f = await setUp(t);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'identities-cli-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'token'), SA_TOKEN);
  fs.writeFileSync(path.join(dir, 'admin-token'), `${ADMIN}\n`);
  const specFile = path.join(dir, 'spec.json');
  const termination = path.join(dir, 'termination-log');
  const cli = (spec, extraEnv = {}) => {
    fs.writeFileSync(specFile, JSON.stringify(spec));
    return new Promise((resolve) => {
      execFile(process.execPath, [path.join(__dirname, 'provision.js')], {
        env: {
          IDENTITIES_SPEC: specFile,
          OPENCTI_ADMIN_TOKEN_FILE: path.join(dir, 'admin-token'),
          OPENCTI_HEALTH_ACCESS_KEY: HEALTH,
          KUBERNETES_API_URL: f.kube.url,
          SERVICE_ACCOUNT_DIR: dir,
          TERMINATION_LOG: termination,
          ...extraEnv,
        },
      }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
    });
  };

  const ok = await cli(f.spec([MITRE], { statusRelays: 2 }), { IDENTITIES_JOB_NAME: JOB });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(statusOf(f).result, 'succeeded: 2 identities, 2 tokens issued, 0 revoked, 0 Deployments rolled, 0 users disabled');
  assert.equal(ok.stderr, '');
  const lines = ok.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.at(-1).msg, 'identities provisioned');
  assert.equal(lines.at(-1).issued, 2);
  assert.ok(lines.every((l) => l.level && l.msg && l.time));
  assert.equal(f.accepted(f.secretOf(MITRE.secret).token), C('mitre'));
  assert.ok(!fs.existsSync(termination));

  f.oc.failures.push({ op: 'Users', message: 'Elasticsearch is unavailable', code: 'DATABASE_ERROR' });
  const bad = await cli(f.spec([MITRE]));
  assert.equal(bad.code, 1);
  const message = 'opencti-identities: listing the users of OpenCTI: OpenCTI answered Users: Elasticsearch is unavailable (DATABASE_ERROR)';
  assert.equal(bad.stderr, `${message}\n`);
  assert.equal(fs.readFileSync(termination, 'utf8'), message);
  assert.equal(JSON.parse(bad.stdout.trim().split('\n').at(-1)).level, 'error');

  const noSpec = await cli(f.spec([MITRE]), { IDENTITIES_SPEC: path.join(dir, 'missing.json') });
  assert.equal(noSpec.code, 1);
  assert.match(noSpec.stderr, /^opencti-identities: cannot read the spec .*missing\.json: ENOENT/);

  for (const out of [ok.stdout, ok.stderr, bad.stdout, bad.stderr, noSpec.stdout]) f.output.push(...out.split('\n').filter(Boolean));
  f.noSecretsPrinted();
});

test('the naming rule exported for the configuration', () => {
  for (const ok of ['mitre', 'export-file-stix', 'a', '0day', 'x'.repeat(40)]) assert.equal(provision.connectorNameProblem(ok), '', ok);
  for (const bad of ['', 'Mitre', 'mitre_attack', '-mitre', 'mitre-', 'mi tre', 'x'.repeat(41), undefined, 7]) {
    assert.equal(provision.connectorNameProblem(bad), provision.CONNECTOR_NAME_RULE, String(bad));
  }
  for (const ok of ['dev', 'opencti-prod', 'A1', 'a'.repeat(40)]) assert.equal(provision.deploymentNameProblem(ok), '', ok);
  for (const bad of ['', '1dev', 'dev_1', 'a'.repeat(41)]) assert.equal(provision.deploymentNameProblem(bad), provision.DEPLOYMENT_NAME_RULE, bad);
  const n = provision.namesOf('Opencti-Prod');
  assert.equal(n.connectorUser('mitre'), '[C] Opencti-Prod mitre');
  assert.equal(n.workerUser, '[W] Opencti-Prod workers');
  assert.equal(n.connectorEmail('mitre'), 'c.mitre@opencti-prod.opencti-ha.invalid');
  assert.deepEqual(provision.parseMarker(`text\n${provision.markerOf('dev', 'connector', 'mitre', MITRE.id)}`),
    { deployment: 'dev', kind: 'connector', name: 'mitre', connectorId: MITRE.id });
  assert.equal(provision.parseMarker('a user made by hand'), null);
});

test('provision.js is one file that needs nothing but node: built-ins (it runs from a ConfigMap in the platform image)', () => {
  const src = fs.readFileSync(path.join(__dirname, 'provision.js'), 'utf8');
  const required = [...src.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
  assert.deepEqual(required.sort(), ['node:fs', 'node:http', 'node:https', 'node:util']);
  assert.doesNotMatch(src, /^\s*(import|export)\s/m, 'CommonJS');
  assert.ok(Buffer.byteLength(src) < 900 * 1024, 'fits a ConfigMap (1 MiB)');
});
