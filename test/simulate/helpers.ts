/** Shared scaffolding for the simulator's tests: examples, in-memory inventories, lookups. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addChild, addGroup, addHost } from '../../src/inventory/index.js';
import { emptyInventory } from '../../src/inventory/builder.js';
import type { AnsibleValue, Inventory } from '../../src/inventory/types.js';
import { resolveKubesprayVersion } from '../../src/kubespray/versions.js';
import type { Plan } from '../../src/plan/plan-types.js';
import type { ProxyChoice } from '../../src/render/render-plan.js';
import { buildModel, type SimModel } from '../../src/simulate/model.js';
import { simulate, type ClientOutcome, type Simulation } from '../../src/simulate/evaluate.js';
import { parseFailures } from '../../src/simulate/failures.js';
import { loadSource } from '../../src/simulate/sources.js';
import { planOf } from '../../src/simulate/inventory-variants.js';

/** Repository root, from dist/test/simulate/ (compiled) or test/simulate/. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const example = (name: string) => join(ROOT, 'examples', name, 'inventory.ini');

export async function examplePlan(
  name: string,
  opts: { version?: string; extraVars?: string[] } = {},
): Promise<Plan> {
  const src = await loadSource([example(name)], {
    kubesprayVersion: opts.version,
    extraVars: opts.extraVars,
  });
  return planOf(src.inventory, src.era, src.diagnostics);
}

export async function exampleModel(
  name: string,
  opts: { version?: string; extraVars?: string[]; proxy?: ProxyChoice } = {},
): Promise<SimModel> {
  return buildModel(await examplePlan(name, opts), { proxy: opts.proxy });
}

export function run(model: SimModel, fail: string): Simulation {
  return simulate(model, parseFailures(model.plan, [fail], model.catalog));
}

export function client(sim: Simulation, host: string, component: string): ClientOutcome {
  const c = sim.clients.find((x) => x.host === host && x.component === component);
  if (!c) throw new Error(`no client ${host}/${component}`);
  return c;
}

export interface InventorySpec {
  controlPlanes: number;
  workers: number;
  /** etcd on the control planes (children), else on its own hosts */
  etcd: 'stacked' | number;
  vars: Record<string, AnsibleValue>;
}

/** A Kubespray inventory built in memory, as the INI reader would build it. */
export function memoryInventory(spec: InventorySpec): Inventory {
  const inv = emptyInventory();
  for (const g of ['kube_control_plane', 'kube_node', 'etcd']) {
    addGroup(inv, g);
    addChild(inv, 'all', g);
  }
  const host = (name: string, group: string, ip: string) => {
    const h = addHost(inv, name, group);
    h.vars = { ansible_host: ip, ip };
  };
  for (let i = 1; i <= spec.controlPlanes; i++) host(`cp${i}`, 'kube_control_plane', `10.0.0.${i}`);
  for (let i = 1; i <= spec.workers; i++) host(`w${i}`, 'kube_node', `10.0.1.${i}`);
  if (spec.etcd === 'stacked') addChild(inv, 'etcd', 'kube_control_plane');
  else for (let i = 1; i <= spec.etcd; i++) host(`etcd${i}`, 'etcd', `10.0.2.${i}`);
  inv.groups.get('all')!.vars = { ...spec.vars };
  return inv;
}

export function memoryPlan(spec: InventorySpec, version = '2.31'): Plan {
  return planOf(memoryInventory(spec), resolveKubesprayVersion(version));
}
