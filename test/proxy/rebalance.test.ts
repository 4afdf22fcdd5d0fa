import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lab/tls-client.js';
import cluster from 'node:cluster';
import { pino } from 'pino';
import { ProxySupervisor } from '../../src/proxy/cluster-supervisor.js';
import { validateConfig } from '../../src/proxy/config.js';
import { startLabCluster } from '../../src/lab/cluster.js';
import {
  FAST_CHECKS,
  adminGet,
  freePort,
  parseMetrics,
  settled,
  startRig,
  type Rig,
} from './helpers.js';
import { CHECKS, reopeningStreams, via, type Streams } from './streams.js';

const spread = (s: Streams) => JSON.stringify(Object.fromEntries(s.counts()));
const perServer = (rig: Rig, s: Streams) => rig.lab.servers.map((x) => s.counts().get(x.name) ?? 0);
const healthy = (rig: Rig, address: string) =>
  rig.daemon.pool.upstreams.find((u) => u.key === address)?.health.health === 'healthy';

/** Each server unready for 3 s, then ready, one after the other; returns when the last is back. */
async function rollingRestart(rigs: Rig[]): Promise<number> {
  for (let i = 0; i < 3; i++) {
    for (const rig of rigs) rig.lab.servers[i]!.unready(['etcd']);
    await new Promise((r) => setTimeout(r, 3000));
    for (const rig of rigs) rig.lab.servers[i]!.ready();
    for (const rig of rigs)
      assert.ok(await waitFor(() => healthy(rig, rig.lab.servers[i]!.address), 10_000));
  }
  return Date.now();
}

const rebalanceLogs = (rig: Rig) => rig.logs.filter((l) => /^rebalancing: closed/.test(l.msg));

// Issue 10's scenario: 30 watch-like streams that re-open when closed, a rolling
// restart of the three API servers, and the same with rebalancing off side by side.
test('after a rolling restart rebalancing spreads 30 streams to 6-14 per server within 60 s; without it one server stays near 0', async (t) => {
  // Watch events every 5 s: at any moment most streams are quiet, as real watches are.
  const lab = { watchEventIntervalMs: 5000 };
  const [on, off] = await Promise.all([
    startRig(CHECKS, lab),
    startRig({ ...CHECKS, rebalance: { enabled: false } }, lab),
  ]);
  const streams: Streams[] = [];
  try {
    await Promise.all([settled(on), settled(off)]);
    streams.push(await reopeningStreams(via(on), 30), await reopeningStreams(via(off), 30));
    const [sOn, sOff] = streams as [Streams, Streams];
    assert.deepEqual(perServer(on, sOn), [10, 10, 10], spread(sOn));

    const recovered = await rollingRestart([on, off]);
    assert.ok(await waitFor(() => sOn.open() === 30 && sOff.open() === 30, 10_000));
    // Right after the restart both look alike: the last server restarted is (nearly) empty.
    assert.ok(Math.min(...perServer(on, sOn)) <= 2, spread(sOn));

    const balanced = () => sOn.open() === 30 && perServer(on, sOn).every((n) => n >= 6 && n <= 14);
    const within = recovered + 60_000 - Date.now();
    assert.ok(await waitFor(balanced, within), `with rebalancing after 60 s: ${spread(sOn)}`);
    const tookMs = Date.now() - recovered;

    // Without rebalancing the imbalance stays.
    assert.ok(Math.min(...perServer(off, sOff)) <= 2, `without rebalancing: ${spread(sOff)}`);
    assert.equal(rebalanceLogs(off).length, 0);

    // It stops by itself: no close for 3 s, within 20 s, and still 6-14 each.
    let quietSince = rebalanceLogs(on).length;
    for (let i = 0; i < 7; i++) {
      await new Promise((r) => setTimeout(r, 3000));
      if (rebalanceLogs(on).length === quietSince) break;
      quietSince = rebalanceLogs(on).length;
    }
    const status = JSON.parse((await adminGet(on, '/status')).body) as {
      rebalance: { enabled: boolean; active: boolean; reason: string; closedConnections: number };
    };
    assert.match(status.rebalance.reason, /^balanced/);
    assert.ok(balanced(), spread(sOn));

    // Conservative: nothing before every server had been healthy for healthyFor (20 s),
    // never more than maxPerSecond (2) a tick, and quiet streams first.
    const logs = rebalanceLogs(on);
    assert.ok(logs.length > 0);
    const first = Number(logs[0]!.time);
    assert.ok(
      first >= recovered + 20_000 - 1500,
      `first close ${first - recovered} ms after recovery`,
    );
    for (const l of logs) assert.ok((l.closed as number) <= 2, JSON.stringify(l));
    const closed = logs.reduce((n, l) => n + (l.closed as number), 0);
    assert.ok(closed >= 4 && closed <= 15, `${closed} closed`);
    assert.ok(
      logs.some((l) => (l.quiet as number) > 0),
      'quiet streams were chosen',
    );

    const m = parseMetrics((await adminGet(on, '/metrics')).body);
    const metric = on.upstreams.reduce(
      (n, a) =>
        n + (m.get(`kubeha_proxy_upstream_rebalanced_connections_total{upstream="${a}"}`) ?? 0),
      0,
    );
    assert.equal(metric, closed);
    assert.equal(status.rebalance.enabled, true);
    assert.equal(status.rebalance.closedConnections, closed);
    const offStatus = JSON.parse((await adminGet(off, '/status')).body) as typeof status;
    assert.deepEqual(offStatus.rebalance, {
      enabled: false,
      active: false,
      reason: 'disabled',
      closedConnections: 0,
    });
    t.diagnostic(`balanced ${tookMs} ms after the last recovery, ${closed} closed`);
  } finally {
    for (const s of streams) s.stop();
    await Promise.all([on.close(), off.close()]);
  }
});

// With workers every data-path process rebalances its own connections (1/workers of the rate).
test('workers: 2 processes rebalance their connections; the supervisor sums what they closed', async () => {
  const lab = await startLabCluster({ watchEventIntervalMs: 5000 });
  const port = await freePort();
  const adminPort = await freePort();
  const cfg = validateConfig({
    listen: [`127.0.0.1:${port}`],
    upstreams: lab.servers.map((s) => s.address),
    admin: `127.0.0.1:${adminPort}`,
    workers: 2,
    logLevel: 'warn',
    shutdownTimeout: '200ms',
    healthCheck: { ...FAST_CHECKS, timeout: '2s' },
    rebalance: { healthyFor: '2s' },
  });
  const sup = new ProxySupervisor(cfg, pino({ level: 'error' }), 'test');
  let streams: Streams | undefined;
  try {
    await sup.start();
    const pool = sup.control.pool;
    const target = lab.servers[2]!;
    target.unready(['etcd']);
    assert.ok(await waitFor(() => pool.upstreams[2]!.health.health === 'unhealthy', 10_000));
    assert.ok(
      await waitFor(
        () => pool.upstreams.slice(0, 2).every((u) => u.health.health === 'healthy'),
        10_000,
      ),
    );
    streams = await reopeningStreams({ host: '127.0.0.1', port, ca: lab.ca.cert }, 24);
    const s = streams;
    assert.equal(s.counts().get(target.name) ?? 0, 0, 'opened while the third server was unready');
    target.ready();
    const per = () => lab.servers.map((x) => s.counts().get(x.name) ?? 0);
    assert.ok(
      await waitFor(() => s.open() === 24 && per().every((n) => n >= 5 && n <= 11), 30_000),
      JSON.stringify(per()),
    );
    const total = async () => {
      const m = parseMetrics(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text());
      return lab.servers.reduce(
        (n, x) =>
          n +
          (m.get(`kubeha_proxy_upstream_rebalanced_connections_total{upstream="${x.address}"}`) ??
            0),
        0,
      );
    };
    // Workers report every 500 ms: wait for the sum to reach what the streams saw.
    const end = Date.now() + 3000;
    let closed = await total();
    while (closed < s.reopened() && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      closed = await total();
    }
    assert.ok(closed >= 4, `${closed} closed`);
    assert.equal(closed, s.reopened(), 'every re-opened stream was closed by rebalancing');
  } finally {
    streams?.stop();
    await sup.stop(100);
    await lab.close();
  }
  assert.equal(Object.keys(cluster.workers ?? {}).length, 0, 'workers exited');
});
