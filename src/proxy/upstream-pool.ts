/**
 * The set of upstreams and what happens when their health changes: picks for
 * new connections (with panic mode), passive failures, closing the connections
 * of an upstream that turned unhealthy (never those of healthy ones), and
 * draining upstreams removed by a reload.
 */
import type { Logger } from 'pino';
import { Picker, type Algorithm } from '../balancing/pick.js';
import { selectCandidates, type UpstreamView } from '../balancing/selection.js';
import {
  applyCheck,
  applyPassiveFailure,
  type Step,
  type ThresholdParams,
  type PassiveParams,
} from '../balancing/upstream-health.js';
import { closeDecision } from '../balancing/failover-hold.js';
import { Upstream, type CheckRecord } from './upstream.js';

export interface PoolSettings {
  algorithm: Algorithm;
  activeChecks: boolean;
  thresholds: ThresholdParams;
  passive: PassiveParams;
  unhealthyGraceMs: number;
  /** Correlated failures and the end of panic mode hold closes this long (failover-hold.ts). */
  failoverHoldMs: number;
  drainTimeoutMs: number;
}

export interface PoolEvents {
  /** An upstream joined (start its checks) or left for good (stop them). */
  added?(u: Upstream): void;
  removed?(u: Upstream): void;
  /** Health changed (multi-process mode: the supervisor tells the workers). */
  transition?(u: Upstream): void;
  /** A data-path connect failed (multi-process mode: workers tell the supervisor). */
  connectFailed?(u: Upstream, reason: string): void;
}

export class UpstreamPool {
  /** Configured upstreams in order, then draining ones. */
  upstreams: Upstream[] = [];
  private picker: Picker;
  private panic = false;
  /** When panic mode last ended: the other upstreams are likely to come back too. */
  private panicEndedAt?: number;
  /** This process's data path's retries and client connections no upstream took. */
  connectRetries = 0;
  failedClients = 0;
  /** The same, summed from worker processes (multi-process mode). */
  remoteRetries = 0;
  remoteFailed = 0;

  constructor(
    private settings: PoolSettings,
    private readonly log: Logger,
    private readonly events: PoolEvents = {},
  ) {
    this.picker = new Picker(settings.algorithm);
  }

  get inPanic(): boolean {
    return this.panic;
  }

  /** Applies a new upstream list and settings: new ones join, removed ones drain. */
  configure(addresses: string[], settings: PoolSettings, now = Date.now()): void {
    if (settings.algorithm !== this.settings.algorithm)
      this.picker = new Picker(settings.algorithm);
    this.settings = settings;
    const byKey = new Map(this.upstreams.map((u) => [u.key, u]));
    const next: Upstream[] = [];
    addresses.forEach((address, index) => {
      const fresh = new Upstream(address, index, now);
      const existing = byKey.get(fresh.key);
      if (existing && !next.includes(existing)) {
        existing.index = index;
        if (existing.draining) {
          existing.draining = false;
          clearTimeout(existing.closeTimer);
          existing.closeTimer = undefined;
          this.log.info(
            { upstream: existing.key },
            `upstream ${existing.key} re-added, no longer draining`,
          );
          // Draining stopped its checks: start them again, or its health would freeze.
          this.events.added?.(existing);
        }
        next.push(existing);
      } else if (!next.some((u) => u.key === fresh.key)) {
        next.push(fresh);
        this.log.info({ upstream: fresh.key }, `upstream ${fresh.key} added`);
        this.events.added?.(fresh);
      }
    });
    for (const u of this.upstreams) {
      if (next.includes(u)) continue;
      if (!u.draining) this.startDrain(u);
      if (u.conns.size > 0) {
        u.index = next.length;
        next.push(u);
      }
    }
    this.upstreams = next;
    this.reconcile(now);
  }

  private startDrain(u: Upstream): void {
    u.draining = true;
    clearTimeout(u.closeTimer);
    u.closeAt = undefined;
    this.events.removed?.(u);
    this.log.info(
      { upstream: u.key, connections: u.conns.size, drainTimeoutMs: this.settings.drainTimeoutMs },
      `upstream ${u.key} removed: draining ${u.conns.size} connection(s)`,
    );
    if (u.conns.size === 0) return;
    u.closeTimer = setTimeout(() => {
      const n = u.conns.size;
      u.closedDrained += n;
      for (const c of [...u.conns]) c.close();
      this.log.info(
        { upstream: u.key, closed: n },
        `upstream ${u.key} drain timeout: closed ${n} connection(s)`,
      );
      this.forget(u);
    }, this.settings.drainTimeoutMs);
  }

  /** A connection spliced to an upstream already unhealthy joins the pending close. */
  lateConnection(now = Date.now()): void {
    this.reconcile(now);
  }

  /** A draining upstream with no connections left is dropped. */
  connectionClosed(u: Upstream): void {
    if (u.draining && u.conns.size === 0) this.forget(u);
  }

  private forget(u: Upstream): void {
    clearTimeout(u.closeTimer);
    this.upstreams = this.upstreams.filter((x) => x !== u);
  }

  private views(): UpstreamView[] {
    return this.upstreams.map((u) => ({
      index: u.index,
      health: u.health,
      active: u.conns.size,
      draining: u.draining,
    }));
  }

  /** The upstream for a new connection, skipping those already tried for it. */
  pick(tried: ReadonlySet<Upstream>, now = Date.now()): Upstream | undefined {
    const exclude = new Set<number>();
    for (const u of tried) exclude.add(u.index);
    const { candidates } = selectCandidates(this.views(), now, this.settings.activeChecks, exclude);
    const index = this.picker.pick(candidates);
    return index === undefined
      ? undefined
      : this.upstreams.find((u) => u.index === index && !u.draining);
  }

  checkResult(u: Upstream, r: CheckRecord): void {
    u.lastCheck = r;
    if (!r.ok) u.checkFailures++;
    this.apply(u, applyCheck(u.health, r.ok, r.reason, r.at, this.settings.thresholds), r.at);
  }

  connectFailed(u: Upstream, reason: string, now = Date.now()): void {
    u.connectFailures++;
    this.events.connectFailed?.(u, reason);
    this.apply(u, applyPassiveFailure(u.health, reason, now, this.settings.passive), now);
  }

  private apply(u: Upstream, step: Step, now: number): void {
    u.health = step.state;
    const t = step.transition;
    if (!t) return;
    // when it was decided: a timed-out check's own time is its start
    u.recordChange({ at: Date.now(), ...t });
    this.events.transition?.(u);
    const level = t.to === 'unhealthy' ? 'warn' : 'info';
    this.log[level](
      { upstream: u.key, from: t.from, to: t.to, reason: t.reason },
      `upstream ${u.key} ${t.from} -> ${t.to}: ${t.reason}`,
    );
    this.reconcile(now);
  }

  /**
   * After any change: update panic mode, and close the connections of unhealthy
   * upstreams (after the grace, or later when failures are correlated: see
   * failover-hold.ts) unless in panic, where they are all we have.
   */
  private reconcile(now: number): void {
    const panic = selectCandidates(this.views(), now, this.settings.activeChecks).panic;
    if (panic !== this.panic) {
      this.panic = panic;
      if (panic) {
        this.log.error(
          { panic: true },
          'panic mode: no healthy upstream, routing to all of them (keeping their connections)',
        );
      } else {
        this.panicEndedAt = now;
        this.log.info({ panic: false }, 'panic mode over: healthy upstreams available again');
      }
    }
    for (const u of this.upstreams) {
      if (u.draining) continue;
      const unhealthy = u.health.health === 'unhealthy';
      if (unhealthy && !panic && u.conns.size > 0) {
        this.scheduleClose(u, now);
      } else if (u.closeTimer !== undefined) {
        clearTimeout(u.closeTimer);
        u.closeTimer = undefined;
        u.closeAt = undefined;
      }
    }
  }

  /** When the connections of an unhealthy upstream may be closed, and why not sooner. */
  private closeDecisionFor(u: Upstream) {
    const othersUnhealthySince = this.upstreams
      .filter((x) => x !== u && !x.draining && x.health.health === 'unhealthy' && answering(x))
      .map((x) => x.health.since);
    return closeDecision(
      {
        since: u.health.since,
        answering: answering(u),
        othersUnhealthySince,
        panicEndedAt: this.panicEndedAt,
      },
      { graceMs: this.settings.unhealthyGraceMs, holdMs: this.settings.failoverHoldMs },
    );
  }

  private scheduleClose(u: Upstream, now: number): void {
    const d = this.closeDecisionFor(u);
    if (u.closeTimer !== undefined && u.closeAt === d.at) return;
    clearTimeout(u.closeTimer);
    if (d.held !== undefined && u.closeAt !== d.at)
      this.log.info(
        { upstream: u.key, connections: u.conns.size, holdUntil: new Date(d.at).toISOString() },
        `keeping ${u.conns.size} connection(s) on unhealthy upstream ${u.key} for now (${d.held}): closing them would move them onto the next to fail`,
      );
    u.closeAt = d.at;
    u.closeTimer = setTimeout(() => this.closeUnhealthy(u), Math.max(0, d.at - now));
  }

  private closeUnhealthy(u: Upstream): void {
    u.closeTimer = undefined;
    u.closeAt = undefined;
    if (u.health.health !== 'unhealthy' || this.panic || u.draining) return;
    const n = u.conns.size;
    if (n === 0) return;
    // Another upstream may have failed meanwhile: the hold may have moved on.
    const now = Date.now();
    if (this.closeDecisionFor(u).at > now) return this.scheduleClose(u, now);
    u.closedUnhealthy += n;
    for (const c of [...u.conns]) c.close();
    this.log.info(
      { upstream: u.key, closed: n },
      `closed ${n} connection(s) to unhealthy upstream ${u.key} so clients reconnect elsewhere`,
    );
  }

  /** Whether new connections may go to the upstream now (in panic mode: every serving one). */
  takesConnections(u: Upstream, now = Date.now()): boolean {
    const { candidates } = selectCandidates(this.views(), now, this.settings.activeChecks);
    return !u.draining && candidates.some((c) => c.index === u.index);
  }

  /** Health decided elsewhere (by the supervisor of a worker process). */
  setHealth(key: string, health: Upstream['health'], now = Date.now()): void {
    const u = this.upstreams.find((x) => x.key === key);
    if (!u) return;
    u.health = health;
    this.reconcile(now);
  }

  /** True when at least one upstream may take traffic without panic. */
  ready(now = Date.now()): boolean {
    const { candidates, panic } = selectCandidates(this.views(), now, this.settings.activeChecks);
    if (panic || candidates.length === 0) return false;
    // With active checks, "not checked yet" is not ready: say so until a check passes.
    return this.upstreams.some(
      (u) =>
        !u.draining &&
        (u.health.health === 'healthy' ||
          (!this.settings.activeChecks && candidates.some((c) => c.index === u.index))),
    );
  }

  stop(): void {
    for (const u of this.upstreams) {
      clearTimeout(u.closeTimer);
      u.closeTimer = undefined;
      u.closeAt = undefined;
    }
  }
}

/** Unhealthy but still answering its checks (`/readyz 500`), as in an etcd outage. */
function answering(u: Upstream): boolean {
  return u.lastCheck?.ok === false && u.lastCheck.status !== undefined;
}
