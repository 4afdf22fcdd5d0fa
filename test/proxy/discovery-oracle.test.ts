/**
 * @kubernetes/client-node's Watch as the oracle for kubeha's own list+watch client
 * (which the proxy uses instead: docs/proxy.md has why): against the same lab API
 * servers, both must see the same API servers as control planes come and go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkServerIdentity } from 'node:tls';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { startLabCluster, labKubeconfig } from '../../src/lab/cluster.js';
import { ServiceWatch, type WatchMode } from '../../src/proxy/discovery-watch.js';
import { SLICES_PATH } from '../../src/proxy/discovery.js';
import { waitFor } from '../lab/tls-client.js';
import { freePort } from './helpers.js';

/** The oracle's reading of a slice, written apart from kubeha's. */
function oracleAddresses(slices: Map<string, unknown>): string[] {
  const out: string[] = [];
  for (const o of slices.values()) {
    const s = o as {
      endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
      ports?: { name?: string; port?: number }[];
    };
    const port = s.ports?.find((x) => x.name === 'https')?.port;
    for (const e of s.endpoints ?? [])
      if (e.conditions?.ready !== false) for (const ip of e.addresses) out.push(`${ip}:${port}`);
  }
  return out.sort();
}

test("kubeha's list+watch and @kubernetes/client-node's Watch see the same API servers as control planes come and go", async () => {
  const hosts = ['127.0.10.54', '127.0.10.55', '127.0.10.56'];
  const l = await startLabCluster({ hosts, port: await freePort(hosts[0]), anonymousAuth: false });
  const first = l.servers[0]!;
  const kc = new KubeConfig();
  kc.loadFromString(labKubeconfig(`https://${first.address}`, l.ca.cert, l.kubeletClient));
  const slices = new Map<string, unknown>();
  let oracle: string[] = [];
  const abort = await new Watch(kc).watch(
    SLICES_PATH,
    {
      labelSelector: 'kubernetes.io/service-name=kubernetes',
      fieldSelector: 'metadata.name=kubernetes',
    },
    (type, obj: { metadata: { name: string } }) => {
      if (type === 'DELETED') slices.delete(obj.metadata.name);
      else slices.set(obj.metadata.name, obj);
      oracle = oracleAddresses(slices);
    },
    () => {},
  );
  let ours: string[] = [];
  const modes = new Set<WatchMode>();
  const ours$ = new ServiceWatch({
    target: async () => ({
      host: first.host,
      port: first.port,
      ca: l.ca.cert,
      cert: l.kubeletClient.cert,
      key: l.kubeletClient.key,
      verifyName: first.host,
      checkServerIdentity: (_h, c) => checkServerIdentity(first.host, c),
    }),
    intervalMs: () => 1000,
    snapshot: (set, mode) => {
      ours = set;
      modes.add(mode);
    },
    failed: () => {},
    modeChanged: () => {},
  });
  ours$.start();
  const agree = async (what: string, expected: string[]) =>
    assert.ok(
      await waitFor(
        () => ours.join() === expected.join() && oracle.join() === expected.join(),
        5000,
      ),
      `${what}: kubeha ${ours.join(',')} / client-node ${oracle.join(',')} / expected ${expected.join(',')}`,
    );
  try {
    const all = () => l.servers.map((s) => s.address).sort();
    await agree('start', all());
    const e = await l.addServer('127.0.10.57');
    await agree('a control plane joins', all());
    assert.ok(ours.includes(e.address));
    assert.equal(await l.removeServer(e.address), true);
    await agree('one is removed', all());
    l.publishEndpoints([]);
    await agree('none listed', []);
    assert.deepEqual([...modes], ['slices']);
  } finally {
    abort.abort();
    await ours$.stop();
    await l.close();
  }
});
