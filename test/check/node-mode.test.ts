import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHaproxyCfg, parseKubehaConfig, parseNginxConf } from '../../src/check/node-files.js';
import { REPO_ROOT } from '../helpers/ansible.js';
import { kubehaCli, kubehaCliAsync } from '../helpers/kubeha-cli.js';
import { startRig } from '../proxy/helpers.js';

const NODES = join(REPO_ROOT, 'test/fixtures/check/nodes');
const EXAMPLE = join(REPO_ROOT, 'examples/mycluster/inventory.ini');
const check = (node: string, ...more: string[]) =>
  kubehaCli('check', '--node', '--root', join(NODES, node), '--no-probes', '-o', 'json', ...more);
interface Report {
  mode: string;
  ok: boolean;
  summary: Record<string, number>;
  verdicts: { status: string; check: string; subject: string; message: string; fix?: string }[];
}
const parse = (out: string) => JSON.parse(out) as Report;

test("node mode on the example's k8s-node1: every kubeconfig names its own API server, as planned", () => {
  const r = check('k8s-node1', '-i', EXAMPLE);
  assert.equal(r.code, 0, r.out + r.err);
  const rep = parse(r.out);
  assert.equal(rep.mode, 'node');
  assert.equal(rep.ok, true);
  const kubeconfigs = rep.verdicts.filter((v) => v.check === 'kubeconfig' && v.status === 'pass');
  assert.equal(kubeconfigs.length, 5);
  for (const v of kubeconfigs) assert.equal(v.message, 'https://192.168.10.11:6443, as planned');
});

test("node mode on the example's k8s-node4: kubelet through localhost, nginx to the three control planes, rlimit fits", () => {
  const r = check('k8s-node4', '-i', EXAMPLE);
  assert.equal(r.code, 0, r.out + r.err);
  const by = (c: string) => parse(r.out).verdicts.filter((v) => v.check === c);
  assert.equal(
    by('kubeconfig').find((v) => v.status === 'pass')?.message,
    'https://localhost:6443, as planned',
  );
  assert.equal(
    by('local-proxy')[0]!.message,
    'nginx: 127.0.0.1:6443 -> 192.168.10.11:6443, 192.168.10.12:6443, 192.168.10.13:6443',
  );
  assert.equal(by('rlimit')[0]!.status, 'pass');
  // Text output: one verdict per line and a summary.
  const text = kubehaCli('check', '--node', '--root', join(NODES, 'k8s-node4'), '--no-probes');
  assert.equal(text.code, 0);
  const lines = text.out.trim().split('\n');
  assert.ok(
    lines.slice(0, -1).every((l) => /^(PASS|WARN|FAIL|SKIP) {2}/.test(l)),
    text.out,
  );
  assert.match(lines.at(-1)!, /^OK: \d+ passed, 0 warnings, 0 failed, \d+ skipped$/);
});

test('node mode: worker_rlimit_nofile above containerd’s RLIMIT_NOFILE is the setrlimit trouble, with its fix', () => {
  const r = check('k8s-node4-rlimit');
  assert.equal(r.code, 1, r.out + r.err);
  const v = parse(r.out).verdicts.find((x) => x.check === 'rlimit')!;
  assert.equal(v.status, 'fail');
  assert.match(v.message, /^130048 > containerd's RLIMIT_NOFILE hard limit 65535/);
  assert.match(
    v.message,
    /setrlimit\(RLIMIT_NOFILE, 130048\) failed \(1: Operation not permitted\)/,
  );
  assert.match(v.fix!, /containerd_default_base_runtime_spec_patch/);
  // Kubespray from PR #13255 on writes 65535: the same node is then fine.
  const text = kubehaCli(
    'check',
    '--node',
    '--root',
    join(NODES, 'k8s-node4-rlimit'),
    '--no-probes',
  );
  assert.match(
    text.out,
    /^FAIL {2}rlimit .*\(fix: set containerd_default_base_runtime_spec_patch/m,
  );
});

test('node mode finds drift from the plan: a stale upstream, a kubelet pinned to one server, a wrong host', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kubeha-check-node-'));
  try {
    await cp(join(NODES, 'k8s-node4'), root, { recursive: true });
    const edit = async (file: string, from: string, to: string) =>
      writeFile(join(root, file), (await readFile(join(root, file), 'utf8')).replace(from, to));
    // A control plane removed from the inventory but left in nginx.conf (Kubespray #12102).
    await edit(
      'etc/nginx/nginx.conf',
      'server 192.168.10.13:6443;',
      'server 192.168.10.13:6443;\n    server 192.168.10.15:6443;',
    );
    await edit(
      'etc/kubernetes/kubelet.conf',
      'https://localhost:6443',
      'https://192.168.10.11:6443',
    );
    const r = kubehaCli(
      'check',
      '--node',
      '--root',
      root,
      '--no-probes',
      '-o',
      'json',
      '-i',
      EXAMPLE,
    );
    assert.equal(r.code, 1, r.out + r.err);
    const fails = parse(r.out).verdicts.filter((v) => v.status === 'fail');
    assert.deepEqual(
      fails.map((v) => `${v.subject}: ${v.message}`),
      [
        '/etc/kubernetes/kubelet.conf: https://192.168.10.11:6443, the plan says https://localhost:6443',
        '192.168.10.15:6443: an upstream the plan does not have (a removed control plane?)',
      ],
    );
    // Without a plan the pinned kubelet is a warning, not a failure.
    const bare = parse(
      kubehaCli('check', '--node', '--root', root, '--no-probes', '-o', 'json').out,
    );
    assert.match(
      bare.verdicts.find((v) => v.status === 'warn')!.message,
      /bypasses the local nginx/,
    );
    const other = kubehaCli(
      'check',
      '--node',
      '--root',
      root,
      '--no-probes',
      '--host',
      'k8s-node9',
      '-i',
      EXAMPLE,
    );
    assert.equal(other.code, 1);
    assert.match(other.out, /^FAIL {2}host +k8s-node9 +not a host of the plan/m);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('node mode probes the local API-server endpoint and the health listener (a live kubeha proxy before the lab)', async () => {
  const rig = await startRig();
  const root = await mkdtemp(join(tmpdir(), 'kubeha-check-live-'));
  try {
    await cp(join(NODES, 'k8s-node4'), root, { recursive: true });
    // The kubelet's CA and client certificate where kubelet.conf says they are.
    await mkdir(join(root, 'etc/kubernetes/ssl'), { recursive: true });
    await writeFile(join(root, 'etc/kubernetes/ssl/ca.crt'), rig.lab.ca.cert);
    await mkdir(join(root, 'var/lib/kubelet/pki'), { recursive: true });
    await writeFile(
      join(root, 'var/lib/kubelet/pki/kubelet-client-current.pem'),
      rig.lab.kubeletClient.cert + rig.lab.kubeletClient.key,
    );
    const run = (...more: string[]) =>
      kubehaCliAsync('check', '--node', '--root', root, '-o', 'json', '--timeout', '2000', ...more);
    const ok = await run(
      '--local-apiserver',
      `https://127.0.0.1:${rig.port}`,
      '--health-url',
      `http://127.0.0.1:${rig.adminPort}/readyz`,
    );
    assert.equal(ok.code, 0, ok.out + ok.err);
    const probes = parse(ok.out).verdicts.filter((v) => v.check === 'probe');
    assert.equal(probes.length, 2);
    assert.match(probes[0]!.message, /^v1\.32\.0-kubeha-lab \(\d+ ms\)$/);
    assert.match(probes[1]!.message, /^healthy/);
    // Nothing listens: both probes fail, named.
    await rig.daemon.stop(100);
    const down = await run(
      '--local-apiserver',
      `https://127.0.0.1:${rig.port}`,
      '--health-url',
      `http://127.0.0.1:${rig.adminPort}/readyz`,
    );
    assert.equal(down.code, 1);
    const failed = parse(down.out).verdicts.filter((v) => v.status === 'fail');
    assert.deepEqual(
      failed.map((v) => v.message),
      ['connection refused', 'connection refused'],
    );
  } finally {
    await rig.lab.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('unusable input exits 2 with one line', () => {
  for (const args of [
    ['check'],
    ['check', '--node', '--root', '/nonexistent-kubeha-root'],
    ['check', '--kubeconfig', '/nonexistent-kubeconfig'],
    ['check', '--node', '-o', 'yaml'],
  ]) {
    const r = kubehaCli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^kubeha: /);
  }
});

test("parsers read Kubespray's haproxy.cfg and kubeha's proxy.yaml", async () => {
  const cfg = await readFile(
    join(REPO_ROOT, 'test/fixtures/planner/expected/2.31/haproxy-type/w1/haproxy.cfg'),
    'utf8',
  );
  const h = parseHaproxyCfg(cfg, '/etc/haproxy/haproxy.cfg');
  assert.deepEqual(h.listen, ['127.0.0.1:6443']);
  assert.deepEqual(h.upstreams, ['10.1.0.11:6443', '10.1.0.12:6443', '10.1.0.13:6443']);
  assert.equal(h.healthUrl, 'http://127.0.0.1:8081/healthz');
  const k = parseKubehaConfig(
    'listen: 127.0.0.1:6443\nupstreams: [a:1, b:1]\nadmin: 127.0.0.1:9000\n',
    'p',
  );
  assert.deepEqual(
    [k.listen, k.upstreams, k.healthUrl],
    [['127.0.0.1:6443'], ['a:1', 'b:1'], 'http://127.0.0.1:9000/readyz'],
  );
  const n = parseNginxConf(
    'worker_rlimit_nofile 65535;\nstream {\n upstream u {\n  server [fd00::1]:6443 max_fails=1;\n }\n server {\n  listen [::1]:6443;\n }\n}\nhttp {\n server {\n  listen 8082;\n }\n}\n',
    'n',
  );
  assert.deepEqual(
    [n.upstreams, n.listen, n.healthUrl, n.rlimitNofile],
    [['[fd00::1]:6443'], ['[::1]:6443'], 'http://127.0.0.1:8082/healthz', 65535],
  );
});
