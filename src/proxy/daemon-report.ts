/**
 * What the daemon reports: readiness for /readyz, the /status document, and the
 * counters a worker process sends its supervisor (and how the supervisor sums them).
 */
import type { DiscoveryReport } from './discovery-loop.js';
import { zeroCounters, type CheckRecord, type UpstreamCounters } from './upstream.js';
import type { UpstreamPool } from './upstream-pool.js';
import type { ListenerCounters } from './data-path.js';
import { rebalanceVerdict, type RebalanceParams } from '../balancing/rebalance.js';
import { loadViews } from './rebalancer.js';

export interface WorkerStats {
  open: number;
  retries: number;
  failed: number;
  upstreams: Record<string, UpstreamCounters>;
  listeners: Record<string, ListenerCounters>;
}

export function collectWorkerStats(
  pool: UpstreamPool,
  listeners: { key: string; counters: ListenerCounters }[],
  open: number,
): WorkerStats {
  return {
    open,
    retries: pool.connectRetries,
    failed: pool.failedClients,
    upstreams: Object.fromEntries(pool.upstreams.map((u) => [u.key, u.localCounters()])),
    listeners: Object.fromEntries(listeners.map((l) => [l.key, { ...l.counters }])),
  };
}

/** Writes the sums into the pool's upstreams; returns the workers' open connections. */
export function absorbWorkerStats(pool: UpstreamPool, reports: WorkerStats[]): number {
  pool.remoteRetries = reports.reduce((n, r) => n + r.retries, 0);
  pool.remoteFailed = reports.reduce((n, r) => n + r.failed, 0);
  for (const u of pool.upstreams) {
    const sum = zeroCounters();
    for (const r of reports) {
      const c = r.upstreams[u.key];
      if (!c) continue;
      for (const k of Object.keys(sum) as (keyof UpstreamCounters)[]) sum[k] += c[k];
    }
    sum.connectFailures = 0; // reported one by one as they happen
    u.remote = sum;
  }
  return reports.reduce((n, r) => n + r.open, 0);
}

export function readiness(pool: UpstreamPool): { ok: boolean; detail: string } {
  const live = pool.upstreams.filter((u) => !u.draining);
  const healthy = live.filter((u) => u.health.health === 'healthy').length;
  if (pool.ready()) return { ok: true, detail: `ok: ${healthy}/${live.length} upstreams healthy` };
  const why = live.map((u) => `${u.key} ${u.health.health}: ${u.health.reason}`).join('; ');
  return {
    ok: false,
    detail: `no healthy upstream${pool.inPanic ? ' (panic mode: routing to all)' : ''}: ${why}`,
  };
}

/** One upstream in /status (and on the status page). */
export interface UpstreamStatus {
  address: string;
  health: string;
  since: string;
  reason: string;
  draining: boolean;
  activeConnections: number;
  totalConnections: number;
  connectFailures: number;
  checkFailures: number;
  closedUnhealthy: number;
  closedDrained: number;
  bytesFromClients: number;
  bytesToClients: number;
  lastCheck?: Omit<CheckRecord, 'at'> & { at: string };
  /** The last few health changes, oldest first. */
  recentChanges: { at: string; from: string; to: string; reason: string }[];
  /** Present when the proxy rebalances (see `rebalance` below). */
  closedRebalanced?: number;
  /** False for an upstream new connections avoid, where the proxy says so. */
  takesNewConnections?: boolean;
}

/** The /status document. Other parts may add keys (the status page shows unknown ones too). */
export interface StatusReport {
  panic: boolean;
  ready: boolean;
  listeners: string[];
  algorithm: string;
  connections: number;
  connectRetries: number;
  failedConnections: number;
  discovered: string[];
  /** How discovery follows default/kubernetes, where it is on. */
  discovery?: DiscoveryReport;
  /** Rebalancing activity, where the proxy rebalances connections. */
  rebalance?: { enabled: boolean; active: boolean; reason: string; closedConnections: number };
  upstreams: UpstreamStatus[];
}

export function statusReport(
  pool: UpstreamPool,
  extra: {
    listeners: string[];
    algorithm: string;
    connections: number;
    discovered: string[];
    rebalance: RebalanceParams;
    discovery?: DiscoveryReport;
  },
): StatusReport {
  // The whole proxy's view (workers' connections included); each process acts on its own share.
  const verdict = rebalanceVerdict(
    loadViews(pool, (u) => u.counters().active),
    Date.now(),
    extra.rebalance,
  );
  return {
    panic: pool.inPanic,
    ready: readiness(pool).ok,
    listeners: extra.listeners,
    algorithm: extra.algorithm,
    connections: extra.connections,
    connectRetries: pool.connectRetries + pool.remoteRetries,
    failedConnections: pool.failedClients + pool.remoteFailed,
    discovered: extra.discovered,
    rebalance: {
      enabled: extra.rebalance.enabled,
      active: verdict.act,
      reason: verdict.reason,
      closedConnections: pool.upstreams.reduce((n, u) => n + u.counters().closedRebalanced, 0),
    },
    ...(extra.discovery ? { discovery: extra.discovery } : {}),
    upstreams: pool.upstreams.map((u) => {
      const c = u.counters();
      return {
        address: u.key,
        health: u.health.health,
        since: new Date(u.health.since).toISOString(),
        reason: u.health.reason,
        draining: u.draining,
        // In panic mode an unhealthy upstream still takes new connections: say so.
        takesNewConnections: pool.takesConnections(u),
        activeConnections: c.active,
        totalConnections: c.total,
        connectFailures: c.connectFailures,
        checkFailures: u.checkFailures,
        closedUnhealthy: c.closedUnhealthy,
        closedDrained: c.closedDrained,
        closedRebalanced: c.closedRebalanced,
        bytesFromClients: c.fromClients,
        bytesToClients: c.toClients,
        lastCheck: u.lastCheck && { ...u.lastCheck, at: new Date(u.lastCheck.at).toISOString() },
        recentChanges: u.changes.map((h) => ({ ...h, at: new Date(h.at).toISOString() })),
      };
    }),
  };
}
