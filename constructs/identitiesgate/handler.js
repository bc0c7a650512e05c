// The verdict of the OpenCTI identities Job for CloudFormation: the deploy
// continues (the scaling and connectors charts are applied) only if the Job
// succeeded, and otherwise fails with the Job's own message, which names the
// user or connector and OpenCTI's error (charts/identities/provision.js).
// Properties: Namespace, JobName and Result, the value of the Job's last
// status relay key (read by a KubernetesObjectValue: "succeeded: ...",
// "failed: ..." or, if the Job outlived every relay, "running: ..."). The
// function reads nothing else and calls no AWS API; it answers CloudFormation
// itself (PUT to the pre-signed ResponseURL), a Lambda-backed custom resource
// without the provider framework. Loadable as inline code: node: built-ins
// only. Tests: handler.test.js.
'use strict';
const https = require('node:https');

// The Job redacts every token it handles; an OpenCTI token that reached the
// status anyway is cut out here too (a second line of defence).
const TOKEN_RE = /flgrn_octi_tkn_[A-Za-z0-9_-]+/g;
const MAX_REASON = 3000; // the whole response must stay under 4,096 bytes
const STATE = { running: 'running: ', succeeded: 'succeeded: ', failed: 'failed: ' };

const clean = (text) => String(text).replace(TOKEN_RE, '[redacted]');
const bounded = (text) => (text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON - 12)}... (cut)`);

// judge turns the Job's status into { ok, message }.
function judge(props) {
  const ns = String(props.Namespace || '');
  const job = String(props.JobName || '');
  const result = clean(props.Result === undefined ? '' : props.Result);
  const where = `identities Job ${ns}/${job}`;
  const logs = `kubectl -n ${ns} logs job/${job}`;
  if (result.startsWith(STATE.succeeded)) {
    return { ok: true, message: `${where}: ${result}` };
  }
  if (result.startsWith(STATE.failed)) {
    return {
      ok: false,
      message: bounded(`${where} failed: ${result.slice(STATE.failed.length)} `
        + `(tokens in use before this deploy keep working; details: ${logs})`),
    };
  }
  if (result.startsWith(STATE.running)) {
    return {
      ok: false,
      message: bounded(`${where} was still running when the deploy stopped waiting (${result}); `
        + `it has a deadline of its own: see ${logs}, then deploy again`),
    };
  }
  return { ok: false, message: bounded(`${where} recorded an unexpected status ${JSON.stringify(result.slice(0, 200))} (see ${logs})`) };
}

function respond(event, status, reason, data) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: event.PhysicalResourceId || `opencti-identities-gate-${event.LogicalResourceId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  const u = new URL(event.ResponseURL);
  return new Promise((resolve, reject) => {
    const req = https.request({
      hostname: u.hostname, path: u.pathname + u.search, method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

exports.handler = async (event, context) => {
  let status = 'SUCCESS';
  let reason = 'ok';
  let data = {};
  try {
    if (event.RequestType !== 'Delete') {
      const verdict = judge(event.ResourceProperties || {});
      console.log(JSON.stringify({ requestType: event.RequestType, ok: verdict.ok, message: verdict.message }));
      if (verdict.ok) {
        data = { Result: verdict.message };
      } else {
        status = 'FAILED';
        reason = verdict.message;
      }
    }
  } catch (e) {
    status = 'FAILED';
    reason = bounded(clean(`${(e && e.name) || 'Error'}: ${(e && e.message) || e} (log stream ${context.logStreamName})`));
    console.log(reason);
  }
  await respond(event, status, reason, data);
};

exports.judge = judge;
