import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { startLabCluster, type LabCluster } from '../../src/lab/cluster.js';
import { createLabControl } from '../../src/lab/control.js';
import { resourceByKind } from '../../src/lab/resources.js';
import { httpsGet, openWatch, waitFor, type WatchHandle } from './tls-client.js';
import { freePort } from '../proxy/helpers.js';

// Every server on one port, as in a real cluster; a short lease TTL keeps the test quick.
const HOSTS = ['127.0.10.91', '127.0.10.92', '127.0.10.93'];
const TTL_MS = 400;
const SLICES = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
const SELECTOR = 'labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes';
let lab: LabCluster;
let port: number;

before(async () => {
  port = await freePort('127.0.10.91');
  lab = await startLabCluster({
    hosts: HOSTS,
    port,
    endpointLeaseTtlMs: TTL_MS,
    bookmarkMs: 100,
    watchEventIntervalMs: 60_000,
  });
});
after(async () => {
  await lab.close();
});

const on = (i: number, path: string) =>
  httpsGet({
    host: [...HOSTS, '127.0.10.94'][i]!,
    port,
    ca: lab.ca.cert,
    path,
    ...lab.adminClient,
  });
const getJson = async (i: number, path: string) => {
  const r = await on(i, path);
  assert.equal(r.headers['content-type'], 'application/json');
  return { status: r.status, body: JSON.parse(r.body) };
};
const ips = (slice: { endpoints: { addresses: string[] }[] }) =>
  slice.endpoints.map((e) => e.addresses[0]).sort();
const sliceNow = () =>
  lab.store.get(resourceByKind('EndpointSlice'), 'default', 'kubernetes') as unknown as {
    endpoints: { addresses: string[] }[];
  };
const watch = (i: number, path: string): Promise<WatchHandle> =>
  openWatch({ host: HOSTS[i]!, port, ca: lab.ca.cert, path, ...lab.adminClient });
const lastEvent = (w: WatchHandle) => w.events.at(-1);

test('every server lists the same EndpointSlice and Endpoints of default/kubernetes', async () => {
  const lists = await Promise.all(HOSTS.map((_, i) => getJson(i, `${SLICES}?${SELECTOR}`)));
  for (const l of lists) {
    assert.equal(l.status, 200);
    assert.deepEqual(l.body, lists[0]!.body, 'one store behind every server');
  }
  const list = lists[0]!.body;
  assert.equal(list.kind, 'EndpointSliceList');
  assert.equal(list.apiVersion, 'discovery.k8s.io/v1');
  assert.match(list.metadata.resourceVersion, /^\d+$/);
  assert.equal(list.items.length, 1);
  const slice = list.items[0];
  assert.equal(slice.kind, undefined, 'list items carry no kind, as kube-apiserver encodes them');
  assert.equal(slice.metadata.name, 'kubernetes');
  assert.deepEqual(slice.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
  assert.equal(slice.addressType, 'IPv4');
  assert.deepEqual(ips(slice), HOSTS);
  assert.deepEqual(slice.endpoints[0].conditions, { ready: true });
  assert.deepEqual(slice.ports, [{ name: 'https', port, protocol: 'TCP' }]);
  // A selector that matches nothing, and one kube-apiserver would reject.
  assert.deepEqual((await getJson(1, `${SLICES}?labelSelector=app%3Dother`)).body.items, []);
  const bad = await getJson(1, `${SLICES}?labelSelector=a%20b%20c`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.kind, 'Status');

  const ep = (await getJson(2, '/api/v1/namespaces/default/endpoints/kubernetes')).body;
  assert.equal(ep.kind, 'Endpoints');
  assert.deepEqual(ep.metadata.labels, { 'endpointslice.kubernetes.io/skip-mirror': 'true' });
  assert.deepEqual(
    ep.subsets[0].addresses.map((a: { ip: string }) => a.ip),
    HOSTS,
  );
  const one = (await getJson(0, `${SLICES}/kubernetes`)).body;
  assert.equal(one.kind, 'EndpointSlice');
  assert.equal(one.metadata.uid, slice.metadata.uid);
  const missing = await getJson(0, `${SLICES}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.message, 'endpointslices.discovery.k8s.io "nope" not found');
  assert.equal(missing.body.reason, 'NotFound');
  assert.equal((await getJson(0, '/apis/discovery.k8s.io/v1/widgets')).status, 404);
});

test('a watch from a list resourceVersion follows a server that dies (after its lease TTL) and comes back', async () => {
  const list = (await getJson(0, `${SLICES}?${SELECTOR}`)).body;
  // Listed on server 0, watched on server 1: one resourceVersion sequence for the cluster.
  const w = await watch(
    1,
    `${SLICES}?watch=1&${SELECTOR}&resourceVersion=${list.metadata.resourceVersion}`,
  );
  try {
    assert.equal(w.status, 200);
    const victim = lab.servers[0]!;
    await victim.die();
    assert.deepEqual(ips(sliceNow()), HOSTS, 'a crashed server stays until its lease expires');
    assert.ok(await waitFor(() => w.events.length === 1, 5000), JSON.stringify(w.events));
    assert.equal(lastEvent(w)!.type, 'MODIFIED');
    assert.equal(lastEvent(w)!.object.kind, 'EndpointSlice');
    assert.deepEqual(ips(lastEvent(w)!.object), HOSTS.slice(1));
    assert.ok(
      Number(lastEvent(w)!.object.metadata.resourceVersion) > Number(list.metadata.resourceVersion),
    );
    await victim.resume();
    assert.ok(await waitFor(() => w.events.length === 2, 5000));
    assert.deepEqual(ips(lastEvent(w)!.object), HOSTS);
    // refuse and hang stop the lease's renewal too.
    await lab.servers[2]!.refuse();
    assert.ok(await waitFor(() => w.events.length === 3, 5000));
    assert.deepEqual(ips(lastEvent(w)!.object), HOSTS.slice(0, 2));
    await lab.servers[2]!.resume();
    assert.ok(await waitFor(() => w.events.length === 4, 5000));
    // An unready server keeps its lease: the reconciler does not read /readyz.
    lab.servers[2]!.unready();
    await new Promise((r) => setTimeout(r, TTL_MS * 2));
    assert.equal(w.events.length, 4);
    lab.servers[2]!.ready();
  } finally {
    w.stop();
  }
});

test('servers added and removed at run time, through the lab control endpoint', async () => {
  const control = createLabControl(lab);
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  const ew = await watch(0, '/api/v1/namespaces/default/endpoints?watch=1');
  try {
    const res = await fetch(`${base}/add?host=127.0.10.94&port=${port}`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(ips(sliceNow()), [...HOSTS, '127.0.10.94']);
    assert.equal((await on(3, '/readyz')).body, 'ok', 'the new server serves');
    assert.ok(await waitFor(() => ew.events.some((e) => e.type === 'MODIFIED'), 3000));
    const modified = ew.events.filter((e) => e.type === 'MODIFIED').at(-1)!;
    assert.equal(modified.object.subsets[0].addresses.length, 4);
    // Removal is a graceful shutdown: the lease goes at once, no TTL.
    const gone = await fetch(`${base}/127.0.10.94:${port}/remove`, { method: 'POST' });
    assert.equal(gone.status, 200);
    assert.deepEqual(ips(sliceNow()), HOSTS);
    assert.equal(lab.servers.length, 3);
    await assert.rejects(on(3, '/readyz'), /ECONNREFUSED/);
    // A server on another port gets a slice of its own, found by the same label.
    const other = await lab.addServer('127.0.10.94', 0);
    const slices = (await getJson(0, `${SLICES}?${SELECTOR}`)).body.items;
    assert.deepEqual(
      slices.map((s: { metadata: { name: string } }) => s.metadata.name),
      ['kubernetes', `kubernetes-${other.port}`],
    );
    await lab.removeServer(other.address);
    assert.equal((await getJson(0, `${SLICES}?${SELECTOR}`)).body.items.length, 1);
  } finally {
    ew.stop();
    control.close();
  }
});

test('watch semantics: 410 Expired for a compacted resourceVersion, bookmarks, initial events', async () => {
  const gone = await watch(0, `${SLICES}?watch=1&resourceVersion=5`);
  await gone.closed;
  assert.equal(gone.status, 200);
  assert.equal(gone.events.length, 1);
  assert.equal(gone.events[0]!.type, 'ERROR');
  assert.equal(gone.events[0]!.object.code, 410);
  assert.equal(gone.events[0]!.object.reason, 'Expired');
  assert.match(gone.events[0]!.object.message, /^too old resource version: 5 \(\d+\)$/);

  const b = await watch(
    1,
    `${SLICES}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&${SELECTOR}`,
  );
  try {
    assert.ok(await waitFor(() => b.events.length >= 3, 3000), JSON.stringify(b.events));
    assert.equal(b.events[0]!.type, 'ADDED');
    assert.equal(b.events[1]!.type, 'BOOKMARK');
    assert.equal(b.events[1]!.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.equal(b.events[1]!.object.kind, 'EndpointSlice');
    assert.equal(b.events[2]!.type, 'BOOKMARK', 'periodic bookmarks follow');
    assert.equal(b.events[2]!.object.metadata.resourceVersion, String(lab.store.resourceVersion));
  } finally {
    b.stop();
  }
  // Without a resourceVersion a watch starts with the current state; timeoutSeconds ends it.
  const t0 = Date.now();
  const t = await watch(2, `${SLICES}?watch=1&timeoutSeconds=1`);
  await t.closed;
  assert.ok(Date.now() - t0 >= 900);
  assert.deepEqual(
    t.events.map((e) => e.type),
    ['ADDED'],
  );
  const post = await httpsGet({
    host: HOSTS[0]!,
    port,
    ca: lab.ca.cert,
    path: SLICES,
    method: 'POST',
  });
  assert.equal(post.status, 405, 'the lab is read-only');
});

test('a hanging server holds its watch events back and sends them when it resumes', async () => {
  const w = await watch(
    1,
    `${SLICES}?watch=1&${SELECTOR}&resourceVersion=${lab.store.resourceVersion}`,
  );
  try {
    lab.servers[1]!.hang();
    await lab.servers[0]!.die();
    // The slice changes (server 0's lease, then server 1's own, run out), but nothing arrives.
    assert.ok(await waitFor(() => ips(sliceNow()).length === 1, 5000), JSON.stringify(sliceNow()));
    assert.equal(w.events.length, 0);
    await lab.servers[1]!.resume();
    await lab.servers[0]!.resume();
    // First the change it held (only server 3 left), then the two servers coming back.
    assert.ok(
      await waitFor(() => ips(lastEvent(w)?.object ?? { endpoints: [] }).length === 3, 5000),
    );
    assert.deepEqual(ips(w.events[0]!.object), [HOSTS[2]]);
    assert.ok(w.events.every((e) => e.type === 'MODIFIED'));
  } finally {
    w.stop();
  }
});
