import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startLabCluster } from '../../src/lab/cluster.js';
import { parseHostPort } from '../../src/shared/address.js';
import type { Condition } from '../../src/simulate/check-timeline.js';
import { kubehaBehaviour, nginxBehaviour } from '../../src/simulate/proxy-behaviour.js';
import { balancerOutcome } from '../../src/simulate/proxy-failover.js';
import { NGINX_STREAM_MODULE, nginxStreamConfig } from '../../bench/proxy/peer-configs.js';
import { freePort } from '../../bench/proxy/processes.js';
import { httpsGet, openWatch, waitFor, type WatchHandle } from '../lab/tls-client.js';
import { FAST_CHECKS, settled, startRig } from '../proxy/helpers.js';

/**
 * The model against the real thing, on loopback: the failover the simulator
 * predicts from a balancer's configuration is what the real balancer does with
 * the same configuration, for a watch on an API server that fails.
 */

// Slack for a loaded CI machine on top of the predicted worst case: a bound on the wait.
const SLACK_MS = 1500;

async function watchesOnEvery(via: { host: string; port: number; ca: string }, servers: number) {
  const out: WatchHandle[] = [];
  for (let i = 0; i < servers * 4 && new Set(out.map((w) => w.servedBy)).size < servers; i++) {
    out.push(await openWatch({ ...via, servername: 'localhost' }));
  }
  return out;
}

test('kubeha proxy: a watch on an unready or hung server moves within the simulated window', async () => {
  // the simulator reads the same settings the proxy under test runs with
  const b = kubehaBehaviour(stringify({ healthCheck: FAST_CHECKS }), 'test');
  for (const [fault, cond] of [
    ['unready', 'unready'],
    ['hang', 'silent'],
  ] as const) {
    const predicted = balancerOutcome(b, [cond as Condition, 'ok', 'ok']).worst;
    assert.equal(predicted.cause, 'balancer-closed');
    const rig = await startRig();
    try {
      await settled(rig);
      const via = { host: '127.0.0.1', port: rig.port, ca: rig.lab.ca.cert };
      const ws = await watchesOnEvery(via, 3);
      const target = rig.lab.servers[0]!;
      const on = ws.filter((w) => w.servedBy === target.name);
      assert.ok(on.length > 0, 'a watch landed on the server that fails');
      if (fault === 'unready') target.unready(['etcd']);
      else target.hang();
      const closed = await waitFor(() => on.every((w) => !w.isOpen()), predicted.ms! + SLACK_MS);
      assert.ok(
        closed,
        `${fault}: predicted ≤ ${predicted.ms} ms, still open after ${predicted.ms! + SLACK_MS} ms`,
      );
      assert.ok(ws.filter((w) => w.servedBy !== target.name).every((w) => w.isOpen()));
      for (const w of ws) w.stop();
    } finally {
      await rig.close();
    }
  }
});

test(
  "nginx with Kubespray's stream config: the model says a watch on an unready server never moves, and it does not",
  {
    skip: existsSync(NGINX_STREAM_MODULE)
      ? false
      : 'nginx stream module not installed (.ci/run installs it)',
  },
  async () => {
    const lab = await startLabCluster({ watchEventIntervalMs: 50 });
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-sim-nginx-'));
    const port = await freePort();
    const conf = nginxStreamConfig({
      listen: { host: '127.0.0.1', port },
      upstreams: lab.servers.map((s) => parseHostPort(s.address)),
      prefix: dir,
      workers: 1,
    });
    writeFileSync(join(dir, 'nginx.conf'), conf);
    // the simulator reads the very file nginx runs
    const predicted = balancerOutcome(nginxBehaviour(conf, 'nginx.conf'), ['unready', 'ok', 'ok']);
    assert.equal(predicted.worst.ms, null);
    // its own process group, so the workers stop with the master
    const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], {
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise((r) => nginx.once('exit', r));
    try {
      const via = { host: '127.0.0.1', port, ca: lab.ca.cert };
      assert.ok(await waitForNginx(via), 'nginx came up');
      const ws = await watchesOnEvery(via, 3);
      const target = lab.servers[0]!;
      const on = ws.filter((w) => w.servedBy === target.name);
      assert.ok(on.length > 0);
      target.unready(['etcd']);
      // kubeha would have moved it within 0.3 s; give nginx ten times the kubeha window plus slack
      assert.equal(
        await waitFor(() => on.some((w) => !w.isOpen()), 3000),
        false,
        'nginx closed it',
      );
      // and new connections still reach the unready server
      let reached = false;
      for (let i = 0; i < 12 && !reached; i++) {
        const r = await httpsGet({ ...via, path: '/version', servername: 'localhost' });
        reached = r.headers['x-kubeha-lab-server'] === target.name;
      }
      assert.ok(reached, 'least_conn sent a new connection to the unready server');
      for (const w of ws) w.stop();
    } finally {
      process.kill(-nginx.pid!, 'SIGTERM'); // nginx: fast shutdown of master and workers
      const kill = setTimeout(() => process.kill(-nginx.pid!, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(kill);
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

async function waitForNginx(via: { host: string; port: number; ca: string }): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      await httpsGet({ ...via, path: '/version', servername: 'localhost' });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}
