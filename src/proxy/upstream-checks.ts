/**
 * Active health checks: one UpstreamProbe per upstream of the pool, started when
 * an upstream joins and stopped when it leaves or the check settings change, each
 * with its keep-alive check connection (check-agent.ts).
 * Results go to the pool (which decides health) and to the check-latency metric.
 */
import type { Logger } from 'pino';
import type { HealthCheckConfig } from './config-schema.js';
import { UpstreamProbe } from './health-scheduler.js';
import { runCheck, type CheckTls } from './health-check.js';
import type { CheckRecord, Upstream } from './upstream.js';
import { CheckAgent } from './check-agent.js';

export interface ChecksDeps {
  log: Logger;
  config: () => HealthCheckConfig;
  tls: () => CheckTls;
  result: (u: Upstream, r: CheckRecord) => void;
}

export class UpstreamChecks {
  private readonly probes = new Map<Upstream, { probe: UpstreamProbe; agent: CheckAgent }>();
  private stopped = false;

  constructor(private readonly deps: ChecksDeps) {}

  start(u: Upstream): void {
    const hc = this.deps.config();
    if (hc.kind === 'none' || this.stopped || this.probes.has(u)) return;
    const agent = new CheckAgent();
    const probe = new UpstreamProbe(
      u,
      {
        intervalMs: hc.interval,
        edgeIntervalMs: hc.edgeInterval,
        jitter: hc.jitter,
        maxInFlight: hc.fall,
      },
      (signal) => {
        const tls = this.deps.tls();
        const kind = hc.kind as 'https' | 'http' | 'tcp';
        // A TCP check is a connect by definition: nothing to keep alive.
        const keep = kind === 'tcp' ? undefined : agent.get(kind, tls);
        return runCheck(
          u,
          { kind, path: hc.path, timeoutMs: hc.timeout, tls, agent: keep },
          signal,
        );
      },
      this.deps.result,
      Math.random,
      (err) =>
        this.deps.log.error(
          { upstream: u.key, err: err instanceof Error ? err.message : String(err) },
          `health check of ${u.key} failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
        ),
    );
    this.probes.set(u, { probe, agent });
    probe.start();
  }

  stop(u: Upstream): void {
    const p = this.probes.get(u);
    p?.probe.stop();
    p?.agent.destroy();
    this.probes.delete(u);
  }

  /** Stops every probe (settings changed: the caller starts them again). */
  reset(): void {
    for (const u of [...this.probes.keys()]) this.stop(u);
  }

  /** For good: no probe starts after this. */
  stopAll(): void {
    this.stopped = true;
    this.reset();
  }
}
