/** The pool's and rebalancing's settings from a configuration (control and worker processes alike). */
import type { ProxyConfig } from './config-schema.js';
import type { PoolSettings } from './upstream-pool.js';
import type { RebalanceParams } from '../balancing/rebalance.js';

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

export function rebalanceParams(cfg: ProxyConfig): RebalanceParams {
  return {
    enabled: cfg.rebalance.enabled,
    healthyForMs: cfg.rebalance.healthyFor,
    tolerance: cfg.rebalance.tolerance,
    maxPerSecond: cfg.rebalance.maxPerSecond,
    algorithm: cfg.algorithm,
  };
}
