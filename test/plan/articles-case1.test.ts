import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlan } from '../../src/render/render-plan.js';
import { planFor } from './planner-fixtures.js';

/**
 * The articles' Case 1 cluster (examples/mycluster, Kubespray v2.30 era): the
 * table "컴포넌트별 API Server 엔드포인트" and the files shown on k8s-node1/k8s-node4.
 */
const row = (plan: Awaited<ReturnType<typeof planFor>>, host: string, component: string) => {
  const r = plan.access.find((x) => x.host === host && x.component === component);
  assert.ok(r, `${host} ${component} in the access table`);
  return r;
};

test('examples/mycluster on v2.30 reproduces the articles endpoint table', async () => {
  const plan = await planFor('mycluster', '2.30');
  assert.equal(plan.pattern.id, 'case1');
  assert.equal(plan.pattern.requested, 'case1');
  // Worker: kubelet https://localhost:6443 and kube-proxy https://127.0.0.1:6443, via nginx
  const kubelet = row(plan, 'k8s-node4', 'kubelet');
  assert.equal(kubelet.endpoint, 'https://localhost:6443');
  assert.equal(kubelet.path.kind, 'local-proxy');
  assert.deepEqual(kubelet.path.targets, ['k8s-node1', 'k8s-node2', 'k8s-node3']);
  const kp = row(plan, 'k8s-node4', 'kube-proxy');
  assert.equal(kp.endpoint, 'https://127.0.0.1:6443');
  assert.equal(kp.path.kind, 'local-proxy');
  // Control planes: kubelet, controller-manager, scheduler, admin.conf on https://127.0.0.1:6443
  for (const cp of ['k8s-node1', 'k8s-node2', 'k8s-node3']) {
    for (const c of ['kubelet', 'kube-controller-manager', 'kube-scheduler', 'admin-kubeconfig']) {
      const r = row(plan, cp, c);
      assert.equal(r.endpoint, 'https://127.0.0.1:6443', `${cp} ${c}`);
      assert.equal(r.path.kind, 'local-apiserver');
    }
  }
  // super-admin.conf exists on the first control plane only, with its own address
  assert.equal(
    row(plan, 'k8s-node1', 'super-admin-kubeconfig').endpoint,
    'https://192.168.10.11:6443',
  );
  assert.equal(
    plan.access.filter((r) => r.component === 'super-admin-kubeconfig').length,
    1,
    'super-admin.conf only on k8s-node1',
  );
  // Outside: admin-lb edits the copied kubeconfig to one control plane (manual failover)
  assert.equal(plan.endpoints.external, 'https://192.168.10.11:6443');
});

test('render writes the articles nginx.conf for k8s-node4 and nothing for the control planes', async () => {
  const plan = await planFor('mycluster', '2.30');
  const files = renderPlan(plan, {});
  const hostFiles = files.filter((f) => /^k8s-node\d\//.test(f.path)).map((f) => f.path);
  assert.deepEqual(hostFiles.sort(), [
    'k8s-node4/etc/kubernetes/manifests/nginx-proxy.yml',
    'k8s-node4/etc/nginx/nginx.conf',
  ]);
  const conf = files.find((f) => f.path === 'k8s-node4/etc/nginx/nginx.conf')!.content;
  // the lines the article prints from k8s-node4:/etc/nginx/nginx.conf
  for (const line of [
    'worker_processes 2;',
    'worker_rlimit_nofile 130048;',
    'worker_shutdown_timeout 10s;',
    '    least_conn;',
    '    server 192.168.10.11:6443;',
    '    server 192.168.10.12:6443;',
    '    server 192.168.10.13:6443;',
    '    listen        127.0.0.1:6443;',
    '    proxy_timeout 10m;',
    '    proxy_connect_timeout 1s;',
    '    listen 8081;',
  ]) {
    assert.ok(conf.split('\n').includes(line), `nginx.conf has "${line}"`);
  }
});

test('the newest era differs as Kubespray changed, and says why', async () => {
  const plan = await planFor('mycluster', '2.30');
  const text = plan.eraDifferences.join('\n');
  assert.match(
    text,
    /v2\.31: admin-kubeconfig on k8s-node2: https:\/\/192\.168\.10\.11:6443 \(direct to k8s-node1 only\) instead of https:\/\/127\.0\.0\.1:6443/,
  );
  assert.match(text, /PR #12870/);
  assert.match(text, /worker_rlimit_nofile 65535 instead of 130048/);
  const newest = await planFor('mycluster', 'main');
  // KH050's fix fits its client: a kubeconfig edit for admin.conf, an LB for outside clients
  const kh050 = newest.diagnostics.filter((d) => d.id === 'KH050');
  assert.match(
    kh050.find((d) => /admin-kubeconfig/.test(d.message))?.fix ?? '',
    /^point admin\.conf on these control planes at https:\/\/127\.0\.0\.1:6443/,
  );
  assert.match(
    kh050.find((d) => /external-kubeconfig/.test(d.message))?.fix ?? '',
    /^set loadbalancer_apiserver /,
  );
  const files = renderPlan(newest, {});
  assert.match(
    files.find((f) => f.path.endsWith('nginx.conf'))!.content,
    /worker_rlimit_nofile 65535;/,
  );
});
