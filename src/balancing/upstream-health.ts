/**
 * The health of one upstream as a pure state machine. No sockets, no timers:
 * every function takes the current time and returns the next state and, when the
 * health changed, the transition (which the proxy logs and acts on).
 *
 * - Active checks move healthy -> unhealthy after `fall` consecutive failures and
 *   back after `rise` consecutive successes (HAProxy's rise/fall, Envoy's
 *   unhealthy_threshold/healthy_threshold). The very first result decides at once,
 *   so a proxy that starts next to a dead API server does not wait `fall` checks.
 * - Passive failures (a connect refused or timed out on the data path) count like
 *   nginx's max_fails within fail_timeout; reaching `maxFails` marks the upstream
 *   unhealthy. Active checks then bring it back; with active checks off it is tried
 *   again after `failTimeoutMs`, as nginx does.
 */
export type Health = 'unknown' | 'healthy' | 'unhealthy';

export interface ThresholdParams {
  rise: number;
  fall: number;
}

export interface PassiveParams {
  maxFails: number;
  failTimeoutMs: number;
}

export interface HealthState {
  readonly health: Health;
  readonly okStreak: number;
  readonly failStreak: number;
  readonly passiveFails: number;
  readonly passiveWindowStart: number;
  /** With active checks off: when a passively failed upstream may be tried again. */
  readonly retryAt: number;
  /** When the health last changed. */
  readonly since: number;
  /** Why it is in its current state (the last check's verdict or the passive failures). */
  readonly reason: string;
}

export interface Transition {
  from: Health;
  to: Health;
  reason: string;
}

export interface Step {
  state: HealthState;
  transition?: Transition;
}

export function initialHealth(now: number): HealthState {
  return {
    health: 'unknown',
    okStreak: 0,
    failStreak: 0,
    passiveFails: 0,
    passiveWindowStart: now,
    retryAt: 0,
    since: now,
    reason: 'not checked yet',
  };
}

function moveTo(
  s: HealthState,
  to: Health,
  reason: string,
  now: number,
  extra: Partial<HealthState>,
): Step {
  const state: HealthState = { ...s, ...extra, health: to, since: now, reason };
  return { state, transition: { from: s.health, to, reason } };
}

/** Applies one active check result. */
export function applyCheck(
  s: HealthState,
  ok: boolean,
  reason: string,
  now: number,
  p: ThresholdParams,
): Step {
  const okStreak = ok ? s.okStreak + 1 : 0;
  const failStreak = ok ? 0 : s.failStreak + 1;
  const streaks = { okStreak, failStreak };
  if (s.health === 'unknown') {
    return moveTo(s, ok ? 'healthy' : 'unhealthy', reason, now, { ...streaks, passiveFails: 0 });
  }
  if (s.health === 'healthy' && failStreak >= p.fall) {
    return moveTo(s, 'unhealthy', reason, now, streaks);
  }
  if (s.health === 'unhealthy' && okStreak >= p.rise) {
    return moveTo(s, 'healthy', reason, now, { ...streaks, passiveFails: 0 });
  }
  return { state: { ...s, ...streaks, reason: s.health === 'healthy' && ok ? reason : s.reason } };
}

/** Applies one failed connect from the data path. */
export function applyPassiveFailure(
  s: HealthState,
  reason: string,
  now: number,
  p: PassiveParams,
): Step {
  const fresh = now - s.passiveWindowStart > p.failTimeoutMs;
  const passiveFails = (fresh ? 0 : s.passiveFails) + 1;
  const passiveWindowStart = fresh ? now : s.passiveWindowStart;
  const counted = { passiveFails, passiveWindowStart };
  if (p.maxFails > 0 && passiveFails >= p.maxFails && s.health !== 'unhealthy') {
    const why = `${passiveFails} connect failure${passiveFails > 1 ? 's' : ''}: ${reason}`;
    // A fresh success streak is needed to come back, as after `fall` failed checks.
    return moveTo(s, 'unhealthy', why, now, {
      ...counted,
      okStreak: 0,
      retryAt: now + p.failTimeoutMs,
    });
  }
  return { state: { ...s, ...counted } };
}

/**
 * True when a check result points away from the current state: the moment to
 * re-check after the short edge interval rather than the full one (Envoy's
 * unhealthy_edge_interval / healthy_edge_interval).
 */
export function disagrees(s: HealthState, ok: boolean): boolean {
  return s.health === 'unhealthy' ? ok : !ok;
}

/** Whether new connections may go to this upstream when not in panic mode. */
export function isEligible(s: HealthState, now: number, activeChecks: boolean): boolean {
  if (s.health !== 'unhealthy') return true;
  return !activeChecks && now >= s.retryAt;
}
