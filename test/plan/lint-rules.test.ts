import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubesprayInventory } from '../../src/kubespray/dynamic-groups.js';
import { resolveKubesprayVersion } from '../../src/kubespray/versions.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { LINT_RULES } from '../../src/plan/lint-rules.js';
import { inventoryPath } from './planner-fixtures.js';

/** Every lint rule: one inventory that triggers it and one that does not. */
const tmp = mkdtempSync(join(tmpdir(), 'kubeha-lint-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function inline(ini: string, allYml?: string): string {
  const dir = join(tmp, `inv${n++}`);
  mkdirSync(join(dir, 'group_vars', 'all'), { recursive: true });
  writeFileSync(join(dir, 'inventory.ini'), ini);
  if (allYml) writeFileSync(join(dir, 'group_vars', 'all', 'all.yml'), allYml);
  return join(dir, 'inventory.ini');
}

const CPS3 = `[kube_control_plane]
cp1 ansible_host=10.0.0.11 ip=10.0.0.11
cp2 ansible_host=10.0.0.12 ip=10.0.0.12
cp3 ansible_host=10.0.0.13 ip=10.0.0.13
[etcd:children]
kube_control_plane
[kube_node]
w1 ansible_host=10.0.0.21 ip=10.0.0.21
`;

type Src = string | (() => string);
const fx = (name: string) => () => inventoryPath(name);
const CASES: Record<string, { yes: Src; no: Src; version?: string; noVersion?: string }> = {
  KH001: { yes: () => inline('[kube_node]\nw1 ip=10.0.0.21\n[etcd]\nw1\n'), no: fx('mycluster') },
  KH002: {
    yes: () =>
      inline(
        '[kube_control_plane]\ncp1 ip=10.0.0.11\ncp2 ip=10.0.0.12\n[etcd]\ncp1\ncp2\ne3 ip=10.0.0.13\n',
      ),
    no: fx('mycluster'),
  },
  KH003: {
    yes: () => inline('[kube_control_plane]\ncp1 ip=10.0.0.11\n[etcd]\ncp1\ne2 ip=10.0.0.12\n'),
    no: fx('mycluster'),
  },
  KH004: { yes: fx('single-cp'), no: fx('mycluster') },
  KH010: { yes: fx('missing-ip'), no: fx('mycluster') },
  KH011: {
    yes: () =>
      inline(
        '[kube_control_plane]\ncp1 ip=10.0.0.11\ncp2 ip=10.0.0.11\ncp3 ip=10.0.0.13\n[etcd:children]\nkube_control_plane\n',
      ),
    no: fx('mycluster'),
  },
  KH012: { yes: fx('old-groups'), no: fx('mycluster') },
  // an IPv6 ansible_host on an IPv4 cluster, no facts: Kubespray's 127.0.0.1 fallback
  KH013: {
    yes: () =>
      inline(
        '[kube_control_plane]\ncp1 ansible_host=fd00::11\ncp2 ip=10.0.0.12\ncp3 ip=10.0.0.13\n[etcd:children]\nkube_control_plane\n',
      ),
    no: fx('mycluster'),
  },
  KH020: { yes: fx('hybrid-port-trap'), no: fx('hybrid') },
  KH021: { yes: fx('yaml-lb-port'), no: fx('mycluster') },
  KH022: {
    yes: () => inline(CPS3, 'loadbalancer_apiserver:\n  address: 10.0.0.10\n'),
    no: fx('centralized'),
  },
  KH023: { yes: fx('string-bool'), no: fx('direct') },
  KH030: { yes: fx('mycluster'), no: fx('no-healthcheck') },
  KH031: {
    yes: () => inline(CPS3, 'loadbalancer_apiserver_healthcheck_port: 10256\n'),
    no: fx('mycluster'),
  },
  KH040: {
    yes: () =>
      inline(
        CPS3.replace('cp1 ansible_host=10.0.0.11', 'cp1 ansible_host=bastion.example.net'),
        'kubeconfig_localhost: true\nkubeconfig_localhost_ansible_host: true\n',
      ),
    no: fx('mycluster'),
  },
  KH050: { yes: fx('mycluster'), no: fx('centralized') },
  KH051: { yes: fx('hybrid-port-trap'), no: fx('mycluster') },
  // mycluster carries the articles' containerd rlimits patch; no-healthcheck does not
  KH060: { yes: fx('no-healthcheck'), no: fx('mycluster'), version: '2.30', noVersion: '2.30' },
  KH061: {
    yes: fx('haproxy-dual-stack'),
    no: fx('haproxy-dual-stack'),
    version: '2.29',
    noVersion: '2.30',
  },
  KH070: { yes: () => inline(CPS3, 'loadbalancer_apiserver_type: envoy\n'), no: fx('kubeha-type') },
  KH071: { yes: fx('kubeha-type'), no: fx('mycluster') },
  KH072: {
    yes: () => inline(CPS3, 'loadbalancer_apiserver_type: kubeha\nkubeha_image_tag: "0.1 beta"\n'),
    no: () => inline(CPS3, 'kubeha_image_repo: "{{ github_image_repo }}/mirror/kubeha"\n'),
  },
};

async function ids(src: Src, version = '2.31'): Promise<string[]> {
  const path = typeof src === 'string' ? src : src();
  const { inventory, diagnostics } = await loadKubesprayInventory([path]);
  const plan = buildPlan(inventory, {
    era: resolveKubesprayVersion(version),
    inventoryDiagnostics: diagnostics,
    compareEras: false,
  });
  return plan.diagnostics.map((d) => d.id);
}

test('every rule has a case here, and a why and a fix', () => {
  assert.deepEqual(Object.keys(CASES).sort(), LINT_RULES.map((r) => r.id).sort());
  for (const r of LINT_RULES) {
    assert.ok(r.why.length > 20 && r.fix.length > 10, r.id);
  }
});

for (const [id, c] of Object.entries(CASES)) {
  test(`${id} fires on its trigger and stays quiet otherwise`, async () => {
    assert.ok((await ids(c.yes, c.version)).includes(id), `${id} on the triggering inventory`);
    assert.ok(!(await ids(c.no, c.noVersion)).includes(id), `${id} not on the clean inventory`);
  });
}
