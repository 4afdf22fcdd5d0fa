/**
 * Which upstreams may take a new connection, including panic mode: when no
 * upstream is eligible (an etcd blip fails every /readyz at once), route to all
 * of them rather than black out, as Envoy's panic threshold does.
 */
import { isEligible, type HealthState } from './upstream-health.js';
import type { Candidate } from './pick.js';

export interface UpstreamView {
  index: number;
  health: HealthState;
  active: number;
  /** Removed by configuration: finishing its connections, taking no new ones. */
  draining: boolean;
}

export interface Selection {
  candidates: Candidate[];
  panic: boolean;
}

export function selectCandidates(
  upstreams: readonly UpstreamView[],
  now: number,
  activeChecks: boolean,
  exclude: ReadonlySet<number> = new Set(),
): Selection {
  const serving = upstreams.filter((u) => !u.draining);
  const eligible = serving.filter((u) => isEligible(u.health, now, activeChecks));
  const panic = serving.length > 0 && eligible.length === 0;
  const pool = panic ? serving : eligible;
  return {
    candidates: pool
      .filter((u) => !exclude.has(u.index))
      .map((u) => ({ index: u.index, active: u.active })),
    panic,
  };
}

/** Panic mode as the proxy reports it: upstreams configured, none eligible. */
export function inPanic(
  upstreams: readonly UpstreamView[],
  now: number,
  activeChecks: boolean,
): boolean {
  return selectCandidates(upstreams, now, activeChecks).panic;
}
