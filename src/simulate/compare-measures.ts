/**
 * The measurements behind `kubeha compare`'s cells, each computed from one
 * column's failure model: paths, failure impact, change areas, failover times.
 */
import { blastRadius, singleFailures } from './blast-radius.js';
import type { ChangeArea } from './described-patterns.js';
import { simulate, type ClientOutcome } from './evaluate.js';
import type { Failure } from './failures.js';
import { engineName, type SimClient, type SimModel } from './model.js';
import { balancerOutcome } from './proxy-failover.js';
import { fmtRange } from './reasons.js';
import type { RenderDiff } from './render-diff.js';

/** "local nginx → 3 API servers", "only k8s-node1", … from one client's path. */
export function pathSummary(m: SimModel, c: SimClient | undefined): string {
  if (!c) return 'no such client';
  const n = m.controlPlanes.length;
  switch (c.path.kind) {
    case 'local-proxy':
      return `local ${engineName(m.localProxies.get(c.host)!.behaviour)} → ${c.targets.length} of ${n} API servers`;
    case 'external-lb':
      return `external LB → ${c.targets.length} of ${n} API servers`;
    case 'direct':
      return `only ${m.controlPlanes[c.targets[0]!]} (${c.endpoint})`;
    case 'local-apiserver':
      return 'its own local API server';
    default:
      return `none: ${c.path.text}`;
  }
}

export const workerClient = (m: SimModel, component = 'kubelet') =>
  m.clients.find((c) => c.role === 'worker' && c.component === component);
export const outsideClient = (m: SimModel) => m.clients.find((c) => c.component === 'kubectl');

export function failure(m: SimModel, name: string): Failure | undefined {
  return m.catalog.find((f) => f.name === name);
}

/** Worker components that lose the API under a failure set, in words. */
export function workerImpact(m: SimModel, failures: Failure[]): { text: string; share: number } {
  const workers = m.clients.filter((c) => c.role === 'worker');
  if (workers.length === 0) return { text: 'no workers', share: 0 };
  const had = simulate(m, []).clients.map((c) => c.reachable);
  const sim = simulate(m, failures).clients.filter((c, i) => c.role === 'worker' && had[i]);
  if (sim.length === 0)
    return { text: 'n/a: no worker reaches the API even without failures', share: 0 };
  const lost = sim.filter((c) => !c.reachable);
  const slowest = Math.max(0, ...sim.map((c) => c.recoveryMs?.worst ?? 0));
  const best = Math.max(0, ...sim.map((c) => c.recoveryMs?.best ?? 0));
  if (lost.length === 0) {
    return {
      text: `none${slowest > 0 ? ` (API again within ${fmtRange(best, slowest)})` : ''}`,
      share: 0,
    };
  }
  const atRisk = lost.filter((c) => c.status === 'at-risk').length;
  const of = `${lost.length} of ${sim.length} worker clients`;
  const text =
    atRisk === lost.length
      ? `${of} may stay on the broken server (nothing moves them)`
      : `${lost.length === sim.length ? 'total: ' : ''}${of} lose the API${atRisk ? ` (${atRisk} may stay on the broken server)` : ''}`;
  return { text, share: lost.length / sim.length };
}

export function lbNeeded(m: SimModel): { who: 'nobody' | 'outside' | 'everyone'; text: string } {
  const users = simulate(m, []).clients.filter((c) => c.reachable && c.pathKind === 'external-lb');
  if (users.length === 0) return { who: 'nobody', text: 'no' };
  if (users.every((c) => c.role === 'outside'))
    return { who: 'outside', text: 'yes, for outside clients' };
  const roles = [...new Set(users.map((c) => c.role))].join(', ');
  return {
    who: 'everyone',
    text: `yes, for ${roles} clients too (${users.length} clients; the LB must be HA)`,
  };
}

export function changeAreas(d: RenderDiff): { areas: ChangeArea[]; text: string } {
  const areas: ChangeArea[] = [];
  const parts: string[] = [];
  if (d.summary.kubeconfigHosts > 0) {
    areas.push('kubeconfigs');
    parts.push(`kubeconfigs on ${d.summary.kubeconfigHosts} host(s)`);
  }
  if (d.summary.localProxyHosts > 0) {
    areas.push('local proxy configs');
    const files = [
      ...new Set(
        d.files
          .filter((f) => !f.file.startsWith('external-lb/'))
          .map((f) => f.file.split('/').pop()),
      ),
    ];
    parts.push(`${files.join(' + ')} on ${d.summary.localProxyHosts} host(s)`);
  }
  if (d.summary.externalLb) {
    areas.push('external LB config');
    parts.push("the external LB's backends");
  }
  if (d.summary.certificateSans) parts.push('API server certificate SANs');
  if (d.stranded.length > 0) parts.push(`${d.stranded.length} client(s) pinned to it lose the API`);
  return { areas, text: parts.join('; ') || 'nothing' };
}

export function sameAreas(a: ChangeArea[], b: ChangeArea[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Time to move a worker kubelet's watch off one failed server (first control plane). */
export function watchMove(m: SimModel, cond: 'unready' | 'silent'): string {
  const c = workerClient(m);
  if (!c) return 'no workers';
  const b =
    c.path.kind === 'local-proxy'
      ? m.localProxies.get(c.host)!.behaviour
      : c.path.kind === 'external-lb'
        ? m.externalLb?.behaviour
        : undefined;
  if (!b) return `never: ${pathSummary(m, c)}`;
  const order = m.localProxies.get(c.host)?.upstreams ?? c.targets;
  if (order.length < 2) return 'never: one API server';
  const out = balancerOutcome(
    b,
    order.map((_, i) => (i === 0 ? cond : 'ok')),
  );
  if (out.worst.ms === null) return `never (${engineName(b)} keeps it there)`;
  const how =
    out.worst.cause === 'client-noticed' ? "client-go's HTTP/2 health check" : engineName(b);
  return `${fmtRange(out.best.ms ?? 0, out.worst.ms)} (${how})`;
}

/** Single failures that cost some worker component the API, other than its own host or proxy. */
export function workerSpofs(m: SimModel): string {
  const impacts = blastRadius(m, singleFailures(m)).filter((i) => {
    const [f] = i.failures;
    return [...i.lost, ...i.atRisk].some((c) => {
      const role = m.clients.find((x) => x.host === c.host)?.role;
      return (
        role === 'worker' && !(c.host === f!.target && (f!.kind === 'host' || f!.kind === 'proxy'))
      );
    });
  });
  if (impacts.length === 0) return 'none';
  const names = impacts.map((i) => i.failures[0]!.name);
  return names.length > 6
    ? `${names.slice(0, 6).join(', ')} (+${names.length - 6} more)`
    : names.join(', ');
}

/** Distinct paths of one component across hosts: "k8s-node1: …; k8s-node2, k8s-node3: …". */
export function pathsOf(m: SimModel, role: string, component: string): string {
  const groups = new Map<string, string[]>();
  for (const c of m.clients.filter((x) => x.role === role && x.component === component)) {
    const p = pathSummary(m, c);
    groups.set(p, [...(groups.get(p) ?? []), c.host]);
  }
  if (groups.size === 0) return 'no such client';
  if (groups.size === 1) return [...groups.keys()][0]!;
  return [...groups].map(([p, hosts]) => `${hosts.join(', ')}: ${p}`).join('; ');
}

export function describedKindMatches(m: SimModel, c: SimClient | undefined, kind: string): boolean {
  return !!c && c.path.kind === kind && c.targets.length === m.controlPlanes.length;
}

export function summarize(cs: ClientOutcome[]): string {
  const byHost = new Map<string, string[]>();
  for (const c of cs) byHost.set(c.host, [...(byHost.get(c.host) ?? []), c.component]);
  return [...byHost].map(([h, comps]) => `${h} (${comps.join(', ')})`).join(', ') || 'none';
}
