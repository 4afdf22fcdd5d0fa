import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadKubesprayInventory } from '../../src/kubespray/dynamic-groups.js';
import { resolveKubesprayVersion } from '../../src/kubespray/versions.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { checkIntervalFor } from '../../src/plan/check-interval.js';
import { formatPlanTable } from '../../src/plan/format-table.js';
import { renderPlan } from '../../src/render/render-plan.js';

test('the check interval: 1 s up to 100 nodes, then each API server at most 100 checks/s, at most 15 s', () => {
  assert.equal(checkIntervalFor(1).interval, '1s');
  assert.equal(checkIntervalFor(100).interval, '1s');
  assert.equal(checkIntervalFor(101).interval, '2s');
  assert.equal(checkIntervalFor(500).interval, '5s');
  assert.equal(checkIntervalFor(500).checksPerServerPerSecond, 100);
  assert.equal(checkIntervalFor(5000).interval, '15s');
  assert.equal(checkIntervalFor(5000).checksPerServerPerSecond, 333.3);
  assert.match(checkIntervalFor(5000).why, /15 s ceiling/);
});

/** A Kubespray inventory: three control planes and `workers` nodes (an INI host range). */
async function planOf(workers: number) {
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-size-'));
  const file = join(dir, 'inventory.ini');
  await writeFile(
    file,
    [
      '[kube_control_plane]',
      'cp[1:3]',
      '[etcd:children]',
      'kube_control_plane',
      '[kube_node]',
      `node[1:${workers}]`,
      '',
    ].join('\n'),
  );
  try {
    const { inventory, diagnostics } = await loadKubesprayInventory([file], {});
    return buildPlan(inventory, {
      era: resolveKubesprayVersion('2.31'),
      inventoryDiagnostics: diagnostics,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('render scales healthCheck.interval with the inventory node count, and the plan says so', async () => {
  const small = await planOf(4);
  const big = await planOf(500);
  const nodes = big.hosts.filter((h) => h.localProxy).length;
  assert.equal(nodes, 500, 'every worker runs a local proxy (Case 1)');
  const config = (plan: typeof big) => {
    const f = renderPlan(plan, { proxy: 'kubeha' }).find((x) => x.path.endsWith('proxy.yaml'))!;
    return { text: f.content, yaml: parse(f.content) };
  };
  assert.equal(config(small).yaml.healthCheck.interval, '1s');
  const c = config(big);
  assert.equal(c.yaml.healthCheck.interval, '5s');
  assert.match(c.text, /# healthCheck\.interval 5s: 500 nodes: every 5 s instead of 1 s/);
  const k = big.hosts.find((h) => h.localProxy)!.localProxy!.settings.kubeha.healthCheck;
  assert.equal(k.nodes, 500);
  const text = formatPlanTable({
    ...big,
    hosts: big.hosts.map((h) =>
      h.localProxy ? { ...h, localProxy: { ...h.localProxy, type: 'kubeha' as const } } : h,
    ),
  });
  assert.match(text, /kubeha health checks every 5s: 500 nodes/);
});
