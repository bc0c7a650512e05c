// Tests of auditlog.js (node --test; make test): the real
// @aws-sdk/client-secrets-manager with send() stubbed by aws-sdk-client-mock,
// node:https replaced by a fake OpenSearch domain
// (internal/handlertest/fakes.js).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { mockClient } = require('aws-sdk-client-mock');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const { captureConsole, fakeHttps, FakeDomain } = require('../../internal/handlertest/fakes.js');

const handler = require('./auditlog.js');

const PASSWORD = 'Aud1t-Secret_Pa55word';
// The managed configuration NewAuditLogging sends (see auditlog_test.go,
// which checks the template carries exactly this).
const managed = {
  enabled: true,
  audit: {
    enable_rest: true, disabled_rest_categories: ['AUTHENTICATED', 'GRANTED_PRIVILEGES'],
    enable_transport: true, disabled_transport_categories: ['AUTHENTICATED', 'GRANTED_PRIVILEGES'],
    resolve_bulk_requests: false, log_request_body: false, resolve_indices: true, ignore_users: ['kibanaserver'],
  },
  compliance: {
    enabled: true, read_metadata_only: true, read_ignore_users: ['kibanaserver'],
    write_metadata_only: true, write_log_diffs: false, write_ignore_users: ['kibanaserver'],
  },
};
const props = {
  DomainEndpoint: 'vpc-opencti-search-abc123.eu-west-1.es.amazonaws.com',
  MasterUserSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:opencti/prod/opensearch-AbCdEf',
  UsernameField: 'username',
  PasswordField: 'password',
  AuditConfig: JSON.stringify(managed),
};
const create = { RequestType: 'Create', RequestId: 'r1', ResourceProperties: props };

function setUp(t, secretString = JSON.stringify({ username: 'opencti', password: PASSWORD })) {
  const domain = new FakeDomain({ password: PASSWORD });
  const requests = fakeHttps(t, (r) => domain.serve(r));
  const sm = mockClient(SecretsManagerClient);
  sm.on(GetSecretValueCommand, { SecretId: props.MasterUserSecretArn }).resolves({ SecretString: secretString });
  t.after(() => sm.restore());
  return { domain, requests, lines: captureConsole(t) };
}

function noSecrets(texts) {
  for (const text of texts) {
    for (const f of [PASSWORD, Buffer.from(`opencti:${PASSWORD}`).toString('base64')]) {
      assert.ok(!String(text).includes(f), `a secret leaked into: ${text}`);
    }
  }
}

// run plays the provider framework: onEvent, then isComplete until done.
async function run(event, max = 10) {
  const out = await handler.onEvent(event);
  for (let polls = 1; ; polls++) {
    const done = await handler.isComplete({ ...event, PhysicalResourceId: out.PhysicalResourceId });
    if (done.IsComplete) return { out, polls };
    assert.ok(polls < max, 'isComplete never completed');
  }
}

test('Create turns audit logging on, keeps other settings, and reads it back', async (t) => {
  const { domain, requests, lines } = setUp(t);
  domain.audit.audit.ignore_requests = ['/_cluster/health'];
  const { out, polls } = await run(create);
  assert.deepEqual(out, { PhysicalResourceId: `${props.DomainEndpoint}/audit-config` });
  assert.equal(polls, 2, 'write, then read back');
  assert.equal(domain.audit.enabled, true);
  assert.equal(domain.audit.audit.log_request_body, false);
  assert.equal(domain.audit.audit.resolve_bulk_requests, false);
  assert.deepEqual(domain.audit.audit.disabled_rest_categories, ['AUTHENTICATED', 'GRANTED_PRIVILEGES']);
  assert.deepEqual(domain.audit.audit.ignore_requests, ['/_cluster/health'], 'a setting it does not manage is kept');
  assert.equal(domain.audit.compliance.internal_config, true);
  const puts = requests.filter((r) => r.method === 'PUT');
  assert.equal(puts.length, 1);
  assert.equal(puts[0].path, '/_plugins/_security/api/audit/config');
  assert.ok(requests.every((r) => r.headers.authorization === 'Basic ' + Buffer.from(`opencti:${PASSWORD}`).toString('base64')));
  assert.ok(lines.some((l) => l.includes('"msg":"audit logging configured"')));
  noSecrets(lines);
});

test('a retry, or an Update with nothing to change, writes nothing (idempotent)', async (t) => {
  const { domain, lines } = setUp(t);
  await run(create);
  const writes = domain.puts.length;
  await run(create);
  await run({ ...create, RequestType: 'Update', PhysicalResourceId: `${props.DomainEndpoint}/audit-config`, OldResourceProperties: props });
  assert.equal(domain.puts.length, writes);
  assert.ok(lines.some((l) => l.includes('audit logging already configured')));
});

test('Update applies a changed managed setting', async (t) => {
  const { domain } = setUp(t);
  await run(create);
  const changed = { ...managed, audit: { ...managed.audit, disabled_rest_categories: ['AUTHENTICATED'] } };
  await run({ RequestType: 'Update', PhysicalResourceId: 'x', ResourceProperties: { ...props, AuditConfig: JSON.stringify(changed) }, OldResourceProperties: props });
  assert.deepEqual(domain.audit.audit.disabled_rest_categories, ['AUTHENTICATED']);
  assert.deepEqual(domain.audit.audit.disabled_transport_categories, ['AUTHENTICATED', 'GRANTED_PRIVILEGES']);
});

test('read-only settings are kept as the domain has them (no 409)', async (t) => {
  const { domain, lines } = setUp(t);
  const wantsReadonly = { ...managed, audit: { ...managed.audit, exclude_sensitive_headers: false }, compliance: { ...managed.compliance, external_config: true } };
  await run({ ...create, ResourceProperties: { ...props, AuditConfig: JSON.stringify(wantsReadonly) } });
  assert.equal(domain.audit.enabled, true);
  assert.equal(domain.audit.audit.exclude_sensitive_headers, true);
  assert.equal(domain.audit.compliance.external_config, false);
  assert.ok(lines.some((l) => l.includes('read-only on this domain') && l.includes('/audit/exclude_sensitive_headers')));
});

test('Delete leaves audit logging on and calls nothing', async (t) => {
  const { domain, requests } = setUp(t);
  await run(create);
  const before = requests.length;
  const del = { RequestType: 'Delete', PhysicalResourceId: `${props.DomainEndpoint}/audit-config`, ResourceProperties: props };
  assert.deepEqual(await handler.onEvent(del), { PhysicalResourceId: `${props.DomainEndpoint}/audit-config` });
  assert.deepEqual(await handler.isComplete(del), { IsComplete: true });
  assert.equal(requests.length, before);
  assert.equal(domain.audit.enabled, true);
});

test('a domain that is not ready yet is polled again', async (t) => {
  const { domain, lines } = setUp(t);
  domain.fail['GET /_plugins/_security/api/audit'] = { status: 503, body: 'OpenSearch Security not initialized.' };
  assert.deepEqual(await handler.isComplete(create), { IsComplete: false });
  const serve = domain.serve.bind(domain);
  domain.serve = () => { throw new Error('connect ECONNREFUSED 10.0.3.4:443'); };
  assert.deepEqual(await handler.isComplete(create), { IsComplete: false });
  domain.serve = serve;
  delete domain.fail['GET /_plugins/_security/api/audit'];
  const { polls } = await run(create);
  assert.equal(polls, 2);
  assert.equal(domain.audit.enabled, true);
  assert.ok(lines.some((l) => l.includes('cannot answer yet') && l.includes('HTTP 503')));
  assert.ok(lines.some((l) => l.includes('cannot answer yet') && l.includes('ECONNREFUSED')));
  noSecrets(lines);
});

test('failures name the problem and never print a secret', async (t) => {
  const cases = [
    ['a wrong master password', (d) => { d.password = 'other'; },
      /^reading the audit configuration: HTTP 401 \{"raw":"Unauthorized"\} \(the master user secret does not match/],
    ['the audit API switched off', (d) => { d.fail['GET /_plugins/_security/api/audit'] = { status: 501, body: { status: 'NOT_IMPLEMENTED' } }; },
      /^reading the audit configuration: HTTP 501 .*the domain must publish AUDIT_LOGS/],
    ['a rejected configuration', (d) => { d.fail['PUT /_plugins/_security/api/audit/config'] = { status: 400, body: { status: 'error', reason: 'Invalid REST categories passed in the request' } }; },
      /^writing the audit configuration: HTTP 400 .*Invalid REST categories/],
  ];
  for (const [what, breakIt, want] of cases) {
    await t.test(what, async (t) => {
      const { domain, lines } = setUp(t);
      breakIt(domain);
      await assert.rejects(handler.isComplete(create), (err) => {
        assert.match(err.message, want);
        noSecrets([err.message, err.stack]);
        return true;
      });
      noSecrets(lines);
    });
  }
  await t.test('a master user secret that is not JSON', async (t) => {
    const { lines } = setUp(t, `{"username":"opencti","password":"${PASSWORD}"`);
    await assert.rejects(handler.isComplete(create), { message: 'the master user secret is not a JSON object' });
    noSecrets(lines);
  });
  await t.test('a broken AuditConfig property', async (t) => {
    setUp(t);
    await assert.rejects(handler.onEvent({ ...create, ResourceProperties: { ...props, AuditConfig: 'true' } }),
      { message: 'the AuditConfig property is not a JSON object' });
  });
});

test('desiredConfig lays managed settings over the current ones', () => {
  const { config, kept } = handler.desiredConfig(
    { enabled: false, audit: { a: 1, keep: [1], ro: 'x' } },
    { enabled: true, audit: { a: 2, ro: 'y' }, compliance: { c: true } },
    ['/audit/ro', '/compliance/missing'],
  );
  assert.deepEqual(config, { enabled: true, audit: { a: 2, keep: [1], ro: 'x' }, compliance: { c: true } });
  assert.deepEqual(kept, ['/audit/ro']);
});
