/**
 * The 1-minute soak `npm test` runs when it can build network namespaces (root, ip,
 * nft); `npm run soak -- --minutes N` runs the long one. test/soak/report.ts holds
 * the pass rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unavailable } from '../faults/topology.js';
import { formatSoak, soakVerdict } from './report.js';
import { runSoak } from './soak.js';

test(
  '1-minute soak: load and chaos; fds back to baseline, RSS flat after warm-up, no failed connection while a healthy upstream existed',
  { skip: unavailable() ?? false },
  async (t) => {
    const r = await runSoak(60);
    t.diagnostic(formatSoak(r));
    assert.ok(r.requests.total >= 300, `${r.requests.total} requests`);
    assert.deepEqual(soakVerdict(r), []);
  },
);
