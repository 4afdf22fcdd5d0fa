#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// `npm test -- proxy inventory` runs only files whose path contains one of the words.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

// `npm test` runs this on the checkout's Node 24 (node_modules/.bin comes first on PATH).
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(
    `run-tests: needs Node.js 24 (this is ${process.version}); run it through \`npm test\``,
  );
  process.exit(2);
}
const root = 'dist/test';
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = walk(root).filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)));
if (files.length === 0) {
  console.error(`no test files under ${root} match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
// Skipped tests are collected by a second reporter and listed at the end. With
// KUBEHA_REQUIRE_TOOLS=1 (.ci/run, which installs every tool a test needs) any skip
// fails the run: a test that needs a tool must not pass by not running.
const dir = mkdtempSync(join(tmpdir(), 'kubeha-tests-'));
const skipsFile = join(dir, 'skipped.jsonl');
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(dirname(fileURLToPath(import.meta.url)), 'skip-reporter.mjs')}`,
  `--test-reporter-destination=${skipsFile}`,
];
const args = ['--test', '--test-concurrency=2', ...reporters, ...passThrough, ...files];
const res = spawnSync(process.execPath, args, { stdio: 'inherit' });
let skipped = [];
try {
  skipped = readFileSync(skipsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  // no reporter output: the run itself failed, its status says so
}
rmSync(dir, { recursive: true, force: true });
if (skipped.length > 0) {
  console.log(`\nskipped (${skipped.length}):`);
  for (const t of skipped) console.log(`  ${relative('.', t.file ?? '')}: ${t.name}: ${t.reason}`);
}
if (process.env.KUBEHA_REQUIRE_TOOLS === '1' && skipped.length > 0) {
  console.error(
    `run-tests: ${skipped.length} test(s) skipped, but KUBEHA_REQUIRE_TOOLS=1 says every tool is installed`,
  );
  process.exit(1);
}
process.exit(res.status ?? 1);
