/**
 * `kubeha check --kubeconfig` against the lab standing in for the example cluster:
 * the inventory is examples/mycluster's, moved to the lab's loopback addresses
 * (127.0.10.11-14) and port, so that `-i` compares a plan with the cluster it
 * describes, and check never sends a packet off loopback.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKubeconfig, startLabCluster, type LabCluster } from '../../src/lab/cluster.js';
import { topologyFromPlan } from '../../src/lab/topology.js';
import { planFromSources } from '../../src/plan/index.js';
import { kubehaCliAsync } from '../helpers/kubeha-cli.js';
import { freePort } from '../proxy/helpers.js';

const HOSTS = ['127.0.10.11', '127.0.10.12', '127.0.10.13'];
let lab: LabCluster;
let dir: string;
let port: number;
let kubeconfig: string;
let inventory: string;

const ini = (extraControlPlane = '') =>
  [
    '[kube_control_plane]',
    ...HOSTS.map(
      (ip, i) => `k8s-node${i + 1} ansible_host=${ip} ip=${ip} etcd_member_name=etcd${i + 1}`,
    ),
    extraControlPlane,
    '[etcd:children]',
    'kube_control_plane',
    '[kube_node]',
    'k8s-node4 ansible_host=127.0.10.14 ip=127.0.10.14',
    '',
  ].join('\n');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeha-check-cluster-'));
  port = await freePort('127.0.10.11');
  inventory = join(dir, 'inventory.ini');
  await writeFile(inventory, ini());
  const plan = await planFromSources([inventory], { extraVars: [`kube_apiserver_port=${port}`] });
  lab = await startLabCluster({ hosts: HOSTS, port, topology: topologyFromPlan(plan) });
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, labKubeconfig(lab.servers[0]!.url, lab.ca.cert, lab.adminClient));
});
after(async () => {
  await lab.close();
  await rm(dir, { recursive: true, force: true });
});

interface Report {
  ok: boolean;
  summary: Record<string, number>;
  verdicts: { status: string; check: string; subject: string; message: string }[];
}
const check = async (...more: string[]) => {
  const r = await kubehaCliAsync(
    'check',
    '--kubeconfig',
    kubeconfig,
    '-o',
    'json',
    '--timeout',
    '2000',
    ...more,
  );
  return { code: r.code, report: JSON.parse(r.out || '{}') as Report, raw: r.out + r.err };
};
const withPlan = (inv = inventory, version = '1.32.0') => [
  '-i',
  inv,
  '-e',
  `kube_apiserver_port=${port}`,
  '-e',
  `kube_version=${version}`,
];
const failures = (r: Report) =>
  r.verdicts.filter((v) => v.status === 'fail').map((v) => `${v.check} ${v.subject}: ${v.message}`);

test('a healthy lab passes, with and without the plan', async () => {
  const bare = await check();
  assert.equal(bare.code, 0, bare.raw);
  const r = bare.report;
  const apiservers = r.verdicts.filter((v) => v.check === 'apiserver');
  assert.deepEqual(
    apiservers.map((v) => v.subject),
    HOSTS.map((h) => `${h}:${port}`),
  );
  for (const v of apiservers) assert.match(v.message, /^v1\.32\.0-kubeha-lab, \/readyz ok/);
  const leaders = r.verdicts.filter((v) => v.check === 'leader-lease');
  assert.deepEqual(
    leaders.map((v) => v.message.replace(/\d+s ago/, 'Ns ago')),
    ['leader k8s-node1, renewed Ns ago', 'leader k8s-node1, renewed Ns ago'],
  );
  assert.equal(
    r.verdicts.filter((v) => v.check === 'identity-lease' && v.status === 'pass').length,
    3,
  );
  assert.equal(r.verdicts.filter((v) => v.check === 'node' && v.status === 'pass').length, 4);
  assert.deepEqual(
    r.verdicts.filter((v) => v.check === 'proxy-pod').map((v) => `${v.subject} ${v.message}`),
    ['k8s-node4 nginx-proxy-k8s-node4 (nginx) ready'],
  );
  const planned = await check(...withPlan());
  assert.equal(planned.code, 0, planned.raw);
  assert.ok(
    planned.report.verdicts.some(
      (v) => v.check === 'drift' && v.message === 'the cluster matches the plan',
    ),
  );
});

test('an unready, a dead server and an unready proxy pod fail with their reasons', async () => {
  lab.servers[1]!.unready(['etcd', 'informer-sync']);
  await lab.servers[2]!.die();
  lab.setPodReady('nginx-proxy-k8s-node4', false);
  try {
    const r = await check();
    assert.equal(r.code, 1, r.raw);
    assert.equal(r.report.ok, false);
    assert.deepEqual(failures(r.report), [
      `apiserver 127.0.10.12:${port}: v1.32.0-kubeha-lab, /readyz failing: etcd, informer-sync`,
      `apiserver 127.0.10.13:${port}: unreachable: connection refused`,
      'proxy-pod k8s-node4: nginx-proxy-k8s-node4 (nginx) not ready',
    ]);
    assert.equal(r.report.summary.fail, 3);
  } finally {
    lab.servers[1]!.ready();
    await lab.servers[2]!.resume();
    lab.setPodReady('nginx-proxy-k8s-node4', true);
  }
  assert.equal((await check()).code, 0);
});

test('the plan and the lab disagree: a control plane missing, another version', async () => {
  const five = join(dir, 'five.ini');
  await writeFile(
    five,
    ini('k8s-node5 ansible_host=127.0.10.15 ip=127.0.10.15 etcd_member_name=etcd5'),
  );
  const r = await check(...withPlan(five, '1.33.1'));
  assert.equal(r.code, 1, r.raw);
  const f = failures(r.report);
  assert.ok(
    f.includes(`apiserver 127.0.10.15:${port}: unreachable (inventory only): connection refused`),
    f.join('\n'),
  );
  assert.ok(f.includes('drift k8s-node5: a control plane in the plan, not in the cluster'));
  assert.ok(
    f.includes(
      `drift 127.0.10.15:${port}: k8s-node5's API server is in the plan, not in default/kubernetes`,
    ),
  );
  assert.ok(
    f.includes(`drift 127.0.10.11:${port}: API server v1.32.0-kubeha-lab, kube_version is 1.33.1`),
  );
  assert.ok(f.includes('drift k8s-node4: kubelet v1.32.0, kube_version is 1.33.1'));
  // The text form: one verdict per line, the summary last.
  const text = await kubehaCliAsync(
    'check',
    '--kubeconfig',
    kubeconfig,
    ...withPlan(five, '1.33.1'),
  );
  assert.equal(text.code, 1);
  assert.match(
    text.out,
    /^FAIL {2}drift +k8s-node5 +a control plane in the plan, not in the cluster$/m,
  );
  assert.match(
    text.out.trim().split('\n').at(-1)!,
    /^PROBLEMS: \d+ passed, \d+ warnings, \d+ failed, \d+ skipped$/,
  );
});
