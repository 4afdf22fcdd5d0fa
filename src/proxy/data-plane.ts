/**
 * The data plane of one process: its listeners and the client connections they
 * carry. A single-process proxy runs one beside its control (control.ts); in
 * multi-process mode each worker runs one and gets health from its supervisor.
 * Nothing here decides health: the pool is given.
 */
import type { Logger } from 'pino';
import { KubehaError } from '../shared/errors.js';
import { formatHostPort, parseHostPort } from '../shared/address.js';
import type { ProxyConfig } from './config-schema.js';
import {
  ProxyListener,
  type DataPath,
  type DataPathSettings,
  type ListenerCounters,
} from './data-path.js';
import type { UpstreamPool } from './upstream-pool.js';
import { connectionCeiling, type FileLimit } from './limits.js';
import { updateIdleSweep } from './splice.js';
import { Rebalancer, type RebalancerSettings } from './rebalancer.js';
import { rebalanceParams } from './pool-settings.js';

/** Rebalancing in one data-path process: its part of the proxy's rate. */
function rebalancerSettings(cfg: ProxyConfig): RebalancerSettings {
  return { params: rebalanceParams(cfg), share: 1 / cfg.workers };
}

export function dataPathSettings(cfg: ProxyConfig, fileLimit?: FileLimit): DataPathSettings {
  const ceiling = connectionCeiling(fileLimit);
  return {
    connectTimeoutMs: cfg.connectTimeout,
    maxTries: cfg.maxTries,
    idleTimeoutMs: cfg.idleTimeout,
    keepAliveMs: cfg.tcpKeepAlive,
    maxConnections: cfg.maxConnections > 0 ? Math.min(cfg.maxConnections, ceiling) : ceiling,
  };
}

export class DataPlane {
  readonly dp: DataPath;
  private readonly listeners = new Map<string, ProxyListener>();
  /** Aborts a bind still waiting for its address when the proxy stops. */
  private readonly binding = new AbortController();
  private reusePort: boolean;
  private readonly rebalancer: Rebalancer;

  constructor(
    cfg: ProxyConfig,
    pool: UpstreamPool,
    log: Logger,
    private readonly fileLimit?: FileLimit,
  ) {
    this.reusePort = cfg.reusePort;
    this.dp = {
      pool,
      settings: dataPathSettings(cfg, fileLimit),
      log,
      open: new Set(),
      pending: new Set(),
    };
    this.rebalancer = new Rebalancer(pool, rebalancerSettings(cfg), log);
  }

  /** Binds every address not bound yet; on failure, unbinds what this call bound. */
  async bind(addresses: string[], retryMs: number): Promise<ProxyListener[]> {
    const fresh: ProxyListener[] = [];
    const bindings = addresses
      .map((a) => new ProxyListener(parseHostPort(a, undefined, { allowPortZero: true }), this.dp))
      .filter((l) => !this.listeners.has(l.key));
    // All at once: during a takeover each address waits for its own holder.
    const results = await Promise.allSettled(
      bindings.map((l) =>
        l
          .listen({
            reusePort: this.reusePort,
            retryMs,
            log: this.dp.log,
            what: 'listener',
            signal: this.binding.signal,
          })
          .then(() => fresh.push(l)),
      ),
    );
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed < 0 && this.binding.signal.aborted) {
      // Stopped while waiting, and the address came free anyway: do not keep it.
      for (const l of fresh) void l.close();
      throw new KubehaError('E_LISTEN', 'stopped while binding');
    }
    if (failed >= 0) {
      for (const l of fresh) void l.close();
      const err = (results[failed] as PromiseRejectedResult).reason as Error;
      throw new KubehaError(
        'E_LISTEN',
        `cannot listen on ${bindings[failed]!.key}: ${err.message}`,
      );
    }
    for (const l of fresh) this.listeners.set(l.key, l);
    this.rebalancer.start();
    return fresh;
  }

  /**
   * New listeners bind first (a failure leaves everything as it was), removed
   * ones stop accepting with their connections kept, settings apply in place.
   */
  async reload(cfg: ProxyConfig): Promise<void> {
    const wanted = new Set(
      cfg.listen.map((a) => formatHostPort(parseHostPort(a, undefined, { allowPortZero: true }))),
    );
    const added = await this.bind(cfg.listen, 0);
    for (const [key, l] of this.listeners) {
      if (wanted.has(key)) continue;
      void l.close();
      this.listeners.delete(key);
      this.dp.log.info({ listener: key }, `listener ${key} closed (established connections kept)`);
    }
    for (const l of added) this.dp.log.info({ listener: l.key }, `listener ${l.key} added`);
    this.reusePort = cfg.reusePort;
    this.dp.settings = dataPathSettings(cfg, this.fileLimit);
    updateIdleSweep(this.dp);
    this.rebalancer.update(rebalancerSettings(cfg));
    for (const l of this.listeners.values()) l.setMaxConnections(this.dp.settings.maxConnections);
  }

  /** Addresses actually bound (port 0 resolved). */
  listenAddresses(): string[] {
    return [...this.listeners.values()].map((l) => {
      const a = l.server.address();
      return a && typeof a === 'object' ? formatHostPort({ host: a.address, port: a.port }) : l.key;
    });
  }

  listenerCounters(): { key: string; counters: ListenerCounters }[] {
    return [...this.listeners.values()];
  }

  get openConnections(): number {
    return this.dp.open.size;
  }

  /**
   * Stop: accept nothing more at once (with SO_REUSEPORT, a second instance on the
   * same addresses gets every new connection from here on), let connections finish
   * for up to `drainMs`, then close what is left so its clients reconnect elsewhere.
   * Returns how many were closed at the end of the drain.
   */
  async stop(drainMs: number): Promise<number> {
    this.binding.abort();
    this.rebalancer.stop();
    const closing = [...this.listeners.values()].map((l) => l.close());
    const open = this.dp.open;
    if (open.size > 0) {
      this.dp.log.info(
        { connections: open.size, drainMs },
        `stopping: draining ${open.size} connection(s) for up to ${drainMs}ms`,
      );
      const end = Date.now() + drainMs;
      while (open.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    }
    const left = open.size;
    for (const c of [...open]) c.close();
    open.clear();
    updateIdleSweep(this.dp);
    for (const s of this.dp.pending) s.destroy();
    this.dp.pending.clear();
    await Promise.all(closing);
    this.listeners.clear();
    return left;
  }
}
