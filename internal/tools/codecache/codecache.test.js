// Tests of codecache.cjs (node --test; make test-handlers): a module tree run
// through the preload from two folders behaves as without it, and the second
// folder is served from the entries the first wrote (keyed by source, not by
// path); a damaged entry is rejected by V8 and rewritten; without
// OPENCTI_HA_CODE_CACHE nothing is written.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PRELOAD = path.join(__dirname, 'codecache.cjs');

// The module tree: main.js requires a module that reports what Node gave
// it, a JSON file, a script with a "#!" line, and a CommonJS module that
// imports an ES module; thrower.js fails on its third line.
const TREE = {
  'main.js': [
    "'use strict';",
    "const probe = require('./lib/probe.js');",
    "const data = require('./lib/data.json');",
    "const tool = require('./lib/tool.js');",
    'let line;',
    "try { require('./lib/thrower.js'); } catch (e) { line = /thrower\\.js:(\\d+)/.exec(e.stack)[1]; }",
    "require('./lib/esm-bridge.js').load().then((esm) => {",
    '  process.stdout.write(JSON.stringify({ ...probe, data, tool, line, esm, isMain: require.main === module }));',
    '});',
  ].join('\n'),
  'lib/probe.js': [
    "'use strict';",
    'module.exports = {',
    '  filename: __filename,',
    '  dirname: __dirname,',
    "  resolved: require.resolve('./data.json'),",
    "  paths: require.resolve.paths('x').length > 0,",
    '  cached: Object.keys(require.cache).length > 0,',
    '  thisIsExports: this === module.exports,',
    '};',
  ].join('\n'),
  'lib/data.json': '{"answer": 42}',
  'lib/tool.js': "#!/usr/bin/env node\n'use strict';\nmodule.exports = 'tool';\n",
  'lib/thrower.js': "'use strict';\n\nthrow new Error('third line');\n",
  'lib/esm-bridge.js': "'use strict';\nexports.load = () => import('./esm.mjs').then((m) => m.value);\n",
  'lib/esm.mjs': "export const value = 'esm';\n",
};
// esm-bridge.js calls import(): Node compiles it, without an entry.
const JS_MODULES = Object.keys(TREE).filter((f) => f.endsWith('.js')).length - 1;

function writeTree(root) {
  for (const [name, text] of Object.entries(TREE)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
}

function run(root, cache) {
  const env = { ...process.env, NODE_OPTIONS: `--require=${PRELOAD}` };
  delete env.OPENCTI_HA_CODE_CACHE;
  if (cache !== undefined) {
    env.OPENCTI_HA_CODE_CACHE = cache;
  }
  const out = spawnSync(process.execPath, [path.join(root, 'main.js')], { env, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stderr, '', 'nothing on stderr');
  return JSON.parse(out.stdout);
}

function expected(root) {
  return {
    filename: path.join(root, 'lib', 'probe.js'),
    dirname: path.join(root, 'lib'),
    resolved: path.join(root, 'lib', 'data.json'),
    paths: true,
    cached: true,
    thisIsExports: true,
    data: { answer: 42 },
    tool: 'tool',
    line: '3',
    esm: 'esm',
    isMain: true,
  };
}

function entries(cache) {
  return fs.existsSync(cache) ? fs.readdirSync(cache).sort() : [];
}

function scratch(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codecache-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('modules run as without the cache, from any folder, and a second folder reuses the entries', (t) => {
  const dir = scratch(t);
  const cache = path.join(dir, 'cache');
  const first = path.join(dir, 'one');
  const second = path.join(dir, 'two', 'deeper');
  writeTree(first);
  writeTree(second);

  assert.deepEqual(run(first), expected(first), 'without the cache');
  assert.deepEqual(entries(cache), []);

  assert.deepEqual(run(first, cache), expected(first));
  const written = entries(cache);
  assert.equal(written.length, JS_MODULES, `one entry per CommonJS module: ${written}`);
  const stamps = written.map((f) => fs.statSync(path.join(cache, f)).mtimeMs);

  assert.deepEqual(run(second, cache), expected(second), 'the same sources under another folder');
  assert.deepEqual(entries(cache), written, 'no new entry: the sources are the same');
  assert.deepEqual(written.map((f) => fs.statSync(path.join(cache, f)).mtimeMs), stamps, 'no entry rewritten');
});

test('a damaged entry is rejected, the module still runs, and the entry is rewritten', (t) => {
  const dir = scratch(t);
  const cache = path.join(dir, 'cache');
  const root = path.join(dir, 'tree');
  writeTree(root);
  run(root, cache);
  const [victim] = entries(cache);
  const good = fs.readFileSync(path.join(cache, victim));
  fs.writeFileSync(path.join(cache, victim), Buffer.from('not a V8 code cache'));

  assert.deepEqual(run(root, cache), expected(root));
  const rewritten = fs.readFileSync(path.join(cache, victim));
  assert.notEqual(rewritten.toString(), 'not a V8 code cache');
  assert.ok(rewritten.length > 0.5 * good.length, 'a real code cache again');
  assert.deepEqual(entries(cache).filter((f) => f.includes('.')), [], 'no temporary file left');
});

test('a change to a module is a new entry, not a stale one', (t) => {
  const dir = scratch(t);
  const cache = path.join(dir, 'cache');
  const root = path.join(dir, 'tree');
  writeTree(root);
  run(root, cache);
  const before = entries(cache);
  fs.writeFileSync(path.join(root, 'lib', 'tool.js'), "'use strict';\nmodule.exports = 'changed';\n");

  assert.equal(run(root, cache).tool, 'changed');
  assert.equal(entries(cache).length, before.length + 1);
});
