import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closeDecision } from '../../src/balancing/failover-hold.js';

const P = { graceMs: 0, holdMs: 3000 };

test('a lone failure closes after the grace', () => {
  assert.deepEqual(closeDecision({ since: 1000, answering: true, othersUnhealthySince: [] }, P), {
    at: 1000,
    held: undefined,
  });
  const grace = { graceMs: 500, holdMs: 3000 };
  assert.equal(
    closeDecision({ since: 1000, answering: true, othersUnhealthySince: [] }, grace).at,
    1500,
  );
});

test('failures close together hold the close until the last is holdMs old', () => {
  // The review's case: three servers unready 0.2 s apart.
  const d = closeDecision({ since: 1200, answering: true, othersUnhealthySince: [1000, 1400] }, P);
  assert.equal(d.at, 4400);
  assert.match(d.held!, /3 upstreams failed within 3000ms/);
  // an old failure (a server down for an hour) is not part of this one
  assert.equal(
    closeDecision({ since: 3_600_000, answering: true, othersUnhealthySince: [0] }, P).at,
    3_600_000,
  );
});

test('the end of panic mode holds, a dead server is never held, 0 disables', () => {
  const after = { since: 1000, answering: true, othersUnhealthySince: [], panicEndedAt: 5000 };
  assert.deepEqual(closeDecision(after, P), { at: 8000, held: 'panic mode just ended' });
  const dead = { since: 1000, answering: false, othersUnhealthySince: [900], panicEndedAt: 900 };
  assert.equal(closeDecision(dead, P).at, 1000);
  assert.equal(closeDecision(after, { graceMs: 0, holdMs: 0 }).at, 1000);
});

test('the close is never before the grace and never more than holdMs after the last event', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100_000 }),
      fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 5 }),
      fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 0, max: 5000 }),
      (since, others, panicEndedAt, graceMs, holdMs) => {
        const { at } = closeDecision(
          { since, answering: true, othersUnhealthySince: others, panicEndedAt },
          { graceMs, holdMs },
        );
        assert.ok(at >= since + graceMs);
        const events = [since, ...others, ...(panicEndedAt === undefined ? [] : [panicEndedAt])];
        const last = Math.max(since + graceMs, ...events.map((t) => t + holdMs));
        assert.ok(at <= last);
      },
    ),
  );
});
