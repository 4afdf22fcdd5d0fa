import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPlanTable } from '../../src/plan/format-table.js';
import {
  EXPECTED,
  expectedCases,
  expectedHosts,
  inventoryPath,
  planFor,
  ROOT,
} from './planner-fixtures.js';

/**
 * loadbalancer_apiserver_type: kubeha. Kubespray deploys no local proxy for it
 * (Ansible's own evaluation in test/fixtures/planner/expected/<era>/kubeha-type),
 * keeps workers on https://localhost:6443, and kubeha's playbook places kubeha
 * on the hosts nginx-proxy would have run on: the plan is Case 1 or 2, not broken.
 */
const tmp = mkdtempSync(join(tmpdir(), 'kubeha-type-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('Kubespray itself deploys nothing and pulls no proxy image for kubeha (Ansible, every era)', () => {
  const cases = expectedCases().filter((c) => c.name === 'kubeha-type');
  assert.deepEqual(
    cases.map((c) => c.version),
    readdirSync(EXPECTED).sort(),
  );
  for (const c of cases) {
    for (const h of expectedHosts(c.dir)) {
      const where = `${c.version}/${h.host}`;
      assert.equal(h.facts.local_proxy, 'none', where);
      assert.deepEqual(Object.keys(h.files), [], `${where}: no nginx/haproxy files`);
      assert.equal(h.facts.download_nginx, false, `${where}: nginx image not downloaded`);
      assert.equal(h.facts.download_haproxy, false, `${where}: haproxy image not downloaded`);
      if (h.facts.group_names.includes('kube_node')) {
        assert.equal(h.facts.kube_apiserver_endpoint, 'https://localhost:6443', where);
      }
    }
  }
});

test('the plan is Case 1 with a local kubeha on every worker, not "broken"', async () => {
  for (const version of ['2.29', '2.30', '2.31', '2.32']) {
    const plan = await planFor('kubeha-type', version);
    assert.equal(plan.pattern.id, 'case1', version);
    assert.equal(plan.pattern.requested, 'case1', version);
    assert.equal(plan.pattern.mismatch, undefined, version);
    const workers = plan.access.filter((r) => r.role === 'worker');
    assert.ok(workers.length > 0);
    for (const r of workers) {
      assert.equal(r.path.kind, 'local-proxy', `${version} ${r.host} ${r.component}`);
      assert.equal(r.path.text, 'local kubeha → cp1, cp2, cp3');
    }
    assert.ok(!plan.access.some((r) => r.path.kind === 'nothing-listens'));
    const ids = plan.diagnostics.map((d) => d.id);
    for (const gone of ['KH070', 'KH051', 'KH030']) assert.ok(!ids.includes(gone), gone);
    const text = formatPlanTable(plan);
    assert.doesNotMatch(text, /broken|nothing listens/);
    assert.match(text, /w1,w2: kubeha 127\.0\.0\.1:6443 → .*, admin 127\.0\.0\.1:8081/);
  }
  const plan = await planFor('kubeha-type', '2.31');
  const w1 = plan.hosts.find((h) => h.name === 'w1')!.localProxy!;
  assert.equal(w1.type, 'kubeha');
  assert.equal(w1.deployedBy, 'kubeha-playbook');
  assert.deepEqual(w1.files, [
    '/etc/kubeha/proxy.yaml',
    '/etc/kubernetes/manifests/kubeha-proxy.yml',
  ]);
  assert.deepEqual(w1.healthListen, ['127.0.0.1:8081']);
  assert.equal(w1.settings.kubeha.certDir, '/etc/kubernetes/ssl');
  assert.match(w1.settings.image, /^ghcr\.io\/kubeha\/kubeha:\d+\.\d+\.\d+/);
  assert.equal(plan.hosts.find((h) => h.name === 'cp1')!.localProxy, null);
});

test('lint says Kubespray will not deploy kubeha and names the playbook, at the line that sets it', async () => {
  const plan = await planFor('kubeha-type', '2.31');
  const d = plan.diagnostics.find((x) => x.id === 'KH071');
  assert.ok(d);
  assert.equal(d.severity, 'warning');
  assert.match(d.file ?? '', /kubeha-type\/group_vars\/all\/lb\.yml$/);
  assert.equal(d.line, 1);
  assert.match(d.message, /Kubespray will not deploy it; deploy\/kubespray\/kubeha-proxy\.yml/);
  assert.match(d.message, /on w1, w2$/);
});

test('another unknown type is still broken; kubeha with an external LB is Case 2', async () => {
  const envoy = await planFor('kubeha-type', '2.31', ['loadbalancer_apiserver_type=envoy']);
  assert.equal(envoy.pattern.id, 'broken');
  assert.ok(envoy.diagnostics.some((d) => d.id === 'KH070'));
  const hybrid = await planFor('hybrid', '2.31', ['loadbalancer_apiserver_type=kubeha']);
  assert.equal(hybrid.pattern.id, 'case2');
  const worker = hybrid.access.find((r) => r.role === 'worker' && r.component === 'kubelet')!;
  assert.match(worker.path.text, /^local kubeha → /);
});

test('kubeha_image_repo / kubeha_image_tag and kube_cert_dir reach the plan', async () => {
  const plan = await planFor('kubeha-type', '2.31', [
    'github_image_repo=registry.local:5000',
    'kubeha_image_tag=9.9.9',
    'kube_config_dir=/srv/k8s',
  ]);
  const s = plan.hosts.find((h) => h.name === 'w2')!.localProxy!.settings;
  assert.equal(s.image, 'registry.local:5000/kubeha/kubeha:9.9.9');
  assert.equal(s.kubeha.certDir, '/srv/k8s/ssl');
  assert.equal(s.manifestDir, '/srv/k8s/manifests');
});

test('kubeha render without --proxy writes the kubeha files for such an inventory', () => {
  const out = join(tmp, 'render');
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bin/kubeha'), 'render', '-i', inventoryPath('kubeha-type'), '--out', out],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  for (const host of ['w1', 'w2']) {
    for (const f of [
      'etc/kubeha/proxy.yaml',
      'etc/kubernetes/manifests/kubeha-proxy.yml',
      'etc/systemd/system/kubeha-proxy.service',
    ]) {
      assert.ok(existsSync(join(out, host, f)), `${host}/${f}`);
    }
    assert.ok(!existsSync(join(out, host, 'etc/nginx')), `${host}: no nginx`);
  }
  assert.ok(!existsSync(join(out, 'cp1')), 'nothing on the control planes');
});
