/**
 * Reading what the simulator works on: the inventory (kept as read, so variants
 * can be derived from it before Kubespray's dynamic groups) or a plan JSON file
 * written by `kubeha plan -o json` / `kubeha render`. The only I/O of this stage;
 * planOf (inventory-variants.ts) turns what it read into plans.
 */
import { readFile } from 'node:fs/promises';
import { loadInventory, type Inventory } from '../inventory/index.js';
import { KUBESPRAY_GROUP_NAMES } from '../kubespray/dynamic-groups.js';
import { resolveKubesprayVersion, type KubesprayEra } from '../kubespray/versions.js';
import { PLAN_SCHEMA_VERSION, type Plan } from '../plan/plan-types.js';
import type { Diagnostic } from '../shared/diagnostics.js';
import { KubehaError } from '../shared/errors.js';

export interface SimulationSource {
  /** the inventory as read, before dynamic groups */
  inventory: Inventory;
  diagnostics: Diagnostic[];
  era: KubesprayEra;
}

export async function loadSource(
  sources: string[],
  opts: { extraVars?: string[]; kubesprayVersion?: string },
): Promise<SimulationSource> {
  const era = resolveKubesprayVersion(opts.kubesprayVersion);
  const loaded = await loadInventory(sources, {
    extraVars: opts.extraVars,
    extraGroupNames: KUBESPRAY_GROUP_NAMES,
  });
  return { inventory: loaded.inventory, diagnostics: loaded.diagnostics, era };
}

/** A plan JSON file; anything else is a one-line error naming the file. */
export async function readPlanFile(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KubehaError('E_PLAN_READ', `cannot read ${file}: ${(err as Error).message}`);
  }
  let plan: Plan;
  try {
    plan = JSON.parse(text) as Plan;
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new KubehaError('E_PLAN_JSON', `not JSON: ${(err as Error).message}`, { file, line });
  }
  const ok =
    plan !== null &&
    typeof plan === 'object' &&
    plan.schemaVersion === PLAN_SCHEMA_VERSION &&
    Array.isArray(plan.hosts) &&
    Array.isArray(plan.access) &&
    Array.isArray(plan.controlPlanes);
  if (!ok) {
    throw new KubehaError(
      'E_PLAN_SCHEMA',
      `not a kubeha plan (schemaVersion ${PLAN_SCHEMA_VERSION})`,
      {
        file,
        hint: 'write one with `kubeha plan -i INVENTORY -o json`',
      },
    );
  }
  return plan;
}
