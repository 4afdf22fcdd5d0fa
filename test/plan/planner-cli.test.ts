import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inventoryPath } from './planner-fixtures.js';
import { kubehaCli } from '../helpers/kubeha-cli.js';

/** `kubeha plan|render|lint` as a user runs them: output, files, exit codes. */
const tmp = mkdtempSync(join(tmpdir(), 'kubeha-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const kubeha = kubehaCli;

test('plan -o json is the documented schema; -o yaml, diagram, mermaid, wide print', () => {
  const r = kubeha(
    'plan',
    '-i',
    inventoryPath('mycluster'),
    '-o',
    'json',
    '--kubespray-version',
    '2.30',
  );
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out);
  assert.equal(plan.schemaVersion, 1);
  assert.equal(plan.pattern.id, 'case1');
  for (const key of [
    'kubespray',
    'sources',
    'variables',
    'controlPlanes',
    'externalLb',
    'endpoints',
    'hosts',
    'access',
    'certificateSans',
    'eraDifferences',
    'eraChanges',
    'facts',
    'diagnostics',
  ]) {
    assert.ok(key in plan, key);
  }
  for (const o of ['yaml', 'diagram', 'mermaid', 'wide', 'table']) {
    const x = kubeha('plan', '-i', inventoryPath('hybrid'), '-o', o);
    assert.equal(x.code, 0, `${o}: ${x.err}`);
    assert.ok(x.out.length > 100, o);
  }
  assert.match(
    kubeha('plan', '-i', inventoryPath('mycluster'), '-o', 'mermaid').out,
    /^flowchart TB/,
  );
});

test('lint exits 0 with warnings only, 1 with errors, 2 for unreadable input', () => {
  assert.equal(kubeha('lint', '-i', inventoryPath('mycluster')).code, 0);
  const bad = kubeha('lint', '-i', inventoryPath('hybrid-port-trap'));
  assert.equal(bad.code, 1);
  assert.match(bad.out, /KH020/);
  const missing = kubeha('lint', '-i', join(tmp, 'nope.ini'));
  assert.equal(missing.code, 2);
  assert.equal(missing.err.trim().split('\n').length, 1, 'one line');
  assert.doesNotMatch(missing.err, /\n\s+at /, 'no stack trace');
  const json = kubeha('lint', '-i', inventoryPath('hybrid-port-trap'), '-o', 'json');
  assert.ok(JSON.parse(json.out).some((d: { id: string }) => d.id === 'KH051'));
});

test('an expression kubeha cannot evaluate is a one-line error naming variable, file and -e', () => {
  const dir = join(tmp, 'tmpl');
  mkdirSync(join(dir, 'group_vars', 'all'), { recursive: true });
  writeFileSync(join(dir, 'inventory.ini'), '[kube_control_plane]\ncp1 ip=10.0.0.1\n[etcd]\ncp1\n');
  writeFileSync(
    join(dir, 'group_vars', 'all', 'all.yml'),
    '# first line\nkube_apiserver_port: "{{ 6000 + 443 }}"\n',
  );
  const r = kubeha('plan', '-i', join(dir, 'inventory.ini'));
  assert.equal(r.code, 2);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.match(r.err, /all\.yml:2: kube_apiserver_port: "\{\{ 6000 \+ 443 \}\}"/);
  assert.match(r.err, /-e 'kube_apiserver_port=VALUE'/);
  // ... and -e fixes it
  const ok = kubeha('plan', '-i', join(dir, 'inventory.ini'), '-e', 'kube_apiserver_port=6443');
  assert.equal(ok.code, 0, ok.err);
  assert.equal(
    kubeha('plan', '-i', inventoryPath('mycluster'), '--kubespray-version', '1.9').code,
    2,
  );
  // the error and --help say the same: what is accepted, 2.32 as main
  const v = kubeha('plan', '-i', inventoryPath('mycluster'), '--kubespray-version', '9.9');
  assert.match(v.err, /use a release from 2\.23 to 2\.31, or main \(the unreleased 2\.32\)/);
  assert.match(
    kubeha('plan', '--help').out.replace(/\s+/g, ' '),
    /a release from 2\.23 to 2\.31, or main/,
  );
  assert.equal(
    kubeha('plan', '-i', inventoryPath('mycluster'), '--kubespray-version', '2.23').code,
    0,
  );
});

test('render writes files atomically, keeps identical ones and refuses to overwrite without --force', () => {
  const out = join(tmp, 'out');
  const inv = inventoryPath('mycluster');
  const first = kubeha('render', '-i', inv, '--out', out, '--kubespray-version', '2.30');
  assert.equal(first.code, 0, first.err);
  const conf = join(out, 'k8s-node4/etc/nginx/nginx.conf');
  assert.match(readFileSync(conf, 'utf8'), /server 192\.168\.10\.13:6443;/);
  JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
  const again = kubeha('render', '-i', inv, '--out', out, '--kubespray-version', '2.30');
  assert.equal(again.code, 0);
  assert.match(again.out, / 0 file\(s\) written/);
  writeFileSync(conf, 'edited by hand\n');
  const refused = kubeha('render', '-i', inv, '--out', out, '--kubespray-version', '2.30');
  assert.equal(refused.code, 1);
  assert.match(refused.err, /--force/);
  assert.equal(readFileSync(conf, 'utf8'), 'edited by hand\n', 'nothing overwritten');
  const forced = kubeha(
    'render',
    '-i',
    inv,
    '--out',
    out,
    '--kubespray-version',
    '2.30',
    '--force',
  );
  assert.equal(forced.code, 0);
  assert.match(readFileSync(conf, 'utf8'), /least_conn;/);
  const haproxy = kubeha('render', '-i', inv, '--out', join(tmp, 'h'), '--proxy', 'haproxy');
  assert.equal(haproxy.code, 0, haproxy.err);
  assert.match(
    readFileSync(join(tmp, 'h/k8s-node4/etc/haproxy/haproxy.cfg'), 'utf8'),
    /server k8s-node1 192\.168\.10\.11:6443 check check-ssl verify none/,
  );
  assert.equal(kubeha('render', '-i', inv, '--out', join(tmp, 'x'), '--proxy', 'envoy').code, 2);
});

test('render into a directory that cannot be made fails in one line, exit 2, without hanging', () => {
  const inv = inventoryPath('mycluster');
  // /proc refuses mkdir with ENOENT: libuv's recursive mkdir loops on that forever
  for (const out of ['/proc/kubeha-render-test', join(inv, 'not-a-dir')]) {
    const r = kubeha('render', '-i', inv, '--out', out);
    assert.equal(r.code, 2, `${out}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^kubeha: cannot write .*(ENOENT|ENOTDIR)/);
  }
});

test('a re-render names the files an earlier render left that this one does not write', () => {
  const out = join(tmp, 'stale');
  assert.equal(kubeha('render', '-i', inventoryPath('mycluster'), '--out', out).code, 0);
  const again = kubeha('render', '-i', inventoryPath('mycluster'), '--out', out);
  assert.equal(again.err, '', 'nothing stale after the same render');
  const other = kubeha('render', '-i', inventoryPath('centralized'), '--out', out, '--force');
  assert.equal(other.code, 0, other.err);
  assert.match(
    other.err,
    /^kubeha: warning: 2 file\(s\) under .* are not part of this render \(left from an earlier one\): .*nginx-proxy\.yml/,
  );
});
