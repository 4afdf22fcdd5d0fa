/**
 * What a kubelet's credentials may read decides how discovery follows
 * default/kubernetes. A stand-in for kube-apiserver's authorization sits in front
 * of a lab API server: the node authorizer's static rules for a kubelet
 * (bootstrappolicy.NodeRules: `get endpoints`, nothing on endpointslices), and
 * optionally the grant render writes (cluster/kubeha-discovery-rbac.yml:
 * get/list/watch with resourceNames [kubernetes], which a list or watch matches
 * only through a `metadata.name` field selector, as kube-apiserver's RequestInfo
 * takes the name from it). Allowed requests go on to the lab server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { startLabCluster, type LabCluster } from '../../src/lab/cluster.js';
import { issueCertificate } from '../../src/lab/pki.js';
import { ENDPOINTS_LIST_PATH, ENDPOINTS_PATH, SLICES_PATH } from '../../src/proxy/discovery.js';
import { ServiceWatch, type WatchMode } from '../../src/proxy/discovery-watch.js';
import { waitFor } from '../lab/tls-client.js';
import { freePort } from './helpers.js';

function allowed(url: string, kubehaRbac: boolean): boolean {
  const u = new URL(url, 'https://authz');
  if (u.pathname === ENDPOINTS_PATH) return true; // NodeRules: get endpoints
  if (!kubehaRbac) return false;
  const named = u.searchParams.get('fieldSelector') === 'metadata.name=kubernetes';
  return named && (u.pathname === SLICES_PATH || u.pathname === ENDPOINTS_LIST_PATH);
}

async function authorizer(
  l: LabCluster,
  kubehaRbac: boolean,
): Promise<{ port: number; server: Server }> {
  const tls = issueCertificate(l.ca, {
    commonName: 'authz',
    altNames: ['127.0.0.1'],
    usage: 'server',
  });
  const upstream = l.servers[0]!;
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    if (!allowed(req.url ?? '/', kubehaRbac)) {
      const resource = req.url!.includes('endpointslices') ? 'endpointslices' : 'endpoints';
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Forbidden',
          code: 403,
          message: `${resource} is forbidden: User "system:node:lab-worker" cannot list resource "${resource}" in the namespace "default"`,
        }),
      );
      return;
    }
    const fwd = request(
      {
        host: upstream.host,
        port: upstream.port,
        path: req.url,
        ca: l.ca.cert,
        cert: l.kubeletClient.cert,
        key: l.kubeletClient.key,
        servername: 'localhost',
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    fwd.on('error', () => res.destroy());
    res.on('close', () => fwd.destroy());
    fwd.end();
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, server };
}

async function follow(l: LabCluster, kubehaRbac: boolean) {
  const authz = await authorizer(l, kubehaRbac);
  let set: string[] = [];
  const modes: string[] = [];
  const failures: string[] = [];
  const watch = new ServiceWatch({
    target: async () => ({
      host: '127.0.0.1',
      port: authz.port,
      ca: l.ca.cert,
      cert: l.kubeletClient.cert,
      key: l.kubeletClient.key,
      verifyName: '127.0.0.1',
      checkServerIdentity: (_h, c) => checkServerIdentity('127.0.0.1', c),
    }),
    intervalMs: () => 300,
    snapshot: (s) => (set = s),
    failed: (m) => failures.push(m),
    modeChanged: (mode: WatchMode, why) => modes.push(`${mode}: ${why}`),
  });
  watch.start();
  return {
    set: () => set,
    modes,
    failures,
    watch,
    close: async () => {
      await watch.stop();
      authz.server.closeAllConnections();
      await new Promise((r) => authz.server.close(r));
    },
  };
}

/** Waits until the watch lists every lab server. */
function sees(f: { set(): string[] }, l: LabCluster, ms: number): Promise<boolean> {
  const all = () =>
    l.servers
      .map((s) => s.address)
      .sort()
      .join();
  return waitFor(() => f.set().join() === all(), ms);
}

async function lab(hosts: string[]): Promise<LabCluster> {
  return startLabCluster({ hosts, port: await freePort(hosts[0]), anonymousAuth: false });
}

test("with the node authorizer's rules alone, discovery falls back to a polled get of the Endpoints object, and still follows changes", async () => {
  const l = await lab(['127.0.10.61', '127.0.10.62']);
  const f = await follow(l, false);
  try {
    assert.ok(await sees(f, l, 5000), f.set().join());
    assert.equal(f.watch.mode, 'get');
    assert.equal(f.modes.length, 2, f.modes.join('\n'));
    assert.match(
      f.modes[0]!,
      /^endpoints: GET \/apis\/discovery\.k8s\.io\/v1\/namespaces\/default\/endpointslices: 403 endpointslices is forbidden/,
    );
    assert.match(
      f.modes[1]!,
      /^get: GET \/api\/v1\/namespaces\/default\/endpoints: 403 endpoints is forbidden/,
    );
    await l.addServer('127.0.10.63');
    assert.ok(await sees(f, l, 3000), f.set().join());
    assert.deepEqual(f.failures, []);
  } finally {
    await f.close();
    await l.close();
  }
});

test("with kubeha's RBAC (resourceNames: [kubernetes]), discovery watches the EndpointSlice", async () => {
  const l = await lab(['127.0.10.64', '127.0.10.65']);
  const f = await follow(l, true);
  try {
    assert.ok(await sees(f, l, 5000), f.set().join());
    await l.addServer('127.0.10.66');
    assert.ok(await sees(f, l, 3000), f.set().join());
    assert.equal(f.watch.mode, 'slices');
    assert.deepEqual(f.modes, []);
    assert.deepEqual(f.failures, []);
  } finally {
    await f.close();
    await l.close();
  }
});
