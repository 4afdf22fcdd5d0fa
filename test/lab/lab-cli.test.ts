import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpsGet, waitFor } from './tls-client.js';
import { freePort } from '../proxy/helpers.js';

const bin = new URL('../../../bin/kubeha', import.meta.url).pathname;

test('kubeha lab: starts servers, writes CA and kubeconfig, obeys the control endpoint, stops on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-lab-cli-'));
  const control = await freePort();
  const child = spawn(
    process.execPath,
    [
      bin,
      'lab',
      '--hosts',
      '127.0.10.61,127.0.10.62',
      '--port',
      '0',
      '--dir',
      dir,
      '--control',
      `127.0.0.1:${control}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    assert.ok(await waitFor(() => out.includes('Ctrl-C to stop'), 10_000), out);
    const urls = /lab API servers: (\S+) (\S+)/.exec(out)!;
    const first = new URL(urls[1]!);
    assert.equal(first.hostname, '127.0.10.61');
    const ca = await readFile(join(dir, 'ca.crt'), 'utf8');
    assert.match(
      await readFile(join(dir, 'kubeconfig'), 'utf8'),
      /server: https:\/\/127\.0\.0\.1:6443/,
    );
    const target = { host: '127.0.10.61', port: Number(first.port), ca, path: '/readyz' };
    assert.equal((await httpsGet(target)).status, 200);
    const res = await fetch(`http://127.0.0.1:${control}/${first.host}/unready?checks=etcd`, {
      method: 'POST',
    });
    assert.equal(res.status, 200);
    assert.match((await httpsGet(target)).body, /\[-\]etcd failed/);
    assert.equal(
      (await fetch(`http://127.0.0.1:${control}/nope/die`, { method: 'POST' })).status,
      404,
    );
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
