/**
 * The proxy process: listeners, upstream pool, health checks and admin server
 * wired together, with reload (new config applied in place, invalid ones
 * rejected before anything changes) and graceful stop.
 */
import { createServer } from 'node:net';
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
import { UpstreamPool, type PoolEvents, type PoolSettings } from './upstream-pool.js';
import { UpstreamProbe } from './health-scheduler.js';
import { runCheck, type CheckTls } from './health-check.js';
import { createMetrics, type ProxyMetrics } from './metrics.js';
import { AdminServer } from './admin.js';
import { connectionCeiling, readFileLimit, type FileLimit } from './limits.js';
import type { HealthState } from '../balancing/upstream-health.js';
import type { Upstream } from './upstream.js';
import { mergeUpstreams } from './discovery.js';
import { DiscoveryLoop } from './discovery-loop.js';
import { readCheckTls } from './tls-files.js';
import { updateIdleSweep } from './splice.js';
import {
  absorbWorkerStats,
  collectWorkerStats,
  readiness,
  statusReport,
  type WorkerStats,
} from './daemon-report.js';

export type { WorkerStats } from './daemon-report.js';

export interface DaemonOptions {
  logger: Logger;
  version?: string;
  /** Overrides /proc/self/limits (tests). */
  fileLimit?: FileLimit;
  /**
   * `single` (default) does everything. In multi-process mode the `supervisor`
   * checks, discovers and serves the admin endpoint without listeners, and each
   * `worker` runs only listeners and the data path, its health pushed to it.
   */
  role?: 'single' | 'supervisor' | 'worker';
  /** Pool hooks for the multi-process plumbing. */
  events?: Pick<PoolEvents, 'transition' | 'connectFailed'>;
  /** Health to start from (a worker gets its supervisor's current view). */
  initialHealth?: Record<string, HealthState>;
  /** The effective upstream list changed through discovery. */
  upstreamListChanged?: (list: string[]) => void;
  /** Extra per-listener counters for /metrics (the workers', in multi-process mode). */
  remoteListeners?: () => { key: string; counters: ListenerCounters }[];
}

export class ProxyDaemon {
  private cfg: ProxyConfig;
  private tls: CheckTls = {};
  private readonly log: Logger;
  readonly pool: UpstreamPool;
  private readonly dp: DataPath;
  private listeners = new Map<string, ProxyListener>();
  private probes = new Map<Upstream, UpstreamProbe>();
  private admin?: AdminServer;
  private readonly metrics: ProxyMetrics;
  private readonly fileLimit?: FileLimit;
  private stopping = false;
  private readonly discovery: DiscoveryLoop;
  readonly role: 'single' | 'supervisor' | 'worker';
  /** Open connections in worker processes (multi-process mode). */
  remoteOpen = 0;

  constructor(
    cfg: ProxyConfig,
    private readonly opts: DaemonOptions,
  ) {
    this.cfg = cfg;
    this.log = opts.logger;
    this.fileLimit = opts.fileLimit ?? readFileLimit();
    this.role = opts.role ?? 'single';
    this.pool = new UpstreamPool(this.poolSettings(cfg), this.log, {
      added: (u) => this.startProbe(u),
      removed: (u) => this.stopProbe(u),
      ...opts.events,
    });
    this.discovery = new DiscoveryLoop({
      log: this.log,
      pool: this.pool,
      config: () => this.cfg,
      tls: () => this.tls,
      changed: () => {
        this.pool.configure(this.upstreamList(), this.poolSettings(this.cfg));
        this.opts.upstreamListChanged?.(this.upstreamList());
      },
    });
    this.dp = {
      pool: this.pool,
      settings: this.dataPathSettings(cfg),
      log: this.log,
      open: new Set(),
      pending: new Set(),
    };
    this.metrics = createMetrics({
      pool: () => this.pool,
      listeners: () => [...this.listeners.values(), ...(opts.remoteListeners?.() ?? [])],
      version: opts.version ?? '0.0.0',
    });
  }

  get config(): ProxyConfig {
    return this.cfg;
  }

  /** Addresses actually bound (port 0 resolved), for tests and logs. */
  listenAddresses(): string[] {
    return [...this.listeners.values()].map((l) => {
      const a = l.server.address();
      return a && typeof a === 'object' ? formatHostPort({ host: a.address, port: a.port }) : l.key;
    });
  }

  adminAddress(): string | undefined {
    const a = this.admin?.server.address();
    return a && typeof a === 'object'
      ? formatHostPort({ host: a.address, port: a.port })
      : undefined;
  }

  private poolSettings(cfg: ProxyConfig): PoolSettings {
    return {
      algorithm: cfg.algorithm,
      activeChecks: cfg.healthCheck.kind !== 'none',
      thresholds: { rise: cfg.healthCheck.rise, fall: cfg.healthCheck.fall },
      passive: { maxFails: cfg.passive.maxFails, failTimeoutMs: cfg.passive.failTimeout },
      unhealthyGraceMs: cfg.unhealthyGrace,
      drainTimeoutMs: cfg.drainTimeout,
    };
  }

  private dataPathSettings(cfg: ProxyConfig): DataPathSettings {
    const ceiling = connectionCeiling(this.fileLimit);
    return {
      connectTimeoutMs: cfg.connectTimeout,
      maxTries: cfg.maxTries,
      idleTimeoutMs: cfg.idleTimeout,
      keepAliveMs: cfg.tcpKeepAlive,
      maxConnections: cfg.maxConnections > 0 ? Math.min(cfg.maxConnections, ceiling) : ceiling,
    };
  }

  async start(): Promise<void> {
    this.tls = await readCheckTls(this.cfg);
    const { maxConnections } = this.dp.settings;
    // Workers inherit the supervisor's limits: one line from it is enough.
    if (this.role !== 'worker')
      this.log.info(
        { nofileSoft: this.fileLimit?.soft, nofileHard: this.fileLimit?.hard, maxConnections },
        `open-file limit ${this.fileLimit?.soft ?? 'unknown'}: up to ${maxConnections} client connections (2 descriptors each)`,
      );
    this.pool.configure(this.upstreamList(), this.poolSettings(this.cfg));
    for (const [key, h] of Object.entries(this.opts.initialHealth ?? {}))
      this.pool.setHealth(key, h);
    if (this.role !== 'worker') {
      this.discovery.schedule(this.cfg.healthCheck.interval + this.cfg.healthCheck.edgeInterval);
    }
    try {
      await this.bindListeners(this.cfg.listen);
      if (this.cfg.admin !== null && this.role !== 'worker') {
        this.admin = new AdminServer(parseHostPort(this.cfg.admin), {
          ready: () => this.readiness(),
          status: () => this.status(),
          registry: this.metrics.registry,
        });
        await this.admin.listen().catch((err: Error) => {
          throw new KubehaError(
            'E_LISTEN',
            `cannot listen on admin ${this.cfg.admin}: ${err.message}`,
          );
        });
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.started = true;
    if (this.role === 'worker') return;
    this.log.info(
      {
        listen: this.role === 'supervisor' ? this.cfg.listen : this.listenAddresses(),
        upstreams: this.cfg.upstreams,
        admin: this.adminAddress(),
        algorithm: this.cfg.algorithm,
      },
      `kubeha proxy serving ${(this.role === 'supervisor' ? this.cfg.listen : this.listenAddresses()).join(', ')} -> ${this.cfg.upstreams.join(', ')}`,
    );
  }

  /** Binds every address not bound yet; on failure, unbinds what this call bound. */
  private async bindListeners(addresses: string[]): Promise<ProxyListener[]> {
    const fresh: ProxyListener[] = [];
    if (this.role === 'supervisor') {
      await this.probeBind(addresses.filter((a) => !this.cfg.listen.includes(a) || !this.started));
      return fresh;
    }
    for (const a of addresses) {
      const hp = parseHostPort(a);
      const key = formatHostPort(hp);
      if (this.listeners.has(key)) continue;
      const l = new ProxyListener(hp, this.dp);
      try {
        await l.listen();
      } catch (err) {
        for (const f of fresh) void f.close();
        for (const f of fresh) this.listeners.delete(f.key);
        throw new KubehaError('E_LISTEN', `cannot listen on ${key}: ${(err as Error).message}`);
      }
      fresh.push(l);
      this.listeners.set(key, l);
    }
    return fresh;
  }

  /**
   * Applies a new configuration without dropping established connections: new
   * listeners bind first (a failure leaves everything as it was), removed ones
   * stop accepting, upstreams join or drain. The admin address is not changed by
   * a reload.
   */
  async reload(cfg: ProxyConfig): Promise<void> {
    const tls = await readCheckTls(cfg);
    const before = new Set(this.listeners.keys());
    const wanted = new Set(cfg.listen.map((a) => formatHostPort(parseHostPort(a))));
    const added = await this.bindListeners(cfg.listen);
    for (const key of before) {
      if (wanted.has(key)) continue;
      void this.listeners.get(key)!.close();
      this.listeners.delete(key);
      this.log.info({ listener: key }, `listener ${key} closed (established connections kept)`);
    }
    for (const l of added) this.log.info({ listener: l.key }, `listener ${l.key} added`);
    const checksChanged = JSON.stringify(cfg.healthCheck) !== JSON.stringify(this.cfg.healthCheck);
    this.cfg = cfg;
    this.tls = tls;
    this.dp.settings = this.dataPathSettings(cfg);
    updateIdleSweep(this.dp);
    for (const l of this.listeners.values()) l.setMaxConnections(this.dp.settings.maxConnections);
    if (checksChanged) for (const u of [...this.probes.keys()]) this.stopProbe(u);
    // Before configure: switching discovery off forgets what it found.
    if (this.role !== 'worker') this.discovery.schedule(cfg.healthCheck.interval);
    this.pool.configure(this.upstreamList(), this.poolSettings(cfg));
    for (const u of this.pool.upstreams) if (!u.draining && !this.probes.has(u)) this.startProbe(u);
    this.log.info({ upstreams: cfg.upstreams, listen: cfg.listen }, 'configuration reloaded');
  }

  private started = false;

  /**
   * The supervisor binds nothing itself (its workers do, through node:cluster);
   * before handing them new addresses it makes sure each can be bound, so a bad
   * reload is rejected while nothing has changed yet.
   */
  private async probeBind(addresses: string[]): Promise<void> {
    for (const a of addresses) {
      const hp = parseHostPort(a);
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) =>
          reject(
            new KubehaError('E_LISTEN', `cannot listen on ${formatHostPort(hp)}: ${err.message}`),
          ),
        );
        server.listen({ host: hp.host, port: hp.port }, () => server.close(() => resolve()));
      });
    }
  }

  upstreamList(): string[] {
    return mergeUpstreams(this.cfg.upstreams, this.discovery.discovered);
  }

  private startProbe(u: Upstream): void {
    const hc = this.cfg.healthCheck;
    if (hc.kind === 'none' || this.stopping || this.role === 'worker') return;
    const probe = new UpstreamProbe(
      u,
      {
        intervalMs: hc.interval,
        edgeIntervalMs: hc.edgeInterval,
        jitter: hc.jitter,
        maxInFlight: hc.fall,
      },
      (signal) =>
        runCheck(
          u,
          {
            kind: hc.kind as 'https',
            path: hc.path,
            timeoutMs: hc.timeout,
            tls: this.tls,
          },
          signal,
        ),
      (up, r) => {
        this.metrics.observeCheck(up, r.latencyMs / 1000);
        this.pool.checkResult(up, r);
      },
    );
    this.probes.set(u, probe);
    probe.start();
  }

  private stopProbe(u: Upstream): void {
    this.probes.get(u)?.stop();
    this.probes.delete(u);
  }

  /** Data-path counters of this process, for a supervisor to sum (multi-process mode). */
  workerStats(): WorkerStats {
    return collectWorkerStats(this.pool, [...this.listeners.values()], this.dp.open.size);
  }

  /** Sums the workers' latest reports into this (supervisor) process's view. */
  absorbWorkerStats(reports: WorkerStats[]): void {
    this.remoteOpen = absorbWorkerStats(this.pool, reports);
  }

  readiness(): { ok: boolean; detail: string } {
    return readiness(this.pool);
  }

  status(): object {
    return statusReport(this.pool, {
      listeners: this.listenAddresses(),
      algorithm: this.cfg.algorithm,
      connections: this.dp.open.size + this.remoteOpen,
      discovered: this.discovery.discovered,
    });
  }

  /**
   * Graceful stop: stop accepting and checking, let connections finish for up to
   * `shutdownTimeout`, then close what is left.
   */
  async stop(timeoutMs = this.cfg.shutdownTimeout): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const l of this.listeners.values()) void l.close();
    for (const u of [...this.probes.keys()]) this.stopProbe(u);
    this.discovery.stop();
    const open = this.dp.open;
    if (open.size > 0) {
      this.log.info(
        { connections: open.size, timeoutMs },
        `stopping: waiting up to ${timeoutMs}ms for ${open.size} connection(s)`,
      );
      const end = Date.now() + timeoutMs;
      while (open.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    }
    const left = open.size;
    for (const c of [...open]) c.close();
    open.clear();
    updateIdleSweep(this.dp);
    for (const s of this.dp.pending) s.destroy();
    this.dp.pending.clear();
    this.pool.stop();
    await this.admin?.close();
    await Promise.all(
      [...this.listeners.values()].map((l) => new Promise((r) => l.server.close(r))),
    );
    this.listeners.clear();
    this.log.info(
      { closed: left },
      `stopped${left > 0 ? `, closed ${left} connection(s) at the timeout` : ''}`,
    );
  }
}
