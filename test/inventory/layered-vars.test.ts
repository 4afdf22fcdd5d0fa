import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ANSIBLE_UNPARSED_DEFAULTS,
  hostAllGroups,
  hostVars,
  hostVarsWithOrigin,
  loadInventory,
  sortGroups,
  type Inventory,
  type VarMap,
} from '../../src/inventory/index.js';
import { applyKubesprayGroups, KUBESPRAY_GROUP_NAMES } from '../../src/kubespray/dynamic-groups.js';
import { REPO_ROOT } from '../helpers/ansible.js';

/**
 * Oracle: Ansible's precedence written out plainly, layer after layer, with no
 * caching. The shared-group-layer implementation must agree with it on every
 * inventory of the corpus (values and origins).
 */
function oracle(inv: Inventory, host: string): { vars: VarMap; files: Record<string, string> } {
  const vars: VarMap = {};
  const files: Record<string, string> = {};
  const groups = sortGroups(
    inv,
    [...hostAllGroups(inv, host)].filter((g) => g !== 'all'),
  );
  const put = (v: VarMap, file: (k: string) => string) => {
    for (const [k, x] of Object.entries(v)) {
      vars[k] = x;
      files[k] = file(k);
    }
  };
  for (const g of ['all', ...groups])
    put(inv.groups.get(g)!.vars, (k) => inv.groups.get(g)!.varOrigins[k]?.file ?? '?');
  for (const f of inv.groupVarsFiles.get('all') ?? []) put(f.vars, () => f.path);
  // the other groups' files source by source (get_vars_from_inventory_sources)
  for (let source = 0; source < inv.sources.length; source++)
    for (const g of groups)
      for (const f of inv.groupVarsFiles.get(g) ?? [])
        if ((f.source ?? 0) === source) put(f.vars, () => f.path);
  const h = inv.hosts.get(host)!;
  put(h.vars, (k) => h.varOrigins[k]?.file ?? '?');
  for (const f of inv.hostVarsFiles.get(host) ?? []) put(f.vars, () => f.path);
  put(inv.extraVars, () => '-e');
  return { vars, files };
}

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'inventory');

test('layered host variables equal the plain precedence walk on every corpus inventory', async () => {
  let hosts = 0;
  for (const name of readdirSync(FIXTURES)) {
    const dir = join(FIXTURES, name);
    const entries = readdirSync(dir);
    const source = ['inventory.ini', 'hosts.yml', 'hosts.yaml', 'inventory.yaml'].find((f) =>
      entries.includes(f),
    );
    if (!source) continue;
    // as kubeha inventory reads it: an unparsable source is a warning, not an error
    const loaded = await loadInventory([join(dir, source)], {
      extraVars: ['extra_one=1'],
      extraGroupNames: KUBESPRAY_GROUP_NAMES,
      unparsed: ANSIBLE_UNPARSED_DEFAULTS,
      deferVarsFiles: true, // 41-unused-broken-vars: a file no host uses
    });
    const { inventory } = applyKubesprayGroups(loaded.inventory);
    for (const host of inventory.hosts.keys()) {
      const want = oracle(inventory, host);
      assert.deepEqual(hostVars(inventory, host), want.vars, `${name}/${host}`);
      const got = hostVarsWithOrigin(inventory, host);
      for (const [k, v] of got) assert.equal(v.origin.file, want.files[k], `${name}/${host} ${k}`);
      hosts++;
    }
  }
  assert.ok(hosts > 50, `only ${hosts} hosts checked`);
});
