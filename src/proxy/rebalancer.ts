/**
 * Runs rebalancing (src/balancing/rebalance.ts) over one process's connections,
 * once a second. Off the hot path: while the load is even a tick only counts
 * connections per upstream; only when it is uneven are the most loaded
 * upstream's connections sampled (their sockets' byte counters, which Node keeps
 * anyway) to tell quiet ones from busy ones. With workers every data-path process
 * rebalances its own connections (the kernel spreads clients evenly between
 * processes, so even per process is even overall) with 1/workers of the rate.
 */
import type { Logger } from 'pino';
import {
  chooseToClose,
  rebalanceVerdict,
  refillBudget,
  type LoadView,
  type RebalanceParams,
} from '../balancing/rebalance.js';
import type { ProxiedConnection, Upstream } from './upstream.js';
import type { UpstreamPool } from './upstream-pool.js';

export const REBALANCE_TICK_MS = 1000;

export interface RebalancerSettings {
  params: RebalanceParams;
  /** This process's part of the proxy's rate (1 / workers). */
  share: number;
}

/** Load views of the pool; `active` from this process's connections or the whole proxy's. */
export function loadViews(pool: UpstreamPool, count: (u: Upstream) => number): LoadView[] {
  return pool.upstreams.map((u) => ({
    index: u.index,
    health: u.health.health,
    since: u.health.since,
    active: count(u),
    draining: u.draining,
  }));
}

export class Rebalancer {
  private timer?: NodeJS.Timeout;
  private tokens = 0;
  private lastTick = Date.now();
  /** Byte totals at the previous tick, of the upstream being rebalanced. */
  private samples = new WeakMap<ProxiedConnection, number>();

  constructor(
    private readonly pool: UpstreamPool,
    private settings: RebalancerSettings,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), REBALANCE_TICK_MS);
    this.timer.unref();
  }

  update(settings: RebalancerSettings): void {
    this.settings = settings;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One decision; returns how many connections it closed. */
  tick(now = Date.now()): number {
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    const { params, share } = this.settings;
    const verdict = rebalanceVerdict(
      loadViews(this.pool, (u) => u.conns.size),
      now,
      params,
    );
    if (!verdict.act) {
      this.tokens = 0; // no saved-up burst when imbalance appears
      return 0;
    }
    this.tokens = refillBudget(this.tokens, elapsed, params.maxPerSecond, share);
    const from = this.pool.upstreams.find((u) => u.index === verdict.from && !u.draining);
    if (!from) return 0;
    const next = new WeakMap<ProxiedConnection, number>();
    const movements = [...from.conns].map((conn) => {
      const bytes = conn.client.bytesRead + conn.client.bytesWritten;
      next.set(conn, bytes);
      const before = this.samples.get(conn);
      return { conn, moved: before === undefined ? undefined : bytes - before };
    });
    this.samples = next;
    const n = Math.min(Math.floor(this.tokens), verdict.excess);
    const chosen = chooseToClose(movements, n);
    if (chosen.length === 0) return 0;
    const quiet = movements.filter((m) => m.moved === 0 && chosen.includes(m.conn)).length;
    this.tokens -= chosen.length;
    for (const c of chosen) c.close();
    from.closedRebalanced += chosen.length;
    this.log.info(
      { upstream: from.key, closed: chosen.length, quiet, reason: verdict.reason },
      `rebalancing: closed ${chosen.length} connection(s) on ${from.key} (${quiet} quiet) so their clients reconnect to emptier upstreams: ${verdict.reason}`,
    );
    return chosen.length;
  }
}
