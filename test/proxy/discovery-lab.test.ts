/**
 * Discovery against lab API servers sharing one object store (as etcd is shared),
 * through kubeha's own listener, with a kubelet's kubeconfig and anonymous auth
 * off: control planes added and removed, the guard rails, and a restart while
 * every API server refuses.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabCluster, labKubeconfig, type LabCluster } from '../../src/lab/cluster.js';
import { ProxyDaemon } from '../../src/proxy/daemon.js';
import { validateConfig } from '../../src/proxy/config.js';
import { parseState, statePath } from '../../src/proxy/discovery-state.js';
import { httpsGet, waitFor } from '../lab/tls-client.js';
import { FAST_CHECKS, freePort, logCollector, type LogLine } from './helpers.js';

interface DiscoveryProxy {
  daemon: ProxyDaemon;
  logs: LogLine[];
  port: number;
  stateDir: string;
  keys(): string[];
  stop(): Promise<void>;
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function temp(prefix: string): string {
  dirs.push(mkdtempSync(join(tmpdir(), prefix)));
  return dirs.at(-1)!;
}

/** A lab of `hosts` on one port (one EndpointSlice named kubernetes, as a real cluster has). */
async function lab(hosts: string[]): Promise<LabCluster> {
  const port = await freePort(hosts[0]);
  return startLabCluster({ hosts, port, anonymousAuth: false, watchEventIntervalMs: 200 });
}

async function discoveryProxy(
  l: LabCluster,
  upstreams: string[],
  opts: { port?: number; stateDir?: string; drainTimeout?: string } = {},
): Promise<DiscoveryProxy> {
  const port = opts.port ?? (await freePort());
  const stateDir = opts.stateDir ?? temp('kubeha-disco-');
  const dir = temp('kubeha-disco-conf-');
  // the kubelet's kubeconfig on a Kubespray worker: server https://localhost:<proxy port>
  const kubeconfig = join(dir, 'kubelet.conf');
  writeFileSync(
    kubeconfig,
    labKubeconfig(`https://localhost:${port}`, l.ca.cert, l.kubeletClient),
    { mode: 0o600 },
  );
  writeFileSync(join(dir, 'ca.crt'), l.ca.cert);
  const { logs, logger } = logCollector();
  const cfg = validateConfig({
    listen: [`127.0.0.1:${port}`],
    upstreams,
    admin: null,
    shutdownTimeout: '200ms',
    drainTimeout: opts.drainTimeout ?? '1500ms',
    healthCheck: { ...FAST_CHECKS, caFile: join(dir, 'ca.crt') },
    discovery: { kubernetesEndpoints: true, kubeconfig, interval: '1s', debounce: '200ms' },
    stateDir,
  });
  const daemon = new ProxyDaemon(cfg, { logger, version: 'test' });
  await daemon.start();
  return {
    daemon,
    logs,
    port,
    stateDir,
    keys: () => daemon.pool.upstreams.filter((u) => !u.draining).map((u) => u.key),
    stop: () => daemon.stop(100),
  };
}

/** A request through the proxy as the kubelet makes it (client certificate, name localhost). */
function get(p: DiscoveryProxy, l: LabCluster) {
  return httpsGet({
    host: '127.0.0.1',
    port: p.port,
    path: '/version',
    ca: l.ca.cert,
    cert: l.kubeletClient.cert,
    key: l.kubeletClient.key,
    timeoutMs: 3000,
  });
}

const sorted = (a: string[]) => [...a].sort();
/** The upstreams in a state directory's discovery.json (none while it is not there yet). */
function saved(dir: string): string[] {
  try {
    const r = parseState(readFileSync(statePath(dir), 'utf8'));
    return r.ok ? r.upstreams : [];
  } catch {
    return [];
  }
}
const messages = (p: DiscoveryProxy) => p.logs.map((l) => l.msg);

test('EndpointSlices watched through the proxy: a control plane added joins, one no longer listed drains, an empty list is not applied', async () => {
  const l = await lab(['127.0.10.41', '127.0.10.42', '127.0.10.43']);
  const [a, b, c] = l.servers.map((s) => s.address) as [string, string, string];
  const p = await discoveryProxy(l, [a], { drainTimeout: '4s' });
  const sockets: Socket[] = [];
  try {
    assert.ok(await waitFor(() => p.keys().length === 3, 8000), p.keys().join(','));
    assert.deepEqual(p.keys(), [a, b, c]);
    assert.ok(
      messages(p).includes(`discovery (EndpointSlices): +${a} +${b} +${c}`),
      messages(p).join('\n'),
    );
    // it watched the slices: no fallback to Endpoints
    assert.ok(!messages(p).some((m) => m.startsWith('discovery follows')), messages(p).join('\n'));
    assert.ok(
      await waitFor(
        () => p.daemon.pool.upstreams.every((u) => u.health.health === 'healthy'),
        5000,
      ),
    );
    // saved as the last good set (written just after it is applied)
    assert.ok(await waitFor(() => saved(p.stateDir).join() === [a, b, c].join(), 5000));

    // a control plane joins: it is in default/kubernetes at once, in the pool after the debounce
    const d = (await l.addServer('127.0.10.44')).address;
    assert.ok(await waitFor(() => p.keys().includes(d), 5000), p.keys().join(','));
    assert.ok(messages(p).includes(`discovery (EndpointSlices): +${d}`), messages(p).join('\n'));

    // connections through the proxy, spread by least_conn over the four (besides
    // discovery's own watch, which goes through the proxy too)
    const open = () => p.daemon.pool.upstreams.reduce((n, u) => n + u.conns.size, 0);
    const before = open();
    for (let i = 0; i < 8; i++) {
      const s = connect(p.port, '127.0.0.1');
      s.on('error', () => {});
      s.resume(); // read to EOF: a close by the proxy ends the socket
      sockets.push(s);
    }
    assert.ok(await waitFor(() => open() === before + 8, 3000), `${open()}`);
    const upstream = (key: string) => p.daemon.pool.upstreams.find((u) => u.key === key)!;
    const onC = upstream(c).conns.size;
    assert.ok(onC > 0, 'c carries connections');

    // c is listed no more (still running): it drains, new connections avoid it
    l.publishEndpoints(
      [a, b, d].map((x) => ({ ip: x.split(':')[0]!, port: Number(x.split(':')[1]) })),
    );
    assert.ok(await waitFor(() => !p.keys().includes(c), 5000), p.keys().join(','));
    assert.ok(messages(p).includes(`discovery (EndpointSlices): \u2212${c}`));
    assert.equal(upstream(c).draining, true);
    assert.equal(upstream(c).conns.size, onC, 'draining keeps its connections until drainTimeout');
    for (let i = 0; i < 5; i++) assert.equal((await get(p, l)).status, 200);
    assert.equal(upstream(c).conns.size, onC, 'no new connection went to the drained upstream');
    const closed = sockets.filter((s) => s.destroyed).length;
    assert.ok(
      await waitFor(
        () => sockets.filter((s) => s.destroyed || s.readableEnded).length === closed + onC,
        8000,
      ),
      'drainTimeout closed its connections',
    );
    assert.ok(!p.daemon.pool.upstreams.some((u) => u.key === c), 'then it is forgotten');

    // an empty list is never applied: the last good set stays, the log says why
    l.publishEndpoints([]);
    assert.ok(
      await waitFor(
        () =>
          messages(p).some((m) => /lists no ready API server: keeping the last good set/.test(m)),
        5000,
      ),
      messages(p).join('\n'),
    );
    assert.deepEqual(p.keys(), [a, b, d]);

    // the real thing: d shuts down, kube-apiserver-style it leaves default/kubernetes
    l.publishEndpoints(undefined);
    assert.ok(await waitFor(() => sorted(p.keys()).join() === sorted([a, b, d]).join(), 5000));
    assert.equal(await l.removeServer(d), true);
    assert.ok(await waitFor(() => !p.keys().includes(d), 5000), p.keys().join(','));
  } finally {
    for (const s of sockets) s.destroy();
    await p.stop();
    await l.close();
  }
});

test('a set sharing nothing with the configured upstreams waits until they are all unhealthy', async () => {
  const l = await lab(['127.0.10.45', '127.0.10.46', '127.0.10.47']);
  const [a, b, c] = l.servers.map((s) => s.address) as [string, string, string];
  const p = await discoveryProxy(l, [a]);
  try {
    assert.ok(await waitFor(() => p.keys().length === 3, 8000), p.keys().join(','));
    const ip = (x: string) => ({ ip: x.split(':')[0]!, port: Number(x.split(':')[1]) });
    // c only: disjoint from the configured [a] while a is healthy
    l.publishEndpoints([ip(c)]);
    assert.ok(
      await waitFor(
        () => messages(p).some((m) => /none of the configured upstreams/.test(m)),
        5000,
      ),
      messages(p).join('\n'),
    );
    assert.deepEqual(p.keys(), [a, b, c]);
    const status = p.daemon.status() as { discovery: { following: string; heldBack?: string[] } };
    assert.equal(status.discovery.following, 'EndpointSlices');
    assert.deepEqual(status.discovery.heldBack, [c]);
    // a goes down (its process dies: the checks' kept-alive connection breaks too, where a
    // refusing listener alone would leave it answering): the cluster has really moved
    await l.servers[0]!.die();
    assert.ok(await waitFor(() => p.keys().join() === [a, c].join(), 8000), p.keys().join(','));
  } finally {
    await p.stop();
    await l.close();
  }
});

test('a restart while every API server refuses: the state file gives every control plane, and no new connection fails once one is back', async () => {
  const l = await lab(['127.0.10.48', '127.0.10.49', '127.0.10.50']);
  const [a, b, c] = l.servers.map((s) => s.address) as [string, string, string];
  const first = await discoveryProxy(l, [a]);
  const stateDir = first.stateDir;
  let second: DiscoveryProxy | undefined;
  let control: DiscoveryProxy | undefined;
  let corrupt: DiscoveryProxy | undefined;
  try {
    assert.ok(
      await waitFor(() => saved(stateDir).length === 3, 8000),
      'the discovered set is saved',
    );
    await first.stop();
    for (const s of l.servers) await s.refuse();

    second = await discoveryProxy(l, [a], { port: first.port, stateDir });
    control = await discoveryProxy(l, [a]); // the same configuration without a state file
    assert.deepEqual(second.keys(), [a, b, c], 'known at start, before any API answers');
    assert.ok(
      messages(second).some((m) =>
        m.startsWith(`discovery: 3 API server(s) from ${statePath(stateDir)}`),
      ),
    );
    assert.deepEqual(control.keys(), [a]);

    // b comes back: every new connection through the restarted proxy succeeds
    await l.servers[1]!.resume();
    const failures: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await get(second, l).catch((err: Error) => ({ status: 0, body: err.message }));
      if (r.status !== 200) failures.push(`${i}: ${r.status} ${r.body}`);
    }
    assert.deepEqual(failures, []);
    // without the state file the proxy knows only a, which refuses
    await assert.rejects(get(control, l));

    // a corrupt state file: one warning, ignored, then replaced by the next good set
    for (const s of l.servers) await s.resume();
    const bad = temp('kubeha-disco-bad-');
    writeFileSync(statePath(bad), '{"format":"kubeha.discovery/v1","upstreams":[');
    corrupt = await discoveryProxy(l, [a], { stateDir: bad });
    const warned = () =>
      corrupt!.logs.filter((x) => x.msg.startsWith(`ignoring ${statePath(bad)}: not JSON`));
    assert.equal(warned().length, 1);
    assert.ok(await waitFor(() => saved(bad).length === 3, 8000), 'rewritten');
    assert.equal(warned().length, 1);
  } finally {
    await second?.stop();
    await control?.stop();
    await corrupt?.stop();
    await l.close();
  }
});
