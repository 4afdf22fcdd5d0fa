import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildColumns, defaultLb, freeAddress } from '../../src/simulate/compare-columns.js';
import { compareTables, type CompareTable } from '../../src/simulate/compare.js';
import { loadSource } from '../../src/simulate/sources.js';
import { planOf } from '../../src/simulate/inventory-variants.js';
import { example } from './helpers.js';

async function tables(name: string, extraVars?: string[]) {
  const src = await loadSource([example(name)], { extraVars });
  const base = planOf(src.inventory, src.era);
  const columns = buildColumns(src.inventory, src.era, { lb: defaultLb(base), kubehaVersion: 't' });
  return { columns, tables: compareTables(columns), base };
}

function cell(ts: CompareTable[], row: string, column: string) {
  for (const t of ts) {
    const r = t.rows.find((x) => x.id === row);
    if (r) return r.cells[column as keyof typeof r.cells];
  }
  throw new Error(`no row ${row}`);
}

test('mycluster: the tables are computed, and show both values where Kubespray differs from the usual description', async () => {
  const { tables: ts, columns } = await tables('mycluster');
  assert.deepEqual(
    columns.map((c) => c.plan.pattern.id),
    ['case1', 'case2', 'case3', 'case1'],
  );
  assert.deepEqual(
    ts.map((t) => t.id),
    ['access-paths', 'operations', 'clients'],
  );
  // Case 1's outside kubeconfig is the first control plane only, not "every API server"
  const outside = cell(ts, 'outside-path', 'case1');
  assert.match(outside.value, /^only k8s-node1/);
  assert.equal(outside.described, 'direct, to every API server');
  assert.equal(cell(ts, 'outside-path', 'case2').described, undefined);
  // LB failure: none / none / total, as usually described
  assert.match(cell(ts, 'lb-failure-workers', 'case1').value, /^none/);
  assert.match(cell(ts, 'lb-failure-workers', 'case2').value, /^none/);
  assert.match(cell(ts, 'lb-failure-workers', 'case3').value, /^total: 3 of 3 worker clients/);
  for (const c of ['case1', 'case2', 'case3'])
    assert.equal(cell(ts, 'lb-failure-workers', c).described, undefined);
  // a control plane change: Case 1 rewrites nginx.conf on workers, not kubeconfigs
  const add = cell(ts, 'add-control-plane', 'case1');
  assert.match(add.value, /nginx\.conf \+ nginx-proxy\.yml on 1 host/);
  assert.equal(add.described, 'kubeconfigs');
  assert.equal(cell(ts, 'add-control-plane', 'case3').described, undefined);
  assert.match(cell(ts, 'add-control-plane', 'case1-kubeha').value, /proxy\.yaml/);
  assert.match(cell(ts, 'remove-control-plane', 'case1').value, /every fail_timeout/);
  // watch failover comes from the proxy model
  assert.equal(cell(ts, 'watch-unready', 'case1').value, 'never (nginx keeps it there)');
  assert.equal(cell(ts, 'watch-unready', 'case1-kubeha').value, '0.2–1.3 s (kubeha proxy)');
  assert.equal(
    cell(ts, 'watch-host-down', 'case1').value,
    "46 s (client-go's HTTP/2 health check)",
  );
  assert.equal(cell(ts, 'watch-host-down', 'case3').value, '4–6 s (external LB)');
  assert.equal(cell(ts, 'quorum', 'case2').value, 'every client loses the API');
  assert.equal(cell(ts, 'worker-spofs', 'case3').value, 'external-lb');
  assert.equal(cell(ts, 'worker-spofs', 'case1-kubeha').value, 'none');
  assert.match(
    cell(ts, 'control-plane-admin-kubeconfig', 'case1').value,
    /k8s-node2, k8s-node3: only k8s-node1/,
  );
});

test('the centralized inventory: its LB domain name turns "Case 2" into workers through the LB, and the cell says so', async () => {
  const { tables: ts, columns } = await tables('centralized');
  const case2 = columns.find((c) => c.id === 'case2')!;
  assert.equal(case2.plan.pattern.id, 'case3');
  const w = cell(ts, 'worker-path', 'case2');
  assert.match(w.value, /^external LB → 3 of 3/);
  assert.equal(w.described, 'local proxy → every API server');
  assert.match(cell(ts, 'lb-failure-workers', 'case2').value, /^total/);
  assert.equal(cell(ts, 'lb-failure-workers', 'case2').described, 'none');
});

test('changing the inventory changes the tables', async () => {
  const a = await tables('mycluster');
  const b = await tables('mycluster', ['loadbalancer_apiserver_type=haproxy']);
  assert.equal(cell(b.tables, 'watch-unready', 'case1').value, 'never (haproxy keeps it there)');
  assert.match(cell(b.tables, 'add-control-plane', 'case1').value, /haproxy\.cfg/);
  assert.notDeepEqual(a.tables, b.tables);
  // the LB comes from the inventory when it has one, else a placeholder
  assert.deepEqual(defaultLb((await tables('hybrid')).base), {
    address: '192.168.10.10',
    port: 6443,
    assumed: false,
  });
  assert.equal(defaultLb(a.base).assumed, true);
  assert.equal(freeAddress(a.base), '192.168.10.15');
});
