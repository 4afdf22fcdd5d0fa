/**
 * The things that can fail, named from the plan: hosts, kube-apiserver processes
 * (dead or unready), etcd members, node-local proxies, and the external LB (as a
 * whole, or one of the two keepalived hosts kubeha renders for it).
 */
import type { Plan } from '../plan/plan-types.js';
import { KubehaError } from '../shared/errors.js';

export type FailureKind =
  | 'host' // the machine is gone: its API server, etcd member, proxy and components with it
  | 'apiserver' // kube-apiserver dead: connections refused, existing ones reset
  | 'unready' // kube-apiserver alive, accepting connections, failing /readyz and requests
  | 'etcd' // one etcd member down
  | 'proxy' // a host's local API-server proxy down
  | 'external-lb' // the external load balancer as a whole
  | 'lb-host'; // one of the two keepalived LB hosts: the VIP moves

export interface Failure {
  kind: FailureKind;
  /** the host (or LB host number) it applies to */
  target: string;
  /** as written on the command line: k8s-node1, apiserver:k8s-node1, external-lb:1 */
  name: string;
}

const make = (kind: FailureKind, target: string, name: string): Failure => ({ kind, target, name });

/** Every single failure this plan has, in a stable order. */
export function failureCatalog(plan: Plan): Failure[] {
  const out: Failure[] = plan.hosts.map((h) => make('host', h.name, h.name));
  for (const c of plan.controlPlanes) {
    out.push(make('apiserver', c.host, `apiserver:${c.host}`));
    out.push(make('unready', c.host, `unready:${c.host}`));
  }
  for (const h of plan.hosts)
    if (h.roles.includes('etcd')) out.push(make('etcd', h.name, `etcd:${h.name}`));
  for (const h of plan.hosts) if (h.localProxy) out.push(make('proxy', h.name, `proxy:${h.name}`));
  if (plan.externalLb) {
    out.push(make('external-lb', 'external-lb', 'external-lb'));
    out.push(make('lb-host', '1', 'external-lb:1'), make('lb-host', '2', 'external-lb:2'));
  }
  return out;
}

/** `a` makes `b` redundant: a host takes its own processes with it, the LB its hosts. */
export function subsumes(a: Failure, b: Failure): boolean {
  if (a.kind === 'host') return b.kind !== 'host' && b.target === a.target && b.kind !== 'lb-host';
  return a.kind === 'external-lb' && b.kind === 'lb-host';
}

export function describeFailure(f: Failure): string {
  switch (f.kind) {
    case 'host':
      return `${f.target} down`;
    case 'apiserver':
      return `kube-apiserver on ${f.target} dead`;
    case 'unready':
      return `kube-apiserver on ${f.target} unready`;
    case 'etcd':
      return `etcd member on ${f.target} down`;
    case 'proxy':
      return `local proxy on ${f.target} down`;
    case 'external-lb':
      return 'external LB down';
    case 'lb-host':
      return `external LB host ${f.target} of 2 down`;
  }
}

/**
 * `--fail` values (comma-separated, repeatable) → failures. An unknown name is a
 * one-line error listing the valid ones (abridged for big inventories), exit 2.
 */
export function parseFailures(
  plan: Plan,
  texts: string[],
  catalog = failureCatalog(plan),
): Failure[] {
  const byName = new Map(catalog.map((f) => [f.name, f]));
  const out: Failure[] = [];
  for (const name of texts.flatMap((t) => t.split(',')).map((s) => s.trim())) {
    if (name === '') continue;
    const f = byName.get(name);
    if (!f) {
      throw new KubehaError('E_SIMULATE_UNKNOWN_FAILURE', `unknown failure "${name}"`, {
        hint: `valid: ${validNames(catalog)}`,
      });
    }
    if (!out.includes(f)) out.push(f);
  }
  if (out.length === 0) {
    throw new KubehaError('E_USAGE', '--fail names nothing', {
      hint: `valid: ${validNames(catalog)}`,
    });
  }
  return out;
}

/** All names when there are few; otherwise each kind with its first names and a count. */
export function validNames(catalog: Failure[]): string {
  if (catalog.length <= 40) return catalog.map((f) => f.name).join(', ');
  const kinds = new Map<FailureKind, Failure[]>();
  for (const f of catalog) kinds.set(f.kind, [...(kinds.get(f.kind) ?? []), f]);
  return [...kinds.values()]
    .map((fs) =>
      fs.length <= 4
        ? fs.map((f) => f.name).join(', ')
        : `${fs
            .slice(0, 3)
            .map((f) => f.name)
            .join(', ')}, … (${fs.length})`,
    )
    .join('; ');
}
