/**
 * `kubeha simulate` output: one failure set as a table or JSON (the JSON is
 * documented in docs/simulate.md; keep it stable), and the blast-radius report
 * of --all-single / --all-pairs.
 */
import { hostList } from '../plan/format-table.js';
import type { Impact } from './blast-radius.js';
import type { ClientOutcome, Simulation } from './evaluate.js';
import { describeFailure } from './failures.js';
import { engineName, type SimModel } from './model.js';

export const SIMULATE_SCHEMA_VERSION = 1;

/** Rows padded to aligned columns; the last column runs free. */
export function alignColumns(rows: string[][]): string[] {
  const width: number[] = [];
  for (const r of rows) r.forEach((c, i) => (width[i] = Math.max(width[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i < r.length - 1 ? c.padEnd(width[i]!) : c))
      .join('  ')
      .trimEnd(),
  );
}

/** The pattern and the local proxies the simulation ran with, in one line. */
export function modelHeader(model: SimModel): string {
  const engines = new Set([...model.localProxies.values()].map((p) => engineName(p.behaviour)));
  const proxies = engines.size ? `local proxies: ${[...engines].join(', ')}` : 'no local proxies';
  const lb = model.externalLb
    ? `; external LB ${model.externalLb.address}:${model.externalLb.port}`
    : '';
  return `${model.plan.pattern.name} [${model.plan.kubespray.label}; ${proxies}${lb}]`;
}

function summary(clients: ClientOutcome[]): Record<string, number> {
  const count = (s: ClientOutcome['status']) => clients.filter((c) => c.status === s).length;
  return {
    clients: clients.length,
    reachable: clients.filter((c) => c.reachable).length,
    ok: count('ok'),
    recovers: count('recovers'),
    atRisk: count('at-risk'),
    lost: count('lost'),
    down: count('down'),
    broken: count('broken'),
  };
}

/** Leader-elected components keep working while one instance has the API. */
function leaderElection(clients: ClientOutcome[]): string[] {
  return ['kube-controller-manager', 'kube-scheduler'].flatMap((component) => {
    const all = clients.filter((c) => c.component === component);
    if (all.length === 0) return [];
    const up = all.filter((c) => c.reachable).length;
    const verdict = up > 0 ? 'leader election keeps one running' : 'none is running';
    return [`${component}: ${up} of ${all.length} instances have the API (${verdict})`];
  });
}

export function simulationJson(model: SimModel, sim: Simulation): object {
  return {
    schemaVersion: SIMULATE_SCHEMA_VERSION,
    kubespray: model.plan.kubespray,
    pattern: { id: model.plan.pattern.id, name: model.plan.pattern.name },
    proxy: model.proxy ?? null,
    failures: sim.failures.map((f) => ({
      name: f.name,
      kind: f.kind,
      target: f.target,
      description: describeFailure(f),
    })),
    etcd: sim.etcd,
    summary: summary(sim.clients),
    clients: sim.clients,
  };
}

export function formatSimulation(model: SimModel, sim: Simulation): string {
  const out = [
    `Failure: ${sim.failures.map(describeFailure).join(' + ')}`,
    `  ${modelHeader(model)}`,
    '',
  ];
  const groups = new Map<string, { hosts: string[]; c: ClientOutcome }>();
  const many = new Set(sim.clients.map((c) => c.host)).size > 8;
  sim.clients.forEach((c, i) => {
    const key = many ? [c.role, c.component, c.status, c.reason].join('|') : String(i);
    const g = groups.get(key);
    if (g) g.hosts.push(c.host);
    else groups.set(key, { hosts: [c.host], c });
  });
  const rows = [...groups.values()].map(({ hosts, c }) => [
    hostList(hosts),
    c.component,
    c.reachable ? 'yes' : 'NO',
    c.status,
    c.reason,
  ]);
  out.push(...alignColumns([['HOST', 'COMPONENT', 'API', 'STATUS', 'WHY'], ...rows]));
  const s = summary(sim.clients);
  out.push(
    '',
    `${s.reachable} of ${s.clients} clients have the API (${s.ok} untouched, ${s.recovers} after failover); ${s.lost} lost, ${s.atRisk} may stay on a broken server, ${s.down} down with their host${s.broken ? `, ${s.broken} broken without any failure` : ''}`,
  );
  for (const line of leaderElection(sim.clients)) out.push(`  ${line}`);
  return out.join('\n');
}

function clientList(refs: { host: string; component: string }[]): string {
  const byHost = new Map<string, string[]>();
  for (const r of refs) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r.component]);
  // hosts losing the same components are folded, so 5,000 workers fit on a line
  const byComponents = new Map<string, string[]>();
  for (const [host, comps] of byHost) {
    const key = comps.join(', ');
    byComponents.set(key, [...(byComponents.get(key) ?? []), host]);
  }
  return [...byComponents].map(([comps, hosts]) => `${hostList(hosts)} (${comps})`).join('; ');
}

export function impactsJson(model: SimModel, mode: 'single' | 'pairs', impacts: Impact[]): object {
  return {
    schemaVersion: SIMULATE_SCHEMA_VERSION,
    kubespray: model.plan.kubespray,
    pattern: { id: model.plan.pattern.id, name: model.plan.pattern.name },
    proxy: model.proxy ?? null,
    mode,
    count: impacts.length,
    impacts: impacts.map((i) => ({
      failures: i.failures.map((f) => f.name),
      lost: i.lost.map(({ host, component }) => ({ host, component })),
      atRisk: i.atRisk.map(({ host, component }) => ({ host, component })),
    })),
  };
}

export function formatImpacts(
  model: SimModel,
  mode: 'single' | 'pairs',
  impacts: Impact[],
  top: number,
): string {
  const shown = top > 0 ? impacts.slice(0, top) : impacts;
  const harmful = impacts.filter((i) => i.lost.length + i.atRisk.length > 0).length;
  const out = [
    `${mode === 'single' ? 'Every single failure' : 'Every pair of failures'}, largest blast radius first: ${harmful} of ${impacts.length} cost some client the API`,
    `  ${modelHeader(model)}`,
    '',
  ];
  const rows = shown.map((i) => [
    String(i.lost.length),
    String(i.atRisk.length),
    i.failures.map((f) => f.name).join(' + '),
    [
      i.lost.length ? `lost: ${clientList(i.lost)}` : '',
      i.atRisk.length ? `may stay on a broken server: ${clientList(i.atRisk)}` : '',
    ]
      .filter(Boolean)
      .join(' | ') || '-',
  ]);
  out.push(...alignColumns([['LOST', 'AT RISK', 'FAILURE', 'CLIENTS'], ...rows]));
  if (shown.length < impacts.length) {
    out.push(`… ${impacts.length - shown.length} more (--top 0 shows all, -o json lists all)`);
  }
  return out.join('\n');
}
