/**
 * When a balancer's active health checks notice a failed API server: the check
 * results it sees from the failure on, fed through the same health state machine
 * the kubeha proxy runs (src/balancing/upstream-health.ts).
 *
 * Two schedules are modelled:
 * - kubeha (src/proxy/health-scheduler.ts): every interval ± jitter; after a result
 *   that disagrees with the state, again after the edge interval; a check still
 *   unanswered after the edge interval starts another one (up to `fall` in flight).
 * - HAProxy: one check at a time, `inter` apart (start to start, or right after a
 *   check that ran longer), `fastinter` while a server is between states.
 */
import {
  applyCheck,
  disagrees,
  initialHealth,
  type HealthState,
} from '../balancing/upstream-health.js';
import type { ActiveChecks } from './proxy-behaviour.js';

/** What a failed API server does to a client or a check (the condition of one upstream). */
export type Condition = 'ok' | 'unready' | 'refused' | 'silent';

export interface CheckResult {
  at: number;
  ok: boolean;
}

/** The check results, in time order, up to the one that marks the upstream unhealthy. */
export interface CheckLog {
  results: CheckResult[];
  /** when active checks mark it unhealthy; Infinity when they never do */
  downAt: number;
}

/** A healthy upstream as it is after `rise` good checks long before the failure. */
export function steadyHealthy(rise: number): HealthState {
  let s = initialHealth(-1e9);
  for (let i = 0; i < Math.max(1, rise); i++) {
    s = applyCheck(s, true, 'ok', -1e9 + i, { rise, fall: 1 }).state;
  }
  return s;
}

/** How long one check takes to fail, by condition; undefined for a passing check. */
function failsAfter(a: ActiveChecks, c: Condition): number | undefined {
  if (c === 'ok') return undefined;
  // /readyz (and /healthz) answer 500 at once when unready; a dead process refuses at once
  return c === 'silent' ? a.silentTimeoutMs : 0;
}

/**
 * The checks from the failure (t = 0) on. `firstCheckAt` is the phase: when the
 * first check after the failure starts (0 = right away, worst = a full interval).
 */
export function checkLog(
  a: ActiveChecks,
  c: Condition,
  firstCheckAt: number,
  horizonMs: number,
): CheckLog {
  const latency = failsAfter(a, c);
  if (latency === undefined) return { results: [], downAt: Infinity };
  const h = new Checks(a);
  const schedule = a.style === 'kubeha' ? kubehaSchedule : haproxySchedule;
  const downAt = schedule(h, { latency, first: firstCheckAt, horizon: horizonMs });
  return { results: h.results, downAt };
}

/** One upstream's health as the failed checks arrive. */
class Checks {
  state: HealthState;
  readonly results: CheckResult[] = [];

  constructor(readonly a: ActiveChecks) {
    this.state = steadyHealthy(a.rise);
  }

  /** A failed check at `at`; true once the upstream is unhealthy. */
  fail(at: number): boolean {
    this.results.push({ at, ok: false });
    const th = { rise: this.a.rise, fall: this.a.fall };
    this.state = applyCheck(this.state, false, 'check failed', at, th).state;
    return this.state.health === 'unhealthy';
  }
}

/** How long a failing check takes, when the first one starts, how far to look. */
interface Run {
  latency: number;
  first: number;
  horizon: number;
}

/** Returns when the upstream is marked down (Infinity: not within the horizon). */
function kubehaSchedule(h: Checks, { latency, first, horizon }: Run): number {
  const a = h.a;
  // pending events: check starts, results, and the "still unanswered" edge timer
  type Ev = { at: number; kind: 'start' | 'result' | 'slow'; id: number };
  const queue: Ev[] = [{ at: first, kind: 'start', id: 0 }];
  let inFlight = 0;
  let slowId = -1;
  let nextId = 1;
  for (let guard = 0; queue.length > 0 && guard < 10_000; guard++) {
    queue.sort((x, y) => x.at - y.at || x.id - y.id);
    const ev = queue.shift()!;
    if (ev.at > horizon) break;
    if (ev.kind === 'slow' && ev.id !== slowId) continue; // cleared timer
    if (ev.kind === 'start' || ev.kind === 'slow') {
      // UpstreamProbe.run(); the slow timer fires only for a serving upstream
      const serving = h.state.health !== 'unhealthy';
      if (ev.kind === 'slow' && (!serving || inFlight >= a.maxInFlight)) continue;
      inFlight++;
      slowId = nextId++;
      queue.push({ at: ev.at + a.fastIntervalMs, kind: 'slow', id: slowId });
      queue.push({ at: ev.at + latency, kind: 'result', id: nextId++ });
      continue;
    }
    inFlight--;
    if (h.fail(ev.at)) return ev.at;
    if (inFlight > 0) continue; // a faster follow-up is already running
    slowId = -1;
    // the worst case of the jittered interval: interval × (1 + jitter)
    const wait = disagrees(h.state, false) ? a.fastIntervalMs : a.intervalMs * (1 + a.jitter);
    queue.push({ at: ev.at + wait, kind: 'start', id: nextId++ });
  }
  return Infinity;
}

function haproxySchedule(h: Checks, { latency, first, horizon }: Run): number {
  const a = h.a;
  for (let start = first; start <= horizon && h.results.length < 10_000;) {
    const end = start + latency;
    if (h.fail(end)) return end;
    const gap = h.state.failStreak > 0 ? a.fastIntervalMs : a.intervalMs;
    start = Math.max(start + gap, end);
  }
  return Infinity;
}

/** The latest the first check after a failure can start: one full (jittered) interval. */
export function worstPhase(a: ActiveChecks): number {
  return a.intervalMs * (1 + a.jitter);
}
