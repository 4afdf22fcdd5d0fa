import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { connect as h2connect } from 'node:http2';
import { startLabCluster, type LabCluster } from '../../src/lab/cluster.js';
import { h2Get, httpsGet, openWatch } from './tls-client.js';

let lab: LabCluster;
before(async () => {
  lab = await startLabCluster({ watchEventIntervalMs: 50 });
});
after(async () => {
  await lab.close();
});

const target = (i: number) => ({
  host: lab.servers[i]!.host,
  port: lab.servers[i]!.port,
  ca: lab.ca.cert,
});

test('serving certificate chains to the lab CA with the listen IP, 127.0.0.1 and localhost', () => {
  const ca = new X509Certificate(lab.ca.cert);
  assert.equal(ca.ca, true);
  const s = lab.servers[0]!;
  assert.match(s.url, /^https:\/\/127\.0\.10\.11:\d+$/);
  return new Promise<void>((resolve, reject) => {
    const sock = tlsConnect(
      { host: s.host, port: s.port, ca: lab.ca.cert, servername: 'localhost' },
      () => {
        const peer = new X509Certificate(sock.getPeerX509Certificate()!.raw);
        assert.ok(peer.checkIssued(ca) && peer.verify(ca.publicKey));
        assert.ok(
          peer.checkIP('127.0.10.11') && peer.checkIP('127.0.0.1') && peer.checkHost('localhost'),
        );
        sock.end();
        resolve();
      },
    );
    sock.on('error', reject);
  });
});

test('health endpoints answer like kube-apiserver, and /readyz fails on switch', async () => {
  assert.deepEqual((await httpsGet({ ...target(0), path: '/readyz' })).body, 'ok');
  const verbose = await httpsGet({ ...target(0), path: '/readyz?verbose' });
  assert.match(verbose.body, /\[\+\]etcd ok\n[\s\S]*readyz check passed\n$/);
  lab.servers[0]!.unready(['etcd']);
  const bad = await httpsGet({ ...target(0), path: '/readyz' });
  assert.equal(bad.status, 500);
  assert.match(bad.body, /\[-\]etcd failed: reason withheld\n[\s\S]*readyz check failed/);
  assert.equal((await httpsGet({ ...target(0), path: '/readyz?exclude=etcd' })).status, 200);
  lab.servers[0]!.unready(['informer-sync']);
  assert.equal(
    (await httpsGet({ ...target(0), path: '/livez' })).status,
    200,
    'livez ignores informer-sync',
  );
  assert.equal((await httpsGet({ ...target(0), path: '/readyz' })).status, 500);
  lab.servers[0]!.ready();
  const version = JSON.parse((await httpsGet({ ...target(0), path: '/version' })).body);
  assert.equal(version.major, '1');
});

test('speaks HTTP/2 over TLS (ALPN h2), as kubelet and client-go use it', async () => {
  const t = target(1);
  const { body, alpn } = await h2Get(`https://127.0.10.12:${t.port}`, '/healthz', t.ca);
  assert.equal(body, 'ok');
  assert.equal(alpn, 'h2');
});

test('watch streams send chunked JSON events and end when the server dies', async () => {
  const w = await openWatch(target(2));
  assert.equal(w.servedBy, lab.servers[2]!.name);
  const t0 = Date.now();
  while (w.events.length < 3 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(w.events[0]!.type, 'ADDED');
  assert.equal(w.events[2]!.type, 'MODIFIED');
  await lab.servers[2]!.die();
  await w.closed;
  assert.equal(w.isOpen(), false);
  await assert.rejects(httpsGet({ ...target(2), path: '/version' }), /ECONNREFUSED/);
  await lab.servers[2]!.resume();
  assert.equal((await httpsGet({ ...target(2), path: '/version' })).status, 200);
});

test('refuse closes the listener; hang accepts TCP but never answers TLS', async () => {
  const s = lab.servers[1]!;
  await s.refuse();
  await assert.rejects(httpsGet({ ...target(1), path: '/livez' }), /ECONNREFUSED/);
  await s.resume();
  s.hang();
  // TCP connects...
  await new Promise<void>((resolve, reject) => {
    const c = netConnect({ host: s.host, port: s.port }, () => {
      c.destroy();
      resolve();
    });
    c.on('error', reject);
  });
  // ...but TLS never completes.
  await assert.rejects(httpsGet({ ...target(1), path: '/livez', timeoutMs: 300 }), /timeout/);
  await s.resume();
  assert.equal((await httpsGet({ ...target(1), path: '/livez' })).status, 200);
});

test('anonymous-auth=false answers 401 without a client certificate', async () => {
  const strict = await startLabCluster({ hosts: ['127.0.10.14'], anonymousAuth: false });
  try {
    const t = { host: '127.0.10.14', port: strict.servers[0]!.port, ca: strict.ca.cert };
    assert.equal((await httpsGet({ ...t, path: '/readyz' })).status, 401);
    const withCert = await httpsGet({ ...t, path: '/readyz', ...strict.kubeletClient });
    assert.equal(withCert.status, 200);
    // A certificate from another CA is not trusted either.
    assert.equal((await httpsGet({ ...t, path: '/readyz', ...lab.kubeletClient })).status, 401);
  } finally {
    await strict.close();
  }
});

test('hang: requests on connections set up before it are never answered', async () => {
  const s = lab.servers[0]!;
  const session = h2connect(`https://127.0.10.11:${s.port}`, { ca: lab.ca.cert });
  try {
    const get = () =>
      new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': '/healthz' });
        let b = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (b += c));
        req.on('end', () => resolve(b));
        req.on('error', reject);
      });
    assert.equal(await get(), 'ok');
    s.hang();
    const pending = get();
    const outcome = await Promise.race([
      pending.then(
        () => 'answered',
        () => 'failed',
      ),
      new Promise((r) => setTimeout(() => r('silent'), 300)),
    ]);
    assert.equal(outcome, 'silent');
    await s.resume();
    // Dropped on resume, never answered late.
    assert.notEqual(await pending.catch(() => 'dropped'), 'ok');
  } finally {
    session.destroy();
    await s.resume();
  }
});
