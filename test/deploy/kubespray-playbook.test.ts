import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../proxy/helpers.js';
import { KUBEHA_BIN, REPO_ROOT } from '../helpers/ansible.js';

/**
 * deploy/kubespray/kubeha-proxy.yml and rollback.yml, run by ansible-playbook
 * on examples/mycluster's inventory exactly as an operator would, except: -c
 * local, --limit k8s-node4, and a second inventory source giving k8s-node4 host
 * variables that point every path into a temporary directory (the files it
 * writes are then compared with what `kubeha render` writes for the same
 * inventory). No host is contacted, nothing outside the temporary directory
 * written, no image pulled (kubeha_pull_image: false).
 */
const INVENTORY = join(REPO_ROOT, 'examples/mycluster/inventory.ini');
const PLAYBOOKS = join(REPO_ROOT, 'deploy/kubespray');
const root = mkdtempSync(join(tmpdir(), 'kubeha-playbook-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Node {
  dir: string;
  paths: string;
  port: number;
  admin: number;
  manifests: string;
  /** what `kubeha render` writes for k8s-node4, keyed by absolute path on the node */
  render(proxy?: 'kubeha'): (abs: string) => string;
}

let n = 0;
async function node(opts: { ca?: boolean; nginx?: boolean } = {}): Promise<Node> {
  const dir = join(root, `node${n++}`);
  const port = await freePort();
  const admin = await freePort();
  const paths = join(dir, 'paths.yml');
  mkdirSync(join(dir, 'etc/kubernetes/ssl'), { recursive: true });
  mkdirSync(join(dir, 'etc/kubernetes/manifests'), { recursive: true });
  // host variables beat mycluster's group_vars, in Ansible and in kubeha render alike
  writeFileSync(
    paths,
    [
      'all:',
      '  hosts:',
      '    k8s-node4:',
      `      kube_config_dir: ${dir}/etc/kubernetes`,
      `      kubeha_config_dir: ${dir}/etc/kubeha`,
      `      nginx_config_dir: ${dir}/etc/nginx`,
      `      loadbalancer_apiserver_port: ${port}`,
      `      loadbalancer_apiserver_healthcheck_port: ${admin}`,
      '',
    ].join('\n'),
  );
  if (opts.ca !== false) writeFileSync(join(dir, 'etc/kubernetes/ssl/ca.crt'), 'a CA\n');
  const render = (proxy?: 'kubeha') => {
    const out = join(dir, `render-${proxy ?? 'kubespray'}`);
    const args = ['render', '-i', INVENTORY, '-i', paths, '--out', out, '--force'];
    const r = spawnSync(KUBEHA_BIN, proxy ? [...args, '--proxy', proxy] : args, {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return (abs: string) => readFileSync(join(out, 'k8s-node4', abs), 'utf8');
  };
  const manifests = join(dir, 'etc/kubernetes/manifests');
  const nd: Node = { dir, paths, port, admin, manifests, render };
  // nginx-proxy as Kubespray placed it
  if (opts.nginx !== false) {
    const nginx = render();
    writeFileSync(join(manifests, 'nginx-proxy.yml'), nginx(join(manifests, 'nginx-proxy.yml')));
  }
  return nd;
}

interface Run {
  code: number | null;
  out: string;
  changed: number;
  failed: number;
  /** the msg of the first failed task */
  msg?: string;
}

/** Asynchronous: the stand-in servers of a test answer from this process meanwhile. */
async function playbook(nd: Node, name: string, ...extra: string[]): Promise<Run> {
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        'ansible-playbook',
        [
          '-i',
          INVENTORY,
          '-i',
          nd.paths,
          '-c',
          'local',
          '--limit',
          'k8s-node4',
          join(PLAYBOOKS, name),
          '-e',
          `kubeha_cli=${KUBEHA_BIN}`,
          '-e',
          'kubeha_pull_image=false',
          ...extra,
        ],
        {
          encoding: 'utf8',
          timeout: 180_000,
          maxBuffer: 16 * 1024 * 1024,
          env: {
            ...process.env,
            ANSIBLE_CONFIG: '/nonexistent/ansible.cfg',
            ANSIBLE_NOCOLOR: '1',
            ANSIBLE_PIPELINING: '1',
            ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
            ANSIBLE_LOCALHOST_WARNING: 'false',
            ANSIBLE_RETRY_FILES_ENABLED: 'false',
          },
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ status: code, stdout, stderr });
        },
      );
    },
  );
  const out = r.stdout + r.stderr;
  const recap = /k8s-node4\s+: ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/.exec(out);
  assert.ok(recap, out);
  // the last one: a rescued task prints its own before the rescue's fail
  const fatal = [...out.matchAll(/^fatal: \[k8s-node4\]: FAILED! => (\{.*\})$/gm)].pop();
  return {
    code: r.status,
    out,
    changed: Number(recap[1]),
    failed: Number(recap[2]),
    msg: fatal ? (JSON.parse(fatal[1]!) as { msg: string }).msg : undefined,
  };
}

const exists = (p: string) => existsSync(p);
const comm = () => readFileSync('/proc/self/comm', 'utf8').trim();

test('switch: --check changes nothing; kubeha files as rendered, nginx-proxy gone; again changed=0; rollback restores nginx-proxy byte for byte', async () => {
  const nd = await node();
  const nginxYml = join(nd.manifests, 'nginx-proxy.yml');
  const kubehaYml = join(nd.manifests, 'kubeha-proxy.yml');
  const proxyYaml = join(nd.dir, 'etc/kubeha/proxy.yaml');
  const before = readFileSync(nginxYml, 'utf8');

  const dry = await playbook(
    nd,
    'kubeha-proxy.yml',
    '-e',
    'kubeha_wait_ready=false',
    '--check',
    '--diff',
  );
  assert.equal(dry.code, 0, dry.out);
  assert.ok(dry.changed > 0);
  assert.match(dry.out, /^\+\s+- kubeha\n\+\s+- proxy$/m, 'the diff shows the static pod');
  assert.ok(!exists(kubehaYml) && !exists(proxyYaml), '--check wrote nothing');
  assert.equal(readFileSync(nginxYml, 'utf8'), before, '--check removed nothing');

  const first = await playbook(nd, 'kubeha-proxy.yml', '-e', 'kubeha_wait_ready=false');
  assert.equal(first.code, 0, first.out);
  assert.ok(first.changed > 0);
  const kubeha = nd.render('kubeha');
  assert.equal(readFileSync(kubehaYml, 'utf8'), kubeha(kubehaYml), 'the planner static pod');
  assert.equal(readFileSync(proxyYaml, 'utf8'), kubeha(proxyYaml), 'the planner proxy.yaml');
  assert.ok(!exists(nginxYml), 'nginx-proxy.yml removed');
  assert.equal(readFileSync(join(nd.dir, 'etc/kubeha/replaced/nginx-proxy.yml'), 'utf8'), before);

  const again = await playbook(nd, 'kubeha-proxy.yml', '-e', 'kubeha_wait_ready=false');
  assert.equal(again.code, 0, again.out);
  assert.equal(again.changed, 0, again.out);

  const back = await playbook(nd, 'rollback.yml', '-e', 'kubeha_wait_ready=false');
  assert.equal(back.code, 0, back.out);
  const nginx = nd.render();
  assert.equal(readFileSync(nginxYml, 'utf8'), nginx(nginxYml), "kubeha render's nginx-proxy.yml");
  const conf = join(nd.dir, 'etc/nginx/nginx.conf');
  assert.equal(readFileSync(conf, 'utf8'), nginx(conf), "kubeha render's nginx.conf");
  assert.ok(!exists(kubehaYml), 'kubeha-proxy.yml removed');
});

test('the wait: a ready admin endpoint passes; none within the timeout restores nginx-proxy and fails the host', async () => {
  const nd = await node();
  const seen: string[] = [];
  const admin: Server = createHttpServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(req.url === '/readyz' ? 200 : 404).end('ok\n');
  });
  await new Promise<void>((r) => admin.listen(nd.admin, '127.0.0.1', r));
  try {
    const ok = await playbook(nd, 'kubeha-proxy.yml');
    assert.equal(ok.code, 0, ok.out);
    assert.ok(seen.includes('/readyz'), 'the playbook asked /readyz');
  } finally {
    await new Promise((r) => admin.close(r));
  }

  const lone = await node();
  const before = readFileSync(join(lone.manifests, 'nginx-proxy.yml'), 'utf8');
  const late = await playbook(lone, 'kubeha-proxy.yml', '-e', 'kubeha_ready_timeout=2');
  assert.notEqual(late.code, 0);
  assert.equal(late.failed, 1);
  assert.ok(late.msg && !late.msg.includes('\n'), late.out);
  assert.match(
    late.msg,
    new RegExp(
      `^k8s-node4: kubeha proxy did not answer 200 on 127\\.0\\.0\\.1:${lone.admin}/readyz within 2s; nginx-proxy\\.yml restored, kubeha-proxy\\.yml removed$`,
    ),
  );
  assert.equal(readFileSync(join(lone.manifests, 'nginx-proxy.yml'), 'utf8'), before);
  assert.ok(!exists(join(lone.manifests, 'kubeha-proxy.yml')));
});

test('bad input fails the host in one line before anything is written', async () => {
  // no ca.crt in kube_cert_dir
  const noCa = await node({ ca: false });
  const r1 = await playbook(noCa, 'kubeha-proxy.yml', '-e', 'kubeha_wait_ready=false');
  assert.notEqual(r1.code, 0);
  assert.ok(r1.msg && !r1.msg.includes('\n'));
  assert.match(r1.msg, /^k8s-node4: \/.*\/etc\/kubernetes\/ssl\/ca\.crt does not exist: /);
  assert.ok(!exists(join(noCa.dir, 'etc/kubeha')), 'nothing written');
  assert.ok(exists(join(noCa.manifests, 'nginx-proxy.yml')), 'nginx-proxy.yml kept');
  // ... which a node that has not joined yet is allowed
  const early = await playbook(noCa, 'kubeha-proxy.yml', '-e', 'kubeha_before_join=true');
  assert.equal(early.code, 0, early.out);
  assert.ok(exists(join(noCa.manifests, 'kubeha-proxy.yml')));

  // 127.0.0.1:<port> held by something that is not nginx, haproxy or kubeha
  const held = await node();
  const squatter = createTcpServer();
  await new Promise<void>((r) => squatter.listen(held.port, '127.0.0.1', r));
  try {
    const r2 = await playbook(held, 'kubeha-proxy.yml', '-e', 'kubeha_wait_ready=false');
    assert.notEqual(r2.code, 0);
    assert.ok(r2.msg && !r2.msg.includes('\n'));
    assert.match(
      r2.msg,
      // ss names a process by its comm: this test runner's
      new RegExp(
        `^k8s-node4: 127\\.0\\.0\\.1:${held.port} is held by ${comm()}, not by nginx-proxy, haproxy or kubeha`,
      ),
    );
    assert.ok(!exists(join(held.dir, 'etc/kubeha')), 'nothing written');
  } finally {
    await new Promise((r) => squatter.close(r));
  }

  // a path given to Ansible only (-e) and not to kubeha render
  const split = await node();
  const r3 = await playbook(
    split,
    'kubeha-proxy.yml',
    '-e',
    `kube_manifest_dir=${split.dir}/elsewhere`,
  );
  assert.notEqual(r3.code, 0);
  assert.match(
    r3.msg ?? '',
    /^k8s-node4: Ansible resolves kube_manifest_dir to .*\/elsewhere but kubeha render to .*\/etc\/kubernetes\/manifests: set it in the inventory, not with -e$/,
  );
  assert.ok(!exists(join(split.dir, 'etc/kubeha')), 'nothing written');
});
