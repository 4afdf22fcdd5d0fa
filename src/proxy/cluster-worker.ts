/**
 * Entry point of a worker process (multi-process mode, started by node:cluster
 * from the supervisor): a data plane only, over a pool whose health arrives from
 * the supervisor. Connect failures and counters go back to it. It loads neither
 * the checks, nor the admin endpoint, nor prom-client. Signals are the
 * supervisor's business: a worker stops when told to, or when its supervisor
 * disappears.
 */
import { createLogger } from './logger.js';
import { isKubehaError } from '../shared/errors.js';
import { STATS_INTERVAL_MS, type FromWorker, type ToWorker } from './cluster-protocol.js';
import type { ProxyConfig } from './config-schema.js';
import type { HealthState } from '../balancing/upstream-health.js';
import { DataPlane } from './data-plane.js';
import { UpstreamPool } from './upstream-pool.js';
import { poolSettings } from './pool-settings.js';
import { collectWorkerStats } from './daemon-report.js';
import { readFileLimit } from './limits.js';

const send = (m: FromWorker) => {
  if (process.connected) process.send!(m);
};

let pool: UpstreamPool | undefined;
let plane: DataPlane | undefined;
let statsTimer: NodeJS.Timeout | undefined;
let stopping = false;

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});

async function stop(timeoutMs: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(statsTimer);
  await plane?.stop(timeoutMs);
  pool?.stop();
  if (process.connected) process.disconnect();
}

function configure(cfg: ProxyConfig, health: Record<string, HealthState>): void {
  pool!.configure(cfg.upstreams, poolSettings(cfg));
  for (const [key, h] of Object.entries(health)) pool!.setHealth(key, h);
}

process.on('disconnect', () => void stop(0));

process.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'start': {
      const logger = createLogger({
        level: m.cfg.logLevel,
        format: m.logFormat,
        base: { pid: process.pid, worker: true },
      });
      pool = new UpstreamPool(poolSettings(m.cfg), logger, {
        connectFailed: (u, reason) => send({ t: 'connectFailed', key: u.key, reason }),
      });
      configure(m.cfg, m.health);
      plane = new DataPlane(m.cfg, pool, logger, readFileLimit());
      plane.bind(m.cfg.listen, m.cfg.bindRetry).then(
        () => {
          send({ t: 'started' });
          statsTimer = setInterval(
            () =>
              send({
                t: 'stats',
                stats: collectWorkerStats(pool!, plane!.listenerCounters(), plane!.openConnections),
              }),
            STATS_INTERVAL_MS,
          );
        },
        (err: Error) => {
          send({
            t: 'failed',
            message: err.message,
            code: isKubehaError(err) ? err.code : 'E_WORKER',
          });
          void stop(0);
        },
      );
      return;
    }
    case 'reload':
      if (!plane) return;
      plane.reload(m.cfg).then(
        () => {
          configure(m.cfg, m.health);
          send({ t: 'reloaded', id: m.id });
        },
        (err: Error) => send({ t: 'reloaded', id: m.id, error: err.message }),
      );
      return;
    case 'health':
      pool?.setHealth(m.key, m.health);
      return;
    case 'stop':
      void stop(m.timeoutMs);
      return;
  }
});

send({ t: 'loaded' });
