import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ProxySupervisor } from '../../src/proxy/cluster-supervisor.js';
import { validateConfig } from '../../src/proxy/config.js';
import { startLabCluster } from '../../src/lab/cluster.js';
import { httpsGet, openWatch, waitFor, type WatchHandle } from '../lab/tls-client.js';
import { FAST_CHECKS, freePort, parseMetrics } from './helpers.js';

for (const reusePort of [true, false]) {
  test(`workers: 2 data-path processes (${reusePort ? 'SO_REUSEPORT: the supervisor and 1 forked worker' : 'one shared socket: 2 forked workers'}); health, failover, metrics and reload go through the supervisor`, async () => {
    const lab = await startLabCluster({ watchEventIntervalMs: 50 });
    const port = await freePort();
    const adminPort = await freePort();
    const logs: string[] = [];
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        logs.push(c.toString());
        cb();
      },
    });
    const cfg = validateConfig({
      listen: [`127.0.0.1:${port}`],
      upstreams: lab.servers.map((s) => s.address),
      admin: `127.0.0.1:${adminPort}`,
      workers: 2,
      reusePort,
      logLevel: 'warn',
      shutdownTimeout: '200ms',
      healthCheck: FAST_CHECKS,
    });
    const sup = new ProxySupervisor(cfg, pino({ level: 'info' }, sink), 'test');
    const via = { host: '127.0.0.1', port, ca: lab.ca.cert };
    const pids = () => Object.values(cluster.workers ?? {}).map((w) => w!.process.pid);
    try {
      await sup.start();
      assert.equal(pids().length, reusePort ? 1 : 2);
      assert.ok(
        await waitFor(
          () => sup.control.pool.upstreams.every((u) => u.health.health === 'healthy'),
          3000,
        ),
      );

      const ws: WatchHandle[] = [];
      for (let i = 0; i < 9; i++) ws.push(await openWatch(via));
      const target = lab.servers[0]!;
      const onTarget = ws.filter((w) => w.servedBy === target.name);
      assert.ok(onTarget.length >= 1, 'least_conn in each worker reaches every upstream');

      // Health decided once in the supervisor, acted on in every worker.
      target.unready();
      assert.ok(
        await waitFor(() => onTarget.every((w) => !w.isOpen()), 10_000),
        'watches on the unready upstream closed',
      );
      assert.ok(ws.filter((w) => w.servedBy !== target.name).every((w) => w.isOpen()));
      for (let i = 0; i < 6; i++) {
        const r = await httpsGet({ ...via, path: '/version' });
        assert.notEqual(r.headers['x-kubeha-lab-server'], target.name);
      }

      // A dead upstream: connect refused in a worker, retried there, reported to the supervisor.
      target.ready();
      assert.ok(
        await waitFor(() => sup.control.pool.upstreams[0]!.health.health === 'healthy', 10_000),
      );
      await lab.servers[1]!.die();
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () => httpsGet({ ...via, path: '/version' })),
      );
      assert.equal(
        results.filter((r) => r.status === 'rejected').length,
        0,
        'zero failed new connections',
      );

      // Counters summed over the workers (reported every 500 ms).
      const metrics = async () =>
        parseMetrics(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text());
      const total = (m: Map<string, number>) =>
        lab.servers.reduce(
          (n, s) =>
            n + (m.get(`kubeha_proxy_upstream_connections_total{upstream="${s.address}"}`) ?? 0),
          0,
        );
      // Worker reports arrive every 500 ms; a loaded machine may delay a few.
      let m = await metrics();
      const end = Date.now() + 15_000;
      while (total(m) < 27 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        m = await metrics();
      }
      assert.equal(total(m), 27, '9 watches + 6 + 12 requests');
      assert.equal(
        m.get(`kubeha_proxy_listener_accepted_connections_total{listener="127.0.0.1:${port}"}`),
        27,
      );
      assert.ok(
        (m.get(
          `kubeha_proxy_upstream_unhealthy_closed_connections_total{upstream="${target.address}"}`,
        ) ?? 0) >= 1,
      );

      // Reload: a new listener in every worker, the old one's streams untouched.
      const port2 = await freePort();
      await sup.reload(
        validateConfig({ ...cfg, listen: [`127.0.0.1:${port}`, `127.0.0.1:${port2}`] }),
      );
      assert.equal(
        (await httpsGet({ host: '127.0.0.1', port: port2, path: '/version', ca: lab.ca.cert }))
          .status,
        200,
      );
      await lab.servers[1]!.resume();
      for (const w of ws) w.stop();
    } finally {
      await sup.stop(100);
      await lab.close();
    }
    assert.equal(Object.keys(cluster.workers ?? {}).length, 0, 'workers exited');
  });
}
