import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { inventoryPath } from './planner-fixtures.js';
import { REPO_ROOT } from '../helpers/ansible.js';
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

test('lint --disable and kubeha_lint_disable leave rules out; unknown ids are a usage error or a located warning', () => {
  const inv = inventoryPath('mycluster');
  const all = kubeha('lint', '-i', inv);
  assert.match(all.out, /KH030/);
  assert.match(all.out, /KH050/);
  const off = kubeha('lint', '-i', inv, '--disable', 'KH030,kh050');
  assert.equal(off.code, 0, off.err);
  assert.doesNotMatch(off.out, /KH030|KH050/);
  assert.match(off.out, /Lint: 0 error\(s\), 0 warning\(s\), 3 disabled/);
  // a disabled error no longer fails the gate
  const trap = inventoryPath('hybrid-port-trap');
  assert.equal(kubeha('lint', '-i', trap).code, 1);
  const errIds = [...kubeha('lint', '-i', trap).out.matchAll(/^error +(KH\d+)/gm)].map((m) => m[1]);
  assert.equal(kubeha('lint', '-i', trap, '--disable', errIds.join(',')).code, 0);

  const bad = kubeha('lint', '-i', inv, '--disable', 'KH030,KH999');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^kubeha: --disable: no lint rule KH999 \(give rule ids as/);

  // the inventory variable, as a list in group_vars, with one unknown id
  const dir = join(tmp, 'lint-disable');
  mkdirSync(join(dir, 'group_vars', 'all'), { recursive: true });
  writeFileSync(join(dir, 'inventory.ini'), readFileSync(inv, 'utf8'));
  writeFileSync(
    join(dir, 'group_vars', 'all', 'lint.yml'),
    '# CI gate settings\nkubeha_lint_disable:\n  - KH050\n  - KH06O\n',
  );
  const v = kubeha('lint', '-i', join(dir, 'inventory.ini'));
  assert.doesNotMatch(v.out, /KH050/);
  assert.match(
    v.out,
    /warning W_LINT_DISABLE .*group_vars\/all\/lint\.yml:2: kubeha_lint_disable names "KH06O", which is no kubeha lint rule/,
  );
});

/**
 * The part of SARIF 2.1.0 (OASIS sarif-schema-2.1.0.json) kubeha writes, strictly:
 * required properties, enums and types as the schema has them, nothing unknown.
 */
const message = z.strictObject({ text: z.string().min(1) });
const SARIF = z.strictObject({
  $schema: z.literal('https://json.schemastore.org/sarif-2.1.0.json'),
  version: z.literal('2.1.0'),
  runs: z
    .array(
      z.strictObject({
        tool: z.strictObject({
          driver: z.strictObject({
            name: z.string(),
            version: z.string(),
            rules: z.array(
              z.strictObject({
                id: z.string(),
                name: z.string().optional(),
                shortDescription: message,
                fullDescription: message.optional(),
                help: message.optional(),
                defaultConfiguration: z.strictObject({
                  level: z.enum(['none', 'note', 'warning', 'error']),
                }),
              }),
            ),
          }),
        }),
        results: z.array(
          z.strictObject({
            ruleId: z.string(),
            ruleIndex: z.number().int().min(0),
            level: z.enum(['none', 'note', 'warning', 'error']),
            message,
            locations: z
              .array(
                z.strictObject({
                  physicalLocation: z.strictObject({
                    artifactLocation: z.strictObject({ uri: z.string().min(1) }),
                    region: z.strictObject({ startLine: z.number().int().min(1) }).optional(),
                  }),
                }),
              )
              .min(1),
            properties: z.strictObject({ host: z.string() }).optional(),
          }),
        ),
      }),
    )
    .length(1),
});

test('lint -o sarif is SARIF 2.1.0 with rule metadata and file/line locations', () => {
  const r = kubeha('lint', '-i', inventoryPath('old-groups'), '-o', 'sarif');
  assert.equal(r.code, 0, r.err);
  const run = SARIF.parse(JSON.parse(r.out)).runs[0]!;
  const rules = run.tool.driver.rules;
  assert.equal(new Set(rules.map((x) => x.id)).size, rules.length, 'rule ids are unique');
  for (const id of ['KH001', 'KH013', 'KH050', 'KH072']) {
    const rule = rules.find((x) => x.id === id);
    assert.ok(rule?.fullDescription?.text && rule.help?.text, `${id} has why and fix`);
  }
  assert.ok(run.results.length >= 5);
  for (const res of run.results) {
    assert.equal(rules[res.ruleIndex]!.id, res.ruleId, 'ruleIndex points at its rule');
    const uri = res.locations[0]!.physicalLocation.artifactLocation.uri;
    assert.ok(existsSync(join(REPO_ROOT, uri)), `${uri} is relative to the working directory`);
  }
  const old = run.results.find((x) => x.ruleId === 'W_GROUP_NAME')!;
  assert.deepEqual(old.locations[0]!.physicalLocation.region, { startLine: 2 });
  assert.equal(old.level, 'warning');
  // -o json and -o sarif report the same findings
  const json = JSON.parse(kubeha('lint', '-i', inventoryPath('old-groups'), '-o', 'json').out);
  assert.equal(json.length, run.results.length);

  // an error about a host, in an inventory outside the working directory: a file URI
  // and the line that defines the host
  const dir = join(tmp, 'sarif');
  mkdirSync(dir, { recursive: true });
  const ini = join(dir, 'hosts.ini');
  writeFileSync(
    ini,
    '[kube_control_plane]\ncp1 ip=10.0.0.11\ncp2 ip=10.0.0.11\ncp3 ip=10.0.0.13\n[etcd:children]\nkube_control_plane\n',
  );
  const dup = kubeha('lint', '-i', ini, '-o', 'sarif');
  assert.equal(dup.code, 1);
  const kh011 = SARIF.parse(JSON.parse(dup.out)).runs[0]!.results.find(
    (x) => x.ruleId === 'KH011',
  )!;
  assert.equal(kh011.level, 'error');
  assert.equal(kh011.properties?.host, 'cp2');
  const loc = kh011.locations[0]!.physicalLocation;
  assert.equal(fileURLToPath(loc.artifactLocation.uri), ini);
  assert.deepEqual(loc.region, { startLine: 3 });
});
