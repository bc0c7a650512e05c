// Every Lambda handler under constructs/ is deployed as inline code
// (awslambda.Code_FromInline: one CommonJS file named index.js): it may
// require only node: built-ins and AWS SDK v3 clients, which the Lambda
// Node.js runtimes include, and Node.js 24 runtimes accept only async
// handlers (no callback). This test reads each handler's source.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..', 'constructs');
const handlers = fs.readdirSync(root).flatMap((dir) => {
  const d = path.join(root, dir);
  return fs.statSync(d).isDirectory()
    ? fs.readdirSync(d).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js')).map((f) => path.join(d, f))
    : [];
});

// loadFresh runs file as its first require would. make test-handlers runs
// every test file in one process (--test-isolation=none) with one require
// cache, where the handler tests have loaded the handlers (and the
// internal/handlerlib file they share) already: a plain require would return
// the cached module without running the file. The repository's own modules
// are loaded anew (the pinned SDK packages in .tools/node_modules stay
// cached: they are not what is checked), then the cache is put back as it
// was, so that the other test files keep the module instances they test.
const repo = path.join(__dirname, '..', '..') + path.sep;
const ours = (key) => key.startsWith(repo) && !key.includes(`${path.sep}node_modules${path.sep}`);
function loadFresh(file) {
  const saved = Object.keys(require.cache).filter(ours).map((key) => [key, require.cache[key]]);
  for (const [key] of saved) delete require.cache[key];
  try {
    return require(file);
  } finally {
    for (const key of Object.keys(require.cache)) if (ours(key)) delete require.cache[key];
    for (const [key, mod] of saved) require.cache[key] = mod;
  }
}

const requires = (src) => [...src.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);

test('there are handlers to check', () => {
  assert.deepEqual(handlers.map((h) => path.relative(root, h)).sort(),
    ['identitiesgate/handler.js', 'monitoring/cacheevents.js', 'monitoring/dimensioncheck.js', 'monitoring/lblookup.js', 'opensearch/auditlog.js', 'recovery/restore.js', 'recovery/snapshots.js', 'secrets/generator.js', 'upgradesnapshot/handler.js']);
});

for (const file of handlers) {
  test(`${path.relative(root, file)} is loadable as inline code`, () => {
    const src = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(src, /^\s*(import|export)\s/m, 'ES module syntax: inline code is CommonJS');
    // A shared file of internal/handlerlib is required by relative path and
    // put in place of its require by handlerlib.Inline (Go; its test loads
    // each inlined handler alone): its own requires follow the same rule.
    const shared = [];
    const required = requires(src).filter((r) => {
      const m = r.match(/^(?:\.\.\/)+internal\/handlerlib\/([a-z]+\.js)$/);
      if (m) shared.push(path.join(__dirname, '..', 'handlerlib', m[1]));
      return !m;
    });
    for (const s of shared) required.push(...requires(fs.readFileSync(s, 'utf8')));
    assert.ok(required.length > 0);
    for (const r of required) {
      assert.match(r, /^(node:[a-z_]+|@aws-sdk\/client-[a-z0-9-]+)$/, `${r}: not a node: built-in nor an AWS SDK v3 client`);
    }
    const exported = [...src.matchAll(/^exports\.(onEvent|isComplete|handler)\s*=\s*(async\b)?/gm)];
    assert.ok(exported.length > 0, 'no handler exported');
    for (const m of exported) assert.ok(m[2], `exports.${m[1]} must be an async function (Node.js 24 runtimes have no callback handlers)`);
    // Loads in this Node.js with the SDK clients the tools pin.
    assert.doesNotThrow(() => loadFresh(file));
  });
}
