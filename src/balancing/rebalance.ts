/**
 * Rebalancing: when to close connections on the most loaded upstream so their
 * clients reconnect and least_conn places them on emptier ones. After a rolling
 * restart of the control planes (every Kubespray upgrade) least_conn plus
 * long-lived watches leave the last server restarted with almost nothing for
 * hours; kube-apiserver's --goaway-chance fixes that only for HTTP/2 it
 * terminates itself, an L4 proxy sees the imbalance for every protocol.
 *
 * Conservative by design: nothing happens unless every serving upstream has
 * been healthy for `healthyForMs`, the spread is beyond `tolerance`, and the
 * pick is load-aware; at most `maxPerSecond` connections a second are closed,
 * those that moved no bytes in the last second first. Pure: the proxy samples
 * the sockets' byte counters and closes what this module chooses.
 */
import type { Health } from './upstream-health.js';
import type { Algorithm } from './pick.js';

export interface RebalanceParams {
  enabled: boolean;
  /** Every serving upstream healthy at least this long. */
  healthyForMs: number;
  /** The most loaded upstream may exceed the even share by this fraction (at least one connection). */
  tolerance: number;
  /** Connections closed per second, for the whole proxy. */
  maxPerSecond: number;
  algorithm: Algorithm;
}

export interface LoadView {
  index: number;
  health: Health;
  /** When the health last changed. */
  since: number;
  active: number;
  draining: boolean;
}

export type RebalanceVerdict =
  { act: false; reason: string } | { act: true; from: number; excess: number; reason: string };

/** Reconnects land on the emptier upstreams only with a load-aware pick. */
const LOAD_AWARE: readonly Algorithm[] = ['least_conn', 'random_two'];

export function rebalanceVerdict(
  views: readonly LoadView[],
  now: number,
  p: RebalanceParams,
): RebalanceVerdict {
  if (!p.enabled) return { act: false, reason: 'disabled' };
  if (!LOAD_AWARE.includes(p.algorithm))
    return { act: false, reason: `algorithm ${p.algorithm} does not place reconnects by load` };
  const serving = views.filter((v) => !v.draining);
  if (serving.length < 2) return { act: false, reason: 'fewer than two upstreams' };
  const waiting = serving.filter((v) => v.health !== 'healthy' || now - v.since < p.healthyForMs);
  if (waiting.length > 0)
    return {
      act: false,
      reason: `waiting until every upstream has been healthy for ${p.healthyForMs}ms`,
    };
  const total = serving.reduce((n, v) => n + v.active, 0);
  const mean = total / serving.length;
  let most = serving[0]!;
  let least = serving[0]!;
  for (const v of serving) {
    if (v.active > most.active) most = v;
    if (v.active < least.active) least = v;
  }
  const limit = Math.max(Math.ceil(mean), Math.floor(mean * (1 + p.tolerance)));
  // A spread of one cannot be improved: moving a connection only swaps the roles.
  if (most.active <= limit || most.active - least.active < 2)
    return { act: false, reason: `balanced (${serving.map((v) => v.active).join('/')})` };
  return {
    act: true,
    from: most.index,
    excess: most.active - limit,
    reason: `uneven (${serving.map((v) => v.active).join('/')}, at most ${limit} each)`,
  };
}

/** A connection's bytes moved since the previous sample, undefined when not sampled yet. */
export interface Movement<T> {
  conn: T;
  moved: number | undefined;
}

/**
 * Up to `n` connections to close: quiet ones (no bytes since the last sample)
 * first, then the least busy. A connection not sampled yet (it just arrived,
 * perhaps as a reconnect of a closed one) is never chosen.
 */
export function chooseToClose<T>(conns: readonly Movement<T>[], n: number): T[] {
  if (n <= 0) return [];
  return conns
    .filter((c): c is { conn: T; moved: number } => c.moved !== undefined)
    .sort((a, b) => a.moved - b.moved)
    .slice(0, n)
    .map((c) => c.conn);
}

/**
 * The close budget as a token bucket: `share` of the proxy's rate for this
 * process (1 / workers), refilled by elapsed time, holding at most one second's
 * worth (and at least one close, so a small share still acts, just less often).
 */
export function refillBudget(
  tokens: number,
  elapsedMs: number,
  maxPerSecond: number,
  share: number,
): number {
  const rate = maxPerSecond * share;
  return Math.min(Math.max(1, rate), tokens + (rate * elapsedMs) / 1000);
}
