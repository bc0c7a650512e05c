// Fills fields of a JSON secret that Secrets Manager cannot generate itself.
// Properties: SecretId (ARN), Fields ({field: kind}), Generation (opaque; a
// change re-runs the check). A field is written only when its current value
// is missing or malformed, so deploys never rotate a valid value. Values are
// never logged and never returned to CloudFormation (no Data, NoEcho).
// It answers CloudFormation itself (PUT to the pre-signed ResponseURL): a
// Lambda-backed custom resource without the provider framework.
// Loadable as inline code: node: built-ins and @aws-sdk/client-secrets-manager
// (in the Lambda Node.js runtimes) only. Tests: generator.test.js.
const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const crypto = require('node:crypto');
const https = require('node:https');
const sm = new SecretsManagerClient({});
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const B64_32 = /^[A-Za-z0-9+/]{43}=$/;
const KINDS = {
  uuid4: { make: () => crypto.randomUUID(), ok: (v) => typeof v === 'string' && UUID4.test(v) },
  base64_32: { make: () => crypto.randomBytes(32).toString('base64'), ok: (v) => typeof v === 'string' && B64_32.test(v) && Buffer.from(v, 'base64').length === 32 },
};
function respond(event, status, reason) {
  const body = JSON.stringify({
    Status: status, Reason: reason, NoEcho: true, Data: {},
    PhysicalResourceId: event.PhysicalResourceId || 'generated-fields-' + event.LogicalResourceId,
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
  });
  const u = new URL(event.ResponseURL);
  return new Promise((resolve, reject) => {
    const req = https.request({ hostname: u.hostname, path: u.pathname + u.search, method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}
exports.handler = async (event, context) => {
  let status = 'SUCCESS';
  let reason = 'ok';
  try {
    if (event.RequestType !== 'Delete') {
      const p = event.ResourceProperties;
      const cur = await sm.send(new GetSecretValueCommand({ SecretId: p.SecretId }));
      let doc;
      // A parse error message quotes the input: never let it carry the secret.
      try { doc = JSON.parse(cur.SecretString || '{}'); } catch (_) { throw new Error('the secret value is not a JSON object'); }
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the secret value is not a JSON object');
      const written = [];
      for (const [field, kind] of Object.entries(p.Fields || {})) {
        const k = KINDS[kind];
        if (!k) throw new Error('unknown kind ' + kind + ' for field ' + field);
        if (!k.ok(doc[field])) { doc[field] = k.make(); written.push(field); }
      }
      if (written.length > 0) {
        await sm.send(new PutSecretValueCommand({ SecretId: p.SecretId, SecretString: JSON.stringify(doc) }));
      }
      console.log(JSON.stringify({ secret: p.SecretId, written }));
    }
  } catch (e) {
    status = 'FAILED';
    reason = String((e && e.name) || 'Error') + ': ' + String((e && e.message) || e).slice(0, 200) + ' (log stream ' + context.logStreamName + ')';
    console.log(reason);
  }
  await respond(event, status, reason);
};
