/**
 * Public face of the planner: load an inventory as a Kubespray run sees it and
 * build the plan. Later stages (render, simulate, check, proxy config) import
 * from here.
 */
import { loadKubesprayInventory } from '../kubespray/dynamic-groups.js';
import { resolveKubesprayVersion } from '../kubespray/versions.js';
import { buildPlan } from './build-plan.js';
import type { Plan } from './plan-types.js';

export type * from './plan-types.js';
export { buildPlan, accessTable } from './build-plan.js';
export { LINT_RULES, type LintRule } from './lint-rules.js';
export { PATTERN_NAMES } from './pattern.js';

export interface PlanSourceOptions {
  extraVars?: string[];
  kubesprayVersion?: string;
  /** compare with the other modelled releases (plan.eraDifferences); default true */
  compareEras?: boolean;
}

export async function planFromSources(
  sources: string[],
  opts: PlanSourceOptions = {},
): Promise<Plan> {
  const era = resolveKubesprayVersion(opts.kubesprayVersion);
  const { inventory, diagnostics } = await loadKubesprayInventory(sources, {
    extraVars: opts.extraVars,
  });
  return buildPlan(inventory, {
    era,
    inventoryDiagnostics: diagnostics,
    compareEras: opts.compareEras,
  });
}
