import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the long-running proxy keeps in memory is what its modules import
 * statically. `yaml` and `zod` (the configuration, the kubeconfig) run in a
 * short-lived child; @kubernetes/client-node would add ~68 MiB (docs/proxy.md).
 * This walks the compiled import graph of every proxy entry point.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const ENTRIES = ['proxy/daemon.js', 'proxy/cluster-supervisor.js', 'proxy/cluster-worker.js'];
const FORBIDDEN = ['yaml', 'zod', '@kubernetes/client-node', 'undici', 'js-yaml'];

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // compiled ESM: `import … from '…'`, `import '…'`, `export … from '…'` (type imports are gone)
  const re = /^\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => m[1]!);
}

test('the proxy process never loads yaml, zod or @kubernetes/client-node: discovery included', () => {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const queue = ENTRIES.map((e) => resolve(SRC, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else
        bare.add(
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  }
  // the walk reaches discovery, and the kubeconfig reader stays out
  for (const f of ['proxy/discovery-loop.js', 'proxy/kube-watch.js', 'proxy/kube-credentials.js'])
    assert.ok(seen.has(resolve(SRC, f)), f);
  assert.ok(!seen.has(resolve(SRC, 'proxy/kubeconfig.js')));
  assert.ok(!seen.has(resolve(SRC, 'proxy/config.js')));
  assert.deepEqual(
    FORBIDDEN.filter((m) => bare.has(m)),
    [],
  );
  assert.ok(bare.has('pino'), 'the walk sees bare imports');
});
