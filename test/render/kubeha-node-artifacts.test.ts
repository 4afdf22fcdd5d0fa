import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { startLabCluster } from '../../src/lab/cluster.js';
import { KUBEHA_RESOURCES, KUBELET_CLIENT_PEM } from '../../src/render/kubeha-proxy.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { parseImageRef } from '../../src/shared/image-ref.js';
import { kubehaVersion } from '../../src/shared/package-version.js';
import { freePort } from '../proxy/helpers.js';
import { inventoryPath, planFor, ROOT } from '../plan/planner-fixtures.js';
import { validatePod, validateRbac } from './k8s-schema.js';
import { kubehaCli } from '../helpers/kubeha-cli.js';

/** What `render --proxy kubeha` puts on a node: static pod, proxy.yaml, systemd unit. */
const tmp = mkdtempSync(join(tmpdir(), 'kubeha-node-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const BIN = join(ROOT, 'bin/kubeha');

const kubeha = kubehaCli;

const fileOf = (files: { path: string; content: string }[], suffix: string) =>
  files.find((f) => f.path.endsWith(suffix))!.content;

test('the static pod is a valid v1 Pod (Kubernetes OpenAPI schema, offline), the check is strict', async () => {
  for (const name of ['mycluster', 'kubeha-type', 'dual-stack', 'ipv6-only']) {
    const files = renderPlan(await planFor(name, '2.31'), { proxy: 'kubeha' });
    const pods = files.filter((f) => f.path.endsWith('/kubeha-proxy.yml'));
    assert.ok(pods.length > 0, name);
    for (const f of pods) validatePod(parse(f.content));
  }
  const pod = parse(
    fileOf(
      renderPlan(await planFor('mycluster', '2.31'), { proxy: 'kubeha' }),
      '/kubeha-proxy.yml',
    ),
  );
  const broken = structuredClone(pod);
  broken.spec.volumes[0].hostpath = broken.spec.volumes[0].hostPath;
  assert.throws(() => validatePod(broken), /unknown fields: \.spec\.volumes\[0\]\.hostpath/);
  const badQuantity = structuredClone(pod);
  badQuantity.spec.containers[0].resources.limits.memory = '96 MiB';
  assert.throws(() => validatePod(badQuantity), /quantity/);
});

test('the pod mounts config, CA and kubelet certificate read-only, state read-write; resources from one constant', async () => {
  const plan = await planFor('mycluster', '2.31', ['kube_cert_dir=/srv/pki']);
  const files = renderPlan(plan, { proxy: 'kubeha' });
  const pod = parse(fileOf(files, '/kubeha-proxy.yml'));
  const c = pod.spec.containers[0];
  const mounts = Object.fromEntries(
    c.volumeMounts.map((m: { name: string; mountPath: string; readOnly?: boolean }) => [
      m.mountPath,
      m.readOnly === true,
    ]),
  );
  assert.deepEqual(mounts, {
    '/etc/kubeha': true,
    '/srv/pki/ca.crt': true,
    '/etc/kubernetes': true,
    '/var/lib/kubelet/pki': true,
    '/var/lib/kubeha': false,
  });
  const types = Object.fromEntries(
    pod.spec.volumes.map((v: { hostPath: { path: string; type: string } }) => [
      v.hostPath.path,
      v.hostPath.type,
    ]),
  );
  assert.deepEqual(types, {
    '/etc/kubeha': 'Directory',
    '/srv/pki/ca.crt': 'File',
    '/etc/kubernetes': 'Directory',
    '/var/lib/kubelet/pki': 'Directory',
    '/var/lib/kubeha': 'DirectoryOrCreate',
  });
  assert.deepEqual(c.resources, KUBEHA_RESOURCES);
  assert.deepEqual(c.resources.requests, { cpu: '25m', memory: '80Mi' });
  assert.deepEqual(c.resources.limits, { memory: '256Mi' });
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  // startup covers bindRetry (60s) before liveness may restart the container
  assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold > 60);

  const config = parse(fileOf(files, '/etc/kubeha/proxy.yaml'));
  assert.equal(config.healthCheck.caFile, '/srv/pki/ca.crt');
  assert.equal(config.healthCheck.certFile, KUBELET_CLIENT_PEM);
  assert.equal(config.healthCheck.keyFile, KUBELET_CLIENT_PEM);
  assert.equal(config.bindRetry, '60s');
  assert.deepEqual(Object.keys(config).slice(0, 2), ['listen', 'bindRetry']);
  assert.deepEqual(config.discovery, {
    kubernetesEndpoints: true,
    kubeconfig: '/etc/kubernetes/kubelet.conf',
  });
  assert.equal(config.stateDir, '/var/lib/kubeha');
  assert.equal((mounts as Record<string, boolean>)[config.stateDir], false, 'state is writable');
  // every file the config names is inside a mount, at the same path as on the host
  for (const p of [
    config.healthCheck.caFile,
    config.healthCheck.certFile,
    config.discovery.kubeconfig,
  ]) {
    assert.ok(
      Object.keys(mounts).some((m) => p === m || p.startsWith(`${m}/`)),
      `${p} is mounted`,
    );
  }
  assert.deepEqual(c.command, ['kubeha', 'proxy', '--config', '/etc/kubeha/proxy.yaml']);
});

test('the RBAC discovery needs: one file per cluster, valid rbac/v1, read of default/kubernetes only, for system:nodes', async () => {
  const files = renderPlan(await planFor('mycluster', '2.31'), { proxy: 'kubeha' });
  const rbac = files.filter((f) => f.path.includes('rbac'));
  assert.deepEqual(
    rbac.map((f) => f.path),
    ['cluster/kubeha-discovery-rbac.yml'],
  );
  const docs = parseAllDocuments(rbac[0]!.content).map((d) => d.toJS());
  validateRbac(docs);
  const [role, binding] = docs;
  assert.equal(role.kind, 'ClusterRole');
  for (const rule of role.rules) {
    assert.deepEqual(rule.verbs, ['get', 'list', 'watch']);
    assert.deepEqual(rule.resourceNames, ['kubernetes']);
  }
  assert.deepEqual(
    role.rules.map(
      (r: { apiGroups: string[]; resources: string[] }) => `${r.apiGroups}/${r.resources}`,
    ),
    ['discovery.k8s.io/endpointslices', '/endpoints'],
  );
  assert.equal(binding.kind, 'RoleBinding');
  assert.equal(binding.metadata.namespace, 'default');
  assert.deepEqual(binding.subjects, [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' },
  ]);
  assert.equal(binding.roleRef.name, role.metadata.name);
  assert.throws(
    () => validateRbac([{ ...role, rules: [{ ...role.rules[0], verb: ['get'] }] }]),
    /unknown fields/,
  );
  // nginx-proxy keeps Kubespray's files only: no kubeha grant
  const nginx = renderPlan(await planFor('mycluster', '2.31'));
  assert.ok(!nginx.some((f) => f.path.includes('rbac')));
});

test('the image: default repo and version, inventory variables in Kubespray style, --image', async () => {
  const image = async (extra: string[], opts: { image?: string } = {}) =>
    parse(
      fileOf(
        renderPlan(await planFor('mycluster', '2.31', extra), { proxy: 'kubeha', ...opts }),
        '/kubeha-proxy.yml',
      ),
    ).spec.containers[0].image;
  assert.equal(await image([]), `ghcr.io/kubeha/kubeha:${kubehaVersion()}`);
  assert.equal(
    await image(['github_image_repo=mirror.local:5000']),
    `mirror.local:5000/kubeha/kubeha:${kubehaVersion()}`,
  );
  assert.equal(
    await image(['kubeha_image_repo=registry.local/ops/kubeha', 'kubeha_image_tag=0.2.0-rc.1']),
    'registry.local/ops/kubeha:0.2.0-rc.1',
  );
  assert.equal(
    await image(['kubeha_image_tag=0.9.0'], { image: 'localhost/kubeha:dev' }),
    'localhost/kubeha:dev',
  );
  for (const good of [
    'kubeha',
    'localhost/kubeha:0.1.0',
    'registry.local:5000/a/b_c/d-e:v1.2',
    '[fd00::1]:5000/kubeha@sha256:' + 'a'.repeat(64),
  ]) {
    assert.ok(!('error' in parseImageRef(good)), good);
  }
  for (const bad of [
    '',
    'kubeha/Kubeha:1',
    'kubeha:1 2',
    'kubeha:-x',
    'a//b',
    'kubeha@sha256:12',
  ]) {
    assert.ok('error' in parseImageRef(bad), JSON.stringify(bad));
  }
});

test('an invalid image is a one-line error, exit 2, and nothing is written', () => {
  const out = join(tmp, 'bad-image');
  const flag = kubeha(
    'render',
    '-i',
    inventoryPath('mycluster'),
    '--proxy',
    'kubeha',
    '--out',
    out,
    '--image',
    'Ghcr.io/Kubeha:1',
  );
  assert.equal(flag.code, 2);
  assert.match(
    flag.err,
    /^kubeha: --image "Ghcr\.io\/Kubeha:1": repository names must be lowercase \(give /,
  );
  assert.equal(flag.err.trim().split('\n').length, 1);
  assert.ok(!existsSync(out), 'nothing written');

  const inv = join(tmp, 'inv-bad-tag');
  mkdirSync(join(inv, 'group_vars', 'all'), { recursive: true });
  writeFileSync(join(inv, 'inventory.ini'), readFileSync(inventoryPath('mycluster'), 'utf8'));
  writeFileSync(
    join(inv, 'group_vars', 'all', 'kubeha.yml'),
    'loadbalancer_apiserver_type: kubeha\nkubeha_image_tag: "0.1 beta"\n',
  );
  const vars = kubeha('render', '-i', join(inv, 'inventory.ini'), '--out', out);
  assert.equal(vars.code, 2);
  assert.equal(vars.err.trim().split('\n').length, 1, vars.err);
  assert.match(
    vars.err,
    /group_vars\/all\/kubeha\.yml:2: invalid kubeha image ".*:0\.1 beta": it contains white space/,
  );
  assert.ok(!existsSync(out), 'nothing written');
});

test('systemd-analyze verify accepts the unit as rendered, and rejects a broken one', () => {
  const out = join(tmp, 'unit');
  // bin_dir pointed at this checkout, so ExecStart names a kubeha that exists
  const r = kubeha(
    'render',
    '-i',
    inventoryPath('kubeha-type'),
    '--out',
    out,
    '-e',
    `bin_dir=${join(ROOT, 'bin')}`,
  );
  assert.equal(r.code, 0, r.err);
  const unit = join(out, 'w1/etc/systemd/system/kubeha-proxy.service');
  const text = readFileSync(unit, 'utf8');
  assert.match(
    text,
    new RegExp(
      `^ExecStart=${join(ROOT, 'bin')}/kubeha proxy --config /etc/kubeha/proxy\\.yaml$`,
      'm',
    ),
  );
  for (const line of [
    'CapabilityBoundingSet=',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'Restart=always',
    'MemoryMax=256M',
    'StateDirectory=kubeha',
  ]) {
    assert.match(text, new RegExp(`^${line}$`, 'm'));
  }
  const verify = (file: string) =>
    spawnSync('systemd-analyze', ['verify', '--man=no', file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
  const ok = verify(unit);
  // verify exits 0 on unknown keys and bad values too: only silence means clean
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  const bad = join(tmp, 'kubeha-bad.service');
  writeFileSync(bad, text.replace('ProtectSystem=strict', 'ProtectSystem=strickt'));
  assert.match(verify(bad).stderr, /Failed to parse protect system value/);
});

test('kubeha proxy --check-config accepts the rendered proxy.yaml; started before the CA and kubelet certificate exist, it checks without them and picks them up, and discovery starts once kubeadm join writes kubelet.conf', async () => {
  // a cluster of lab API servers with anonymous auth off, as a hardened cluster
  const port = await freePort('127.0.10.71');
  const lab = await startLabCluster({
    hosts: ['127.0.10.71', '127.0.10.72', '127.0.10.73'],
    port,
    anonymousAuth: false,
  });
  const listen = await freePort();
  const admin = await freePort();
  const inv = join(tmp, 'lab-inv');
  const certDir = join(tmp, 'lab-ssl');
  mkdirSync(join(inv, 'group_vars', 'all'), { recursive: true });
  writeFileSync(
    join(inv, 'inventory.ini'),
    '[kube_control_plane]\n' +
      [71, 72, 73].map((n) => `cp${n} ip=127.0.10.${n}\n`).join('') +
      '[etcd:children]\nkube_control_plane\n[kube_node]\nw1 ip=127.0.10.74\n',
  );
  writeFileSync(
    join(inv, 'group_vars', 'all', 'all.yml'),
    `loadbalancer_apiserver_type: kubeha\nkube_apiserver_port: ${port}\n` +
      `loadbalancer_apiserver_port: ${listen}\nloadbalancer_apiserver_healthcheck_port: ${admin}\n` +
      `kube_cert_dir: ${certDir}\n`,
  );
  const out = join(tmp, 'lab-render');
  let running: ReturnType<typeof spawn> | undefined;
  try {
    assert.equal(kubeha('render', '-i', join(inv, 'inventory.ini'), '--out', out).code, 0);
    const rendered = join(out, 'w1/etc/kubeha/proxy.yaml');
    const check = kubeha('proxy', '--check-config', '--config', rendered);
    assert.equal(check.code, 0, check.err);
    assert.equal(JSON.parse(check.out).healthCheck.caFile, `${certDir}/ca.crt`);
    assert.ok(!existsSync(`${certDir}/ca.crt`), '--check-config passed without the CA on disk');
    // A node before kubeadm join has neither file: kubeha starts anyway (kubelet's
    // TLS bootstrap goes through it), checks without them, and picks them up later.
    const pem = join(tmp, 'kubelet-client-current.pem');
    const local = join(tmp, 'proxy.yaml');
    const kubeletConf = join(tmp, 'kubelet.conf');
    const stateDir = join(tmp, 'state');
    writeFileSync(
      local,
      readFileSync(rendered, 'utf8')
        .replaceAll(KUBELET_CLIENT_PEM, pem)
        .replace('/etc/kubernetes/kubelet.conf', kubeletConf)
        .replace('/var/lib/kubeha', stateDir),
    );
    running = spawn(process.execPath, [BIN, 'proxy', '--config', local], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    running.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
    type Status = { upstreams: { lastCheck?: { unauthorized: boolean } }[] };
    const status = async (): Promise<Status | undefined> =>
      fetch(`http://127.0.0.1:${admin}/status`).then(
        (r) => r.json() as Promise<Status>,
        () => undefined,
      );
    const until = async (cond: (s: Status) => boolean, ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end;) {
        const st = await status();
        if (st && cond(st)) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    const checked = (s: Status) => s.upstreams.every((u) => u.lastCheck !== undefined);
    assert.ok(
      await until((s) => checked(s) && s.upstreams.every((u) => u.lastCheck!.unauthorized), 10_000),
      log,
    );
    assert.match(
      log,
      /health checks go on without caFile .*ca\.crt, certFile .*kubelet-client-current\.pem/,
    );
    assert.equal((await fetch(`http://127.0.0.1:${admin}/readyz`)).status, 200, '401 is alive');

    // the files appear (the kubelet's PEM holds certificate and key): checks are authorized
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'ca.crt'), lab.ca.cert);
    writeFileSync(pem, lab.kubeletClient.cert + lab.kubeletClient.key, { mode: 0o600 });
    assert.ok(
      await until((s) => s.upstreams.every((u) => u.lastCheck?.unauthorized === false), 15_000),
      `picked up within the 10 s refresh:\n${log}`,
    );
    assert.match(log, /health-check TLS files changed \(caFile, certFile, keyFile\): now in use/);

    // kubeadm join writes kubelet.conf (server https://localhost:<listen>, the
    // kubelet's PEM): discovery follows default/kubernetes through the proxy as the
    // kubelet, and keeps the set in the state directory
    assert.ok(/discovery\.kubeconfig .*kubelet\.conf: not there/.test(log), log);
    writeFileSync(
      kubeletConf,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: default-cluster\n  cluster:\n' +
        `    certificate-authority-data: ${Buffer.from(lab.ca.cert).toString('base64')}\n` +
        `    server: https://localhost:${listen}\n` +
        'contexts:\n- name: default-context\n  context: {cluster: default-cluster, user: default-auth}\n' +
        'current-context: default-context\nusers:\n- name: default-auth\n  user:\n' +
        `    client-certificate: ${pem}\n    client-key: ${pem}\n`,
      { mode: 0o600 },
    );
    const servers = lab.servers.map((s) => s.address).sort();
    assert.ok(
      await until(
        (s) => (s as Status & { discovered: string[] }).discovered.join() === servers.join(),
        15_000,
      ),
      log,
    );
    assert.match(log, /discovery \(EndpointSlices\): \+/);
    // written just after the set is applied
    const state = join(stateDir, 'discovery.json');
    for (const end = Date.now() + 5000; !existsSync(state) && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(JSON.parse(readFileSync(state, 'utf8')).upstreams, servers);
  } finally {
    if (running && running.exitCode === null) {
      const exited = new Promise((r) => running!.once('exit', r));
      running.kill('SIGTERM');
      await exited;
    }
    await lab.close();
  }
});
