/**
 * The columns of `kubeha compare`: the same hosts planned under Case 1, Case 2 and
 * Case 3 (only Kubespray's two pattern variables changed), plus Case 1 with the
 * kubeha proxy in place of nginx-proxy; each with its failure model and the diffs
 * of adding and removing a control plane.
 */
import { isIP } from 'node:net';
import type { Inventory } from '../inventory/index.js';
import type { KubesprayEra } from '../kubespray/versions.js';
import type { Plan } from '../plan/plan-types.js';
import type { ProxyChoice } from '../render/render-plan.js';
import type { Diagnostic } from '../shared/diagnostics.js';
import {
  withControlPlaneAdded,
  withHostRemoved,
  withPattern,
  planOf,
  type LbAddress,
  type PatternCase,
} from './inventory-variants.js';
import { buildModel, type SimModel } from './model.js';
import { renderDiff, type RenderDiff } from './render-diff.js';

export type ColumnId = 'case1' | 'case2' | 'case3' | 'case1-kubeha';

export interface Column {
  id: ColumnId;
  title: string;
  pattern: PatternCase;
  proxy?: ProxyChoice;
  plan: Plan;
  model: SimModel;
  added: RenderDiff;
  /** null when there is only one control plane */
  removed: RenderDiff | null;
}

const COLUMNS: { id: ColumnId; title: string; pattern: PatternCase; proxy?: ProxyChoice }[] = [
  { id: 'case1', title: 'Case 1', pattern: 'case1' },
  { id: 'case2', title: 'Case 2', pattern: 'case2' },
  { id: 'case3', title: 'Case 3', pattern: 'case3' },
  { id: 'case1-kubeha', title: 'Case 1 with kubeha', pattern: 'case1', proxy: 'kubeha' },
];

/** A documentation-only name (RFC 6761 `.invalid`) for Case 2/3 when the inventory has no LB. */
export const PLACEHOLDER_LB = 'external-lb.invalid';

/** The LB Case 2 and Case 3 use: the inventory's, else a placeholder on the API server port. */
export function defaultLb(plan: Plan): LbAddress & { assumed: boolean } {
  const lb = plan.externalLb;
  if (lb?.address) return { address: lb.address, port: lb.port, assumed: false };
  return { address: PLACEHOLDER_LB, port: plan.controlPlanes[0]?.port ?? 6443, assumed: true };
}

/** The next IPv4 after the last control plane's that no host uses (for the added control plane). */
export function freeAddress(plan: Plan): string {
  const used = new Set(plan.hosts.flatMap((h) => [h.mainIp, h.mainAccessIp]));
  if (plan.externalLb?.address) used.add(plan.externalLb.address);
  const last = plan.controlPlanes[plan.controlPlanes.length - 1]?.address ?? '192.0.2.0';
  if (isIP(last) !== 4) return '192.0.2.10';
  const parts = last.split('.').map(Number);
  for (let i = 1; i < 250; i++) {
    const candidate = [...parts.slice(0, 3), ((parts[3]! + i - 1) % 254) + 1].join('.');
    if (!used.has(candidate)) return candidate;
  }
  return '192.0.2.10';
}

function freeName(plan: Plan): string {
  const names = new Set(plan.hosts.map((h) => h.name));
  let name = 'new-control-plane';
  for (let i = 2; names.has(name); i++) name = `new-control-plane-${i}`;
  return name;
}

export function buildColumns(
  inv: Inventory,
  era: KubesprayEra,
  opts: { lb: LbAddress; kubehaVersion: string; diagnostics?: Diagnostic[] },
): Column[] {
  return COLUMNS.map((col) => {
    const variant = withPattern(inv, col.pattern, opts.lb);
    const plan = planOf(variant, era, opts.diagnostics);
    const diffOpts = { proxy: col.proxy, kubehaVersion: opts.kubehaVersion };
    const name = freeName(plan);
    const address = freeAddress(plan);
    const added = renderDiff(
      plan,
      planOf(withControlPlaneAdded(variant, name, address), era),
      { kind: 'add', name, address },
      diffOpts,
    );
    const last = plan.controlPlanes[plan.controlPlanes.length - 1];
    const removed =
      plan.controlPlanes.length > 1 && last
        ? renderDiff(
            plan,
            planOf(withHostRemoved(variant, last.host), era),
            { kind: 'remove', name: last.host, address: last.address },
            diffOpts,
          )
        : null;
    return { ...col, plan, model: buildModel(plan, { proxy: col.proxy }), added, removed };
  });
}
