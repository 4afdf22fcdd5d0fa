import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, VersionApi, Watch } from '@kubernetes/client-node';
import { labKubeconfig } from '../../src/lab/cluster.js';
import { h2Get, waitFor } from '../lab/tls-client.js';
import { boundPort, settled, startRig, type Rig } from './helpers.js';

let rig: Rig;
let v6Port: number;
before(async () => {
  rig = await startRig();
  // A second listener on ::1 through a reload: IPv6 listeners work and can be added live.
  await rig.daemon.reload({
    ...rig.daemon.config,
    listen: [...rig.daemon.config.listen, '[::1]:0'],
  });
  v6Port = boundPort(rig.daemon.listenAddresses().find((a) => a.startsWith('[::1]')));
  await settled(rig);
});
after(async () => {
  await rig.close();
});

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(labKubeconfig(server, rig.lab.ca.cert, rig.lab.adminClient));
  return kc;
}

test('@kubernetes/client-node through the proxy, TLS verified against the lab CA', async () => {
  for (const server of [
    `https://127.0.0.1:${rig.port}`,
    `https://localhost:${rig.port}`,
    `https://[::1]:${v6Port}`,
  ]) {
    const kc = kubeConfig(server);
    const version = await kc.makeApiClient(VersionApi).getCode();
    assert.equal(version.gitVersion, 'v1.32.0-kubeha-lab', server);
    const ep = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' });
    assert.deepEqual(
      (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort(),
      ['127.0.10.11', '127.0.10.12', '127.0.10.13'],
    );
  }
  // A CA that did not sign the API servers' certificates is refused: TLS is end to end.
  const wrong = new KubeConfig();
  wrong.loadFromString(
    labKubeconfig(
      `https://127.0.0.1:${rig.port}`,
      (await import('../../src/lab/pki.js')).createCa('other').cert,
      rig.lab.adminClient,
    ),
  );
  await assert.rejects(wrong.makeApiClient(VersionApi).getCode());
});

test('a client-node Watch is moved off an upstream that goes unready and resumes on a healthy one', async () => {
  const kc = kubeConfig(`https://127.0.0.1:${rig.port}`);
  const servedBy: string[] = [];
  let ended = 0;
  const start = () =>
    new Watch(kc).watch(
      '/api/v1/namespaces/default/endpoints',
      {},
      (_phase, obj: { metadata?: { annotations?: Record<string, string> } }) => {
        const by = obj.metadata?.annotations?.['lab.kubeha.io/served-by'];
        if (by && servedBy.at(-1) !== by) servedBy.push(by);
      },
      () => {
        ended++;
      },
    );
  const first = await start();
  assert.ok(await waitFor(() => servedBy.length === 1, 10_000));
  const victim = rig.lab.servers.find((s) => s.name === servedBy[0])!;
  victim.unready();
  try {
    assert.ok(
      await waitFor(() => ended === 1, 10_000),
      'the watch ended when its upstream turned unhealthy',
    );
    const second = await start();
    assert.ok(await waitFor(() => servedBy.length === 2, 10_000));
    assert.notEqual(servedBy[1], victim.name);
    second.abort();
  } finally {
    first.abort();
    victim.ready();
  }
});

test('HTTP/2 (ALPN h2) passes through untouched', async () => {
  const { body, alpn } = await h2Get(`https://127.0.0.1:${rig.port}`, '/readyz', rig.lab.ca.cert);
  assert.equal(body, 'ok');
  assert.equal(alpn, 'h2');
});

const kubectl = '/usr/bin/kubectl';
test(
  'kubectl --kubeconfig ... get --raw /readyz through the proxy',
  { skip: !existsSync(kubectl) && 'kubectl not installed' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubeha-kubectl-'));
    try {
      for (const server of [`https://127.0.0.1:${rig.port}`, `https://[::1]:${v6Port}`]) {
        const kubeconfig = join(dir, 'kubeconfig');
        await writeFile(kubeconfig, labKubeconfig(server, rig.lab.ca.cert, rig.lab.adminClient));
        const run = (...args: string[]) =>
          new Promise<string>((resolve, reject) =>
            execFile(
              kubectl,
              ['--kubeconfig', kubeconfig, ...args],
              { timeout: 15_000 },
              (err, stdout, stderr) =>
                err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
            ),
          );
        assert.equal(await run('get', '--raw', '/readyz'), 'ok');
        const ep = JSON.parse(
          await run('get', '--raw', '/api/v1/namespaces/default/endpoints/kubernetes'),
        );
        assert.equal(ep.kind, 'Endpoints');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
