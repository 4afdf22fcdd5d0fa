import type { KsCluster, KsHost } from '../kubespray/cluster.js';
import type { Plan, PlanDiagnostic } from './plan-types.js';

/**
 * kubeha's lint rules. Each has a stable id, a severity, why it matters and a
 * concrete fix; `check` returns one finding per occurrence. Rules read the
 * Kubespray model (cluster) and the plan already computed from it.
 */
export interface Finding {
  message: string;
  host?: string;
  file?: string;
  line?: number;
  severity?: PlanDiagnostic['severity'];
  fix?: string;
}

export interface LintRule {
  id: string;
  name: string;
  severity: PlanDiagnostic['severity'];
  why: string;
  fix: string;
  check(cluster: KsCluster, plan: Plan): Finding[];
}

/** The file and line an inventory variable was set at, for a finding. */
export const originOf = (h: KsHost, name: string): { file?: string; line?: number } => {
  const v = h.scope.lookup(name);
  if (v?.source.kind !== 'inventory') return {};
  const o = v.source.origin;
  return { file: o.file === '?' ? undefined : o.file, line: o.line };
};
