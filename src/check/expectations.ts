/**
 * What the plan says a cluster should look like, in the terms `check` compares:
 * control planes (name and API server address), workers and the local proxy the
 * plan puts on each, the kubeconfig server of every component on every host, and
 * kube_version when the inventory sets it.
 */
import { hostVars } from '../inventory/variables.js';
import { loadKubesprayInventory } from '../kubespray/dynamic-groups.js';
import { resolveKubesprayVersion } from '../kubespray/versions.js';
import { buildPlan, type Plan } from '../plan/index.js';
import { formatHostPort } from '../shared/address.js';

export interface PlanExpectations {
  plan: Plan;
  controlPlanes: { name: string; address: string }[];
  /** every k8s_cluster host and the local proxy type the plan gives it */
  nodes: { name: string; controlPlane: boolean; proxy: string | null }[];
  /** kube_version as the inventory sets it (templates and unset: undefined) */
  kubeVersion?: string;
}

export function expectationsOf(plan: Plan, kubeVersion?: string): PlanExpectations {
  const cps = new Set(plan.controlPlanes.map((c) => c.host));
  return {
    plan,
    controlPlanes: plan.controlPlanes.map((c) => ({
      name: c.host,
      address: formatHostPort({ host: c.address, port: c.port }),
    })),
    nodes: plan.hosts
      .filter((h) => h.groups.includes('k8s_cluster'))
      .map((h) => ({
        name: h.name,
        controlPlane: cps.has(h.name),
        proxy: h.localProxy?.type ?? null,
      })),
    kubeVersion,
  };
}

export async function loadExpectations(
  sources: string[],
  opts: { extraVars?: string[]; kubesprayVersion?: string },
): Promise<PlanExpectations> {
  const era = resolveKubesprayVersion(opts.kubesprayVersion);
  const { inventory, diagnostics } = await loadKubesprayInventory(sources, {
    extraVars: opts.extraVars,
  });
  const plan = buildPlan(inventory, { era, inventoryDiagnostics: diagnostics, compareEras: false });
  const first = plan.controlPlanes[0]?.host ?? plan.hosts[0]?.name;
  const raw = first === undefined ? undefined : hostVars(inventory, first)['kube_version'];
  const version = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : undefined;
  return expectationsOf(plan, version && !version.includes('{{') ? version : undefined);
}

/** `v1.32.9-gke.1` and `1.32.9` name the same release: compare major.minor.patch. */
export function sameRelease(a: string, b: string): boolean {
  const core = (v: string) => /^v?(\d+\.\d+\.\d+)/.exec(v.trim())?.[1] ?? v.trim();
  return core(a) === core(b);
}
