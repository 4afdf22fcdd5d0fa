import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyCheck,
  applyPassiveFailure,
  disagrees,
  initialHealth,
  isEligible,
  type HealthState,
} from '../../src/balancing/upstream-health.js';
import { selectCandidates } from '../../src/balancing/selection.js';

const P = { rise: 2, fall: 2 };

function run(results: boolean[], p = P): { state: HealthState; transitions: string[] } {
  let state = initialHealth(0);
  const transitions: string[] = [];
  results.forEach((ok, i) => {
    const step = applyCheck(state, ok, ok ? 'ok' : '/readyz 500', i, p);
    state = step.state;
    if (step.transition) transitions.push(`${step.transition.from}->${step.transition.to}`);
  });
  return { state, transitions };
}

test('the first result decides, then rise/fall consecutive results are needed', () => {
  assert.deepEqual(run([true]).transitions, ['unknown->healthy']);
  assert.deepEqual(run([false]).transitions, ['unknown->unhealthy']);
  assert.deepEqual(run([true, false]).transitions, ['unknown->healthy']);
  assert.deepEqual(run([true, false, false]).transitions, [
    'unknown->healthy',
    'healthy->unhealthy',
  ]);
  assert.deepEqual(run([true, false, false, true, true]).transitions, [
    'unknown->healthy',
    'healthy->unhealthy',
    'unhealthy->healthy',
  ]);
  assert.equal(run([true, false, false]).state.reason, '/readyz 500');
});

test('property: health only changes after `fall` failures or `rise` successes in a row', () => {
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      (results, rise, fall) => {
        let state = initialHealth(0);
        results.forEach((ok, i) => {
          const before = state;
          const step = applyCheck(state, ok, '', i, { rise, fall });
          state = step.state;
          if (step.transition && before.health !== 'unknown') {
            if (step.transition.to === 'unhealthy') assert.equal(state.failStreak, fall);
            else assert.equal(state.okStreak, rise);
          }
          // The state always agrees with the streak that last crossed its threshold.
          if (state.failStreak >= fall) assert.equal(state.health, 'unhealthy');
          if (state.okStreak >= rise) assert.equal(state.health, 'healthy');
        });
      },
    ),
  );
});

test('disagreement is what triggers the edge re-check', () => {
  const healthy = run([true]).state;
  const unhealthy = run([false]).state;
  assert.equal(disagrees(healthy, false), true);
  assert.equal(disagrees(healthy, true), false);
  assert.equal(disagrees(unhealthy, true), true);
  assert.equal(disagrees(initialHealth(0), false), true);
});

test('passive failures mark unhealthy at maxFails within failTimeout, like nginx max_fails', () => {
  const p = { maxFails: 2, failTimeoutMs: 10_000 };
  let s = run([true]).state;
  let step = applyPassiveFailure(s, 'ECONNREFUSED', 1000, p);
  assert.equal(step.transition, undefined);
  // The next failure comes after the window: the count restarts.
  step = applyPassiveFailure(step.state, 'ECONNREFUSED', 20_000, p);
  assert.equal(step.transition, undefined);
  step = applyPassiveFailure(step.state, 'connect timeout', 21_000, p);
  assert.deepEqual(step.transition, {
    from: 'healthy',
    to: 'unhealthy',
    reason: '2 connect failures: connect timeout',
  });
  s = step.state;
  // With active checks on, only checks bring it back; with them off, failTimeout does.
  assert.equal(isEligible(s, 40_000, true), false);
  assert.equal(isEligible(s, 30_000, false), false);
  assert.equal(isEligible(s, 31_000, false), true);
  const back = applyCheck(applyCheck(s, true, 'ok', 22_000, P).state, true, 'ok', 23_000, P);
  assert.equal(back.transition?.to, 'healthy');
});

test('panic mode: with nothing eligible every serving upstream is a candidate', () => {
  const h = run([true]).state;
  const u = run([false]).state;
  const view = (index: number, health: HealthState, draining = false) => ({
    index,
    health,
    active: index,
    draining,
  });
  assert.deepEqual(selectCandidates([view(0, h), view(1, u)], 0, true), {
    candidates: [{ index: 0, active: 0 }],
    panic: false,
  });
  const all = selectCandidates([view(0, u), view(1, u), view(2, h, true)], 0, true);
  assert.equal(all.panic, true);
  assert.deepEqual(
    all.candidates.map((c) => c.index),
    [0, 1],
    'draining upstreams never take new connections',
  );
  assert.deepEqual(
    selectCandidates([view(0, h), view(1, h)], 0, true, new Set([0])).candidates.map(
      (c) => c.index,
    ),
    [1],
  );
  assert.equal(selectCandidates([], 0, true).panic, false);
});
