/**
 * One failure set against the model: for every client, whether it still has a
 * working API server, through which path, how long it goes without one, and
 * why. Pure; cheap enough to run for every pair of failures of a 50-host plan.
 */
import type { PathKind } from '../plan/plan-types.js';
import type { Condition } from './check-timeline.js';
import { CLIENT_SILENT_DETECT_MS } from './client-facts.js';
import type { Failure } from './failures.js';
import type { SimClient, SimModel } from './model.js';
import { balancerOutcome, type BalancerOutcome } from './proxy-failover.js';
import type { ProxyBehaviour } from './proxy-behaviour.js';
import { clientReason } from './reasons.js';

export type ClientStatus =
  | 'ok' // nothing on its path failed
  | 'recovers' // something failed; the path moves it to a working server
  | 'at-risk' // a balancer may keep it on a broken server indefinitely
  | 'lost' // no working server on its path
  | 'down' // it runs on a failed host
  | 'broken'; // it reaches no API server even without failures

export interface ClientOutcome {
  host: string;
  role: string;
  component: string;
  file: string;
  endpoint: string;
  pathKind: PathKind;
  path: string;
  reachable: boolean;
  status: ClientStatus;
  /** how long it goes without a working API server: best and worst check phase, ms */
  recoveryMs?: { best: number; worst: number };
  reason: string;
}

/** What the failure set does to the shared pieces, before looking at clients. */
export interface FailureState {
  failures: Failure[];
  hostDown: Set<string>;
  proxyDown: Set<string>;
  /** per control plane (model order) */
  servers: Condition[];
  etcd: { members: number; alive: number; quorum: boolean };
  lbDown: boolean;
  lbHostsDown: number;
  /** verdicts of balancer paths, per shared local-proxy entry (or the external LB) */
  balancerVerdicts: Map<object, Verdict>;
}

export function failureState(model: SimModel, failures: Failure[]): FailureState {
  const hostDown = new Set(failures.filter((f) => f.kind === 'host').map((f) => f.target));
  const of = (kind: Failure['kind']) =>
    new Set(failures.filter((f) => f.kind === kind).map((f) => f.target));
  const dead = of('apiserver');
  const unready = of('unready');
  const etcdDown = of('etcd');
  const members = model.etcdMembers.length;
  const alive = model.etcdMembers.filter((m) => !hostDown.has(m) && !etcdDown.has(m)).length;
  // no etcd group in the inventory: nothing to lose quorum over
  const quorum = members === 0 || alive >= Math.floor(members / 2) + 1;
  const servers = model.controlPlanes.map((cp): Condition => {
    if (hostDown.has(cp)) return 'silent';
    if (dead.has(cp)) return 'refused';
    if (unready.has(cp) || !quorum) return 'unready';
    return 'ok';
  });
  const lbHosts = of('lb-host').size;
  return {
    failures,
    hostDown,
    proxyDown: of('proxy'),
    servers,
    etcd: { members, alive, quorum },
    lbDown: failures.some((f) => f.kind === 'external-lb') || lbHosts >= 2,
    lbHostsDown: lbHosts,
    balancerVerdicts: new Map(),
  };
}

/** The part of an outcome reasons are written from. */
export interface Verdict {
  status: ClientStatus;
  recoveryMs?: { best: number; worst: number };
  balancer?: { behaviour: ProxyBehaviour; outcome: BalancerOutcome; conds: Condition[] };
}

export function judge(model: SimModel, s: FailureState, c: SimClient): Verdict {
  if (s.hostDown.has(c.host)) return { status: 'down' };
  const kind = c.path.kind;
  if (kind === 'unresolved' || kind === 'nothing-listens') return { status: 'broken' };
  if (kind === 'local-proxy' && s.proxyDown.has(c.host)) return { status: 'lost' };
  if (kind === 'external-lb' && s.lbDown) return { status: 'lost' };
  if (!s.etcd.quorum) return { status: 'lost' };
  if (kind === 'local-apiserver' || kind === 'direct') {
    const cond = s.servers[c.targets[0]!];
    return { status: cond === 'ok' ? 'ok' : 'lost' };
  }
  const entry = kind === 'local-proxy' ? model.localProxies.get(c.host) : model.externalLb;
  if (!entry) return { status: 'broken' };
  let v = s.balancerVerdicts.get(entry);
  if (!v) s.balancerVerdicts.set(entry, (v = balancerVerdict(model, s, kind, c)));
  return v;
}

function balancerVerdict(model: SimModel, s: FailureState, kind: PathKind, c: SimClient): Verdict {
  const local = kind === 'local-proxy' ? model.localProxies.get(c.host) : undefined;
  const behaviour = local?.behaviour ?? model.externalLb!.behaviour;
  const order = local?.upstreams ?? c.targets;
  const conds = order.map((i) => s.servers[i]!);
  if (!conds.includes('ok')) return { status: 'lost' };
  const lbMove = kind === 'external-lb' && s.lbHostsDown > 0;
  if (conds.every((x) => x === 'ok') && !lbMove) return { status: 'ok' };
  const outcome = balancerOutcome(behaviour, conds);
  const v: Verdict = { status: 'recovers', balancer: { behaviour, outcome, conds } };
  if (outcome.worst.ms === null) return { ...v, status: 'at-risk' };
  let best = outcome.best.ms ?? 0;
  let worst = outcome.worst.ms;
  if (lbMove) {
    // the VIP moves; a connection through the failed LB host is dead, and client-go
    // notices it at the latest when its HTTP/2 health check gives up
    const vip = model.externalLb!.vipFailoverMs;
    best = Math.max(best, vip);
    worst = Math.max(worst, vip, CLIENT_SILENT_DETECT_MS);
  }
  return { ...v, recoveryMs: { best, worst } };
}

export interface Simulation {
  failures: Failure[];
  etcd: FailureState['etcd'];
  clients: ClientOutcome[];
}

export function simulate(model: SimModel, failures: Failure[]): Simulation {
  const s = failureState(model, failures);
  const clients = model.clients.map((c): ClientOutcome => {
    const v = judge(model, s, c);
    const reachable = v.status === 'ok' || v.status === 'recovers';
    return {
      host: c.host,
      role: c.role,
      component: c.component,
      file: c.file,
      endpoint: c.endpoint,
      pathKind: c.path.kind,
      path: c.path.text,
      reachable,
      status: v.status,
      ...(v.recoveryMs ? { recoveryMs: v.recoveryMs } : {}),
      reason: clientReason(model, s, c, v),
    };
  });
  return { failures, etcd: s.etcd, clients };
}
