import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLabFiles } from '../../src/lab/cluster.js';
import { validateConfig } from '../../src/proxy/config.js';
import { httpsGet, openWatch, waitFor, type WatchHandle } from '../lab/tls-client.js';
import {
  adminGet,
  healthOf,
  parseMetrics,
  settled,
  startRig,
  FAST_CHECKS,
  type Rig,
} from './helpers.js';

const via = (rig: Rig) => ({
  host: '127.0.0.1',
  port: rig.port,
  ca: rig.lab.ca.cert,
  servername: 'localhost',
});

/** Opens n watches through the proxy, one after another. */
async function watches(rig: Rig, n: number): Promise<WatchHandle[]> {
  const out: WatchHandle[] = [];
  for (let i = 0; i < n; i++) out.push(await openWatch(via(rig)));
  return out;
}

// The longest a change can take to be acted on with FAST_CHECKS: one jittered
// interval, then `fall` checks that each may run into the timeout plus the edge
// re-check, plus slack for a loaded CI machine. A bound on the wait, not a
// performance assertion.
const ms = (d: string) => Number(/^(\d+)ms$/.exec(d)![1]);
const DETECT_MS =
  ms(FAST_CHECKS.interval) * 1.1 +
  FAST_CHECKS.fall * (ms(FAST_CHECKS.timeout) + ms(FAST_CHECKS.edgeInterval)) +
  3000;

test('least_conn spreads connections evenly; a killed upstream costs no new connection', async () => {
  const rig = await startRig();
  try {
    await settled(rig);
    const ws = await watches(rig, 6);
    const per = new Map<string, number>();
    for (const w of ws) per.set(w.servedBy, (per.get(w.servedBy) ?? 0) + 1);
    assert.deepEqual([...per.values()], [2, 2, 2], JSON.stringify([...per]));

    // Kill one; its watches break, and every new request right away still succeeds:
    // a refused connect is retried on the next upstream before checks even notice.
    const victim = rig.lab.servers[0]!;
    await victim.die();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => httpsGet({ ...via(rig), path: '/version' })),
    );
    const failed = results.filter((r) => r.status === 'rejected' || r.value.status !== 200);
    assert.equal(failed.length, 0, 'zero failed new connections while one upstream is down');
    for (const r of results) {
      if (r.status === 'fulfilled')
        assert.notEqual(r.value.headers['x-kubeha-lab-server'], victim.name);
    }
    const status = rig.daemon.status() as { connectRetries: number };
    assert.ok(status.connectRetries >= 1, 'the dead upstream was tried and skipped');
    for (const w of ws) w.stop();
  } finally {
    await rig.close();
  }
});

test('a watch on an upstream going unready is closed, reconnects elsewhere, and the others stay open', async (t) => {
  const rig = await startRig();
  try {
    await settled(rig);
    const ws = await watches(rig, 6);
    const target = rig.lab.servers[1]!;
    const onTarget = ws.filter((w) => w.servedBy === target.name);
    const others = ws.filter((w) => w.servedBy !== target.name);
    assert.equal(onTarget.length, 2);
    const t0 = Date.now();
    target.unready(['etcd']);
    assert.ok(
      await waitFor(() => onTarget.every((w) => !w.isOpen()), DETECT_MS),
      'watches on the unready upstream closed',
    );
    const closedAfter = Math.max(...(await Promise.all(onTarget.map((w) => w.closed)))) - t0;
    t.diagnostic(`watch moved off the unready upstream after ${closedAfter} ms`);
    assert.ok(
      others.every((w) => w.isOpen()),
      'streams on healthy upstreams stay open',
    );
    const again = await openWatch(via(rig));
    assert.notEqual(again.servedBy, target.name, 'a reconnect lands on a healthy upstream');
    assert.equal(healthOf(rig, target.address), 'unhealthy');
    const line = rig.logs.find((l) => l.upstream === target.address && l.to === 'unhealthy');
    assert.equal(
      line?.msg,
      `upstream ${target.address} healthy -> unhealthy: /readyz 500 [etcd failed]`,
    );

    // Scripted scenario's numbers as the admin endpoint reports them.
    const m = parseMetrics((await adminGet(rig, '/metrics')).body);
    assert.equal(m.get(`kubeha_proxy_upstream_up{upstream="${target.address}"}`), 0);
    assert.equal(m.get(`kubeha_proxy_upstream_up{upstream="${rig.upstreams[0]}"}`), 1);
    assert.equal(
      m.get(
        `kubeha_proxy_upstream_unhealthy_closed_connections_total{upstream="${target.address}"}`,
      ),
      2,
    );
    assert.equal(
      m.get(`kubeha_proxy_upstream_connections_active{upstream="${target.address}"}`),
      0,
    );
    assert.equal(m.get('kubeha_proxy_panic_mode'), 0);
    const total = rig.upstreams.reduce(
      (n, u) => n + (m.get(`kubeha_proxy_upstream_connections_total{upstream="${u}"}`) ?? 0),
      0,
    );
    assert.equal(total, 7);
    assert.ok(
      (m.get(`kubeha_proxy_upstream_health_check_failures_total{upstream="${target.address}"}`) ??
        0) >= 2,
    );
    assert.ok(
      (m.get(`kubeha_proxy_upstream_sent_bytes_total{upstream="${target.address}"}`) ?? 0) > 1000,
    );
    assert.equal(
      m.get('kubeha_build_info{version="test",nodejs_version="' + process.version + '"}'),
      1,
    );
    assert.equal((await adminGet(rig, '/readyz')).status, 200);

    // It comes back after `rise` good checks and takes new connections again.
    target.ready();
    assert.ok(await waitFor(() => healthOf(rig, target.address) === 'healthy', DETECT_MS));
    for (const w of [...ws, again]) w.stop();
  } finally {
    await rig.close();
  }
});

test('a hung upstream (accepts, never answers TLS) is detected; its connections move', async () => {
  const rig = await startRig();
  try {
    await settled(rig);
    const ws = await watches(rig, 3);
    const target = rig.lab.servers[2]!;
    const onTarget = ws.find((w) => w.servedBy === target.name)!;
    target.hang();
    assert.ok(await waitFor(() => healthOf(rig, target.address) === 'unhealthy', DETECT_MS));
    assert.match(
      rig.daemon.pool.upstreams[2]!.health.reason,
      new RegExp(`timed out after ${FAST_CHECKS.timeout}`),
    );
    assert.ok(
      await waitFor(() => !onTarget.isOpen(), 10_000),
      'the stalled watch was closed by the proxy',
    );
    assert.ok(ws.filter((w) => w !== onTarget).every((w) => w.isOpen()));
    for (let i = 0; i < 6; i++) {
      const r = await httpsGet({ ...via(rig), path: '/version' });
      assert.notEqual(r.headers['x-kubeha-lab-server'], target.name);
    }
    for (const w of ws) w.stop();
  } finally {
    await rig.close();
  }
});

test('all upstreams unready: panic mode keeps serving, says so, and keeps connections', async () => {
  // Without the hold, so the first two failures move their watches (panic.test.ts has the hold).
  const rig = await startRig({ failoverHold: '0s' });
  try {
    await settled(rig);
    const ws = await watches(rig, 3);
    for (const s of rig.lab.servers.slice(0, 2)) s.unready(['etcd']);
    assert.ok(await waitFor(() => ws.filter((w) => w.isOpen()).length === 1, DETECT_MS));
    rig.lab.servers[2]!.unready(['etcd']);
    assert.ok(await waitFor(() => rig.daemon.pool.inPanic, DETECT_MS), 'panic mode');
    const r = await httpsGet({ ...via(rig), path: '/version' });
    assert.equal(r.status, 200, 'still serving in panic mode');
    assert.equal(ws.filter((w) => w.isOpen()).length, 1, 'the last upstream keeps its connection');
    const ready = await adminGet(rig, '/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body, /no healthy upstream \(panic mode: routing to all\)/);
    assert.match((await adminGet(rig, '/healthz')).body, /\[etcd failed\]/);
    assert.equal((await adminGet(rig, '/livez')).status, 200);
    const m = parseMetrics((await adminGet(rig, '/metrics')).body);
    assert.equal(m.get('kubeha_proxy_panic_mode'), 1);
    // in panic every upstream takes new connections, and the gauge says so
    for (const s of rig.lab.servers)
      assert.equal(m.get(`kubeha_proxy_upstream_up{upstream="${s.address}"}`), 1, s.address);
    assert.ok(rig.logs.some((l) => l.level === 50 && /^panic mode/.test(l.msg)));
    for (const s of rig.lab.servers) s.ready();
    assert.ok(await waitFor(() => !rig.daemon.pool.inPanic, DETECT_MS));
    for (const w of ws) w.stop();
  } finally {
    await rig.close();
  }
});

test('grace: connections of an unhealthy upstream close after unhealthyGrace, not before', async () => {
  const rig = await startRig({ unhealthyGrace: '700ms' });
  try {
    await settled(rig);
    const ws = await watches(rig, 3);
    const target = rig.lab.servers[0]!;
    const onTarget = ws.find((w) => w.servedBy === target.name)!;
    target.unready();
    assert.ok(await waitFor(() => healthOf(rig, target.address) === 'unhealthy', DETECT_MS));
    const markedAt = Date.now();
    assert.ok(onTarget.isOpen(), 'still open during the grace');
    const closedAt = await onTarget.closed;
    assert.ok(closedAt - markedAt >= 500, `closed ${closedAt - markedAt} ms after being marked`);
    for (const w of ws) w.stop();
  } finally {
    await rig.close();
  }
});

test('401 from an API server with anonymous auth off is alive-but-unauthorized; a client cert makes it 200', async () => {
  const rig = await startRig({}, { anonymousAuth: false });
  try {
    await settled(rig);
    for (const u of rig.daemon.pool.upstreams) {
      assert.equal(u.health.health, 'healthy');
      assert.equal(u.lastCheck?.unauthorized, true);
      assert.equal(u.lastCheck?.status, 401);
    }
    const m = parseMetrics((await adminGet(rig, '/metrics')).body);
    assert.equal(m.get(`kubeha_proxy_upstream_unauthorized{upstream="${rig.upstreams[0]}"}`), 1);

    // Reload with the kubelet's client certificate and the CA: verified, authorized checks.
    const dir = await mkdtemp(join(tmpdir(), 'kubeha-proxy-test-'));
    try {
      await writeLabFiles(dir, rig.lab, 'https://127.0.0.1:6443');
      const cfg = rig.daemon.config;
      await rig.daemon.reload(
        validateConfig({
          ...cfg,
          healthCheck: {
            ...cfg.healthCheck,
            caFile: join(dir, 'ca.crt'),
            certFile: join(dir, 'kubelet-client.crt'),
            keyFile: join(dir, 'kubelet-client.key'),
          },
        }),
      );
      const ok = await waitFor(
        () =>
          rig.daemon.pool.upstreams.every(
            (u) => u.lastCheck?.status === 200 && !u.lastCheck.unauthorized,
          ),
        3000,
      );
      assert.ok(ok, JSON.stringify(rig.daemon.pool.upstreams.map((u) => u.lastCheck)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await rig.close();
  }
});
