import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
