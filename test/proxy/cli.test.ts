import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabCluster } from '../../src/lab/cluster.js';
import { waitFor } from '../lab/tls-client.js';

const bin = new URL('../../../bin/kubeha', import.meta.url).pathname;

test('bad configuration: one line with file:line:col, exit 2, no stack', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-cli-'));
  try {
    const file = join(dir, 'proxy.yaml');
    await writeFile(file, 'upstreams: [127.0.10.11:6443]\nhealthCheck:\n  fall: -1\n');
    const r = spawnSync(process.execPath, [bin, 'proxy', '--config', file], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      `kubeha: ${file}:3:3: healthCheck.fall: Too small: expected number to be >=1\n`,
    );
    const none = spawnSync(process.execPath, [bin, 'proxy'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^kubeha: no upstreams \(give --upstream HOST:PORT/);
    const schema = spawnSync(process.execPath, [bin, 'proxy', '--schema'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    const published = await readFile(
      new URL('../../../schema/proxy-config.schema.json', import.meta.url),
      'utf8',
    );
    assert.equal(schema.stdout, published);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('discovery flags: --discover --kubeconfig --state-dir merge into the file; without credentials discovery is refused in one line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-cli-'));
  try {
    const file = join(dir, 'proxy.yaml');
    await writeFile(file, 'upstreams: [127.0.10.11:6443]\ndiscovery:\n  debounce: 5s\n');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, 'proxy', '--config', file, ...args], {
        encoding: 'utf8',
        timeout: 10_000,
      });
    const ok = run(
      '--discover',
      '--kubeconfig',
      '/etc/kubernetes/kubelet.conf',
      '--state-dir',
      dir,
      '--check-config',
    );
    assert.equal(ok.status, 0, ok.stderr);
    const cfg = JSON.parse(ok.stdout);
    assert.deepEqual(cfg.discovery, {
      kubernetesEndpoints: true,
      kubeconfig: '/etc/kubernetes/kubelet.conf',
      interval: 30_000,
      debounce: 5000,
    });
    assert.equal(cfg.stateDir, dir);
    const refused = run('--discover', '--check-config');
    assert.equal(refused.status, 2);
    assert.equal(
      refused.stderr,
      `kubeha: ${file}:2:1: discovery.kubernetesEndpoints: needs discovery.kubeconfig or healthCheck.caFile: discovery follows only an endpoint list from a verified API server\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('kubeha proxy: SIGHUP and file changes reload, a bad reload is rejected, SIGTERM stops cleanly', async () => {
  const lab = await startLabCluster({ hosts: ['127.0.10.31', '127.0.10.32'] });
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-cli-'));
  let child: ChildProcess | undefined;
  try {
    const [a, b] = lab.servers.map((s) => s.address) as [string, string];
    const file = join(dir, 'proxy.yaml');
    // Port 0: the kernel picks; the "serving" line names the admin port, kept across reloads.
    const config = (ups: string[]) =>
      `listen: ["127.0.0.1:0"]\nadmin: 127.0.0.1:0\nupstreams: [${ups.join(', ')}]\ndrainTimeout: 100ms\n` +
      `healthCheck: {interval: 200ms, caFile: ${join(dir, 'ca.crt')}}\n`;
    await writeFile(join(dir, 'ca.crt'), lab.ca.cert);
    await writeFile(file, config([a]));
    child = spawn(process.execPath, [bin, 'proxy', '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
    const adminPort = () => /"admin":"127\.0\.0\.1:(\d+)"/.exec(out)?.[1];
    assert.ok(await waitFor(() => adminPort() !== undefined, 20_000), out);
    const admin = adminPort()!;
    const status = async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${admin}/status`);
        return (await r.json()) as {
          ready: boolean;
          upstreams: { address: string; draining: boolean }[];
        };
      } catch {
        return undefined;
      }
    };
    let st: Awaited<ReturnType<typeof status>>;
    const until = async (cond: () => boolean) => {
      const end = Date.now() + 15_000;
      while (Date.now() < end) {
        st = await status();
        if (st && cond()) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    };
    assert.ok(await until(() => st!.ready), out);
    assert.match(out, /"msg":"open-file limit \d+: up to \d+ client connections/);

    await writeFile(file, config([a, b]));
    child.kill('SIGHUP');
    assert.ok(await until(() => st!.upstreams.length === 2), out);

    await writeFile(file, 'upstreams: [nope\n');
    child.kill('SIGHUP');
    assert.ok(
      await waitFor(() => /reload rejected, keeping the running configuration/.test(out), 10_000),
      out,
    );
    assert.equal((await status())?.upstreams.length, 2);

    // No signal: the file watcher notices the change by itself.
    await writeFile(file, config([b]));
    assert.ok(await until(() => st!.upstreams.every((u) => u.address === b)), out);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out, /"msg":"stopped"/);
    child = undefined;
  } finally {
    child?.kill('SIGKILL');
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
});
