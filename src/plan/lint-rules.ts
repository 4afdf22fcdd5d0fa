import type { KsCluster } from '../kubespray/cluster.js';
import { ENDPOINTS_RULES } from './lint-rules-endpoints.js';
import { INVENTORY_RULES } from './lint-rules-inventory.js';
import { KUBEHA_RULES } from './lint-rules-kubeha.js';
import { VARIABLES_RULES } from './lint-rules-variables.js';
import type { LintRule } from './lint-rule.js';
import type { Plan, PlanDiagnostic } from './plan-types.js';

export type { LintRule, Finding } from './lint-rule.js';

/** Every rule, in id order (docs/planner.md lists them). */
export const LINT_RULES: LintRule[] = [
  ...INVENTORY_RULES,
  ...VARIABLES_RULES,
  ...ENDPOINTS_RULES,
  ...KUBEHA_RULES,
];

export const LINT_RULE_IDS: ReadonlySet<string> = new Set(LINT_RULES.map((r) => r.id));

export function runLintRules(cluster: KsCluster, plan: Plan): PlanDiagnostic[] {
  const out: PlanDiagnostic[] = [];
  for (const rule of LINT_RULES) {
    for (const f of rule.check(cluster, plan)) {
      out.push({
        id: rule.id,
        severity: f.severity ?? rule.severity,
        message: f.message,
        fix: f.fix ?? rule.fix,
        host: f.host,
        file: f.file,
        line: f.line,
      });
    }
  }
  return out;
}
