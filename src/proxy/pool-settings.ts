/** The pool's settings from a configuration (control and worker processes alike). */
import type { ProxyConfig } from './config-schema.js';
import type { PoolSettings } from './upstream-pool.js';

export function poolSettings(cfg: ProxyConfig): PoolSettings {
  return {
    algorithm: cfg.algorithm,
    activeChecks: cfg.healthCheck.kind !== 'none',
    thresholds: { rise: cfg.healthCheck.rise, fall: cfg.healthCheck.fall },
    passive: { maxFails: cfg.passive.maxFails, failTimeoutMs: cfg.passive.failTimeout },
    unhealthyGraceMs: cfg.unhealthyGrace,
    failoverHoldMs: cfg.failoverHold,
    drainTimeoutMs: cfg.drainTimeout,
  };
}
