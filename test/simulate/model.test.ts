import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubehaError } from '../../src/shared/errors.js';
import { buildModel } from '../../src/simulate/model.js';
import { simulate } from '../../src/simulate/evaluate.js';
import { failureCatalog, parseFailures } from '../../src/simulate/failures.js';
import type { ProxyChoice } from '../../src/render/render-plan.js';
import { client, exampleModel, memoryPlan, run } from './helpers.js';

const WORKER = ['kubelet', 'kube-proxy', 'cni'];

test('Case 1 (examples/mycluster): k8s-node1 down, k8s-node4 keeps the API through nginx; kubectl pinned to k8s-node1 loses it', async () => {
  const sim = run(await exampleModel('mycluster'), 'k8s-node1');
  for (const component of WORKER) {
    const c = client(sim, 'k8s-node4', component);
    assert.equal(c.reachable, true, c.reason);
    assert.equal(c.status, 'recovers');
    assert.equal(c.pathKind, 'local-proxy');
    // a stalled connection waits for client-go's HTTP/2 health check (45 s), then a 1 s connect timeout
    assert.deepEqual(c.recoveryMs, { best: 46_000, worst: 46_000 });
    assert.match(c.reason, /local nginx/);
  }
  for (const component of ['kubectl', 'ci']) {
    const c = client(sim, '(outside)', component);
    assert.equal(c.reachable, false);
    assert.match(c.reason, /^kubeconfig pins https:\/\/192\.168\.10\.11:6443/);
  }
  assert.equal(client(sim, 'k8s-node1', 'kubelet').status, 'down');
  assert.equal(client(sim, 'k8s-node2', 'kube-controller-manager').reachable, true);
});

test('the hybrid example: the external LB down costs only the outside clients', async () => {
  const model = await exampleModel('hybrid');
  assert.equal(model.plan.pattern.id, 'case2');
  const sim = run(model, 'external-lb');
  for (const c of sim.clients) {
    if (c.role === 'outside') {
      assert.equal(c.reachable, false);
      assert.match(c.reason, /external LB 192\.168\.10\.10:6443 is down/);
    } else assert.equal(c.status, 'ok', `${c.host} ${c.component}: ${c.reason}`);
  }
});

test('the centralized example (Case 3): the external LB down is a total outage, workers included', async () => {
  const model = await exampleModel('centralized');
  assert.equal(model.plan.pattern.id, 'case3');
  const sim = run(model, 'external-lb');
  for (const component of WORKER)
    assert.equal(client(sim, 'k8s-node4', component).reachable, false);
  for (const c of sim.clients.filter((x) => x.pathKind === 'external-lb')) {
    assert.equal(c.status, 'lost');
  }
  // only the components kubeadm pins to their local API server survive
  const left = sim.clients.filter((c) => c.reachable);
  assert.ok(left.every((c) => c.pathKind === 'local-apiserver' && c.role === 'control-plane'));
  // one of the two keepalived LB hosts is not an outage: the VIP moves
  const one = run(model, 'external-lb:1');
  assert.ok(one.clients.every((c) => c.reachable));
  assert.ok(one.clients.some((c) => c.status === 'recovers'));
});

test('quorum: two of three etcd members down leaves no client a working API, in every pattern and proxy', async () => {
  for (const name of ['mycluster', 'hybrid', 'centralized']) {
    for (const proxy of [undefined, 'haproxy', 'kubeha'] as (ProxyChoice | undefined)[]) {
      const model = await exampleModel(name, { proxy });
      for (const fail of [
        'k8s-node1,k8s-node2',
        'etcd:k8s-node1,etcd:k8s-node3',
        'k8s-node2,etcd:k8s-node3',
      ]) {
        const sim = run(model, fail);
        const ok = sim.clients.filter((c) => c.reachable);
        assert.deepEqual(ok, [], `${name} ${proxy ?? ''} ${fail}`);
        assert.equal(sim.etcd.quorum, false);
        const alive = sim.clients.filter((c) => c.status !== 'down');
        assert.ok(alive.length > 0);
        for (const c of alive) assert.match(c.reason, /etcd has 1 of 3 members: no quorum|is down/);
      }
      // one member down is not an outage
      assert.ok(run(model, 'etcd:k8s-node1').clients.every((c) => c.reachable));
    }
  }
});

test('pinned clients: on v2.31 the first control plane down breaks admin.conf on the others; on v2.30 it does not', async () => {
  const v31 = run(await exampleModel('mycluster', { version: '2.31' }), 'k8s-node1');
  const v30 = run(await exampleModel('mycluster', { version: '2.30' }), 'k8s-node1');
  for (const host of ['k8s-node2', 'k8s-node3']) {
    const a = client(v31, host, 'admin-kubeconfig');
    assert.equal(a.reachable, false);
    assert.equal(a.pathKind, 'direct');
    assert.match(a.reason, /kubeconfig pins https:\/\/192\.168\.10\.11:6443/);
    const b = client(v30, host, 'admin-kubeconfig');
    assert.equal(b.reachable, true, b.reason);
    assert.equal(b.pathKind, 'local-apiserver');
  }
});

test('the local proxy decides what an unready API server does to workers', async () => {
  const engines: Record<string, { status: string; reason: RegExp }> = {
    nginx: { status: 'at-risk', reason: /no active health checks/ },
    haproxy: {
      status: 'at-risk',
      reason: /GET \/healthz\) mark it down after 15–30 s.*keeps the existing ones/,
    },
    kubeha: {
      status: 'recovers',
      reason: /GET \/readyz\) mark it down after 0\.2–1\.3 s and it closes/,
    },
  };
  for (const [proxy, want] of Object.entries(engines)) {
    const sim = run(
      await exampleModel('mycluster', { proxy: proxy as ProxyChoice }),
      'unready:k8s-node2',
    );
    const c = client(sim, 'k8s-node4', 'kubelet');
    assert.equal(c.status, want.status, `${proxy}: ${c.reason}`);
    assert.match(c.reason, want.reason);
  }
  // a dead process is reset at once: every engine moves on
  for (const proxy of ['nginx', 'haproxy', 'kubeha'] as ProxyChoice[]) {
    const c = client(
      run(await exampleModel('mycluster', { proxy }), 'apiserver:k8s-node2'),
      'k8s-node4',
      'kubelet',
    );
    assert.equal(c.reachable, true, `${proxy}: ${c.reason}`);
  }
});

test('answers come from the inventory: changing it changes them', async () => {
  // the same failure, Kubespray's haproxy instead of nginx (an inventory variable)
  const nginx = client(
    run(await exampleModel('mycluster'), 'unready:k8s-node1'),
    'k8s-node4',
    'kubelet',
  );
  const haproxy = client(
    run(
      await exampleModel('mycluster', { extraVars: ['loadbalancer_apiserver_type=haproxy'] }),
      'unready:k8s-node1',
    ),
    'k8s-node4',
    'kubelet',
  );
  assert.notEqual(nginx.reason, haproxy.reason);
  assert.match(haproxy.reason, /local haproxy/);
  // no local LB and no external LB: workers are pinned to the first control plane
  const single = await exampleModel('mycluster', {
    extraVars: ['{"loadbalancer_apiserver_localhost": false}'],
  });
  assert.equal(single.plan.pattern.id, 'single');
  const w = client(run(single, 'k8s-node1'), 'k8s-node4', 'kubelet');
  assert.equal(w.reachable, false);
  assert.match(w.reason, /kubeconfig pins https:\/\/192\.168\.10\.11:6443/);
  // five control planes survive two of them down; three do not
  const vars = { loadbalancer_apiserver_port: 6443 };
  const five = buildModel(memoryPlan({ controlPlanes: 5, workers: 2, etcd: 'stacked', vars }));
  const three = buildModel(memoryPlan({ controlPlanes: 3, workers: 2, etcd: 'stacked', vars }));
  assert.equal(client(run(five, 'cp1,cp2'), 'w1', 'kubelet').reachable, true);
  assert.equal(client(run(three, 'cp1,cp2'), 'w1', 'kubelet').reachable, false);
});

test('without failures every client of the examples has the API', async () => {
  for (const name of ['mycluster', 'hybrid', 'centralized']) {
    const sim = simulate(await exampleModel(name), []);
    assert.ok(
      sim.clients.every((c) => c.status === 'ok'),
      name,
    );
    // every access row is a client, the outside kubeconfig twice (kubectl and CI)
    assert.equal(sim.clients.length, (await exampleModel(name)).plan.access.length + 1);
  }
});

test('failure names come from the plan; unknown ones are one-line errors listing the valid ones', async () => {
  const model = await exampleModel('hybrid');
  const names = failureCatalog(model.plan).map((f) => f.name);
  assert.ok(names.includes('apiserver:k8s-node1') && names.includes('proxy:k8s-node4'));
  assert.ok(names.includes('external-lb:2') && !names.includes('proxy:k8s-node1'));
  assert.throws(
    () => parseFailures(model.plan, ['k8s-node1,k8s-node9']),
    (e: KubehaError) =>
      e.code === 'E_SIMULATE_UNKNOWN_FAILURE' &&
      e.exitCode === 2 &&
      /k8s-node9/.test(e.message) &&
      /apiserver:k8s-node1/.test(e.hint!) &&
      !/\n/.test(e.message + e.hint),
  );
  assert.throws(() => parseFailures(model.plan, [' , ']), /names nothing/);
  // a big inventory's list is abridged per kind
  const big = memoryPlan({ controlPlanes: 3, workers: 60, etcd: 'stacked', vars: {} });
  try {
    parseFailures(big, ['nope']);
    assert.fail('no error');
  } catch (e) {
    assert.match((e as KubehaError).hint!, /proxy:w1, proxy:w2, proxy:w3, … \(60\)/);
  }
});
