/**
 * The single-process proxy (`workers: 1`, the default): one control (checks,
 * discovery, admin) and one data plane (listeners, connections) sharing one
 * upstream pool. Reload applies a new configuration in place, an invalid one
 * rejected before anything changes; stop is the hitless-restart half of
 * docs/proxy.md.
 */
import type { Logger } from 'pino';
import type { ProxyConfig } from './config-schema.js';
import { ProxyControl } from './control.js';
import { DataPlane } from './data-plane.js';
import { readFileLimit, type FileLimit } from './limits.js';
import type { UpstreamPool } from './upstream-pool.js';
import { logServing, logStopped, logFileLimit } from './lifecycle-log.js';
import type { StatusReport } from './daemon-report.js';

export interface DaemonOptions {
  logger: Logger;
  version?: string;
  /** Overrides /proc/self/limits (tests). */
  fileLimit?: FileLimit;
}

export class ProxyDaemon {
  private readonly control: ProxyControl;
  private readonly plane: DataPlane;
  private readonly log: Logger;
  private stopping = false;

  constructor(cfg: ProxyConfig, opts: DaemonOptions) {
    this.log = opts.logger;
    const fileLimit = opts.fileLimit ?? readFileLimit();
    this.control = new ProxyControl(cfg, {
      logger: opts.logger,
      version: opts.version,
      data: {
        listeners: () => this.plane.listenerCounters(),
        listenAddresses: () => this.plane.listenAddresses(),
        connections: () => this.plane.openConnections,
      },
    });
    this.plane = new DataPlane(cfg, this.control.pool, opts.logger, fileLimit);
    logFileLimit(this.log, fileLimit, this.plane.dp.settings.maxConnections);
  }

  get pool(): UpstreamPool {
    return this.control.pool;
  }

  get config(): ProxyConfig {
    return this.control.config;
  }

  listenAddresses(): string[] {
    return this.plane.listenAddresses();
  }

  /** Client connections held: spliced, or still waiting for an upstream connect. */
  connectionsInUse(): number {
    return this.plane.dp.open.size + this.plane.dp.pending.size;
  }

  adminAddress(): string | undefined {
    return this.control.adminAddress();
  }

  /**
   * Checks start first, so a proxy still waiting for its addresses (bindRetry,
   * nginx-proxy holding them) knows its upstreams the moment it can serve.
   */
  async start(): Promise<void> {
    const cfg = this.control.config;
    try {
      await this.control.start();
      await Promise.all([this.plane.bind(cfg.listen, cfg.bindRetry), this.control.listenAdmin()]);
    } catch (err) {
      await this.stop(0);
      throw err;
    }
    this.control.markServing();
    logServing(this.log, cfg, this.listenAddresses(), this.adminAddress());
  }

  async reload(cfg: ProxyConfig): Promise<void> {
    const tls = await this.control.prepare(cfg);
    await this.plane.reload(cfg);
    this.control.apply(cfg, tls);
    this.log.info({ upstreams: cfg.upstreams, listen: cfg.listen }, 'configuration reloaded');
  }

  readiness(): { ok: boolean; detail: string } {
    return this.control.readiness();
  }

  status(): StatusReport {
    return this.control.status();
  }

  /**
   * Listeners and the admin endpoint close at once; connections drain for up to
   * `timeoutMs` (checks keep running meanwhile), then the rest are closed.
   */
  async stop(timeoutMs = this.control.config.shutdownTimeout): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const admin = this.control.closeAdmin();
    const closed = await this.plane.stop(timeoutMs);
    await admin;
    this.control.stop();
    logStopped(this.log, closed);
  }
}
