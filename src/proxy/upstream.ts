/**
 * One upstream API server at run time: its health state (from the pure state
 * machine), the client connections proxied to it, and plain-number counters that
 * /metrics and /status read at scrape time, so the data path never touches
 * prom-client.
 */
import type { Socket } from 'node:net';
import { initialHealth, type HealthState } from '../balancing/upstream-health.js';
import { formatHostPort, parseHostPort } from '../shared/address.js';

/** One health change, kept for /status and the status page. */
export interface HealthChange {
  at: number;
  from: string;
  to: string;
  reason: string;
}

/** How many health changes an upstream remembers. */
export const RECENT_CHANGES = 8;

export interface CheckRecord {
  ok: boolean;
  /** 401/403: the API server answered but refused our credentials; counts as alive. */
  unauthorized: boolean;
  status?: number;
  reason: string;
  latencyMs: number;
  at: number;
}

/** What /metrics and /status report per upstream; summed over worker processes. */
export interface UpstreamCounters {
  active: number;
  total: number;
  connectFailures: number;
  closedUnhealthy: number;
  closedDrained: number;
  closedRebalanced: number;
  fromClients: number;
  toClients: number;
}

export const zeroCounters = (): UpstreamCounters => ({
  active: 0,
  total: 0,
  connectFailures: 0,
  closedUnhealthy: 0,
  closedDrained: 0,
  closedRebalanced: 0,
  fromClients: 0,
  toClients: 0,
});

export class Upstream {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  /** Position in the configured list; picks and `first` use it. */
  index: number;
  health: HealthState;
  readonly conns = new Set<ProxiedConnection>();
  draining = false;
  lastCheck?: CheckRecord;
  /** The last RECENT_CHANGES health changes, oldest first. */
  readonly changes: HealthChange[] = [];
  /** Timer closing this upstream's connections after the unhealthy grace or drain timeout. */
  closeTimer?: NodeJS.Timeout;
  /** When closeTimer fires (unhealthy closes only). */
  closeAt?: number;

  connectionsTotal = 0;
  connectFailures = 0;
  checkFailures = 0;
  closedUnhealthy = 0;
  closedDrained = 0;
  closedRebalanced = 0;
  /** Bytes of connections already closed; open ones are added at scrape time. */
  closedBytesFromClients = 0;
  closedBytesToClients = 0;

  constructor(address: string, index: number, now: number) {
    const hp = parseHostPort(address);
    this.host = hp.host;
    this.port = hp.port;
    this.key = formatHostPort(hp);
    this.index = index;
    this.health = initialHealth(now);
  }

  recordChange(change: HealthChange): void {
    this.changes.push(change);
    if (this.changes.length > RECENT_CHANGES) this.changes.shift();
  }

  /** Counters of the worker processes' data paths (multi-process mode), latest report. */
  remote: UpstreamCounters = zeroCounters();

  /** This process's own data-path counters. */
  localCounters(): UpstreamCounters {
    return {
      active: this.conns.size,
      total: this.connectionsTotal,
      connectFailures: this.connectFailures,
      closedUnhealthy: this.closedUnhealthy,
      closedDrained: this.closedDrained,
      closedRebalanced: this.closedRebalanced,
      fromClients: this.bytesFromClients(),
      toClients: this.bytesToClients(),
    };
  }

  /** Local plus remote. Connect failures are not added: workers report each one as it happens. */
  counters(): UpstreamCounters {
    const l = this.localCounters();
    const r = this.remote;
    return {
      active: l.active + r.active,
      total: l.total + r.total,
      connectFailures: l.connectFailures,
      closedUnhealthy: l.closedUnhealthy + r.closedUnhealthy,
      closedDrained: l.closedDrained + r.closedDrained,
      closedRebalanced: l.closedRebalanced + r.closedRebalanced,
      fromClients: l.fromClients + r.fromClients,
      toClients: l.toClients + r.toClients,
    };
  }

  bytesFromClients(): number {
    let n = this.closedBytesFromClients;
    for (const c of this.conns) n += c.client.bytesRead;
    return n;
  }

  bytesToClients(): number {
    let n = this.closedBytesToClients;
    for (const c of this.conns) n += c.client.bytesWritten;
    return n;
  }
}

/** A client socket spliced to an upstream socket. */
export class ProxiedConnection {
  private done = false;

  constructor(
    readonly client: Socket,
    readonly server: Socket,
    readonly upstream: Upstream,
  ) {}

  get closed(): boolean {
    return this.done;
  }

  /** Closes both sides once and books the bytes; safe to call from any event. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.client.destroy();
    this.server.destroy();
    const u = this.upstream;
    u.conns.delete(this);
    u.closedBytesFromClients += this.client.bytesRead;
    u.closedBytesToClients += this.client.bytesWritten;
  }
}
