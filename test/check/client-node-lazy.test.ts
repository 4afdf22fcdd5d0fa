import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/ansible.js';

const SRC = join(REPO_ROOT, 'dist/src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );

test('@kubernetes/client-node is loaded by check’s cluster mode and the demo’s watch only, and lazily', () => {
  // An import, static or dynamic (comments may name the package).
  const importers = files(SRC).filter((f) =>
    /(?:from|import\()\s*['"]@kubernetes\/client-node/.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(importers.map((f) => f.slice(SRC.length + 1)).sort(), [
    'check/cluster-facts.js',
    'lab/demo-watch.js',
  ]);
  for (const f of importers) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /^import .*@kubernetes\/client-node/m, `no static import in ${f}`);
  }
  // What `kubeha proxy` loads pulls no client-node in; cluster mode does, when it runs.
  const script = `
    const { registerHooks } = await import('node:module');
    const seen = [];
    registerHooks({ resolve(spec, ctx, next) { if (spec.startsWith('@kubernetes/')) seen.push(spec); return next(spec, ctx); } });
    await import(${JSON.stringify(join(SRC, 'cli/proxy-run.js'))});
    await import(${JSON.stringify(join(SRC, 'proxy/daemon.js'))});
    const proxy = seen.length;
    const { loadKubeconfig } = await import(${JSON.stringify(join(SRC, 'check/cluster-facts.js'))});
    const afterImport = seen.length;
    await loadKubeconfig('/nonexistent-kubeconfig').catch(() => {});
    console.log(proxy, afterImport, seen.length > 0 ? 'loaded' : 'not loaded');`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(out.trim(), '0 0 loaded');
});
