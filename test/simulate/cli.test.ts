import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { example } from './helpers.js';
import { kubehaCli } from '../helpers/kubeha-cli.js';

/** `kubeha simulate` and `kubeha compare` as a user runs them: output, exit codes, errors. */
const tmp = mkdtempSync(join(tmpdir(), 'kubeha-simulate-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const kubeha = kubehaCli;

/** A usage or input error: exit 2, one line on stderr, no stack, nothing on stdout. */
function oneLineError(r: ReturnType<typeof kubeha>, pattern: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.equal(r.out, '');
  assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
  assert.match(r.err, pattern);
  assert.doesNotMatch(r.err, /\s at /);
}

test('simulate --fail -o json: per client host, component and reachable, as docs/simulate.md documents', () => {
  const r = kubeha('simulate', '-i', example('mycluster'), '--fail', 'k8s-node1', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.schemaVersion, 1);
  assert.deepEqual(
    j.failures.map((f: { name: string }) => f.name),
    ['k8s-node1'],
  );
  for (const key of ['kubespray', 'pattern', 'etcd', 'summary', 'clients'])
    assert.ok(key in j, key);
  const kubelet = j.clients.find(
    (c: { host: string; component: string }) => c.host === 'k8s-node4' && c.component === 'kubelet',
  );
  assert.equal(kubelet.reachable, true);
  for (const key of [
    'host',
    'component',
    'reachable',
    'status',
    'pathKind',
    'path',
    'endpoint',
    'reason',
  ]) {
    assert.ok(key in kubelet, key);
  }
  assert.equal(typeof kubelet.reachable, 'boolean');
  const kubectl = j.clients.find((c: { component: string }) => c.component === 'kubectl');
  assert.equal(kubectl.reachable, false);
  assert.match(kubectl.reason, /kubeconfig pins https:\/\/192\.168\.10\.11:6443/);
});

test('simulate --fail as a table; --plan reads `kubeha plan -o json` and gives the same answers', () => {
  const t = kubeha('simulate', '-i', example('centralized'), '--fail', 'external-lb');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^Failure: external LB down/);
  assert.match(
    t.out,
    /k8s-node4\s+kubelet\s+NO\s+lost\s+the external LB 192\.168\.10\.10:6443 is down/,
  );
  const plan = kubeha('plan', '-i', example('hybrid'), '-o', 'json');
  const file = join(tmp, 'plan.json');
  writeFileSync(file, plan.out);
  const same = ['--fail', 'unready:k8s-node2', '--proxy', 'kubeha', '-o', 'json'];
  const a = kubeha('simulate', '--plan', file, ...same);
  const b = kubeha('simulate', '-i', example('hybrid'), ...same);
  assert.equal(a.code, 0, a.err);
  assert.deepEqual(JSON.parse(a.out).clients, JSON.parse(b.out).clients);
});

test('bad input: unknown failure names, modes, formats and plan files are one-line errors, exit 2', () => {
  const i = ['-i', example('mycluster')];
  const unknown = kubeha('simulate', ...i, '--fail', 'k8s-node1,k8s-node9');
  oneLineError(
    unknown,
    /unknown failure "k8s-node9" \(valid: k8s-node1, .*apiserver:k8s-node1, .*proxy:k8s-node4\)/,
  );
  oneLineError(kubeha('simulate', ...i), /nothing to simulate/);
  oneLineError(kubeha('simulate', ...i, '--all-single', '--all-pairs'), /do not go together/);
  oneLineError(kubeha('simulate', '--fail', 'x'), /either -i INVENTORY or --plan FILE/);
  oneLineError(
    kubeha('simulate', ...i, '--all-single', '-o', 'yaml'),
    /unknown output format "yaml"/,
  );
  oneLineError(
    kubeha('simulate', ...i, '--all-single', '--proxy', 'envoy'),
    /unknown --proxy "envoy"/,
  );
  oneLineError(
    kubeha('simulate', ...i, '--remove-control-plane', 'k8s-node4'),
    /not a control plane \(control planes: k8s-node1, k8s-node2, k8s-node3\)/,
  );
  oneLineError(kubeha('simulate', ...i, '--add-control-plane', 'k8s-node5'), /expected NAME=IP/);
  const bad = join(tmp, 'bad.json');
  writeFileSync(bad, '{\n  "schemaVersion": 1,\n  oops\n}\n');
  oneLineError(kubeha('simulate', '--plan', bad, '--all-single'), /bad\.json:3: not JSON/);
  writeFileSync(bad, '{"hello": 1}');
  oneLineError(kubeha('simulate', '--plan', bad, '--all-single'), /not a kubeha plan/);
  oneLineError(kubeha('compare', ...i, '-o', 'html'), /unknown output format "html"/);
  oneLineError(kubeha('compare', ...i, '--external-lb', '[::1'), /invalid address/);
});

test('--all-single and --all-pairs: sorted by blast radius, the report of single points of failure', () => {
  const r = kubeha('simulate', '-i', example('centralized'), '--all-single', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.mode, 'single');
  const radius = (x: { lost: unknown[]; atRisk: unknown[] }) => x.lost.length + x.atRisk.length;
  for (let k = 1; k < j.impacts.length; k++)
    assert.ok(radius(j.impacts[k - 1]) >= radius(j.impacts[k]));
  assert.deepEqual(j.impacts[0].failures, ['external-lb']);
  const pairs = kubeha('simulate', '-i', example('mycluster'), '--all-pairs', '--top', '3');
  assert.equal(pairs.code, 0, pairs.err);
  assert.match(pairs.out, /^Every pair of failures, largest blast radius first/);
  assert.match(pairs.out, /\n24\s+0\s+etcd:k8s-node1 \+ etcd:k8s-node2 /);
  assert.match(pairs.out, /… \d+ more \(--top 0 shows all/);
});

test('--add-control-plane / --remove-control-plane print the diff of two renders', () => {
  const i = ['-i', example('mycluster')];
  const add = kubeha('simulate', ...i, '--add-control-plane', 'k8s-node5=192.168.10.15');
  assert.equal(add.code, 0, add.err);
  assert.match(
    add.out,
    /k8s-node4: \/etc\/nginx\/nginx\.conf \(changed\)\n\s+\+ server 192\.168\.10\.15:6443;/,
  );
  const rm = kubeha(
    'simulate',
    ...i,
    '--remove-control-plane',
    'k8s-node3',
    '--proxy',
    'kubeha',
    '-o',
    'json',
  );
  assert.equal(rm.code, 0, rm.err);
  const j = JSON.parse(rm.out);
  assert.equal(j.change.kind, 'remove');
  assert.ok(j.files.some((f: { file: string }) => f.file === '/etc/kubeha/proxy.yaml'));
});

test('compare -i examples/mycluster: the three tables with computed values, as text, Markdown and JSON', () => {
  const i = ['-i', example('mycluster')];
  const t = kubeha('compare', ...i);
  assert.equal(t.code, 0, t.err);
  for (const s of [
    '== Access paths ==',
    '== Operating characteristics ==',
    '== Path per client ==',
  ]) {
    assert.ok(t.out.includes(s), s);
  }
  assert.match(t.out, /Case 1 with kubeha\s+0\.2–1\.3 s \(kubeha proxy\)/);
  assert.match(
    t.out,
    /only k8s-node1 \(https:\/\/192\.168\.10\.11:6443\) \[usually described: direct, to every API server\]/,
  );
  const md = kubeha('compare', ...i, '-o', 'markdown');
  assert.match(md.out, /\n\| \| Case 1 \| Case 2 \| Case 3 \| Case 1 with kubeha \|\n\|---\|/);
  const j = JSON.parse(
    kubeha('compare', ...i, '-o', 'json', '--external-lb', '192.168.10.10:6443').out,
  );
  assert.deepEqual(j.externalLb, { address: '192.168.10.10', port: 6443, assumed: false });
  assert.deepEqual(
    j.columns.map((c: { id: string }) => c.id),
    ['case1', 'case2', 'case3', 'case1-kubeha'],
  );
  assert.equal(j.tables.length, 3);
});
