import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { ProxyDaemon } from '../../src/proxy/daemon.js';
import { validateConfig } from '../../src/proxy/config.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabCluster } from '../../src/lab/cluster.js';
import { nginxStreamConfig } from '../../bench/proxy/peer-configs.js';
import { httpsGet, waitFor } from '../lab/tls-client.js';
import { freePort } from './helpers.js';

/**
 * Takeover from a holder that does not share the port: real nginx with Kubespray's
 * stream config (2 workers, no reuseport) holds the listen address; kubeha started
 * with bindRetry waits, naming nginx, keeps checking its upstreams meanwhile, and
 * serves as soon as nginx is gone. How long the gap is, is `npm run bench -- takeover`.
 */
const BIN = new URL('../../../bin/kubeha', import.meta.url).pathname;

test('bindRetry: kubeha waits while nginx-proxy holds the port, names it, then takes the port over', async () => {
  const lab = await startLabCluster({ hosts: ['127.0.10.51', '127.0.10.52'] });
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-takeover-'));
  const port = await freePort();
  const admin = await freePort();
  const upstreams = lab.servers.map((s) => ({ host: s.host, port: s.port }));
  await writeFile(
    join(dir, 'nginx.conf'),
    nginxStreamConfig({ listen: { host: '127.0.0.1', port }, upstreams, prefix: dir, workers: 2 }),
  );
  const nginx = spawn('nginx', ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], {
    stdio: 'ignore',
  });
  const nginxExited = new Promise((r) => nginx.once('exit', r));
  const kubeha = spawn(
    process.execPath,
    [
      BIN,
      'proxy',
      ...['--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${admin}`],
      ...lab.servers.flatMap((s) => ['--upstream', s.address]),
      ...['--bind-retry', '20s', '--health-check', 'tcp'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  kubeha.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  kubeha.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const kubehaExited = new Promise<number | null>((r) => kubeha.once('exit', (c) => r(c)));
  const via = { host: '127.0.0.1', port, ca: lab.ca.cert, path: '/version' };
  try {
    // nginx serves meanwhile: the port is really taken.
    assert.ok(
      await waitFor(
        () => /is taken \(held by pid \d+ \(nginx\)\): waiting for it/.test(out),
        10_000,
      ),
      out,
    );
    assert.equal((await httpsGet(via)).status, 200);
    const readyz = await fetch(`http://127.0.0.1:${admin}/readyz`);
    assert.equal(readyz.status, 503, 'not ready while it cannot serve');
    assert.match(await readyz.text(), /not serving yet: binding 127\.0\.0\.1:/);
    // checks ran while waiting
    assert.ok(await waitFor(() => /unknown -> healthy/.test(out), 10_000), out);

    nginx.kill('SIGTERM'); // what the container runtime sends when kubelet removes nginx-proxy
    await nginxExited;
    assert.ok(
      await waitFor(() => /listener 127\.0\.0\.1:\d+ bound after waiting/.test(out), 10_000),
    );
    assert.equal((await httpsGet(via)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${admin}/readyz`)).status, 200);
  } finally {
    nginx.kill('SIGKILL');
    kubeha.kill('SIGTERM');
    assert.equal(await kubehaExited, 0, out);
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('bindRetry: a proxy stopped while it waits for its address gives up and keeps nothing bound', async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as { port: number }).port;
  const daemon = new ProxyDaemon(
    validateConfig({
      listen: [`127.0.0.1:${port}`],
      upstreams: ['127.0.10.55:6443'],
      admin: null,
      bindRetry: '10s',
      healthCheck: { kind: 'none' },
    }),
    { logger: pino({ level: 'silent' }) },
  );
  const started = daemon.start();
  await new Promise((r) => setTimeout(r, 200));
  const stopping = daemon.stop(0); // told to stop while it waits...
  await new Promise<void>((r) => holder.close(() => r())); // ...and then the address comes free
  await stopping;
  await assert.rejects(started, /stopped while binding|cannot listen/);
  await new Promise((r) => setTimeout(r, 100));
  const servers = process.getActiveResourcesInfo().filter((k) => k === 'TCPServerWrap');
  assert.deepEqual(servers, [], 'no listener left behind');
});
