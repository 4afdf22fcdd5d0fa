/**
 * The proxy's control: everything decided once per proxy, whatever carries the
 * bytes. It owns the upstream pool's health (active checks, discovery) and the
 * admin endpoint (/readyz, /metrics, /status). A single-process proxy pairs it with
 * one data plane (daemon.ts); the supervisor of multi-process mode pairs it with
 * worker processes (cluster-supervisor.ts). Like k3s's loadbalancer, server list,
 * health and proxying stay apart.
 */
import type { Logger } from 'pino';
import { KubehaError } from '../shared/errors.js';
import { formatHostPort, parseHostPort } from '../shared/address.js';
import type { ProxyConfig } from './config-schema.js';
import type { ListenerCounters } from './data-path.js';
import { UpstreamPool, type PoolEvents } from './upstream-pool.js';
import { poolSettings, rebalanceParams } from './pool-settings.js';
import type { CheckTls } from './health-check.js';
import { UpstreamChecks } from './upstream-checks.js';
import { createMetrics, type ProxyMetrics } from './metrics.js';
import { AdminServer } from './admin.js';
import { mergeUpstreams } from './discovery.js';
import { DiscoveryLoop } from './discovery-loop.js';
import { readCheckTls, tlsChanges, TLS_REFRESH_MS, type CheckTlsFiles } from './tls-files.js';
import { readiness, statusReport, type StatusReport } from './daemon-report.js';

/** What the data side reports to the control, for /metrics and /status. */
export interface DataSide {
  listeners(): { key: string; counters: ListenerCounters }[];
  listenAddresses(): string[];
  connections(): number;
}

export interface ControlOptions {
  logger: Logger;
  version?: string;
  data: DataSide;
  /** Health changed (the supervisor tells its workers). */
  transition?: PoolEvents['transition'];
  /** The effective upstream list changed through discovery. */
  upstreamListChanged?: (list: string[]) => void;
}

const EMPTY: CheckTlsFiles = { tls: {}, missing: [] };

export class ProxyControl {
  readonly pool: UpstreamPool;
  private cfg: ProxyConfig;
  private files: CheckTlsFiles = EMPTY;
  private refreshTimer?: NodeJS.Timeout;
  private get tls(): CheckTls {
    return this.files.tls;
  }
  private readonly checks: UpstreamChecks;
  private readonly discovery: DiscoveryLoop;
  private readonly metrics: ProxyMetrics;
  private admin?: AdminServer;
  /** Aborts an admin bind still waiting for its address when the proxy stops. */
  private readonly binding = new AbortController();
  private serving = false;

  constructor(
    cfg: ProxyConfig,
    private readonly opts: ControlOptions,
  ) {
    this.cfg = cfg;
    const log = opts.logger;
    this.metrics = createMetrics({
      pool: () => this.pool,
      listeners: () => opts.data.listeners(),
      version: opts.version ?? '0.0.0',
    });
    this.checks = new UpstreamChecks({
      log,
      config: () => this.cfg.healthCheck,
      tls: () => this.tls,
      result: (u, r) => {
        this.metrics.observeCheck(u, r.latencyMs / 1000);
        this.pool.checkResult(u, r);
      },
    });
    this.pool = new UpstreamPool(poolSettings(cfg), log, {
      added: (u) => this.checks.start(u),
      removed: (u) => this.checks.stop(u),
      transition: (u) => {
        opts.transition?.(u);
        this.discovery.healthChanged();
      },
    });
    this.discovery = new DiscoveryLoop({
      log,
      pool: this.pool,
      config: () => this.cfg,
      listening: () => opts.data.listenAddresses()[0],
      changed: () => {
        this.pool.configure(this.upstreamList(), poolSettings(this.cfg));
        this.opts.upstreamListChanged?.(this.upstreamList());
      },
    });
  }

  get config(): ProxyConfig {
    return this.cfg;
  }

  /** Reads the check TLS files and configures the pool (which starts the checks). */
  async start(): Promise<void> {
    this.useFiles(await readCheckTls(this.cfg));
    // The last good discovered set first: a restart while the API is unreachable
    // still knows every control plane.
    await this.discovery.loadState();
    this.pool.configure(this.upstreamList(), poolSettings(this.cfg));
    this.refreshTimer = setInterval(() => void this.refreshFiles(), TLS_REFRESH_MS);
    this.refreshTimer.unref();
  }

  /** Takes a new read of the TLS files, saying what is missing or changed. */
  private useFiles(next: CheckTlsFiles): void {
    const changed = tlsChanges(this.files, next).filter((k) => !next.missing.includes(k));
    const appeared = this.files.missing.filter((k) => !next.missing.includes(k));
    const gone = next.missing.filter((k) => !this.files.missing.includes(k));
    const hc = this.cfg.healthCheck;
    if (gone.length > 0)
      this.opts.logger.warn(
        { missing: gone },
        `health checks go on without ${gone.map((k) => `${k} ${hc[k as 'caFile']}`).join(', ')}: not there (yet); ` +
          (gone.includes('caFile') ? 'API servers are not verified; ' : '') +
          'kubeha picks the file up when it appears',
      );
    else if (changed.length > 0 && this.files !== EMPTY)
      this.opts.logger.info(
        { changed, appeared },
        `health-check TLS files changed (${changed.join(', ')}): now in use`,
      );
    this.files = next;
  }

  /** The kubelet rotates its client certificate; a new node gets its first one late. */
  private async refreshFiles(): Promise<void> {
    try {
      const next = await readCheckTls(this.cfg);
      if (
        tlsChanges(this.files, next).length > 0 ||
        next.missing.join() !== this.files.missing.join()
      )
        this.useFiles(next);
    } catch (err) {
      this.opts.logger.warn(
        { error: (err as Error).message },
        `keeping the health-check TLS files in use: ${(err as Error).message}`,
      );
    }
  }

  /** Binds the admin endpoint, waiting up to `bindRetry` for a taken address. */
  async listenAdmin(): Promise<void> {
    if (this.cfg.admin === null) return;
    const admin = new AdminServer(
      parseHostPort(this.cfg.admin, undefined, { allowPortZero: true }),
      {
        ready: () => this.readiness(),
        status: () => this.status(),
        registry: this.metrics.registry,
      },
    );
    try {
      await admin.listen({
        reusePort: this.cfg.reusePort,
        retryMs: this.cfg.bindRetry,
        log: this.opts.logger,
        what: 'admin',
        signal: this.binding.signal,
      });
    } catch (err) {
      throw new KubehaError(
        'E_LISTEN',
        `cannot listen on admin ${this.cfg.admin}: ${(err as Error).message}`,
      );
    }
    if (this.binding.signal.aborted) {
      await admin.close(); // stopped while waiting for the address
      throw new KubehaError('E_LISTEN', 'stopped while binding the admin endpoint');
    }
    this.admin = admin;
  }

  adminAddress(): string | undefined {
    const a = this.admin?.server.address();
    return a && typeof a === 'object'
      ? formatHostPort({ host: a.address, port: a.port })
      : undefined;
  }

  /** The first half of a reload, which may fail: nothing has changed yet. */
  prepare(cfg: ProxyConfig): Promise<CheckTlsFiles> {
    return readCheckTls(cfg);
  }

  /** The second half, which cannot fail. The admin address is kept. */
  apply(cfg: ProxyConfig, files: CheckTlsFiles): void {
    const checksChanged = JSON.stringify(cfg.healthCheck) !== JSON.stringify(this.cfg.healthCheck);
    this.cfg = cfg;
    this.useFiles(files);
    if (checksChanged) this.checks.reset();
    // Before configure: switching discovery off forgets what it found.
    this.discovery.reconfigure();
    this.pool.configure(this.upstreamList(), poolSettings(cfg));
    for (const u of this.pool.upstreams) if (!u.draining) this.checks.start(u);
  }

  upstreamList(): string[] {
    return mergeUpstreams(this.cfg.upstreams, this.discovery.discovered);
  }

  /** The listeners are bound: until then /readyz says so (a takeover may wait for them). */
  markServing(): void {
    this.serving = true;
    this.discovery.markServing();
  }

  readiness(): { ok: boolean; detail: string } {
    if (!this.serving)
      return { ok: false, detail: `not serving yet: binding ${this.cfg.listen.join(', ')}` };
    return readiness(this.pool);
  }

  status(): StatusReport {
    return statusReport(this.pool, {
      listeners: this.opts.data.listenAddresses(),
      algorithm: this.cfg.algorithm,
      connections: this.opts.data.connections(),
      discovered: this.discovery.discovered,
      rebalance: rebalanceParams(this.cfg),
      discovery: this.discovery.report(),
    });
  }

  /**
   * Stopping, first step: the admin endpoint goes at once, so a second instance
   * sharing its address answers every probe. Checks go on while connections drain.
   */
  async closeAdmin(): Promise<void> {
    this.binding.abort();
    await this.admin?.close();
    this.admin = undefined;
  }

  stop(): void {
    this.binding.abort();
    clearInterval(this.refreshTimer);
    this.checks.stopAll();
    this.discovery.stop();
    this.pool.stop();
    void this.admin?.close();
  }
}
