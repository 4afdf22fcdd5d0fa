import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  chooseToClose,
  rebalanceVerdict,
  refillBudget,
  type LoadView,
  type RebalanceParams,
} from '../../src/balancing/rebalance.js';

const P: RebalanceParams = {
  enabled: true,
  healthyForMs: 20_000,
  tolerance: 0.1,
  maxPerSecond: 2,
  algorithm: 'least_conn',
};

const views = (active: number[], since = 0): LoadView[] =>
  active.map((a, index) => ({ index, health: 'healthy', since, active: a, draining: false }));

test('after a rolling restart (15/15/0) the most loaded upstream gives up its excess', () => {
  const v = rebalanceVerdict(views([15, 15, 0]), 30_000, P);
  assert.deepEqual(v, {
    act: true,
    from: 0,
    excess: 4,
    reason: 'uneven (15/15/0, at most 11 each)',
  });
  assert.equal(rebalanceVerdict(views([11, 11, 8]), 30_000, P).act, false);
  // small counts: a spread of one is left alone, two is evened
  assert.equal(rebalanceVerdict(views([1, 1, 0]), 30_000, P).act, false);
  assert.equal(rebalanceVerdict(views([2, 0, 1]), 30_000, P).act, true);
});

test('nothing happens until every upstream has been healthy for healthyFor, nor when disabled or the pick ignores load', () => {
  const recent = views([15, 15, 0]);
  recent[2] = { ...recent[2]!, since: 15_000 };
  assert.match(rebalanceVerdict(recent, 30_000, P).reason, /^waiting until/);
  assert.equal(rebalanceVerdict(recent, 35_000, P).act, true);
  const down = views([15, 15, 0]);
  down[2] = { ...down[2]!, health: 'unhealthy' };
  assert.equal(rebalanceVerdict(down, 99_000, P).act, false);
  assert.equal(rebalanceVerdict(views([15, 15, 0]), 30_000, { ...P, enabled: false }).act, false);
  for (const algorithm of ['first', 'round_robin'] as const)
    assert.match(
      rebalanceVerdict(views([15, 15, 0]), 30_000, { ...P, algorithm }).reason,
      /by load/,
    );
  // a draining upstream is neither a source nor a target
  const drain = views([15, 15, 0]);
  drain[2] = { ...drain[2]!, draining: true };
  assert.equal(rebalanceVerdict(drain, 30_000, P).act, false);
});

test('repeatedly moving the excess from the most to the least loaded ends balanced, never overshooting', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 2, maxLength: 6 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (counts, tolerance) => {
        const a = [...counts];
        const p = { ...P, tolerance };
        for (let step = 0; step < 2000; step++) {
          const v = rebalanceVerdict(views(a), 30_000, p);
          if (!v.act) break;
          // least_conn sends each reconnect to the least loaded
          const least = a.indexOf(Math.min(...a));
          assert.ok(v.excess >= 1);
          a[v.from]!--;
          a[least]!++;
          assert.ok(Math.max(...a) >= Math.ceil(counts.reduce((x, y) => x + y, 0) / a.length));
        }
        assert.equal(rebalanceVerdict(views(a), 30_000, p).act, false, `${counts} -> ${a}`);
      },
    ),
  );
});

test('quiet connections are chosen first, then the least busy; unsampled ones never', () => {
  const conns = [
    { conn: 'busy', moved: 5000 },
    { conn: 'new', moved: undefined },
    { conn: 'quiet', moved: 0 },
    { conn: 'light', moved: 40 },
  ];
  assert.deepEqual(chooseToClose(conns, 2), ['quiet', 'light']);
  assert.deepEqual(chooseToClose(conns, 9), ['quiet', 'light', 'busy']);
  assert.deepEqual(chooseToClose(conns, 0), []);
});

test('the budget refills at the rate share and holds at most a second of it (at least one close)', () => {
  assert.equal(refillBudget(0, 1000, 2, 1), 2);
  assert.equal(refillBudget(0, 10_000, 2, 1), 2);
  assert.equal(refillBudget(0, 1000, 2, 0.25), 0.5);
  assert.equal(refillBudget(0.5, 1000, 2, 0.25), 1);
  assert.equal(refillBudget(1, 1000, 2, 0.25), 1);
});
