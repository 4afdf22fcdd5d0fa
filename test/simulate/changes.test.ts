import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubehaError } from '../../src/shared/errors.js';
import {
  withControlPlaneAdded,
  withHostRemoved,
  withPattern,
  parseNameAddress,
} from '../../src/simulate/inventory-variants.js';
import { lineDiff } from '../../src/simulate/line-diff.js';
import { renderDiff } from '../../src/simulate/render-diff.js';
import { loadSource } from '../../src/simulate/sources.js';
import { planOf } from '../../src/simulate/inventory-variants.js';
import type { ProxyChoice } from '../../src/render/render-plan.js';
import { example } from './helpers.js';

async function source(name: string) {
  return loadSource([example(name)], {});
}

async function change(
  name: string,
  kind: 'add' | 'remove',
  host: string,
  address = '',
  proxy?: ProxyChoice,
) {
  const src = await source(name);
  const before = planOf(src.inventory, src.era);
  const inv =
    kind === 'add'
      ? withControlPlaneAdded(src.inventory, host, address)
      : withHostRemoved(src.inventory, host);
  return renderDiff(
    before,
    planOf(inv, src.era),
    { kind, name: host, address },
    { proxy, kubehaVersion: 't' },
  );
}

test('the patterns applied to the same hosts: only the two variables change', async () => {
  const src = await source('centralized');
  const lb = { address: '192.168.10.10', port: 6443 };
  const ids = (['case1', 'case2', 'case3'] as const).map((p) =>
    planOf(withPattern(src.inventory, p, lb), src.era),
  );
  assert.equal(ids[0]!.pattern.id, 'case1');
  assert.equal(ids[0]!.externalLb, null, 'Case 1 removes loadbalancer_apiserver from group_vars');
  // centralized sets apiserver_loadbalancer_domain_name to the LB: Kubespray then sends workers to it
  assert.equal(ids[1]!.pattern.requested, 'case2');
  assert.equal(ids[1]!.pattern.id, 'case3');
  assert.equal(ids[2]!.pattern.id, 'case3');
  assert.deepEqual(
    ids.map((p) => p.hosts.map((h) => h.name)),
    [0, 1, 2].map(() => ['k8s-node1', 'k8s-node2', 'k8s-node3', 'k8s-node4']),
  );
  // the inventory as read is untouched
  assert.ok(planOf(src.inventory, src.era).externalLb);
});

test('adding a control plane: the worker nginx.conf gains a server, SANs gain the address, no kubeconfig changes', async () => {
  const d = await change('mycluster', 'add', 'k8s-node5', '192.168.10.15');
  const nginx = d.files.find((f) => f.file === '/etc/nginx/nginx.conf')!;
  assert.deepEqual(nginx.hosts, ['k8s-node4']);
  assert.deepEqual(
    nginx.added.map((l) => l.trim()),
    ['server 192.168.10.15:6443;'],
  );
  assert.deepEqual(nginx.removed, []);
  assert.ok(
    d.files.some((f) => f.file.endsWith('nginx-proxy.yml')),
    'the manifest checksum follows',
  );
  assert.deepEqual(d.endpoints, []);
  assert.ok(d.sans.added.includes('192.168.10.15'));
  assert.match(d.untilRerendered.join('\n'), /do not know k8s-node5/);
  assert.match(
    d.untilRerendered.join('\n'),
    /discovery.*within 2 s of kube-apiserver listing it .*30 s where RBAC allows only polling/,
  );
});

test("removing a control plane: Kubespray's trap in workers' nginx.conf, the clients pinned to it, and kubeha's answer", async () => {
  const d = await change('mycluster', 'remove', 'k8s-node1');
  const nginx = d.files.find((f) => f.file === '/etc/nginx/nginx.conf')!;
  assert.deepEqual(
    nginx.removed.map((l) => l.trim()),
    ['server 192.168.10.11:6443;'],
  );
  const stale = d.untilRerendered.join('\n');
  assert.match(stale, /remove-node\.yml does not rewrite.*#12102/);
  assert.match(stale, /loses 1 s if the host is gone.*every fail_timeout \(10 s\)/);
  assert.deepEqual(
    d.stranded.map((s) => `${s.host} ${s.component}`),
    [
      'k8s-node2 admin-kubeconfig',
      'k8s-node3 admin-kubeconfig',
      '(outside) kubectl',
      '(outside) ci',
    ],
  );
  assert.ok(
    d.endpoints.some(
      (e) => e.component === 'admin-kubeconfig' && e.after === 'https://192.168.10.12:6443',
    ),
  );
  assert.ok(d.sans.removed.includes('192.168.10.11'));
  const k = await change('mycluster', 'remove', 'k8s-node3', '', 'kubeha');
  assert.ok(k.files.some((f) => f.file === '/etc/kubeha/proxy.yaml'));
  assert.match(
    k.untilRerendered.join('\n'),
    /kubeha proxy: k8s-node3 stays.*mark it down within 2\.3 s/,
  );
  assert.deepEqual(k.stranded, []);
});

test('Case 3: a control-plane change touches only the external LB (and the certificates)', async () => {
  const d = await change('centralized', 'add', 'k8s-node5', '192.168.10.15');
  assert.deepEqual(
    d.files.map((f) => f.file),
    ['external-lb/haproxy.cfg'],
  );
  assert.match(d.files[0]!.added.join('\n'), /server k8s-node5 192\.168\.10\.15:6443 check/);
  assert.equal(d.summary.localProxyHosts, 0);
  assert.equal(d.summary.externalLb, true);
});

test('bad changes are one-line errors', async () => {
  const src = await source('mycluster');
  assert.throws(
    () => withControlPlaneAdded(src.inventory, 'k8s-node2', '10.0.0.9'),
    (e: KubehaError) => e.code === 'E_SIMULATE_HOST_EXISTS',
  );
  assert.throws(
    () => withControlPlaneAdded(src.inventory, 'new', 'not-an-ip'),
    (e: KubehaError) => e.code === 'E_USAGE',
  );
  assert.throws(() => parseNameAddress('k8s-node5'), /expected NAME=IP/);
  assert.deepEqual(parseNameAddress('cp6=[fd00::6]'), { name: 'cp6', address: 'fd00::6' });
});

test('line diff: lines only before and only after, in order', () => {
  assert.deepEqual(lineDiff('a\nb\nc\nd', 'a\nc\nx\nd'), { removed: ['b'], added: ['x'] });
  assert.deepEqual(lineDiff('same', 'same'), { removed: [], added: [] });
  assert.deepEqual(lineDiff('', 'a'), { removed: [''], added: ['a'] });
});
