/**
 * kubeha's image: `npm run image` builds it offline with buildah, and the proxy inside it,
 * run with podman, balances TLS to lab API servers on the host's loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabCluster, type LabCluster } from '../../src/lab/cluster.js';
import { httpsGet } from '../lab/tls-client.js';
import { freePort } from '../proxy/helpers.js';
import {
  IMAGE,
  IMAGE_SCRIPT,
  NODE_PACKAGE_VERSION,
  REPO,
  VERSION,
  buildImage,
  leftoverContainers,
  podman,
  requireImageTools,
  runOnce,
  startContainer,
  type Container,
} from './podman.js';

const MB = 1_000_000;
const containerfile = await readFile(`${REPO}Containerfile`, 'utf8');
const line = (re: RegExp) => {
  const all = containerfile.split('\n').flatMap((l) => re.exec(l)?.slice(1, 2) ?? []);
  assert.equal(all.length, 1, `Containerfile: one line matching ${re}`);
  return all[0]!;
};

let tools = false;
before(() => {
  requireImageTools();
  tools = true;
});
after(() => {
  if (tools) assert.deepEqual(leftoverContainers(), [], 'containers left behind');
});

test('npm run image builds localhost/kubeha:<version> offline, as the Containerfile describes it', async (t) => {
  assert.match(IMAGE_SCRIPT ?? '', /npm run build && bash scripts\/build-image\.sh$/);
  // The usual path and the offline one use the same Node.
  assert.equal(line(/^ARG NODE_IMAGE=\S+:(\d+\.\d+\.\d+)-/), NODE_PACKAGE_VERSION);

  const { ms } = buildImage();
  t.diagnostic(`offline build: ${(ms / 1000).toFixed(1)} s`);
  const [info] = JSON.parse(podman(['image', 'inspect', IMAGE])) as {
    Size: number;
    RootFS: { Layers: string[] };
    Config: { User: string; Env: string[]; Entrypoint: string[]; Labels: Record<string, string> };
  }[];
  const { Config: config } = info!;
  assert.equal(config.User, line(/^USER (\S+)$/));
  assert.ok(config.Env.includes(`NODE_OPTIONS=${line(/^ENV NODE_OPTIONS="([^"]*)"$/)}`));
  assert.deepEqual(config.Entrypoint, ['kubeha']);
  assert.equal(config.Labels['org.opencontainers.image.version'], VERSION);
  assert.equal(info!.RootFS.Layers.length, 2, 'a runtime layer and an app layer');

  // The goal: at most 60 MB compressed (an OCI archive holds the layers gzipped).
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-image-'));
  try {
    podman(['save', '--quiet', '--format', 'oci-archive', '-o', `${dir}/image.tar`, IMAGE]);
    const compressed = (await stat(`${dir}/image.tar`)).size;
    t.diagnostic(
      `image: ${(info!.Size / MB).toFixed(1)} MB, ${(compressed / MB).toFixed(1)} MB compressed`,
    );
    assert.ok(compressed <= 60 * MB, `${compressed} bytes compressed`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('kubeha --version in the image prints the package version, as a non-root user', () => {
  const r = runOnce(['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${VERSION}\n`);
  // bin/kubeha's shell line (sh, readlink) found node on PATH, under NODE_OPTIONS, not as root.
  const id = runOnce(
    ['-e', 'console.log(process.getuid(), process.version)'],
    ['--entrypoint', 'node'],
  );
  assert.equal(id.status, 0, id.stderr);
  assert.equal(id.stdout, `${line(/^USER (\d+):/)} v${NODE_PACKAGE_VERSION}\n`);
});

/** A directory a non-root container can read, like /etc/kubernetes/ssl (0755, certs 0644). */
async function hostDir(files: Record<string, [string, number]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-image-'));
  await chmod(dir, 0o755);
  for (const [name, [content, mode]] of Object.entries(files)) {
    await writeFile(join(dir, name), content);
    await chmod(join(dir, name), mode);
  }
  return dir;
}

async function admin(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

async function connections(adminPort: number): Promise<number> {
  return (JSON.parse((await admin(adminPort, '/status')).body) as { connections: number })
    .connections;
}

async function untilReady(c: Container, adminPort: number): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end && c.child.exitCode === null) {
    if ((await admin(adminPort, '/readyz').catch(() => undefined))?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`/readyz never answered 200:\n${c.output()}`);
}

interface ProxyRun {
  lab: LabCluster;
  container: Container;
  port: number;
  adminPort: number;
}

/** The lab on the host, the proxy in a container, files from `dir` at /etc/kubeha. */
async function withProxy(
  lab: LabCluster,
  dir: string,
  proxyArgs: string[],
  runFlags: string[],
  body: (run: ProxyRun) => Promise<void>,
): Promise<void> {
  const port = await freePort();
  const adminPort = await freePort();
  const container = startContainer(
    [
      'proxy',
      '--listen',
      `127.0.0.1:${port}`,
      '--admin',
      `127.0.0.1:${adminPort}`,
      ...lab.servers.flatMap((s) => ['--upstream', s.address]),
      '--ca-file',
      '/etc/kubeha/ca.crt',
      ...proxyArgs,
    ],
    ['--volume', `${dir}:/etc/kubeha:ro`, ...runFlags],
  );
  try {
    await untilReady(container, adminPort);
    await body({ lab, container, port, adminPort });
  } finally {
    container.remove();
  }
}

test('podman run … proxy: TLS through the container to the lab, /readyz 200, SIGTERM stops it cleanly', async () => {
  const lab = await startLabCluster({ hosts: ['127.0.10.81', '127.0.10.82'] });
  const dir = await hostDir({ 'ca.crt': [lab.ca.cert, 0o644] });
  try {
    await withProxy(lab, dir, [], [], async ({ container, port, adminPort }) => {
      const ready = await admin(adminPort, '/readyz');
      assert.equal(ready.status, 200);
      assert.match(ready.body, /^ok: [12]\/2 upstreams healthy/);
      // The client verifies the API server's certificate against the lab CA, end to end.
      const res = await httpsGet({
        host: '127.0.0.1',
        port,
        path: '/version',
        ca: lab.ca.cert,
        servername: 'kubernetes',
      });
      assert.equal(res.status, 200);
      assert.ok(lab.servers.some((s) => s.name === res.headers['x-kubeha-lab-server']));
      assert.match((JSON.parse(res.body) as { gitVersion: string }).gitVersion, /^v1\./);

      // The client has closed its connection: nothing for the graceful stop to wait for.
      const end = Date.now() + 5000;
      while (Date.now() < end && (await connections(adminPort)) > 0) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(await connections(adminPort), 0);
      const exited = container.exited;
      podman(['stop', '--time', '10', container.name]);
      assert.equal(await exited, 0, container.output());
      assert.match(container.output(), /"msg":"stopped"/);
    });
  } finally {
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("the kubelet's client key (0600 root): refused to the default user, read as uid 0 with no capabilities", async () => {
  const lab = await startLabCluster({ hosts: ['127.0.10.83'], anonymousAuth: false });
  const kubelet = `${lab.kubeletClient.cert}${lab.kubeletClient.key}`;
  const dir = await hostDir({
    'ca.crt': [lab.ca.cert, 0o644],
    'kubelet-client-current.pem': [kubelet, 0o600],
  });
  const keyArgs = ['--cert-file', '--key-file'].flatMap((f) => [
    f,
    '/etc/kubeha/kubelet-client-current.pem',
  ]);
  try {
    const refused = runOnce(
      ['proxy', '--upstream', lab.servers[0]!.address, '--admin', 'off', ...keyArgs],
      ['--volume', `${dir}:/etc/kubeha:ro`],
    );
    assert.equal(refused.status, 2, refused.stdout + refused.stderr);
    assert.match(
      refused.stderr,
      /^kubeha: healthCheck\.certFile: cannot read \/etc\/kubeha\/kubelet-client-current\.pem: EACCES/,
    );

    await withProxy(lab, dir, keyArgs, ['--user', '0', '--cap-drop', 'all'], async (run) => {
      const status = JSON.parse((await admin(run.adminPort, '/status')).body) as {
        upstreams: { reason: string }[];
      };
      // Authenticated: /readyz 200, not the 401 that only proves the server is alive.
      assert.equal(status.upstreams[0]!.reason, '/readyz 200');
      const res = await httpsGet({
        host: '127.0.0.1',
        port: run.port,
        path: '/version',
        ca: lab.ca.cert,
        servername: 'kubernetes',
        cert: lab.adminClient.cert,
        key: lab.adminClient.key,
      });
      assert.equal(res.status, 200);
    });
  } finally {
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
});
