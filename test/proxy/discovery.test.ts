import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointAddresses, mergeUpstreams } from '../../src/proxy/discovery.js';
import { kubernetesEndpoints } from '../../src/lab/api-responses.js';
import { waitFor } from '../lab/tls-client.js';
import { freePort, startRig } from './helpers.js';

test('endpointAddresses reads the https port of every subset, IPv6 bracketed', () => {
  const obj = kubernetesEndpoints([
    { ip: '192.168.10.11', port: 6443 },
    { ip: 'fd00::12', port: 6443 },
  ]);
  assert.deepEqual(endpointAddresses(obj), ['192.168.10.11:6443', '[fd00::12]:6443']);
  assert.deepEqual(endpointAddresses({ kind: 'Status' }), []);
  assert.deepEqual(endpointAddresses(null), []);
  assert.deepEqual(
    endpointAddresses({
      kind: 'Endpoints',
      subsets: [
        {
          addresses: [{ ip: '10.0.0.1' }],
          ports: [
            { name: 'metrics', port: 1 },
            { name: 'https', port: 443 },
          ],
        },
      ],
    }),
    ['10.0.0.1:443'],
  );
  assert.deepEqual(mergeUpstreams(['b:1', 'a:1'], ['a:1', 'c:1']), ['b:1', 'a:1', 'c:1']);
});

test('discovery adds the API servers default/kubernetes lists and drains those it drops', async () => {
  // one port for all (one EndpointSlice named kubernetes, as in a real cluster);
  // discovery with the health check's CA, no kubeconfig
  const rig = await startRig(
    {
      discovery: { kubernetesEndpoints: true, interval: '300ms', debounce: '100ms' },
      drainTimeout: '100ms',
    },
    { port: await freePort('127.0.10.11') },
  );
  const [a, b, c] = rig.lab.servers as [
    (typeof rig.lab.servers)[0],
    (typeof rig.lab.servers)[0],
    (typeof rig.lab.servers)[0],
  ];
  try {
    await rig.daemon.reload({ ...rig.daemon.config, upstreams: [a.address] });
    const keys = () => rig.daemon.pool.upstreams.filter((u) => !u.draining).map((u) => u.key);
    assert.ok(await waitFor(() => keys().length === 3, 10_000), keys().join(','));
    assert.deepEqual(keys(), [a.address, ...[b.address, c.address].sort()]);
    assert.ok(
      await waitFor(
        () => rig.daemon.pool.upstreams.every((u) => u.health.health === 'healthy'),
        3000,
      ),
    );
    rig.lab.publishEndpoints([a, b].map((s) => ({ ip: s.host, port: s.port })));
    assert.ok(await waitFor(() => !keys().includes(c.address), 10_000), keys().join(','));
    // The configured upstream stays even when the API servers stop listing it.
    rig.lab.publishEndpoints([{ ip: b.host, port: b.port }]);
    assert.ok(
      await waitFor(() => keys().join() === [a.address, b.address].join(), 10_000),
      keys().join(','),
    );
    // each applied change is logged once, as a diff
    const diffs = rig.logs
      .map((l) => l.msg)
      .filter((m) => m.startsWith('discovery (EndpointSlices): '));
    assert.equal(
      diffs[0],
      `discovery (EndpointSlices): ${[a, b, c].map((s) => `+${s.address}`).join(' ')}`,
    );
    assert.equal(diffs[1], `discovery (EndpointSlices): \u2212${c.address}`);
  } finally {
    await rig.close();
  }
});
