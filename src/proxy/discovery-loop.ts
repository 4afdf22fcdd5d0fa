/**
 * The discovery schedule: every `discovery.interval`, ask a healthy upstream for
 * `default/kubernetes` and report a changed address list. Logs only when the
 * outcome changes (one line per state change, as everywhere in the proxy).
 */
import type { Logger } from 'pino';
import type { ProxyConfig } from './config-schema.js';
import type { CheckTls } from './health-check.js';
import type { UpstreamPool } from './upstream-pool.js';
import { fetchEndpoints } from './discovery.js';

export interface DiscoveryDeps {
  log: Logger;
  pool: UpstreamPool;
  config: () => ProxyConfig;
  tls: () => CheckTls;
  changed: (found: string[]) => void;
}

export class DiscoveryLoop {
  /** API servers found in default/kubernetes Endpoints (empty while discovery is off). */
  discovered: string[] = [];
  private timer?: NodeJS.Timeout;
  private lastError = '';
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly deps: DiscoveryDeps) {}

  private get enabled(): boolean {
    return this.deps.config().discovery.kubernetesEndpoints && !this.stopped;
  }

  /** (Re)arms the next round; with discovery off, forgets what was discovered. */
  schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.deps.config().discovery.kubernetesEndpoints) this.discovered = [];
    if (!this.enabled) return;
    this.timer = setTimeout(() => void this.round(), delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private async round(): Promise<void> {
    const { pool, log } = this.deps;
    const source =
      pool.upstreams.find((u) => !u.draining && u.health.health === 'healthy') ??
      pool.upstreams.find((u) => !u.draining && u.health.health !== 'unhealthy');
    try {
      if (!source) throw new Error('no healthy upstream to ask');
      // The CA file may be missing yet (a node before kubeadm join): wait for it.
      if (this.deps.tls().ca === undefined)
        throw new Error(
          'waiting for healthCheck.caFile: an unverified endpoint list is not followed',
        );
      const cfg = this.deps.config();
      const found = await fetchEndpoints(
        source,
        this.deps.tls(),
        cfg.healthCheck.timeout,
        this.abort.signal,
      );
      if (!this.enabled) return;
      if (this.lastError !== '') log.info('discovery of default/kubernetes endpoints works again');
      this.lastError = '';
      if (found.join(',') !== this.discovered.join(',')) {
        const added = found.filter((f) => !this.discovered.includes(f));
        const removed = this.discovered.filter((d) => !found.includes(d));
        log.info(
          { discovered: found, added, removed, source: source.key },
          `default/kubernetes endpoints: ${found.join(', ') || '(none)'}`,
        );
        this.discovered = found;
        this.deps.changed(found);
      }
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.lastError && this.enabled) {
        log.warn({ error: msg }, `discovery of default/kubernetes endpoints failed: ${msg}`);
      }
      this.lastError = msg;
    } finally {
      this.schedule(this.deps.config().discovery.interval);
    }
  }
}
