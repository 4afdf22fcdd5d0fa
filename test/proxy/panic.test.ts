import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lab/tls-client.js';
import { adminGet, parseMetrics, settled, startRig } from './helpers.js';
import { CHECKS, reopeningStreams, via } from './streams.js';

const spread = (m: Map<string, number>) => JSON.stringify(Object.fromEntries(m));

// The failure the review saw: all three API servers unready within ~600 ms. Without
// the hold the first server's clients moved to the second, both moved to the third,
// and panic mode kept all 30 there.
test('servers failing together: connections are not piled onto the last to fail, and recovery closes none', async () => {
  const rig = await startRig(CHECKS, { watchEventIntervalMs: 1000 });
  const streams = await reopeningStreams(via(rig), 30);
  try {
    await settled(rig);
    assert.ok(await waitFor(() => streams.open() === 30, 5000));
    assert.deepEqual([...streams.counts().values()], [10, 10, 10], spread(streams.counts()));
    for (const s of rig.lab.servers) {
      s.unready(['etcd']);
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(await waitFor(() => rig.daemon.pool.inPanic, 10_000), 'panic mode');
    // Let every closed stream re-open (they go to all three in panic mode).
    assert.ok(await waitFor(() => streams.open() === 30, 10_000), `${streams.open()} open`);
    const inPanic = streams.counts();
    assert.ok(
      Math.max(...inPanic.values()) <= 20,
      `no server holds most of the streams: ${spread(inPanic)}`,
    );
    assert.ok(
      rig.logs.some((l) => /^keeping \d+ connection\(s\) on unhealthy upstream/.test(l.msg)),
      'the hold is logged',
    );

    // In panic every upstream takes new connections: the gauge and /status say so.
    const m = parseMetrics((await adminGet(rig, '/metrics')).body);
    const status = JSON.parse((await adminGet(rig, '/status')).body) as {
      panic: boolean;
      upstreams: { address: string; health: string; takesNewConnections: boolean }[];
    };
    assert.equal(status.panic, true);
    for (const u of status.upstreams) {
      assert.equal(u.health, 'unhealthy');
      assert.equal(u.takesNewConnections, true, u.address);
      assert.equal(m.get(`kubeha_proxy_upstream_up{upstream="${u.address}"}`), 1, u.address);
    }

    // Recovery, one after another: the first back ends panic mode, and the others'
    // connections are held until they are back too, not piled onto the first.
    const reopenedBefore = streams.reopened();
    for (const s of rig.lab.servers) {
      s.ready();
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(
      await waitFor(
        () => rig.daemon.pool.upstreams.every((u) => u.health.health === 'healthy'),
        10_000,
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(streams.reopened(), reopenedBefore, 'no stream closed during the recovery');
    const after = JSON.parse((await adminGet(rig, '/status')).body) as typeof status;
    for (const u of after.upstreams) assert.equal(u.takesNewConnections, true, u.address);
  } finally {
    streams.stop();
    await rig.close();
  }
});

test('a lone failure is not held: its connections move at once', async () => {
  const rig = await startRig(CHECKS, { watchEventIntervalMs: 1000 });
  const streams = await reopeningStreams(via(rig), 6);
  try {
    await settled(rig);
    const target = rig.lab.servers[0]!;
    const t0 = Date.now();
    target.unready(['etcd']);
    assert.ok(
      await waitFor(() => (streams.counts().get(target.name) ?? 0) === 0, 5000),
      spread(streams.counts()),
    );
    // Well under failoverHold (3 s): detection plus the close, no hold.
    assert.ok(Date.now() - t0 < 2500, `moved after ${Date.now() - t0} ms`);
    const m = parseMetrics((await adminGet(rig, '/metrics')).body);
    assert.equal(m.get(`kubeha_proxy_upstream_up{upstream="${target.address}"}`), 0);
    assert.ok(!rig.logs.some((l) => /^keeping/.test(l.msg)));
  } finally {
    streams.stop();
    await rig.close();
  }
});
