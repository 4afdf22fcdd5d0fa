import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { renderPlan } from '../../src/render/render-plan.js';
import { sha1 } from '../../src/render/proxy-manifests.js';
import { planFor } from '../plan/planner-fixtures.js';
import { proxyConfigSchema } from '../../src/proxy/config-schema.js';
import { kubehaVersion } from '../../src/shared/package-version.js';

interface Probe {
  httpGet: { host: string; path: string; port: number };
}

test('--proxy kubeha writes proxy.yaml and a static pod instead of nginx', async () => {
  const plan = await planFor('mycluster', '2.31');
  const files = renderPlan(plan, { proxy: 'kubeha' });
  const host = files.filter((f) => f.path.startsWith('k8s-node4/')).map((f) => f.path);
  assert.deepEqual(host.sort(), [
    'k8s-node4/etc/kubeha/proxy.yaml',
    'k8s-node4/etc/kubernetes/manifests/kubeha-proxy.yml',
    'k8s-node4/etc/systemd/system/kubeha-proxy.service',
  ]);
  assert.ok(!files.some((f) => /^k8s-node[123]\//.test(f.path)), 'nothing on control planes');
  const configText = files.find((f) => f.path.endsWith('/etc/kubeha/proxy.yaml'))!.content;
  const config = parse(configText);
  assert.deepEqual(config.listen, ['127.0.0.1:6443']);
  assert.deepEqual(config.upstreams, [
    '192.168.10.11:6443',
    '192.168.10.12:6443',
    '192.168.10.13:6443',
  ]);
  assert.equal(config.admin, '127.0.0.1:8081');
  assert.equal(config.healthCheck.path, '/readyz');

  const pod = parse(files.find((f) => f.path.endsWith('kubeha-proxy.yml'))!.content);
  assert.equal(pod.kind, 'Pod');
  assert.equal(pod.spec.hostNetwork, true);
  assert.equal(pod.metadata.annotations['kubeha-cfg-checksum'], sha1(configText));
  const c = pod.spec.containers[0];
  assert.equal(c.image, `ghcr.io/kubeha/kubeha:${kubehaVersion()}`);
  const live = c.livenessProbe as Probe;
  const ready = c.readinessProbe as Probe;
  assert.deepEqual(live.httpGet, { host: '127.0.0.1', path: '/livez', port: 8081 });
  assert.deepEqual(ready.httpGet, { host: '127.0.0.1', path: '/readyz', port: 8081 });
  assert.deepEqual(c.command.slice(0, 2), ['kubeha', 'proxy']);
});

test('a config change changes the checksum annotation (kubelet restarts the pod)', async () => {
  const a = renderPlan(await planFor('mycluster', '2.31'), { proxy: 'kubeha' });
  const b = renderPlan(await planFor('mycluster', '2.31', ['loadbalancer_apiserver_port=7443']), {
    proxy: 'kubeha',
  });
  const ann = (fs: typeof a) =>
    parse(fs.find((f) => f.path.endsWith('kubeha-proxy.yml'))!.content).metadata.annotations[
      'kubeha-cfg-checksum'
    ];
  assert.notEqual(ann(a), ann(b));
  assert.deepEqual(
    parse(b.find((f) => f.path.endsWith('/etc/kubeha/proxy.yaml'))!.content).listen,
    ['127.0.0.1:7443'],
  );
});

test('IPv6 upstreams are bracketed and dual stack listens on [::1] too', async () => {
  const v6 = renderPlan(await planFor('ipv6-only', '2.31'), {
    proxy: 'kubeha',
  });
  const cfg = parse(v6.find((f) => f.path === 'w1/etc/kubeha/proxy.yaml')!.content);
  assert.deepEqual(cfg.upstreams, [
    '[fd00:10::11]:6443',
    '[fd00:10::12]:6443',
    '[fd00:20::13]:6443',
  ]);
  const ds = renderPlan(await planFor('dual-stack', '2.31'), {
    proxy: 'kubeha',
  });
  assert.deepEqual(parse(ds.find((f) => f.path === 'w1/etc/kubeha/proxy.yaml')!.content).listen, [
    '127.0.0.1:6443',
    '[::1]:6443',
  ]);
});

test("the rendered proxy.yaml is valid for the proxy's own config schema", async () => {
  for (const name of ['mycluster', 'ipv6-only', 'dual-stack', 'custom-bind']) {
    const files = renderPlan(await planFor(name, '2.31'), { proxy: 'kubeha' });
    for (const f of files.filter((x) => x.path.endsWith('/etc/kubeha/proxy.yaml'))) {
      const r = proxyConfigSchema.safeParse(parse(f.content));
      assert.ok(r.success, `${name} ${f.path}: ${JSON.stringify(r.error)}`);
    }
  }
});

test('Case 2 and 3 get an external LB haproxy.cfg and keepalived.conf; Case 1 does not', async () => {
  for (const name of ['hybrid', 'centralized', 'external-lb-port']) {
    const files = renderPlan(await planFor(name, '2.31'), {});
    const cfg = files.find((f) => f.path === 'external-lb/haproxy.cfg')?.content;
    assert.ok(cfg, `${name} has external-lb/haproxy.cfg`);
    assert.match(cfg, /mode tcp/);
    assert.match(cfg, /http-check send meth GET uri \/readyz/);
    assert.match(cfg, /on-marked-down shutdown-sessions/);
    assert.equal((cfg.match(/^ {4}server .* check check-ssl verify none$/gm) ?? []).length, 3);
    const ka = files.find((f) => f.path === 'external-lb/keepalived.conf')?.content;
    assert.ok(ka);
    assert.match(ka, /virtual_ipaddress \{\n\s+(?:10\.\d+\.\d+\.10|192\.168\.10\.10)\/32\n/);
  }
  const c1 = renderPlan(await planFor('mycluster', '2.31'), {});
  assert.ok(!c1.some((f) => f.path.startsWith('external-lb/')));
  assert.ok(c1.some((f) => f.path === 'plan.json'));
  const kc = c1.find((f) => f.path === 'kubeconfig/k8s-node4.yaml')?.content ?? '';
  assert.match(
    kc,
    /# kubelet: \/etc\/kubernetes\/kubelet.conf\n[^]*?server: https:\/\/localhost:6443\n/,
  );
});
