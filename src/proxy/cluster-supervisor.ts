/**
 * Multi-process mode (`workers: N` > 1). One Node process moves bytes on one
 * core; Kubespray's nginx-proxy runs `worker_processes 2`. The supervisor runs
 * the control (health checks, panic mode, discovery, the admin endpoint) plus
 * reloads and signals, and forks workers through node:cluster that run only a
 * data plane. With `reusePort` (the default) the supervisor is one of the N
 * data-path processes (a data plane of its own beside N-1 workers: one Node
 * process less on every node, about 55 MB RSS), each binds its own socket in the
 * SO_REUSEPORT group and the kernel spreads connections by hash, as with nginx's
 * `reuseport`. Without it, N workers share one socket that node:cluster holds
 * (SCHED_NONE: whichever worker accepts first), and the supervisor moves no bytes. Health changes are pushed to every worker at once;
 * workers send back connect failures as they happen and their counters every
 * STATS_INTERVAL_MS for /metrics and /status.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { KubehaError } from '../shared/errors.js';
import type { HealthState } from '../balancing/upstream-health.js';
import type { ProxyConfig } from './config-schema.js';
import { ProxyControl } from './control.js';
import { absorbWorkerStats, type WorkerStats } from './daemon-report.js';
import type { FromWorker, ToWorker } from './cluster-protocol.js';
import type { ListenerCounters } from './data-path.js';
import { DataPlane, dataPathSettings } from './data-plane.js';
import { listenWithRetry } from './bind.js';
import { createServer } from 'node:net';
import { formatHostPort, parseHostPort } from '../shared/address.js';
import { readFileLimit } from './limits.js';
import { logFileLimit, logServing, logStopped } from './lifecycle-log.js';
import type { LogFormat } from './logger.js';

const WORKER_ENTRY = fileURLToPath(new URL('./cluster-worker.js', import.meta.url));
const REPLY_TIMEOUT_MS = 10_000;

interface WorkerSlot {
  worker: Worker;
  stats?: WorkerStats;
}

export class ProxySupervisor {
  readonly control: ProxyControl;
  private readonly fileLimit = readFileLimit();
  /** The supervisor's own data plane (with reusePort), over the control's pool. */
  private readonly plane?: DataPlane;
  /** Open connections in the workers, from their latest reports. */
  private remoteOpen = 0;
  private readonly slots = new Map<number, WorkerSlot>();
  private stopping = false;
  private reloadId = 0;
  private lastRefork = 0;

  constructor(
    private cfg: ProxyConfig,
    private readonly log: Logger,
    version?: string,
    /** The workers log the same way. */
    private readonly logFormat: LogFormat = 'json',
  ) {
    this.control = new ProxyControl(cfg, {
      logger: log,
      version,
      data: {
        listeners: () => this.listenerCounters(),
        listenAddresses: () => this.cfg.listen,
        connections: () => this.remoteOpen + (this.plane?.openConnections ?? 0),
      },
      transition: (u) => this.broadcast({ t: 'health', key: u.key, health: u.health }),
      upstreamListChanged: () => void this.pushConfig(),
    });
    if (cfg.reusePort) this.plane = new DataPlane(cfg, this.control.pool, log, this.fileLimit);
  }

  /** Worker processes to fork: the supervisor's own data plane counts as one. */
  private get forks(): number {
    return this.plane ? this.cfg.workers - 1 : this.cfg.workers;
  }

  private healthSnapshot(): Record<string, HealthState> {
    return Object.fromEntries(this.control.pool.upstreams.map((u) => [u.key, u.health]));
  }

  /** What a worker runs: the supervisor's effective upstream list, no discovery of its own. */
  private workerConfig(): ProxyConfig {
    return {
      ...this.cfg,
      upstreams: this.control.upstreamList(),
      discovery: { ...this.cfg.discovery, kubernetesEndpoints: false },
    };
  }

  private broadcast(m: ToWorker): void {
    for (const { worker } of this.slots.values()) if (worker.isConnected()) worker.send(m);
  }

  /** Checks first; the workers bind (waiting up to bindRetry) while they run. */
  async start(): Promise<void> {
    logFileLimit(
      this.log,
      this.fileLimit,
      dataPathSettings(this.cfg, this.fileLimit).maxConnections,
    );
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: WORKER_ENTRY });
    try {
      await this.control.start();
      await Promise.all([
        this.control.listenAdmin(),
        this.plane?.bind(this.cfg.listen, this.cfg.bindRetry),
        ...Array.from({ length: this.forks }, () => this.fork()),
      ]);
    } catch (err) {
      await this.stop(0);
      throw err;
    }
    this.control.markServing();
    logServing(this.log, this.cfg, this.cfg.listen, this.control.adminAddress());
    this.log.info(
      { workers: this.cfg.workers, forked: this.forks },
      `${this.cfg.workers} data-path processes serving (${this.plane ? 'this one and ' : ''}${this.forks} forked)`,
    );
  }

  private fork(): Promise<void> {
    const worker = cluster.fork();
    const slot: WorkerSlot = { worker };
    this.slots.set(worker.id, slot);
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('exit', (code, signal) => this.onExit(worker, code, signal));
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.t === 'loaded') {
          const start: ToWorker = {
            t: 'start',
            logFormat: this.logFormat,
            cfg: this.workerConfig(),
            health: this.healthSnapshot(),
          };
          worker.send(start);
          return;
        }
        if (m.t === 'started') resolve();
        else if (m.t === 'failed') reject(new KubehaError(m.code, m.message));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('exit', () =>
        reject(new KubehaError('E_WORKER', 'worker exited while starting')),
      );
    });
  }

  private onMessage(slot: WorkerSlot, m: FromWorker): void {
    if (m.t === 'connectFailed') {
      const u = this.control.pool.upstreams.find((x) => x.key === m.key);
      if (u) this.control.pool.connectFailed(u, m.reason);
    } else if (m.t === 'stats') {
      slot.stats = m.stats;
      this.remoteOpen = absorbWorkerStats(
        this.control.pool,
        [...this.slots.values()].flatMap((s) => (s.stats ? [s.stats] : [])),
      );
    }
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.slots.delete(worker.id);
    if (this.stopping) return;
    this.log.error(
      { code, signal },
      `worker ${worker.process.pid} exited (${signal ?? code}): starting another`,
    );
    // At most one replacement a second, so a worker that cannot start does not spin.
    const wait = Math.max(0, this.lastRefork + 1000 - Date.now());
    this.lastRefork = Date.now() + wait;
    setTimeout(() => {
      if (!this.stopping)
        this.fork().catch((err: Error) => this.log.error(`worker start failed: ${err.message}`));
    }, wait).unref();
  }

  private listenerCounters(): { key: string; counters: ListenerCounters }[] {
    const sum = new Map<string, ListenerCounters>();
    const own = (this.plane?.listenerCounters() ?? []).map((l) => [l.key, l.counters] as const);
    for (const reported of [
      own,
      ...[...this.slots.values()].map((s) => Object.entries(s.stats?.listeners ?? {})),
    ]) {
      for (const [key, c] of reported) {
        const t = sum.get(key) ?? { accepted: 0, dropped: 0, errors: 0 };
        t.accepted += c.accepted;
        t.dropped += c.dropped;
        t.errors += c.errors;
        sum.set(key, t);
      }
    }
    return [...sum].map(([key, counters]) => ({ key, counters }));
  }

  /** Supervisor first (validates, probe-binds new listeners), then every worker. */
  async reload(cfg: ProxyConfig): Promise<void> {
    if (cfg.workers !== this.cfg.workers) {
      this.log.warn(`workers: ${cfg.workers} takes effect on restart; keeping ${this.cfg.workers}`);
      cfg = { ...cfg, workers: this.cfg.workers };
    }
    if (cfg.reusePort !== this.cfg.reusePort) {
      this.log.warn(
        `reusePort: ${cfg.reusePort} takes effect on restart; keeping ${this.cfg.reusePort}`,
      );
      cfg = { ...cfg, reusePort: this.cfg.reusePort };
    }
    const tls = await this.control.prepare(cfg);
    // The own data plane binds new listeners first; without one, a probe bind checks them.
    if (this.plane) await this.plane.reload(cfg);
    else
      await probeBind(
        cfg.listen.filter((a) => !this.cfg.listen.includes(a)),
        cfg.reusePort,
        this.log,
      );
    this.control.apply(cfg, tls);
    this.cfg = cfg;
    this.log.info({ upstreams: cfg.upstreams, listen: cfg.listen }, 'configuration reloaded');
    await this.pushConfig();
  }

  private async pushConfig(): Promise<void> {
    const id = ++this.reloadId;
    const m: ToWorker = {
      t: 'reload',
      id,
      cfg: this.workerConfig(),
      health: this.healthSnapshot(),
    };
    const replies = [...this.slots.values()].map(
      ({ worker }) =>
        new Promise<string | undefined>((resolve) => {
          if (!worker.isConnected()) return resolve(undefined); // exiting: its successor starts from the new config
          const timer = setTimeout(() => resolve('no reply'), REPLY_TIMEOUT_MS);
          const on = (r: FromWorker) => {
            if (r.t !== 'reloaded' || r.id !== id) return;
            clearTimeout(timer);
            worker.off('message', on);
            resolve(r.error);
          };
          worker.on('message', on);
          worker.send(m);
        }),
    );
    const errors = (await Promise.all(replies)).filter((e) => e !== undefined);
    if (errors.length > 0) this.log.error({ errors }, `worker reload failed: ${errors[0]}`);
  }

  /** The admin endpoint closes at once; each worker closes its listeners and drains. */
  async stop(timeoutMs = this.cfg.shutdownTimeout): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const admin = this.control.closeAdmin();
    const exits = [...this.slots.values()].map(
      ({ worker }) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const kill = setTimeout(() => worker.kill('SIGKILL'), timeoutMs + 2000);
          worker.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          if (worker.isConnected()) worker.send({ t: 'stop', timeoutMs } satisfies ToWorker);
          else worker.kill('SIGKILL');
        }),
    );
    const ownClosed = this.plane?.stop(timeoutMs);
    await Promise.all(exits);
    await ownClosed;
    await admin;
    this.control.stop();
    logStopped(this.log, 0); // each worker logs what its drain closed
  }
}

/**
 * The supervisor binds nothing itself (its workers do); before handing them new
 * addresses it makes sure each can be bound, so a bad reload is rejected while
 * nothing has changed yet.
 */
async function probeBind(addresses: string[], reusePort: boolean, log: Logger): Promise<void> {
  for (const a of addresses) {
    const hp = parseHostPort(a);
    const server = createServer();
    try {
      await listenWithRetry(server, hp, { reusePort, retryMs: 0, log, what: 'listener' });
    } catch (err) {
      throw new KubehaError(
        'E_LISTEN',
        `cannot listen on ${formatHostPort(hp)}: ${(err as Error).message}`,
      );
    }
    await new Promise((r) => server.close(r));
  }
}
