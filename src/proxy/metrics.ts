/**
 * Prometheus metrics. Everything except the check-latency histogram is read from
 * the pool's plain counters at scrape time (prom-client `collect`), so the data
 * path pays nothing for metrics. Names follow Prometheus conventions: a
 * `kubeha_proxy_` prefix, `_total` counters, base units (seconds, bytes).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UpstreamPool } from './upstream-pool.js';
import type { ListenerCounters } from './data-path.js';
import type { Upstream } from './upstream.js';

export interface MetricsSources {
  pool: () => UpstreamPool;
  listeners: () => { key: string; counters: ListenerCounters }[];
  version: string;
}

export interface ProxyMetrics {
  registry: Registry;
  observeCheck(u: Upstream, seconds: number): void;
}

export function createMetrics(src: MetricsSources): ProxyMetrics {
  const registry = new Registry();
  // process_* (CPU, RSS, open fds) and nodejs_* (event-loop lag, heap, GC): expected of a
  // node-critical daemon. Only the control process loads this module; worker processes
  // carry no collectors.
  collectDefaultMetrics({ register: registry });
  const up = () => src.pool().upstreams;
  const perUpstream = (
    name: string,
    help: string,
    value: (u: Upstream) => number,
    kind: 'gauge' | 'counter',
  ) => {
    const collect = function (this: Gauge | Counter) {
      this.reset();
      for (const u of up()) {
        const v = value(u);
        if (this instanceof Gauge) this.set({ upstream: u.key }, v);
        else this.inc({ upstream: u.key }, v);
      }
    };
    const opts = { name, help, labelNames: ['upstream'], registers: [registry], collect };
    return kind === 'gauge' ? new Gauge(opts) : new Counter(opts);
  };

  perUpstream(
    'kubeha_proxy_upstream_up',
    '1 when the upstream takes new connections (healthy or not yet checked, or any in panic mode), else 0.',
    // The pool's own answer (selection.ts): in panic mode every serving upstream takes connections.
    (u) => (src.pool().takesConnections(u) ? 1 : 0),
    'gauge',
  );
  perUpstream(
    'kubeha_proxy_upstream_unauthorized',
    '1 when the last health check was answered 401/403 (alive, unauthorized).',
    (u) => (u.lastCheck?.unauthorized ? 1 : 0),
    'gauge',
  );
  perUpstream(
    'kubeha_proxy_upstream_draining',
    '1 while an upstream removed by configuration drains.',
    (u) => (u.draining ? 1 : 0),
    'gauge',
  );
  perUpstream(
    'kubeha_proxy_upstream_connections_active',
    'Client connections currently proxied to the upstream.',
    (u) => u.counters().active,
    'gauge',
  );
  perUpstream(
    'kubeha_proxy_upstream_connections_total',
    'Client connections proxied to the upstream.',
    (u) => u.counters().total,
    'counter',
  );
  perUpstream(
    'kubeha_proxy_upstream_received_bytes_total',
    'Bytes received from clients and sent to the upstream.',
    (u) => u.counters().fromClients,
    'counter',
  );
  perUpstream(
    'kubeha_proxy_upstream_sent_bytes_total',
    'Bytes received from the upstream and sent to clients.',
    (u) => u.counters().toClients,
    'counter',
  );
  perUpstream(
    'kubeha_proxy_upstream_connect_failures_total',
    'Connects to the upstream refused or timed out (passive health).',
    (u) => u.counters().connectFailures,
    'counter',
  );
  perUpstream(
    'kubeha_proxy_upstream_health_check_failures_total',
    'Active health checks that failed.',
    (u) => u.checkFailures,
    'counter',
  );
  perUpstream(
    'kubeha_proxy_upstream_unhealthy_closed_connections_total',
    'Client connections closed because their upstream turned unhealthy.',
    (u) => u.counters().closedUnhealthy,
    'counter',
  );
  perUpstream(
    'kubeha_proxy_upstream_rebalanced_connections_total',
    'Client connections closed on the upstream to even out the load (rebalance), so they reconnect elsewhere.',
    (u) => u.counters().closedRebalanced,
    'counter',
  );
  perUpstream(
    'kubeha_proxy_upstream_drained_connections_total',
    'Client connections closed at the drain timeout of a removed upstream.',
    (u) => u.counters().closedDrained,
    'counter',
  );

  const checkSeconds = new Histogram({
    name: 'kubeha_proxy_upstream_health_check_duration_seconds',
    help: 'Active health check latency.',
    labelNames: ['upstream'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  new Counter({
    name: 'kubeha_proxy_connect_retries_total',
    help: 'Client connections retried on another upstream after a failed connect.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(src.pool().connectRetries + src.pool().remoteRetries);
    },
  });
  new Counter({
    name: 'kubeha_proxy_failed_connections_total',
    help: 'Client connections closed because no upstream could be connected.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(src.pool().failedClients + src.pool().remoteFailed);
    },
  });
  new Gauge({
    name: 'kubeha_proxy_panic_mode',
    help: '1 while no upstream is healthy and traffic goes to all of them (panic mode).',
    registers: [registry],
    collect() {
      this.set(src.pool().inPanic ? 1 : 0);
    },
  });
  const perListener = (
    name: string,
    help: string,
    value: (l: { counters: ListenerCounters }) => number,
  ) =>
    new Counter({
      name,
      help,
      labelNames: ['listener'],
      registers: [registry],
      collect() {
        this.reset();
        for (const l of src.listeners()) this.inc({ listener: l.key }, value(l));
      },
    });
  perListener(
    'kubeha_proxy_listener_accepted_connections_total',
    'Client connections accepted.',
    (l) => l.counters.accepted,
  );
  perListener(
    'kubeha_proxy_listener_dropped_connections_total',
    'Client connections dropped at maxConnections.',
    (l) => l.counters.dropped,
  );
  perListener(
    'kubeha_proxy_listener_errors_total',
    'Listener (accept) errors.',
    (l) => l.counters.errors,
  );

  const info = new Gauge({
    name: 'kubeha_build_info',
    help: 'kubeha version and Node.js runtime; always 1.',
    labelNames: ['version', 'nodejs_version'],
    registers: [registry],
  });
  info.set({ version: src.version, nodejs_version: process.version }, 1);

  return {
    registry,
    observeCheck: (u, seconds) => checkSeconds.observe({ upstream: u.key }, seconds),
  };
}
