import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubehaCli } from '../helpers/kubeha-cli.js';
import { EXPECTED, FIXTURES, inventoryPath } from './planner-fixtures.js';

/**
 * Gathered facts (`--facts`) against Kubespray's roles run under Ansible with the
 * same facts (test/fixtures/planner/generate/: ansible-host-facts has a jsonfile
 * fact cache; ansible-host-only has none, so both sides stand ansible_host in).
 */
const VERSION = '2.32';
const ONLY = inventoryPath('ansible-host-only');
const WITH_FACTS = inventoryPath('ansible-host-facts');
const CACHE = join(FIXTURES, 'inventories', 'ansible-host-facts', 'facts');

function expectedConf(name: string, host: string): string {
  return readFileSync(join(EXPECTED, VERSION, name, host, 'nginx.conf'), 'utf8');
}

test('without facts the render uses ansible_host addresses, as Kubespray with ansible_host standing in, and warns once', () => {
  const out = mkdtempSync(join(tmpdir(), 'kubeha-facts-'));
  try {
    const r = kubehaCli('render', '--kubespray-version', VERSION, '-i', ONLY, '--out', out);
    assert.equal(r.code, 0, r.err);
    const conf = readFileSync(join(out, 'w1', 'etc/nginx/nginx.conf'), 'utf8');
    assert.equal(conf, expectedConf('ansible-host-only', 'w1'));
    assert.match(
      conf,
      /server 10\.5\.0\.11:6443;\n\s+server cp2\.lab\.example:6443;\n\s+server cp3:6443;/,
    );
    assert.doesNotMatch(conf, /127\.0\.0\.1:6443;\n\s+server/);
    const warnings = r.err.split('\n').filter((l) => l.includes('KH010'));
    assert.equal(warnings.length, 1, r.err);
    for (const h of [
      'cp1 10.5.0.11',
      'cp2 cp2.lab.example',
      'cp3 cp3',
      'w1 10.5.0.21',
      'w2 10.5.0.22',
    ]) {
      assert.ok(warnings[0]!.includes(h), `${h} in ${warnings[0]}`);
    }
    assert.match(r.err, /fix: set ip= .*--facts DIR/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

for (const [how, args] of [
  ['--facts DIR', ['-i', ONLY, '--facts', CACHE]],
  ['an ansible.cfg beside the inventory', ['-i', WITH_FACTS]],
] as const) {
  test(`with the fact cache (${how}) ansible_default_ipv4.address wins, as in Kubespray under Ansible`, () => {
    const out = mkdtempSync(join(tmpdir(), 'kubeha-facts-'));
    try {
      const r = kubehaCli('render', '--kubespray-version', VERSION, '--out', out, ...args);
      assert.equal(r.code, 0, r.err);
      for (const host of ['w1', 'w2']) {
        const conf = readFileSync(join(out, host, 'etc/nginx/nginx.conf'), 'utf8');
        assert.equal(conf, expectedConf('ansible-host-facts', host), host);
        assert.match(
          conf,
          /server 10\.6\.0\.11:6443;\n\s+server 10\.6\.0\.12:6443;\n\s+server 10\.6\.0\.13:6443;/,
        );
      }
      // only w2 has no facts: the warning names it alone
      const warn = r.err.split('\n').find((l) => l.includes('KH010')) ?? '';
      assert.match(warn, /for 1 host\(s\).*\(w2 10\.5\.0\.22\)/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}

test('`ansible -m setup --tree DIR` files read as the jsonfile cache does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-tree-'));
  try {
    for (const f of readdirSync(CACHE)) {
      const facts = JSON.parse(readFileSync(join(CACHE, f), 'utf8'));
      writeFileSync(join(dir, f), JSON.stringify({ ansible_facts: facts, changed: false }));
    }
    const tree = kubehaCli('plan', '-o', 'json', '-i', ONLY, '--facts', dir);
    const cache = kubehaCli('plan', '-o', 'json', '-i', ONLY, '--facts', CACHE);
    assert.equal(tree.code, 0, tree.err);
    const a = JSON.parse(tree.out);
    const b = JSON.parse(cache.out);
    assert.deepEqual(a.hosts, b.hosts);
    assert.deepEqual(a.facts.hosts, ['cp1', 'cp2', 'cp3', 'w1']);
    assert.equal(a.hosts.find((h: { name: string }) => h.name === 'cp2').mainIpSource, 'facts');
    // the gathered default address and hostnames go into the API server certificate
    assert.ok(
      b.certificateSans.includes('10.6.0.12') && b.certificateSans.includes('cp2.lab.example'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('control planes without a default address: lint error KH013 and render writes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-loop-'));
  try {
    const facts = join(dir, 'facts');
    mkdirSync(facts);
    for (const h of ['cp1', 'cp2', 'cp3']) {
      writeFileSync(
        join(facts, h),
        JSON.stringify({ ansible_default_ipv4: {}, ansible_default_ipv6: {} }),
      );
    }
    const lint = kubehaCli('lint', '-i', ONLY, '--facts', facts);
    assert.equal(lint.code, 1, lint.out);
    assert.match(
      lint.out,
      /error +KH013 .*cp1 \(127\.0\.0\.1, from fallback\).*3 identical upstreams/,
    );
    assert.match(lint.out, /fix: set ip= on the control planes named, or pass --facts DIR/);
    const out = join(dir, 'out');
    const r = kubehaCli('render', '-i', ONLY, '--facts', facts, '--out', out);
    assert.equal(r.code, 2);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^kubeha: nothing written: control plane address is a loopback/);
    assert.throws(() => readdirSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreadable fact cache or fact file is a one-line error, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-badfacts-'));
  try {
    const missing = kubehaCli('plan', '-i', ONLY, '--facts', join(dir, 'nope'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^kubeha: cannot read the fact cache .*nope: ENOENT/);
    writeFileSync(join(dir, 'cp1'), '{\n  "ansible_default_ipv4": {\n  oops\n}\n');
    const bad = kubehaCli('plan', '-i', ONLY, '--facts', dir);
    assert.equal(bad.code, 2);
    assert.equal(bad.err.trim().split('\n').length, 1, bad.err);
    assert.match(bad.err, /^kubeha: .*cp1:3: not a fact file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
