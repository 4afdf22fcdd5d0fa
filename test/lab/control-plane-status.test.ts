import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLabCluster } from '../../src/lab/cluster.js';
import { identityLeaseName, microTime } from '../../src/lab/control-plane-status.js';
import { resourceByKind } from '../../src/lab/resources.js';
import { humanDuration } from '../../src/lab/tables.js';
import { EXAMPLE_TOPOLOGY, topologyFromPlan } from '../../src/lab/topology.js';
import { waitFor } from './tls-client.js';
import { examplePlan } from '../simulate/helpers.js';

const LEASE = resourceByKind('Lease');
const POD = resourceByKind('Pod');
const NODE = resourceByKind('Node');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

test("the default topology is examples/mycluster's plan moved to loopback", async () => {
  assert.deepEqual(topologyFromPlan(await examplePlan('mycluster')), EXAMPLE_TOPOLOGY);
  const hybrid = topologyFromPlan(await examplePlan('hybrid'));
  assert.ok(hybrid.nodes.every((n) => n.ip.startsWith('127.0.10.')));
});

test('leader leases move to a serving control plane once the leader’s API server is gone for a lease duration', async () => {
  const lab = await startLabCluster({
    hosts: ['127.0.10.11', '127.0.10.12', '127.0.10.13'],
    leaseRenewMs: 100,
    leaderLeaseSeconds: 1,
  });
  try {
    const lease = (name: string) => lab.store.get(LEASE, 'kube-system', name) as Any;
    const pod = (name: string) => lab.store.get(POD, 'kube-system', name) as Any;
    const kcm = lease('kube-controller-manager');
    assert.match(kcm.spec.holderIdentity, /^k8s-node1_/);
    assert.equal(kcm.spec.leaseTransitions, 0);
    assert.equal(kcm.spec.leaseDurationSeconds, 1);
    assert.ok(
      await waitFor(() => lease('kube-scheduler').spec.renewTime !== kcm.spec.renewTime, 2000),
      'renewed',
    );

    const t0 = Date.now();
    await lab.servers[0]!.die();
    assert.equal(pod('kube-apiserver-k8s-node1').status.containerStatuses[0].ready, false);
    assert.ok(
      await waitFor(
        () => lease('kube-controller-manager').spec.holderIdentity.startsWith('k8s-node2_'),
        5000,
      ),
    );
    assert.ok(Date.now() - t0 >= 900, 'not before the lease expired');
    const moved = lease('kube-controller-manager').spec;
    assert.equal(moved.leaseTransitions, 1);
    assert.ok(Date.parse(moved.acquireTime) >= t0 - 1000);
    assert.match(lease('kube-scheduler').spec.holderIdentity, /^k8s-node2_/);

    // The dead server's identity lease is no longer renewed; it comes back with a restart.
    const idName = identityLeaseName('k8s-node1');
    const stale = lease(idName).spec.renewTime;
    await lab.servers[0]!.resume();
    const apiserver = pod('kube-apiserver-k8s-node1').status.containerStatuses[0];
    assert.equal(apiserver.ready, true);
    assert.equal(apiserver.restartCount, 1);
    assert.match(lease(idName).spec.holderIdentity, new RegExp(`^${idName}_`));
    assert.equal(lease(idName).spec.leaseDurationSeconds, 3600);
    assert.equal(lease(idName).spec.renewTime >= stale, true);

    // Unready: the pod's Ready condition follows /readyz; the leader stays.
    lab.servers[1]!.unready(['etcd']);
    assert.equal(
      pod('kube-apiserver-k8s-node2').status.conditions.find((c: Any) => c.type === 'Ready').status,
      'False',
    );
    lab.servers[1]!.ready();
    assert.equal(
      pod('kube-apiserver-k8s-node2').status.conditions.find((c: Any) => c.type === 'Ready').status,
      'True',
    );

    // A server added at run time brings its node, pods and identity lease; removal takes them.
    const extra = await lab.addServer('127.0.10.15');
    const name = 'lab-cp-127-0-10-15';
    assert.ok(lab.store.get(NODE, undefined, name));
    assert.ok(pod(`kube-apiserver-${name}`));
    assert.ok(lease(identityLeaseName(name)));
    await lab.removeServer(extra.address);
    assert.equal(lab.store.get(NODE, undefined, name), undefined);
    assert.equal(pod(`kube-apiserver-${name}`), undefined);
    assert.equal(lease(identityLeaseName(name)), undefined);
  } finally {
    await lab.close();
  }
});

test('fewer servers than control planes: only the served ones appear; names follow addresses', async () => {
  const lab = await startLabCluster({ hosts: ['127.0.10.13', '127.0.10.21'] });
  try {
    const nodes = lab.store.list(NODE, { match: () => true }).map((n) => n.metadata.name);
    // 127.0.10.13 is k8s-node3's stand-in; the other server takes the first free control plane.
    assert.deepEqual(nodes, ['k8s-node1', 'k8s-node3', 'k8s-node4']);
    const ip = (n: string) =>
      (lab.store.get(NODE, undefined, n) as Any).status.addresses[0].address;
    assert.equal(ip('k8s-node3'), '127.0.10.13');
    assert.equal(ip('k8s-node1'), '127.0.10.21');
  } finally {
    await lab.close();
  }
});

test('MicroTime and kubectl ages are formatted as the API and kubectl do', () => {
  assert.equal(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678000Z');
  const s = 1000;
  const cases: [number, string][] = [
    [5 * s, '5s'],
    [119 * s, '119s'],
    [150 * s, '2m30s'],
    [600 * s, '10m'],
    [3 * 3600 * s + 60 * s, '3h1m'],
    [30 * 3600 * s, '30h'],
    [3 * 86400 * s, '3d'],
    [400 * 86400 * s, '400d'],
    [-5 * s, '<invalid>'],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
});
