import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hostGroupNames, hostVars, loadInventory } from '../../src/inventory/index.js';
import { loadKubesprayInventory } from '../../src/kubespray/dynamic-groups.js';
import { kubeha, REPO_ROOT } from '../helpers/ansible.js';

const EXAMPLES = join(REPO_ROOT, 'examples');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'inventory');

test('plain reading leaves group_vars/k8s_cluster out, as ansible-inventory does', async () => {
  const { inventory } = await loadInventory([join(EXAMPLES, 'mycluster', 'inventory.ini')]);
  assert.equal(inventory.groups.has('k8s_cluster'), false);
  assert.equal(hostVars(inventory, 'k8s-node4').kube_apiserver_port, undefined);
  assert.equal(hostVars(inventory, 'k8s-node4').loadbalancer_apiserver_port, 6443);
});

test('--kubespray builds k8s_cluster and applies group_vars/k8s_cluster (the articles rely on it)', async () => {
  const { inventory, diagnostics } = await loadKubesprayInventory([
    join(EXAMPLES, 'mycluster', 'inventory.ini'),
  ]);
  assert.deepEqual(diagnostics, []);
  for (const h of ['k8s-node1', 'k8s-node2', 'k8s-node3', 'k8s-node4']) {
    assert.ok(hostGroupNames(inventory, h).includes('k8s_cluster'), h);
    assert.equal(hostVars(inventory, h).kube_apiserver_port, 6443, h);
    assert.equal(hostVars(inventory, h).kube_network_plugin, 'flannel', h);
  }
  assert.deepEqual(hostGroupNames(inventory, 'k8s-node1'), [
    'etcd',
    'k8s_cluster',
    'kube_control_plane',
  ]);
  assert.deepEqual(hostGroupNames(inventory, 'k8s-node4'), ['k8s_cluster', 'kube_node']);
});

test('old group names map to new ones, but a loop-added membership does not reach k8s_cluster', async () => {
  const { inventory, diagnostics } = await loadKubesprayInventory([
    join(FIXTURES, '17-old-group-names', 'inventory.ini'),
  ]);
  assert.deepEqual(hostGroupNames(inventory, 'master1'), [
    'etcd',
    'k8s-cluster',
    'kube-master',
    'kube_control_plane',
  ]);
  assert.ok(!hostGroupNames(inventory, 'master1').includes('k8s_cluster'));
  assert.ok(hostGroupNames(inventory, 'worker1').includes('kube_node'));
  assert.ok(
    diagnostics.some(
      (d) => d.code === 'W_OLD_GROUP_NOT_IN_CLUSTER' && d.message.startsWith('master1'),
    ),
  );
});

test("kubeha inventory --kubespray --host shows the dynamic groups' vars", async () => {
  const r = await kubeha(
    ['inventory', '-i', 'examples/mycluster/inventory.ini', '--kubespray', '--host', 'k8s-node4'],
    REPO_ROOT,
  );
  assert.equal(r.code, 0, r.stderr);
  const vars = JSON.parse(r.stdout);
  assert.equal(vars.kube_apiserver_port, 6443);
  assert.equal(vars.kube_proxy_mode, 'iptables');
  assert.equal(vars.ip, '192.168.10.14');
  const plain = await kubeha(
    ['inventory', '-i', 'examples/mycluster/inventory.ini', '--host', 'k8s-node4'],
    REPO_ROOT,
  );
  assert.equal(JSON.parse(plain.stdout).kube_apiserver_port, undefined);
});

test("the example graph is the articles' graph", async () => {
  const r = await kubeha(
    ['inventory', '-i', 'examples/mycluster/inventory.ini', '--graph'],
    REPO_ROOT,
  );
  assert.equal(
    r.stdout,
    [
      '@all:',
      '  |--@ungrouped:',
      '  |--@etcd:',
      '  |  |--@kube_control_plane:',
      '  |  |  |--k8s-node1',
      '  |  |  |--k8s-node2',
      '  |  |  |--k8s-node3',
      '  |--@kube_node:',
      '  |  |--k8s-node4',
      '',
    ].join('\n'),
  );
});
