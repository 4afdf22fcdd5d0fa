import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inventoryPath } from './planner-fixtures.js';
import { kubehaCli as kubeha } from '../helpers/kubeha-cli.js';

/** What a new user met on the bundled examples, each as behaviour. */
const tmp = mkdtempSync(join(tmpdir(), 'kubeha-friction-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The "Other Kubespray releases" section of `kubeha plan` output. */
function releasesSection(out: string): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Other Kubespray releases'));
  assert.ok(start >= 0, out);
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start + 1, end);
}

test('"Other Kubespray releases" is one line per release and host group, why only under rows that depend on it', () => {
  const r = kubeha('plan', '-i', inventoryPath('mycluster'));
  assert.equal(r.code, 0, r.err);
  const section = releasesSection(r.out);
  const rows = section.filter((l) => !l.trim().startsWith('why:'));
  // v2.29 and v2.30 rewrite the same control planes the same way: one shared line
  assert.deepEqual(
    rows.map((l) => l.trim().split(/\s{2,}/)[0]),
    ['v2.29, v2.30', 'main'],
    section.join('\n'),
  );
  assert.match(
    rows[0]!,
    /k8s-node1,k8s-node2,k8s-node3: kubelet, .*admin-kubeconfig → https:\/\/127\.0\.0\.1:6443 \(local API server\)$/,
  );
  const whys = section.filter((l) => l.trim().startsWith('why:'));
  assert.equal(whys.length, 2, section.join('\n'));
  assert.match(whys[0]!, /kubeadm-fix-apiserver\.yml/);
  // v2.29's other default (the LB domain name) changes no row of this inventory
  assert.doesNotMatch(
    section.join('\n'),
    /lb-apiserver\.kubernetes\.local|Kubespray v2\.29:|still local/,
  );

  // the hybrid example under v2.29 depends on the domain-name default, not on IPv6 bracketing
  const hybrid = releasesSection(kubeha('plan', '-i', inventoryPath('hybrid')).out).join('\n');
  assert.match(hybrid, /why: apiserver_loadbalancer_domain_name defaults to lb-apiserver/);
  assert.doesNotMatch(hybrid, /unwrapped|global_endpoint/);

  // -o wide shows every component with its old endpoint
  const wide = releasesSection(kubeha('plan', '-i', inventoryPath('mycluster'), '-o', 'wide').out);
  assert.ok(wide.length > section.length);
  assert.ok(
    wide.some((l) =>
      /admin-kubeconfig on k8s-node2: https:\/\/127\.0\.0\.1:6443 \(local API server\) instead of https:\/\/192\.168\.10\.11:6443/.test(
        l,
      ),
    ),
    wide.join('\n'),
  );
});

test('render --prune removes the files an earlier render left, and the directories they leave empty', () => {
  const out = join(tmp, 'prune');
  assert.equal(kubeha('render', '-i', inventoryPath('mycluster'), '--out', out).code, 0);
  const nginx = join(out, 'k8s-node4', 'etc', 'kubernetes', 'manifests', 'nginx-proxy.yml');
  assert.ok(existsSync(nginx));
  writeFileSync(join(out, 'notes.txt'), 'a file of my own\n');
  // Case 3 has no local proxies: nginx files and their host directories are stale
  const r = kubeha(
    'render',
    '-i',
    inventoryPath('centralized'),
    '--out',
    out,
    '--force',
    '--prune',
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^kubeha: removed 3 file\(s\) an earlier render left \(--prune\): /);
  assert.ok(!existsSync(nginx));
  assert.ok(!existsSync(join(out, 'k8s-node4', 'etc')), 'emptied directories go too');
  assert.ok(!existsSync(join(out, 'notes.txt')));
  assert.ok(existsSync(join(out, 'plan.json')), 'this render stays');
  // nothing stale remains: a plain re-render is silent
  const again = kubeha('render', '-i', inventoryPath('centralized'), '--out', out);
  assert.equal(again.code, 0);
  assert.equal(again.err, '');
});

test('with old group names only, the summary says Kubespray will not deploy the workers, and why', () => {
  const dir = join(tmp, 'old-names');
  mkdirSync(dir, { recursive: true });
  const ini = readFileSync(inventoryPath('mycluster'), 'utf8')
    .replaceAll('kube_control_plane', 'kube-master')
    .replaceAll('[kube_node]', '[kube-node]');
  writeFileSync(join(dir, 'inventory.ini'), ini);
  const r = kubeha('plan', '-i', join(dir, 'inventory.ini'));
  assert.equal(r.code, 0, r.err);
  const [, summary, bang] = r.out.split('\n');
  assert.match(
    summary!,
    /no workers Kubespray deploys \(k8s-node4 not in k8s_cluster, see below\)/,
  );
  assert.match(bang!, /^ {2}! Kubespray will not deploy k8s-node4 as worker\(s\)/);
  assert.match(bang!, /roles\/dynamic_groups builds k8s_cluster from the groups a host had before/);
  assert.match(bang!, /rename the groups to \[kube_node\] and \[kube_control_plane\]/);
  const json = JSON.parse(kubeha('plan', '-i', join(dir, 'inventory.ini'), '-o', 'json').out);
  assert.match(json.pattern.notDeployed, /k8s-node4/);
  // the same hosts under the new names: deployed, nothing to say
  const ok = JSON.parse(kubeha('plan', '-i', inventoryPath('mycluster'), '-o', 'json').out);
  assert.equal(ok.pattern.notDeployed, undefined);
  assert.match(ok.pattern.summary, /worker kubelets use https:\/\/localhost:6443/);
});
