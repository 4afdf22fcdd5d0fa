/**
 * Public face of the planner: load an inventory as a Kubespray run sees it and
 * build the plan. Later stages (render, simulate, check, proxy config) import
 * from here.
 */
import { factCacheFromConfig, readFactCache } from '../inventory/index.js';
import { loadKubesprayInventory } from '../kubespray/dynamic-groups.js';
import { resolveKubesprayVersion } from '../kubespray/versions.js';
import { buildPlan } from './build-plan.js';
import type { Plan } from './plan-types.js';

export type * from './plan-types.js';
export { buildPlan, accessTable } from './build-plan.js';
export { LINT_RULES, LINT_RULE_IDS, type LintRule } from './lint-rules.js';
export { parseDisableList, unknownIds, LINT_DISABLE_VARIABLE } from './lint-disable.js';
export { formatSarif } from './format-sarif.js';
export { PATTERN_NAMES } from './pattern.js';

export interface PlanSourceOptions {
  extraVars?: string[];
  kubesprayVersion?: string;
  /** compare with the other modelled releases (plan.eraDifferences); default true */
  compareEras?: boolean;
  /** a fact cache directory (`--facts`); else the one an ansible.cfg beside the inventory names */
  facts?: string;
  /** lint findings to leave out (`kubeha lint --disable`) */
  lintDisable?: string[];
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
    lintDisable: opts.lintDisable,
    facts:
      opts.facts !== undefined
        ? readFactCache(opts.facts, '--facts')
        : factCacheFromConfig(sources),
  });
}
