/**
 * How long a client behind a balancer (a node-local proxy or the external LB)
 * goes without a working API server after some of the servers fail.
 *
 * The balancer's decisions are the kubeha proxy's own pure code: the health
 * state machine (applyCheck, applyPassiveFailure) and who may take a new
 * connection (selectCandidates) from src/balancing, driven with the check
 * schedule of check-timeline.ts and each engine's settings (proxy-behaviour.ts).
 * nginx is the same machine with active checks off and max_fails/fail_timeout
 * as the passive rule, which is what the module was modelled on.
 *
 * Worst case, deliberately: the client's connection was on a failed server, and
 * whenever it reconnects the balancer picks the worst server it may pick
 * (unready before silent before refused before a working one). A `null` time
 * means the balancer may keep the client on a broken server indefinitely.
 */
import { closeDecision } from '../balancing/failover-hold.js';
import { selectCandidates, type UpstreamView } from '../balancing/selection.js';
import { applyCheck, applyPassiveFailure, type HealthState } from '../balancing/upstream-health.js';
import {
  checkLog,
  steadyHealthy,
  worstPhase,
  type CheckLog,
  type Condition,
} from './check-timeline.js';
import {
  CLIENT_HANDSHAKE_TIMEOUT_MS,
  CLIENT_RETRY_MS,
  CLIENT_SILENT_DETECT_MS,
  HORIZON_MS,
} from './client-facts.js';
import type { ProxyBehaviour } from './proxy-behaviour.js';

export type FailoverCause =
  | 'unaffected' // no connection of the client was on a failed server
  | 'reset' // the failed server's host reset the connection at once
  | 'balancer-closed' // the balancer marked the server down and closed its connections
  | 'client-noticed' // client-go's HTTP/2 health check gave up on a silent connection
  | 'pinned'; // nothing closes a connection to an unready server

export interface Failover {
  /** ms until the client has a working API server again; null: not guaranteed at all */
  ms: number | null;
  cause: FailoverCause;
}

/** Per failed upstream: when active checks mark it down (Infinity: never). */
export interface Detection {
  bestMs: number;
  worstMs: number;
}

export interface BalancerOutcome {
  /** the first check right after the failure / a full interval later */
  best: Failover;
  worst: Failover;
  detection: Map<number, Detection>;
}

const RANK: Record<Condition, number> = { unready: 3, silent: 2, refused: 1, ok: 0 };

/** Health of every upstream at a time: active check results replayed, passive failures added. */
class Replay {
  readonly states: HealthState[];
  private readonly cursor: number[];
  private readonly passiveDownAt: number[];

  constructor(
    private readonly b: ProxyBehaviour,
    private readonly logs: CheckLog[],
  ) {
    this.states = logs.map(() => steadyHealthy(b.active?.rise ?? 1));
    this.cursor = logs.map(() => 0);
    this.passiveDownAt = logs.map(() => Infinity);
  }

  advance(t: number): void {
    const th = { rise: this.b.active?.rise ?? 1, fall: this.b.active?.fall ?? 1 };
    this.logs.forEach((log, i) => {
      while (this.cursor[i]! < log.results.length && log.results[this.cursor[i]!]!.at <= t) {
        const r = log.results[this.cursor[i]!++]!;
        this.states[i] = applyCheck(this.states[i]!, r.ok, 'check', r.at, th).state;
      }
    });
  }

  connectFailed(i: number, t: number): void {
    this.advance(t);
    const step = applyPassiveFailure(this.states[i]!, 'connect failed', t, this.b.passive);
    this.states[i] = step.state;
    if (step.transition?.to === 'unhealthy') {
      this.passiveDownAt[i] = Math.min(this.passiveDownAt[i]!, t);
    }
  }

  /**
   * When the balancer closes connections to upstream i, unhealthy from `t` on:
   * after the grace, held while other servers fail close to it (failover-hold.ts).
   * The failed servers stay failed here, so panic mode never ends.
   */
  closeFrom(i: number, t: number, conds: Condition[]): number {
    const since = this.unhealthyFrom(i, t);
    const others = this.logs.flatMap((_, j) => {
      const down = j === i || conds[j] !== 'unready' ? Infinity : this.unhealthyFrom(j, 0);
      return down === Infinity ? [] : [down];
    });
    return closeDecision(
      { since, answering: conds[i] === 'unready', othersUnhealthySince: others },
      { graceMs: this.b.unhealthyGraceMs, holdMs: this.b.failoverHoldMs },
    ).at;
  }

  /** The first time at or after `t` when upstream i is unhealthy. */
  unhealthyFrom(i: number, t: number): number {
    return Math.max(t, Math.min(this.logs[i]!.downAt, this.passiveDownAt[i]!));
  }

  views(): UpstreamView[] {
    return this.states.map((health, index) => ({ index, health, active: 0, draining: false }));
  }
}

type Attempt =
  | { kind: 'ok'; at: number }
  | { kind: 'failed'; at: number }
  | { kind: 'pinned'; at: number; on: number };

function connectOnce(b: ProxyBehaviour, conds: Condition[], r: Replay, t0: number): Attempt {
  const tried = new Set<number>();
  let t = t0;
  for (;;) {
    r.advance(t);
    const sel = selectCandidates(r.views(), t, b.active !== null, tried);
    if ((sel.panic && !b.panic) || sel.candidates.length === 0) return { kind: 'failed', at: t };
    let c = sel.candidates[0]!.index;
    for (const x of sel.candidates) if (RANK[conds[x.index]!] > RANK[conds[c]!]) c = x.index;
    const cond = conds[c]!;
    if (cond === 'ok') return { kind: 'ok', at: t };
    if (cond === 'unready') return { kind: 'pinned', at: t, on: c };
    for (let k = 0; k < b.triesPerServer; k++) {
      if (k > 0) t += b.retryDelayMs;
      if (cond === 'silent') t += b.connectTimeoutMs;
      r.connectFailed(c, t);
      if (t - t0 >= CLIENT_HANDSHAKE_TIMEOUT_MS) {
        return { kind: 'failed', at: t0 + CLIENT_HANDSHAKE_TIMEOUT_MS };
      }
    }
    tried.add(c);
    if (!b.nextUpstream) return { kind: 'failed', at: t };
  }
}

/** When a connection made at `at` to upstream i (unready or silent) is closed, or null. */
function closedAt(b: ProxyBehaviour, r: Replay, conds: Condition[], i: number, at: number) {
  const cond = conds[i]!;
  const byBalancer = b.closesOnUnhealthy ? r.closeFrom(i, at, conds) : Infinity;
  const byClient = cond === 'silent' ? at + CLIENT_SILENT_DETECT_MS : Infinity;
  const t = Math.min(byBalancer, byClient);
  if (t === Infinity) return null;
  return {
    at: t,
    cause: (byBalancer <= byClient ? 'balancer-closed' : 'client-noticed') as FailoverCause,
  };
}

/** One client whose connection was on upstream `start` when the failure happened. */
function recover(b: ProxyBehaviour, conds: Condition[], logs: CheckLog[], start: number): Failover {
  const r = new Replay(b, logs);
  const first = conds[start]!;
  if (first === 'ok') return { ms: 0, cause: 'unaffected' };
  if (first === 'refused') return reconnect(b, conds, r, 0, 'reset');
  const c = closedAt(b, r, conds, start, 0);
  return c ? reconnect(b, conds, r, c.at, c.cause) : { ms: null, cause: 'pinned' };
}

/** The client dials from `t` on until a connection lands on a working server. */
function reconnect(
  b: ProxyBehaviour,
  conds: Condition[],
  r: Replay,
  t: number,
  cause: FailoverCause,
): Failover {
  for (let guard = 0; guard < 1000 && t <= 2 * HORIZON_MS; guard++) {
    const a = connectOnce(b, conds, r, t);
    if (a.kind === 'ok') return { ms: a.at, cause };
    if (a.kind === 'failed') {
      t = a.at + CLIENT_RETRY_MS;
      continue;
    }
    const c = closedAt(b, r, conds, a.on, a.at);
    if (!c) return { ms: null, cause: 'pinned' };
    t = c.at;
    cause = c.cause;
  }
  return { ms: null, cause };
}

/**
 * A new connection long after the failure (a server that stays broken, such as a
 * removed control plane still in a proxy's config): ms until it reaches a working
 * server when the balancer sends it to the broken one first; null if it may stay there.
 */
export function newConnectionDelay(b: ProxyBehaviour, conds: Condition[]): number | null {
  const logs = conds.map((c) =>
    b.active ? checkLog(b.active, c, 0, HORIZON_MS) : { results: [], downAt: Infinity },
  );
  const f = reconnect(b, conds, new Replay(b, logs), HORIZON_MS, 'unaffected');
  return f.ms === null ? null : f.ms - HORIZON_MS;
}

function worstOf(xs: Failover[]): Failover {
  let w: Failover = { ms: 0, cause: 'unaffected' };
  for (const x of xs) {
    if (x.ms === null) return x;
    if (w.ms !== null && x.ms >= w.ms && x.cause !== 'unaffected') w = x;
  }
  return w;
}

const MEMO = new WeakMap<ProxyBehaviour, Map<string, BalancerOutcome>>();

/**
 * The outcome for a client of balancer `b` whose upstreams are in `conds`. Only
 * meaningful when at least one upstream is 'ok'. Memoized per behaviour and
 * condition vector: every worker's proxy with the same settings shares it.
 */
export function balancerOutcome(b: ProxyBehaviour, conds: Condition[]): BalancerOutcome {
  let memo = MEMO.get(b);
  if (!memo) MEMO.set(b, (memo = new Map()));
  const key = conds.join(',');
  const hit = memo.get(key);
  if (hit) return hit;
  const phases = b.active ? [0, worstPhase(b.active)] : [0];
  const perPhase = phases.map((phase) => {
    const logs = conds.map((c) =>
      b.active ? checkLog(b.active, c, phase, HORIZON_MS) : { results: [], downAt: Infinity },
    );
    const starts = conds.map((c, i) => (c === 'ok' ? -1 : i)).filter((i) => i >= 0);
    return { logs, failover: worstOf(starts.map((s) => recover(b, conds, logs, s))) };
  });
  const detection = new Map<number, Detection>();
  conds.forEach((c, i) => {
    if (c === 'ok') return;
    const downs = perPhase.map((p) => p.logs[i]!.downAt);
    detection.set(i, { bestMs: Math.min(...downs), worstMs: Math.max(...downs) });
  });
  const out: BalancerOutcome = {
    best: perPhase[0]!.failover,
    worst: worstOf(perPhase.map((p) => p.failover)),
    detection,
  };
  memo.set(key, out);
  return out;
}
