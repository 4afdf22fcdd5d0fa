/** Messages between the supervisor and its worker processes (multi-process mode). */
import type { HealthState } from '../balancing/upstream-health.js';
import type { ProxyConfig } from './config-schema.js';
import type { WorkerStats } from './daemon-report.js';
import type { LogFormat } from './logger.js';

export type ToWorker =
  | { t: 'start'; cfg: ProxyConfig; health: Record<string, HealthState>; logFormat: LogFormat }
  | { t: 'reload'; id: number; cfg: ProxyConfig; health: Record<string, HealthState> }
  | { t: 'health'; key: string; health: HealthState }
  | { t: 'stop'; timeoutMs: number };

export type FromWorker =
  /** Sent once the worker listens for messages: cluster's 'online' comes before an ES module has loaded. */
  | { t: 'loaded' }
  | { t: 'started' }
  | { t: 'failed'; message: string; code: string }
  | { t: 'reloaded'; id: number; error?: string }
  | { t: 'connectFailed'; key: string; reason: string }
  | { t: 'stats'; stats: WorkerStats };

/** How often workers report their counters (what /metrics and /status lag by). */
export const STATS_INTERVAL_MS = 500;
