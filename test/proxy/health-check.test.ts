import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { failedChecks, runCheck } from '../../src/proxy/health-check.js';
import { UpstreamProbe } from '../../src/proxy/health-scheduler.js';
import { Upstream, type CheckRecord } from '../../src/proxy/upstream.js';
import { applyCheck } from '../../src/balancing/upstream-health.js';
import { healthAnswer } from '../../src/lab/api-responses.js';
import { freePort } from './helpers.js';

let http: Server;
let httpPort: number;
const held = new Set<Socket>();
const silent = createTcpServer((s) => {
  held.add(s); // accepts and never answers
  s.on('close', () => held.delete(s));
});
let silentPort: number;

before(async () => {
  http = createHttpServer((req, res) => {
    if (req.url === '/readyz-bad') {
      const a = healthAnswer('readyz', new Set(['etcd', 'informer-sync']), new URLSearchParams());
      res.writeHead(a.status).end(a.body);
    } else if (req.url === '/forbidden') res.writeHead(403).end('{"kind":"Status"}');
    else res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.10.51', r));
  httpPort = (http.address() as { port: number }).port;
  await new Promise<void>((r) => silent.listen(0, '127.0.10.52', r));
  silentPort = (silent.address() as { port: number }).port;
});
after(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => silent.close(r));
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
});

const spec = (kind: 'http' | 'tcp' | 'https', path = '/readyz', timeoutMs = 300) => ({
  kind,
  path,
  timeoutMs,
  tls: {},
});

test('http check: 2xx ok, 403 alive-but-unauthorized, 500 names kube-apiserver failed checks', async () => {
  const t = { host: '127.0.10.51', port: httpPort };
  const ok = await runCheck(t, spec('http'));
  assert.equal(ok.ok, true);
  assert.equal(ok.status, 200);
  const forbidden = await runCheck(t, spec('http', '/forbidden'));
  assert.deepEqual(
    [forbidden.ok, forbidden.unauthorized, forbidden.reason],
    [true, true, '/forbidden 403 (alive, unauthorized)'],
  );
  const bad = await runCheck(t, spec('http', '/readyz-bad'));
  assert.deepEqual(
    [bad.ok, bad.reason],
    [false, '/readyz-bad 500 [etcd failed, informer-sync failed]'],
  );
  assert.deepEqual(failedChecks('[+]ping ok\n[-]etcd failed: reason withheld\n'), ['etcd']);
});

test('tcp check: connect ok; refused; a silent server times out under https', async () => {
  assert.equal((await runCheck({ host: '127.0.10.51', port: httpPort }, spec('tcp'))).ok, true);
  const closedPort = await freePort('127.0.10.53');
  const refused = await runCheck({ host: '127.0.10.53', port: closedPort }, spec('tcp'));
  assert.deepEqual([refused.ok, refused.reason], [false, 'ECONNREFUSED']);
  const hung = await runCheck({ host: '127.0.10.52', port: silentPort }, spec('https'));
  assert.deepEqual([hung.ok, hung.reason], [false, '/readyz timed out after 300ms']);
  assert.ok(hung.latencyMs >= 250);
});

test('an aborted check ends at once and frees its socket', async () => {
  const ac = new AbortController();
  const p = runCheck(
    { host: '127.0.10.52', port: silentPort },
    spec('https', '/readyz', 10_000),
    ac.signal,
  );
  await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  const r = await p;
  assert.deepEqual([r.ok, r.reason], [false, 'check aborted']);
});

test('scheduler: a check unanswered after the edge interval starts the next one (overlapping timeouts)', async () => {
  const u = new Upstream('127.0.10.52:1', 0, Date.now());
  u.health = applyCheck(u.health, true, 'ok', Date.now(), { rise: 2, fall: 2 }).state;
  const starts: number[] = [];
  const results: CheckRecord[] = [];
  const t0 = Date.now();
  const probe = new UpstreamProbe(
    u,
    { intervalMs: 1000, edgeIntervalMs: 50, jitter: 0, maxInFlight: 2 },
    (signal) => {
      starts.push(Date.now() - t0);
      // A silent host: each check times out after 300 ms.
      return runCheck({ host: '127.0.10.52', port: silentPort }, spec('https'), signal);
    },
    (up, r) => {
      results.push(r);
      up.health = applyCheck(up.health, r.ok, r.reason, r.at, { rise: 2, fall: 2 }).state;
    },
    () => 0,
  );
  probe.start();
  const end = Date.now() + 3000;
  while (u.health.health !== 'unhealthy' && Date.now() < end)
    await new Promise((r) => setTimeout(r, 10));
  probe.stop();
  assert.equal(u.health.health, 'unhealthy');
  assert.equal(results.length, 2);
  // The second check started one edge interval after the first, not after its 300 ms timeout.
  assert.ok(starts[1]! - starts[0]! < 250, `starts ${starts.join(',')}`);
});

test('scheduler: a check that throws counts as failed, a handler that throws is reported; checks go on', async () => {
  const u = new Upstream('127.0.10.53:1', 0, Date.now());
  const errors: string[] = [];
  const seen: CheckRecord[] = [];
  let calls = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  process.on('unhandledRejection', onUnhandled);
  const probe = new UpstreamProbe(
    u,
    { intervalMs: 20, edgeIntervalMs: 10, jitter: 0, maxInFlight: 1 },
    () => (++calls % 2 === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(okRecord())),
    (_up, r) => {
      seen.push(r);
      if (r.ok) throw new Error('handler bug');
    },
    () => 0,
    (err) => errors.push((err as Error).message),
  );
  probe.start();
  const end = Date.now() + 2000;
  while (calls < 6 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  probe.stop();
  await new Promise((r) => setTimeout(r, 20));
  process.off('unhandledRejection', onUnhandled);
  assert.ok(calls >= 6, `checks went on (${calls})`);
  assert.deepEqual(unhandled, []);
  assert.equal(seen.find((r) => !r.ok)?.reason, 'check error: boom');
  assert.ok(errors.includes('boom') && errors.includes('handler bug'), errors.join(', '));
});

function okRecord(): CheckRecord {
  return { ok: true, unauthorized: false, reason: 'ok', latencyMs: 1, at: Date.now() };
}
