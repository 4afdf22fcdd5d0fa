import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCheck } from '../../src/proxy/health-check.js';
import type { LabApiServer } from '../../src/lab/api-server.js';
import { waitFor } from '../lab/tls-client.js';
import { healthOf, settled, startRig, type Rig } from './helpers.js';

const INTERVAL_MS = 200;
// A check still unanswered after edgeInterval starts an overlapping one, on a second
// connection: 500 ms keeps a loaded machine's slow checks from doing that here.
const CHECKS = {
  healthCheck: { interval: `${INTERVAL_MS}ms`, timeout: '2s', edgeInterval: '500ms', jitter: 0 },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Handshakes and requests one server saw during `ms`. */
async function during(s: LabApiServer, ms: number) {
  const a = s.stats();
  await sleep(ms);
  const b = s.stats();
  return {
    handshakes: b.handshakesTotal - a.handshakesTotal,
    requests: b.requestsTotal - a.requestsTotal,
  };
}

test('steady state: one keep-alive check connection per upstream, no handshakes', async (t) => {
  const rig: Rig = await startRig(CHECKS);
  try {
    await settled(rig);
    await sleep(3 * INTERVAL_MS);
    const seen = await Promise.all(rig.lab.servers.map((s) => during(s, 3000)));
    for (const [i, x] of seen.entries()) {
      assert.equal(x.handshakes, 0, `${rig.lab.servers[i]!.address}: no new connection`);
      // 15 checks in 3 s at 200 ms; a loaded machine runs fewer
      assert.ok(x.requests >= 4 && x.requests <= 17, `${x.requests} checks`);
      assert.equal(rig.lab.servers[i]!.stats().openConnections, 1, 'one check connection');
    }
    t.diagnostic(
      `per API server, ${INTERVAL_MS} ms interval: ${seen.map((x) => `${x.requests / 3} requests/s, ${x.handshakes / 3} handshakes/s`).join('; ')}`,
    );
  } finally {
    await rig.close();
  }
});

test('without the agent every check is a handshake (what the keep-alive connection saves)', async () => {
  const rig: Rig = await startRig({ healthCheck: { kind: 'none' } });
  try {
    const s = rig.lab.servers[0]!;
    const before = s.stats().handshakesTotal;
    for (let i = 0; i < 5; i++) {
      const r = await runCheck(s, {
        kind: 'https',
        path: '/readyz',
        timeoutMs: 2000,
        tls: { ca: rig.lab.ca.cert, serverName: 'localhost' },
      });
      assert.equal(r.ok, true, r.reason);
    }
    assert.equal(s.stats().handshakesTotal - before, 5);
  } finally {
    await rig.close();
  }
});

test('a failed check closes its connection: the next one dials fresh, and keep-alive resumes once healthy', async () => {
  const rig: Rig = await startRig(CHECKS);
  try {
    await settled(rig);
    const s = rig.lab.servers[1]!;
    s.unready(['etcd']);
    assert.ok(await waitFor(() => healthOf(rig, s.address) === 'unhealthy', 5000));
    // Every failed check (500) closed its connection: each check is a handshake.
    const failing = await during(s, 2000);
    assert.ok(failing.requests >= 2, `${failing.requests} checks`);
    assert.ok(
      failing.handshakes >= failing.requests - 1,
      `${failing.handshakes} handshakes for ${failing.requests} failed checks`,
    );
    s.ready();
    assert.ok(await waitFor(() => healthOf(rig, s.address) === 'healthy', 5000));
    await sleep(2 * INTERVAL_MS);
    const back = await during(s, 2000);
    assert.equal(back.handshakes, 0, 'healthy again: one connection reused');
    assert.ok(back.requests >= 2);

    // A server that dies and comes back: refused checks, then a fresh connection.
    await s.die();
    assert.ok(await waitFor(() => healthOf(rig, s.address) === 'unhealthy', 5000));
    await s.resume();
    assert.ok(await waitFor(() => healthOf(rig, s.address) === 'healthy', 5000));
  } finally {
    await rig.close();
  }
});
