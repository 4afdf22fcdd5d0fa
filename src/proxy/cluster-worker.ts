/**
 * Entry point of a worker process (multi-process mode, started by node:cluster
 * from the supervisor): listeners and the data path only. Health arrives from
 * the supervisor; connect failures and counters go back to it. Signals are the
 * supervisor's business: a worker stops when told to, or when its supervisor
 * disappears.
 */
import { pino } from 'pino';
import { ProxyDaemon } from './daemon.js';
import { STATS_INTERVAL_MS, type FromWorker, type ToWorker } from './cluster-protocol.js';
import { isKubehaError } from '../shared/errors.js';

const send = (m: FromWorker) => {
  if (process.connected) process.send!(m);
};

let daemon: ProxyDaemon | undefined;
let statsTimer: NodeJS.Timeout | undefined;
let stopping = false;

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});

async function stop(timeoutMs: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(statsTimer);
  await daemon?.stop(timeoutMs);
  if (process.connected) process.disconnect();
}

process.on('disconnect', () => void stop(0));

process.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'start': {
      const logger = pino({
        level: m.cfg.logLevel,
        base: { pid: process.pid, worker: true },
        timestamp: pino.stdTimeFunctions.isoTime,
      });
      daemon = new ProxyDaemon(m.cfg, {
        logger,
        role: 'worker',
        initialHealth: m.health,
        events: { connectFailed: (u, reason) => send({ t: 'connectFailed', key: u.key, reason }) },
      });
      daemon.start().then(
        () => {
          send({ t: 'started' });
          statsTimer = setInterval(
            () => send({ t: 'stats', stats: daemon!.workerStats() }),
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
      if (!daemon) return;
      daemon.reload(m.cfg).then(
        () => {
          for (const [key, h] of Object.entries(m.health)) daemon!.pool.setHealth(key, h);
          send({ t: 'reloaded', id: m.id });
        },
        (err: Error) => send({ t: 'reloaded', id: m.id, error: err.message }),
      );
      return;
    case 'health':
      daemon?.pool.setHealth(m.key, m.health);
      return;
    case 'stop':
      void stop(m.timeoutMs);
      return;
  }
});

send({ t: 'loaded' });
