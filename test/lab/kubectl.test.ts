/**
 * Real clients through kubeha proxy against the lab: kubectl's everyday commands
 * (which need discovery, server-side tables and watches) and @kubernetes/client-node's
 * list + watch (an informer).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  makeInformer,
  type V1Pod,
} from '@kubernetes/client-node';
import { labKubeconfig } from '../../src/lab/cluster.js';
import { httpsGet, waitFor } from './tls-client.js';
import { startRig, type Rig } from '../proxy/helpers.js';

const kubectl = '/usr/bin/kubectl';
const skip = !existsSync(kubectl) && 'kubectl not installed';
let rig: Rig;
let dir: string;
let kubeconfig: string;

before(async () => {
  // The example's control planes on their stand-in addresses, so nodes are k8s-node1..3.
  rig = await startRig({}, { leaseRenewMs: 200, leaderLeaseSeconds: 1 });
  dir = await mkdtemp(join(tmpdir(), 'kubeha-kubectl-lab-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    labKubeconfig(`https://127.0.0.1:${rig.port}`, rig.lab.ca.cert, rig.lab.adminClient),
  );
});
after(async () => {
  await rig.close();
  await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      kubectl,
      ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args],
      { timeout: 30_000, env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') } },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`kubectl ${args.join(' ')}: ${err.message}\n${stderr}`))
          : resolve(stdout),
    ),
  );
/** kubectl's table output as rows of cells (split on runs of two or more spaces). */
const table = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

test(
  'kubectl get nodes -o wide: the example cluster with its roles and addresses',
  { skip },
  async () => {
    const [header, ...rows] = table(await run('get', 'nodes', '-o', 'wide'));
    assert.deepEqual(header, [
      'NAME',
      'STATUS',
      'ROLES',
      'AGE',
      'VERSION',
      'INTERNAL-IP',
      'EXTERNAL-IP',
      'OS-IMAGE',
      'KERNEL-VERSION',
      'CONTAINER-RUNTIME',
    ]);
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[2], r[4], r[5]]),
      [
        ['k8s-node1', 'Ready', 'control-plane', 'v1.32.0', '127.0.10.11'],
        ['k8s-node2', 'Ready', 'control-plane', 'v1.32.0', '127.0.10.12'],
        ['k8s-node3', 'Ready', 'control-plane', 'v1.32.0', '127.0.10.13'],
        ['k8s-node4', 'Ready', '<none>', 'v1.32.0', '127.0.10.14'],
      ],
    );
  },
);

test(
  'kubectl get pods -A: control-plane static pods, the local proxy mirror pod, add-ons',
  { skip },
  async () => {
    const [header, ...rows] = table(await run('get', 'pods', '-A'));
    assert.deepEqual(header, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const names = rows.map((r) => r[1]);
    for (const n of [1, 2, 3]) {
      for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'])
        assert.ok(names.includes(`${c}-k8s-node${n}`), `${c}-k8s-node${n}`);
    }
    assert.ok(names.includes('nginx-proxy-k8s-node4'));
    assert.equal(names.filter((n) => n!.startsWith('kube-proxy-')).length, 4);
    assert.ok(rows.every((r) => r[0] === 'kube-system' && r[2] === '1/1' && r[3] === 'Running'));
    // A field selector as a kubelet's watch uses it.
    const onNode4 = table(
      await run('get', 'pods', '-n', 'kube-system', '--field-selector', 'spec.nodeName=k8s-node4'),
    ).slice(1);
    assert.deepEqual(
      onNode4.map((r) => r[0]!.replace(/-[bcdfghjklmnpqrstvwxz2456789]{5}$/, '')).sort(),
      [
        'kube-flannel',
        'kube-proxy',
        'nginx-proxy-k8s-node4',
        'nodelocaldns',
        'coredns-jb4gmng6j8',
        'coredns-jb4gmng6j8',
      ].sort(),
    );
  },
);

test(
  'kubectl get lease -n kube-system: leaders and one identity lease per API server',
  { skip },
  async () => {
    const [header, ...rows] = table(await run('get', 'lease', '-n', 'kube-system'));
    assert.deepEqual(header, ['NAME', 'HOLDER', 'AGE']);
    const byName = new Map(rows.map((r) => [r[0]!, r[1]!]));
    assert.match(byName.get('kube-controller-manager')!, /^k8s-node1_[0-9a-f-]{36}$/);
    assert.match(byName.get('kube-scheduler')!, /^k8s-node1_/);
    const identities = JSON.parse(
      await run(
        'get',
        'lease',
        '-n',
        'kube-system',
        '-l',
        'apiserver.kubernetes.io/identity=kube-apiserver',
        '-o',
        'json',
      ),
    ).items as {
      metadata: { name: string; labels: Record<string, string> };
      spec: { holderIdentity: string };
    }[];
    assert.deepEqual(identities.map((l) => l.metadata.labels['kubernetes.io/hostname']).sort(), [
      'k8s-node1',
      'k8s-node2',
      'k8s-node3',
    ]);
    for (const l of identities) assert.ok(l.spec.holderIdentity.startsWith(`${l.metadata.name}_`));
  },
);

test('kubectl get pods -w prints a pod going unready and back', { skip }, async () => {
  const child = spawn(
    kubectl,
    ['--kubeconfig', kubeconfig, 'get', 'pods', '-n', 'kube-system', '-w'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') },
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const lines = () => out.trim().split('\n');
  try {
    assert.ok(await waitFor(() => out.includes('nodelocaldns'), 15_000), out);
    const listed = lines().length;
    assert.equal(rig.lab.setPodReady('nginx-proxy-k8s-node4', false), true);
    assert.ok(
      await waitFor(
        () => /nginx-proxy-k8s-node4\s+0\/1\s+Running/.test(lines().slice(listed).join('\n')),
        15_000,
      ),
      out,
    );
    rig.lab.setPodReady('nginx-proxy-k8s-node4', true);
    assert.ok(
      await waitFor(
        () =>
          /nginx-proxy-k8s-node4\s+1\/1\s+Running/.test(
            lines()
              .slice(listed + 1)
              .join('\n'),
          ),
        15_000,
      ),
      out,
    );
    assert.equal(
      lines().filter((l) => l.startsWith('NAME')).length,
      1,
      'one header: the watch keeps the columns',
    );
  } finally {
    child.kill('SIGTERM');
  }
});

test('discovery: legacy documents, and aggregated when the Accept header asks', async () => {
  const t = { host: '127.0.0.1', port: rig.port, ca: rig.lab.ca.cert, ...rig.lab.adminClient };
  const apis = JSON.parse((await httpsGet({ ...t, path: '/apis' })).body);
  assert.equal(apis.kind, 'APIGroupList');
  assert.deepEqual(
    apis.groups.map((g: { name: string }) => g.name),
    ['discovery.k8s.io', 'coordination.k8s.io'],
  );
  const v1 = JSON.parse((await httpsGet({ ...t, path: '/api/v1' })).body);
  assert.equal(v1.kind, 'APIResourceList');
  assert.ok(
    v1.resources.some(
      (r: { name: string; verbs: string[] }) => r.name === 'pods' && r.verbs.includes('watch'),
    ),
  );
  const agg = await new Promise<{ type: string; body: string }>((resolve, reject) => {
    import('node:https').then(({ request }) => {
      const req = request(
        {
          host: t.host,
          port: t.port,
          path: '/apis',
          ca: t.ca,
          servername: 'localhost',
          headers: {
            accept:
              'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ type: String(res.headers['content-type']), body }));
        },
      );
      req.on('error', reject);
      req.end();
    }, reject);
  });
  assert.equal(agg.type, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const list = JSON.parse(agg.body);
  assert.equal(list.kind, 'APIGroupDiscoveryList');
  const leases = list.items.find(
    (i: { metadata: { name: string } }) => i.metadata.name === 'coordination.k8s.io',
  );
  assert.equal(leases.versions[0].resources[0].resource, 'leases');
  assert.equal(leases.versions[0].resources[0].scope, 'Namespaced');
});

test('@kubernetes/client-node: typed lists and an informer (list, then watch) through the proxy', async () => {
  const kc = new KubeConfig();
  kc.loadFromString(
    labKubeconfig(`https://127.0.0.1:${rig.port}`, rig.lab.ca.cert, rig.lab.adminClient),
  );
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = await core.listNode();
  assert.deepEqual(
    nodes.items.map((n) => n.metadata?.name),
    ['k8s-node1', 'k8s-node2', 'k8s-node3', 'k8s-node4'],
  );
  const slices = await kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({
    namespace: 'default',
    labelSelector: 'kubernetes.io/service-name=kubernetes',
  });
  assert.equal(slices.items.flatMap((s) => s.endpoints).length, 3);
  const leases = await kc
    .makeApiClient(CoordinationV1Api)
    .listNamespacedLease({ namespace: 'kube-system' });
  assert.equal(leases.items.length, 5);
  const cm = await core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' });
  assert.match(cm.data!['kubeconfig.conf']!, /server: https:\/\/127\.0\.0\.1:6443/);

  const informer = makeInformer(kc, '/api/v1/namespaces/kube-system/pods', () =>
    core.listNamespacedPod({ namespace: 'kube-system' }),
  );
  const updates: V1Pod[] = [];
  informer.on('update', (p) => updates.push(p));
  await informer.start();
  try {
    assert.ok(informer.list().length >= 20);
    rig.lab.setPodReady('nginx-proxy-k8s-node4', false);
    assert.ok(
      await waitFor(
        () =>
          updates.some(
            (p) =>
              p.metadata?.name === 'nginx-proxy-k8s-node4' &&
              p.status?.containerStatuses?.[0]?.ready === false,
          ),
        10_000,
      ),
    );
    const cached = informer.list().find((p) => p.metadata?.name === 'nginx-proxy-k8s-node4');
    assert.equal(cached?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  } finally {
    await informer.stop();
    rig.lab.setPodReady('nginx-proxy-k8s-node4', true);
  }
});
