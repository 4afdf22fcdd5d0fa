import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWrk, runWrk, wrkArgs } from '../../bench/proxy/wrk.js';
import {
  haproxyConfig,
  nginxStreamConfig,
  NGINX_STREAM_MODULE,
} from '../../bench/proxy/peer-configs.js';
import { summarize } from '../../bench/proxy/stats.js';
import { metricRows, ratioTable, valuesTable } from '../../bench/proxy/report.js';
import type { PeerSpec } from '../../bench/proxy/peers.js';
import type { LoadSample, ThroughputResults } from '../../bench/proxy/throughput.js';

/** Unit tests of the proxy benchmark harness (bench/proxy/*): parser, configs, report. */

const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
const missing = (cmd: string, args: string[]) => spawnSync(cmd, args).error !== undefined;

// wrk 4.1 output, keep-alive: latency in us and ms, transfer in MB, socket errors + non-2xx.
const KEEPALIVE = `Running 3s test @ http://127.0.0.1:40001/small
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms    2.31ms  45.07ms   91.20%
    Req/Sec    22.10k     1.83k   25.02k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.21ms
     90%    3.40ms
     99%   12.50ms
  65934 requests in 3.00s, 9.81MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  21977.33
Transfer/sec:      3.27MB
`;

// wrk 4.1 output with -H 'Connection: close': the server's close shows as read errors.
const CLOSE = `Running 1s test @ http://127.0.0.1:40001/small
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.10ms   20.50ms   1.20s    99.10%
    Req/Sec     4.70k   310.00     5.10k    80.00%
  Latency Distribution
     50%    3.50ms
     75%    4.90ms
     90%    8.00ms
     99%    1.20s
  5120 requests in 1.10s, 780.00KB read
  Socket errors: connect 0, read 5120, write 0, timeout 0
Requests/sec:   4654.55
Transfer/sec:    709.09KB
`;

test('parseWrk: keep-alive sample, every socket error and non-2xx answer counts', () => {
  const r = parseWrk(KEEPALIVE);
  assert.equal(r.requests, 65934);
  near(r.seconds, 3);
  near(r.requestsPerSec, 21977.33);
  near(r.bytesPerSec, 3.27 * 1024 * 1024);
  near(r.p50Ms, 0.85);
  near(r.p99Ms, 12.5);
  assert.equal(r.errors, 3 + 1 + 2 + 7);
  assert.equal(parseWrk(KEEPALIVE, { closeEachRequest: false }).errors, 13);
});

test('parseWrk: Connection: close sample, read errors are not failures', () => {
  const r = parseWrk(CLOSE, { closeEachRequest: true });
  assert.equal(r.requests, 5120);
  near(r.seconds, 1.1);
  near(r.requestsPerSec, 4654.55);
  near(r.bytesPerSec, 709.09 * 1024);
  near(r.p50Ms, 3.5);
  near(r.p99Ms, 1200);
  assert.equal(r.errors, 0);
  // connect/write/timeout still count with Connection: close.
  const bad = CLOSE.replace(/connect 0(.*)write 0, timeout 0/, 'connect 1$1write 2, timeout 3');
  assert.equal(parseWrk(bad, { closeEachRequest: true }).errors, 6);
  // The same read errors on a keep-alive load are failures.
  assert.equal(parseWrk(CLOSE).errors, 5120);
  // Bytes, minutes.
  const small = CLOSE.replace('709.09KB', '512.00B').replace('in 1.10s,', 'in 1.00m,');
  assert.equal(parseWrk(small).bytesPerSec, 512);
  assert.equal(parseWrk(small).seconds, 60);
});

test('parseWrk throws on output without the request count or a percentile', () => {
  const noCount = KEEPALIVE.replace(/^.*requests in.*$/m, '');
  assert.throws(() => parseWrk(noCount), /wrk output without request count/);
  assert.throws(() => parseWrk(KEEPALIVE.replace(/^\s+99%.*$/m, '')), /without p99/);
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n'));
});

test('wrkArgs: one thread, fixed connections, latency, Connection: close only when asked', () => {
  const load = { path: '/small', connections: 32, seconds: 3, closeEachRequest: false };
  assert.equal(
    wrkArgs({ host: '127.0.0.1', port: 8080 }, load).join(' '),
    '-t1 -c32 -d3s --timeout 5s --latency http://127.0.0.1:8080/small',
  );
  const close = wrkArgs({ host: '::1', port: 80 }, { ...load, closeEachRequest: true });
  assert.equal(close.slice(6).join('|'), '-H|Connection: close|http://[::1]:80/small');
});

test('real wrk against a local node:http server parses to requests and errors', async (t) => {
  if (missing('wrk', ['--version'])) return t.skip('wrk not installed');
  const server = createServer((req, res) =>
    res.writeHead(req.url === '/fail' ? 500 : 200).end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  const load = { path: '/ok', connections: 4, seconds: 1, closeEachRequest: false };
  try {
    for (const closeEachRequest of [false, true]) {
      const r = await runWrk(target, { ...load, closeEachRequest });
      const sane = r.requests > 0 && r.requestsPerSec > 0 && r.bytesPerSec > 0 && r.p50Ms > 0;
      assert.ok(sane && r.p99Ms >= r.p50Ms && r.seconds >= 0.9 && r.seconds < 3, JSON.stringify(r));
      assert.equal(r.errors, 0, JSON.stringify(r));
    }
    const bad = await runWrk(target, { ...load, path: '/fail' });
    assert.ok(bad.requests > 0);
    assert.equal(bad.errors, bad.requests, 'every 500 answer is an error');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const LISTEN = { host: '127.0.0.1', port: 6443 };
const UPSTREAMS = [11, 12, 13].map((i) => ({ host: `127.0.10.${i}`, port: 6443 }));
const BASE = { listen: LISTEN, upstreams: UPSTREAMS, prefix: '/p' };
type Opts = { prefix?: string; holdConnections?: number };
const nginxConf = (o: Opts & { workers: number }) => nginxStreamConfig({ ...BASE, ...o });
const haproxyCfg = (o: Opts & { tlsChecks: boolean }) => haproxyConfig({ ...BASE, ...o });

/** Writes `text` to a file in a fresh temp dir and runs the checker on it; ok = exit 0. */
function checker(cmd: string, args: (dir: string, file: string) => string[]) {
  const dir = mkdtempSync(join(tmpdir(), `kubeha-bench-${cmd}-`));
  return {
    dir,
    check(text: string) {
      const file = join(dir, `${cmd}.conf`);
      writeFileSync(file, text);
      const r = spawnSync(cmd, args(dir, file), { encoding: 'utf8', timeout: 10_000 });
      return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `s.replace(a, b)`, failing when `a` is not in `s` (the broken variant must differ). */
function breakIt(s: string, a: string, b: string): string {
  assert.ok(s.includes(a), `no ${a} to break`);
  return s.replace(a, b);
}

test('nginxStreamConfig: worker count, connection limit, upstreams', () => {
  const conf = nginxConf({ workers: 2 });
  assert.match(conf, /^load_module \/usr\/lib\/nginx\/modules\/ngx_stream_module\.so;$/m);
  assert.match(conf, /^worker_processes 2;$/m);
  assert.match(conf, /^ {2}worker_connections 16384;$/m);
  assert.match(conf, /^pid \/p\/nginx\.pid;$/m);
  assert.match(conf, /^ {4}listen {8}127\.0\.0\.1:6443;$/m);
  const servers = [11, 12, 13].map((i) => `    server 127.0.10.${i}:6443;\n`).join('');
  assert.ok(conf.includes(`    least_conn;\n${servers}  }`), conf);
  const held = nginxConf({ workers: 1, holdConnections: 10000 });
  assert.match(held, /^ {2}worker_connections 20064;$/m);
});

test('nginx -t accepts the stream configs and rejects broken ones', async (t) => {
  if (missing('nginx', ['-v'])) return t.skip('nginx not installed');
  if (!existsSync(NGINX_STREAM_MODULE)) return t.skip('libnginx-mod-stream not installed');
  const nginx = checker('nginx', (dir, f) => ['-t', '-e', 'stderr', '-p', dir, '-c', f]);
  try {
    for (const workers of [1, 2]) {
      for (const holdConnections of [undefined, 10000]) {
        const r = nginx.check(nginxConf({ prefix: nginx.dir, workers, holdConnections }));
        assert.ok(r.ok, `nginx -t rejects workers ${workers}, hold ${holdConnections}:\n${r.out}`);
      }
    }
    const good = nginxConf({ prefix: nginx.dir, workers: 1 });
    const typo = nginx.check(breakIt(good, 'least_conn;', 'least_connn;'));
    assert.ok(!typo.ok && /unknown directive "least_connn"/.test(typo.out), typo.out);
    const noModule = nginx.check(breakIt(good, `load_module ${NGINX_STREAM_MODULE};`, ''));
    assert.ok(!noModule.ok && /unknown directive "stream"/.test(noModule.out), noModule.out);
  } finally {
    nginx.remove();
  }
});

test('haproxyConfig: limits and checks as Kubespray sets them', () => {
  const cfg = haproxyCfg({ tlsChecks: true });
  assert.equal(cfg.match(/^ {4}maxconn {17}4000$/gm)?.length, 2);
  assert.match(cfg, / maxconn 1000 maxqueue 256 /);
  assert.match(cfg, /^ {2}server cp3 127\.0\.10\.13:6443 check check-ssl verify none$/m);
  const held = haproxyCfg({ tlsChecks: false, holdConnections: 10000 });
  assert.equal(held.match(/^ {4}maxconn {17}10050$/gm)?.length, 2);
  assert.match(held, / maxconn 10050 maxqueue 256 /);
  assert.match(held, /^ {2}server cp1 127\.0\.10\.11:6443 check$/m);
});

test('haproxy -c accepts the generated configs and rejects a broken one', async (t) => {
  if (missing('haproxy', ['-v'])) return t.skip('haproxy not installed');
  const haproxy = checker('haproxy', (_dir, f) => ['-c', '-f', f]);
  try {
    for (const tlsChecks of [false, true]) {
      for (const holdConnections of [undefined, 10000]) {
        const r = haproxy.check(haproxyCfg({ prefix: haproxy.dir, tlsChecks, holdConnections }));
        assert.ok(r.ok, `haproxy -c rejects tls ${tlsChecks}, hold ${holdConnections}:\n${r.out}`);
      }
    }
    const good = haproxyCfg({ prefix: haproxy.dir, tlsChecks: false });
    const bad = haproxy.check(breakIt(good, 'balance leastconn', 'balance least_conn'));
    assert.ok(!bad.ok && /balance only supports/.test(bad.out), bad.out);
  } finally {
    haproxy.remove();
  }
});

test('summarize: median, min, max, spread; non-finite values ignored', () => {
  const s = summarize([14, 10, 12, NaN]);
  assert.deepEqual(s, { median: 12, min: 10, max: 14, n: 3, spreadPct: (2 / 12) * 100 });
  assert.equal(summarize([4, 1, 3, 2])?.median, 2.5);
  assert.equal(summarize([-1, 0, 1])?.spreadPct, 0, 'median 0: no division by zero');
  assert.equal(summarize([]), undefined);
  assert.equal(summarize([Infinity, NaN]), undefined);
});

const PEERS: PeerSpec[] = [
  { id: 'direct', label: 'direct', kind: 'direct', workers: 0 },
  { id: 'nginx', label: 'nginx (1 worker)', kind: 'nginx', workers: 1 },
  { id: 'haproxy', label: 'HAProxy (1 thread)', kind: 'haproxy', workers: 1 },
  { id: 'kubeha', label: 'kubeha', kind: 'kubeha', workers: 1 },
];

const sample = (rps: number, p50Ms: number, p99Ms: number, cpu?: number): LoadSample => ({
  ...{ requests: rps * 3, requestsPerSec: rps, p50Ms, p99Ms, mbPerSec: 1, errors: 0 },
  cpuSecondsPer100k: cpu,
});

test('metricRows + valuesTable + ratioTable: exact cells, round-by-round ratios, missing peer', () => {
  // Three interleaved rounds; HAProxy was not measured. kubeha ÷ nginx per round is
  // 0.5, 0.9, 0.5 → median 0.50× (the ratio of the medians, 1500 ÷ 2000, would be 0.75×).
  const throughput: ThroughputResults = {
    keepalive: {
      direct: [sample(2000, 0.2, 1), sample(4000, 0.2, 1), sample(3000, 0.2, 1)],
      nginx: [sample(1000, 0.25, 2, 1.5), sample(2000, 0.25, 2, 1.5), sample(3000, 0.25, 2, 1.5)],
      kubeha: [sample(500, 0.5, 4, 3), sample(1800, 0.5, 12, 3), sample(1500, 0.5, 8, 3)],
    },
    newconn: {},
    keepalive50: {},
    newconn20: {},
    bulk: {},
  };
  const rows = metricRows(PEERS, throughput, {});
  assert.equal(
    valuesTable(PEERS, rows),
    [
      '| measurement | unit | direct | nginx (1 worker) | HAProxy (1 thread) | kubeha |',
      '|---|---|---:|---:|---:|---:|',
      '| 1 keep-alive requests/s | req/s | 3,000 ±33% | 2,000 ±50% | — | 1,500 ±43% |',
      '| 1 keep-alive p50 latency | ms | 0.200 ±0% | 0.250 ±0% | — | 0.500 ±0% |',
      '| 1 keep-alive p99 latency | ms | 1.00 ±0% | 2.00 ±0% | — | 8.00 ±50% |',
      '| 6 CPU per 100k keep-alive requests | s | — | 1.50 ±0% | — | 3.00 ±0% |',
    ].join('\n'),
  );
  assert.equal(
    ratioTable(PEERS, rows),
    [
      '| measurement (÷ nginx / ÷ direct) | nginx (1 worker) | HAProxy (1 thread) | kubeha |',
      '|---|---:|---:|---:|',
      '| 1 keep-alive requests/s | — / 0.50× | — / — | 0.50× / 0.45× |',
      '| 1 keep-alive p50 latency | — / 1.25× | — / — | 2.00× / 2.50× |',
      '| 1 keep-alive p99 latency | — / 2.00× | — / — | 4.00× / 8.00× |',
      '| 6 CPU per 100k keep-alive requests | — / — | — / — | 2.00× / — |',
    ].join('\n'),
  );
});

test('ratioTable: two kubeha workers against two nginx workers, medians without rounds', () => {
  const peers: PeerSpec[] = [
    ...PEERS.slice(0, 2),
    { id: 'nginx-2w', label: 'nginx (2 workers)', kind: 'nginx', workers: 2 },
    { id: 'kubeha-2w', label: 'kubeha (2 workers)', kind: 'kubeha', workers: 2 },
  ];
  const one = (median: number) => summarize([median]);
  const ROW = { id: 'x', title: 'x', unit: 'u', higherIsBetter: true };
  const no2w = { direct: one(5000), nginx: one(2000), 'kubeha-2w': one(1500) };
  const full = { ...no2w, 'nginx-2w': one(3000) };
  const rows = [full, no2w].map((values) => ({ ...ROW, values }));
  const [, , withNginx2w, without] = ratioTable(peers, rows).split('\n');
  assert.equal(withNginx2w, '| x | — / 0.40× | 1.50× / 0.60× | 0.50× / 0.30× |');
  assert.equal(without, '| x | — / 0.40× | — / — | 0.75× / 0.30× |');
});
