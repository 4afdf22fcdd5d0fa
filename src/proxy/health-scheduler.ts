/**
 * When to check each upstream. Every `interval` (moved by up to ±jitter so many
 * nodes' checks don't align), and after a result that disagrees with the current
 * state, again after the short `edgeInterval` (Envoy's unhealthy_edge_interval)
 * so a real change is confirmed quickly. A check still unanswered after the edge
 * interval is treated the same way: the next one starts without waiting for the
 * timeout, so `fall` timeouts against a silent host overlap instead of queueing.
 */
import { disagrees } from '../balancing/upstream-health.js';
import type { CheckRecord, Upstream } from './upstream.js';

export interface ScheduleParams {
  intervalMs: number;
  edgeIntervalMs: number;
  jitter: number;
  /** How many checks may be in flight at once for one upstream. */
  maxInFlight: number;
}

export class UpstreamProbe {
  private timer?: NodeJS.Timeout;
  private slowTimer?: NodeJS.Timeout;
  private inFlight = 0;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly upstream: Upstream,
    private readonly params: ScheduleParams,
    private readonly check: (signal: AbortSignal) => Promise<CheckRecord>,
    private readonly onResult: (u: Upstream, r: CheckRecord) => void,
    private readonly random: () => number = Math.random,
    /** A check or its handler threw: reported here; checking goes on. */
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** First check soon (within the jitter window) so a fresh proxy knows its upstreams. */
  start(): void {
    this.schedule(this.random() * this.params.jitter * Math.min(this.params.intervalMs, 1000));
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.timer);
    clearTimeout(this.slowTimer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), delayMs);
  }

  private jittered(): number {
    const { intervalMs, jitter } = this.params;
    return intervalMs * (1 + jitter * (2 * this.random() - 1));
  }

  private run(): void {
    if (this.stopped) return;
    this.inFlight++;
    clearTimeout(this.slowTimer);
    this.slowTimer = setTimeout(() => {
      // Only a pending check on a serving upstream is news; on an unhealthy one it agrees.
      const serving = this.upstream.health.health !== 'unhealthy';
      if (!this.stopped && serving && this.inFlight < this.params.maxInFlight) this.run();
    }, this.params.edgeIntervalMs);
    // A check that throws counts as failed; a handler that throws is reported. Neither
    // may end the checks of this upstream, nor become an unhandled rejection.
    void this.check(this.abort.signal)
      .catch((err: unknown): CheckRecord => {
        this.onError(err);
        const reason = `check error: ${err instanceof Error ? err.message : String(err)}`;
        return { ok: false, unauthorized: false, reason, latencyMs: 0, at: Date.now() };
      })
      .then((result) => {
        this.inFlight--;
        if (this.stopped) return;
        try {
          this.onResult(this.upstream, result);
        } catch (err) {
          this.onError(err);
        }
        if (this.inFlight > 0) return; // a faster follow-up is already running
        clearTimeout(this.slowTimer);
        this.schedule(
          disagrees(this.upstream.health, result.ok) ? this.params.edgeIntervalMs : this.jittered(),
        );
      });
  }
}
