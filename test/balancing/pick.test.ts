import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Picker, type Candidate } from '../../src/balancing/pick.js';

const candidates = fc
  .uniqueArray(fc.nat({ max: 20 }), { minLength: 1, maxLength: 8 })
  .chain((idx) =>
    fc.tuple(
      ...idx
        .sort((a, b) => a - b)
        .map((index) => fc.record({ index: fc.constant(index), active: fc.nat({ max: 5 }) })),
    ),
  ) as fc.Arbitrary<Candidate[]>;

test('least_conn always picks a least-loaded candidate', () => {
  fc.assert(
    fc.property(candidates, fc.nat({ max: 10 }), (cs, warm) => {
      const p = new Picker('least_conn');
      for (let i = 0; i < warm; i++) p.pick(cs);
      const picked = p.pick(cs);
      const chosen = cs.find((c) => c.index === picked)!;
      assert.equal(chosen.active, Math.min(...cs.map((c) => c.active)));
    }),
  );
});

test('least_conn breaks ties round-robin and round_robin visits everyone evenly', () => {
  for (const algo of ['least_conn', 'round_robin'] as const) {
    fc.assert(
      fc.property(candidates, (cs) => {
        const even = cs.map((c) => ({ ...c, active: 0 }));
        const p = new Picker(algo);
        const counts = new Map<number, number>();
        for (let i = 0; i < even.length * 3; i++) {
          const k = p.pick(even)!;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        for (const c of even) assert.equal(counts.get(c.index), 3, `${algo} ${c.index}`);
      }),
    );
  }
});

test('first prefers the lowest configured position', () => {
  fc.assert(
    fc.property(candidates, (cs) => {
      assert.equal(new Picker('first').pick(cs), Math.min(...cs.map((c) => c.index)));
    }),
  );
});

test('random_two picks the less loaded of two distinct random candidates', () => {
  const cs = [
    { index: 0, active: 9 },
    { index: 1, active: 1 },
    { index: 2, active: 5 },
  ];
  // random() = 0 then 0: i = 0, j = 0 -> bumped to 1 (distinct); index 1 is less loaded.
  assert.equal(new Picker('random_two', () => 0).pick(cs), 1);
  fc.assert(
    fc.property(
      candidates,
      fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 2, maxLength: 2 }),
      (cs2, rs) => {
        let k = 0;
        const chosen = new Picker('random_two', () => rs[k++ % 2]!).pick(cs2);
        assert.ok(cs2.some((c) => c.index === chosen));
        if (cs2.length > 1) {
          // Never the strictly most loaded when it is unique.
          const max = Math.max(...cs2.map((c) => c.active));
          const most = cs2.filter((c) => c.active === max);
          if (most.length === 1 && cs2.length === 2) assert.notEqual(chosen, most[0]!.index);
        }
      },
    ),
  );
});

test('no candidates, no pick', () => {
  for (const a of ['least_conn', 'round_robin', 'random_two', 'first'] as const) {
    assert.equal(new Picker(a).pick([]), undefined);
  }
});
