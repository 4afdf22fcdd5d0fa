import type { KsCluster, KsHost } from '../kubespray/cluster.js';
import { originOf } from './lint-rule.js';
import type { PlanDiagnostic } from './plan-types.js';

/**
 * Turning lint findings off: `kubeha lint --disable KH030,KH060` and the inventory
 * variable `kubeha_lint_disable` (a list, or a comma-separated string, of rule
 * ids or inventory diagnostic codes), read per host like any Ansible variable: a
 * finding about a host follows that host's value, a cluster-wide one the first
 * control plane's (else the first host's).
 */
export const LINT_DISABLE_VARIABLE = 'kubeha_lint_disable';

/** A rule id (KH030) or an inventory warning code (W_OLD_GROUP_NAME). */
const CODE = /^(KH\d{3}|W_[A-Z0-9_]+)$/;

export function parseDisableList(v: unknown): string[] {
  const items = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
  return items.map((x) => x.trim().toUpperCase()).filter((x) => x !== '');
}

/** The ids in `ids` that name nothing kubeha reports (known: the lint rules' ids). */
export function unknownIds(ids: string[], known: ReadonlySet<string>): string[] {
  return ids.filter((id) => !CODE.test(id) || (id.startsWith('KH') && !known.has(id)));
}

export interface DisableResult {
  kept: PlanDiagnostic[];
  disabled: PlanDiagnostic[];
  /** problems with the inventory variable itself (unknown ids) */
  notes: PlanDiagnostic[];
}

export function applyLintDisable(
  cluster: KsCluster,
  ds: PlanDiagnostic[],
  cli: string[],
  known: ReadonlySet<string>,
): DisableResult {
  const fromCli = new Set(cli);
  const perHost = new Map<KsHost, Set<string>>();
  const notes: PlanDiagnostic[] = [];
  const reported = new Set<string>();
  const listOf = (h: KsHost | undefined): Set<string> => {
    if (!h) return new Set();
    let s = perHost.get(h);
    if (s) return s;
    const ids = parseDisableList(h.scope.get(LINT_DISABLE_VARIABLE));
    for (const id of unknownIds(ids, known)) {
      if (reported.has(id)) continue;
      reported.add(id);
      notes.push({
        id: 'W_LINT_DISABLE',
        severity: 'warning',
        message: `${LINT_DISABLE_VARIABLE} names "${id}", which is no kubeha lint rule`,
        fix: 'list rule ids as `kubeha lint --rules` prints them (KH030) or inventory warning codes (W_OLD_GROUP_NAME)',
        ...originOf(h, LINT_DISABLE_VARIABLE),
      });
    }
    perHost.set(h, (s = new Set(ids)));
    return s;
  };
  const clusterWide = cluster.controlPlanes[0] ?? cluster.hosts[0];
  const kept: PlanDiagnostic[] = [];
  const disabled: PlanDiagnostic[] = [];
  for (const d of ds) {
    const on = d.host !== undefined ? cluster.byName.get(d.host) : clusterWide;
    const off = fromCli.has(d.id) || listOf(on ?? clusterWide).has(d.id);
    (off ? disabled : kept).push(d);
  }
  // a variable set but read by no finding still gets its ids checked
  listOf(clusterWide);
  return { kept: [...kept, ...notes], disabled, notes };
}
