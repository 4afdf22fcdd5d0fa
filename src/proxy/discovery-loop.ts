/**
 * Discovery as the proxy runs it: the state file at start, the watch of
 * `default/kubernetes` once the listeners serve (it goes through them), and
 * between what is read and what the pool uses, the debounce and the guard rails
 * (discovery-guard.ts). Each applied change is logged as a diff and saved as the
 * last good set; failures are logged once per distinct message.
 */
import type { Logger } from 'pino';
import { formatHostPort, parseHostPort } from '../shared/address.js';
import type { ProxyConfig } from './config-schema.js';
import type { UpstreamPool } from './upstream-pool.js';
import { diffLine, judge } from './discovery-guard.js';
import { readState, statePath, writeState } from './discovery-state.js';
import { ServiceWatch, type WatchMode } from './discovery-watch.js';
import { DiscoveryCredentials } from './kube-credentials.js';

/** What discovery says in /status. */
export interface DiscoveryReport {
  following: string | null;
  error?: string;
  heldBack?: string[];
  refused?: string;
}

export interface DiscoveryDeps {
  log: Logger;
  pool: UpstreamPool;
  config: () => ProxyConfig;
  /** The first listener as bound (its port when the config says 0). */
  listening: () => string | undefined;
  /** the applied set changed */
  changed: (found: string[]) => void;
}

const MODE_TEXT: Record<WatchMode, string> = {
  slices: 'EndpointSlices',
  endpoints: 'Endpoints',
  get: 'Endpoints (polled)',
};

export class DiscoveryLoop {
  /** The applied set: API servers found in default/kubernetes (empty while discovery is off). */
  discovered: string[] = [];
  private watch?: ServiceWatch;
  private readonly credentials = new DiscoveryCredentials();
  private pending?: { set: string[]; source: string };
  private debounce?: NodeJS.Timeout;
  private lastError = '';
  private lastRefusal = '';
  /** Why discovery fell back, as last logged ('' while it follows the slices). */
  private fallbackWhy = '';
  private serving = false;
  private stopped = false;

  constructor(private readonly deps: DiscoveryDeps) {}

  private get enabled(): boolean {
    return this.deps.config().discovery.kubernetesEndpoints && !this.stopped;
  }

  /** At start, before the listeners serve: the last good set from the state file. */
  async loadState(): Promise<void> {
    if (!this.enabled) return;
    const dir = this.deps.config().stateDir;
    const read = await readState(dir);
    if (read.ok) {
      this.deps.log.info(
        { upstreams: read.upstreams, savedAt: read.savedAt },
        `discovery: ${read.upstreams.length} API server(s) from ${statePath(dir)}`,
      );
      this.offer(read.upstreams, 'state file', 0);
    } else if (!read.missing) {
      this.deps.log.warn(
        { file: statePath(dir), error: read.why },
        `ignoring ${statePath(dir)}: ${read.why}`,
      );
    }
  }

  /** The listeners serve: follow default/kubernetes through them. */
  markServing(): void {
    this.serving = true;
    this.reconfigure();
  }

  /** After start or a reload: start or stop following; off forgets what was found. */
  reconfigure(): void {
    if (!this.enabled) {
      void this.watch?.stop();
      this.watch = undefined;
      clearTimeout(this.debounce);
      this.pending = undefined;
      this.discovered = [];
      return;
    }
    if (!this.serving || this.watch) return;
    this.watch = new ServiceWatch({
      target: () => this.credentials.target(this.deps.config(), this.deps.listening()),
      intervalMs: () => this.deps.config().discovery.interval,
      snapshot: (set, mode) => this.read(set, mode),
      failed: (message, mode) => this.failed(message, mode),
      modeChanged: (mode, why) => this.modeChanged(mode, why),
    });
    this.watch.start();
  }

  /** For /status: how default/kubernetes is followed, the last error, a set held back. */
  report(): DiscoveryReport | undefined {
    if (!this.enabled) return undefined;
    return {
      following: this.watch ? MODE_TEXT[this.watch.mode] : null,
      ...(this.lastError ? { error: this.lastError } : {}),
      ...(this.pending && this.debounce === undefined ? { heldBack: this.pending.set } : {}),
      ...(this.lastRefusal ? { refused: this.lastRefusal } : {}),
    };
  }

  /** Health changed: a set held back because it shares nothing with the configuration may now apply. */
  healthChanged(): void {
    if (this.pending && this.debounce === undefined) this.decide();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.debounce);
    void this.watch?.stop();
  }

  /** A fallback is logged once, not at each retry of the richer way (every REPROBE_MS). */
  private modeChanged(mode: WatchMode, why: string): void {
    if (mode === 'slices' || why === this.fallbackWhy) return;
    this.fallbackWhy = why;
    this.deps.log.warn({ mode }, `discovery follows ${MODE_TEXT[mode]}: ${why}`);
  }

  private read(set: string[], mode: WatchMode): void {
    if (mode === 'slices' && this.fallbackWhy !== '') {
      this.fallbackWhy = '';
      this.deps.log.info('discovery follows EndpointSlices again');
    }
    if (this.lastError !== '')
      this.deps.log.info(`discovery of default/kubernetes works again (${MODE_TEXT[mode]})`);
    this.lastError = '';
    this.offer(set, MODE_TEXT[mode], this.deps.config().discovery.debounce);
  }

  private failed(message: string, mode: WatchMode): void {
    if (message !== this.lastError && this.enabled)
      this.deps.log.warn(
        { error: message, mode },
        `discovery of default/kubernetes failed: ${message}`,
      );
    this.lastError = message;
  }

  /** A set read: applied once it has been the latest for `delayMs`. */
  private offer(set: string[], source: string, delayMs: number): void {
    this.pending = { set, source };
    clearTimeout(this.debounce);
    this.debounce = undefined;
    if (delayMs === 0) return this.decide();
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.decide();
    }, delayMs);
  }

  private configuredAllUnhealthy(): boolean {
    const health = new Map(this.deps.pool.upstreams.map((u) => [u.key, u.health.health]));
    return this.deps
      .config()
      .upstreams.every((u) => health.get(formatHostPort(parseHostPort(u))) === 'unhealthy');
  }

  private decide(): void {
    const p = this.pending;
    if (!p || !this.enabled) return;
    const cfg = this.deps.config();
    const verdict = judge({
      applied: this.discovered,
      candidate: p.set,
      configured: cfg.upstreams.map((u) => formatHostPort(parseHostPort(u))),
      configuredAllUnhealthy: this.configuredAllUnhealthy(),
    });
    if (!verdict.apply) {
      if (verdict.reason === 'unchanged') this.lastRefusal = '';
      else if (verdict.why !== this.lastRefusal) {
        this.lastRefusal = verdict.why;
        this.deps.log.warn(
          { candidate: p.set, kept: this.discovered, source: p.source },
          `discovery: ${verdict.why} (${this.discovered.join(', ') || 'none'})`,
        );
      }
      // a disjoint set waits for the configured upstreams' health to change
      if (verdict.reason !== 'disjoint') this.pending = undefined;
      return;
    }
    this.pending = undefined;
    this.lastRefusal = '';
    this.discovered = [...new Set(p.set)].sort();
    this.deps.log.info(
      {
        added: verdict.added,
        removed: verdict.removed,
        discovered: this.discovered,
        source: p.source,
      },
      `discovery (${p.source}): ${diffLine(verdict.added, verdict.removed)}`,
    );
    this.deps.changed(this.discovered);
    if (p.source !== 'state file') void this.save(cfg.stateDir);
  }

  private async save(dir: string): Promise<void> {
    try {
      await writeState(dir, this.discovered);
    } catch (err) {
      this.deps.log.warn(
        { file: statePath(dir), error: (err as Error).message },
        `cannot save the discovered API servers to ${statePath(dir)}: ${(err as Error).message}`,
      );
    }
  }
}
