/**
 * The fast upstreams for scenarios 1-4 and 6: one nginx (one worker) listening on
 * 127.0.10.11-13 (standing for the articles' 192.168.10.11-13) serving a small body,
 * a large file, /healthz and /readyz over plain HTTP, plus stub_status on a side port
 * so the memory scenario can see how many connections really reached an upstream.
 */
import { mkdirSync, writeFileSync, truncateSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { formatHostPort, type HostPort } from '../../src/shared/address.js';
import { startProcess, stopProcess, waitForPort, type Started } from './processes.js';

export const UPSTREAM_HOSTS = ['127.0.10.11', '127.0.10.12', '127.0.10.13'];
export const SMALL_PATH = '/small';
export const LARGE_PATH = '/large';
/** A 3-byte body: the shape of the runtime issue's independent measurement. */
export const TINY_PATH = '/tiny';
export const SMALL_BYTES = 512; // about the size of a small API object, e.g. /version
export const LARGE_BYTES = 32 * 1024 * 1024;

export interface UpstreamSettings {
  prefix: string;
  port: number;
  statusPort: number;
  maxConnections: number;
}

export function upstreamConfig(s: UpstreamSettings): string {
  const listens = UPSTREAM_HOSTS.map((h) => `    listen ${h}:${s.port} backlog=4096;`);
  return [
    'daemon off;',
    `pid ${s.prefix}/nginx.pid;`,
    `error_log ${s.prefix}/error.log warn;`,
    'worker_processes 1;',
    `worker_rlimit_nofile ${s.maxConnections + 100};`,
    'events {',
    '  use epoll;',
    '  multi_accept on;',
    `  worker_connections ${s.maxConnections};`,
    '}',
    'http {',
    '  access_log off;',
    '  default_type application/octet-stream;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  tcp_nodelay on;',
    // Keep-alive must really keep connections: a proxy maps one client connection to one upstream one.
    '  keepalive_timeout 10m;',
    '  keepalive_requests 10000000;',
    // Idle connections of the memory scenario send half a request and wait.
    '  client_header_timeout 10m;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (t) => `  ${t}_temp_path ${s.prefix}/tmp-${t};`,
    ),
    '  server {',
    ...listens,
    `    root ${s.prefix}/www;`,
    '    location = /healthz { return 200 "ok\\n"; }',
    '    location = /readyz { return 200 "ok\\n"; }',
    '  }',
    '  server {',
    `    listen ${UPSTREAM_HOSTS[0]}:${s.statusPort};`,
    '    location = /status { stub_status; }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface RunningUpstreams {
  addresses: HostPort[];
  status: HostPort;
  proc: Started;
  stop(): Promise<void>;
}

export async function startUpstreams(s: UpstreamSettings): Promise<RunningUpstreams> {
  const www = join(s.prefix, 'www');
  mkdirSync(www, { recursive: true });
  // Workers run as nobody when nginx starts as root: they must read the files.
  chmodSync(s.prefix, 0o755);
  writeFileSync(join(www, SMALL_PATH.slice(1)), 'k'.repeat(SMALL_BYTES - 1) + '\n');
  writeFileSync(join(www, TINY_PATH.slice(1)), 'ok\n');
  const large = join(www, LARGE_PATH.slice(1));
  writeFileSync(large, '');
  truncateSync(large, LARGE_BYTES); // zeros; served from the page cache by sendfile
  const conf = join(s.prefix, 'nginx.conf');
  writeFileSync(conf, upstreamConfig(s));
  const proc = startProcess(
    'upstream nginx',
    'nginx',
    ['-p', s.prefix, '-e', `${s.prefix}/error.log`, '-c', conf],
    {
      logFile: join(s.prefix, 'stdout.log'),
    },
  );
  const addresses = UPSTREAM_HOSTS.map((host) => ({ host, port: s.port }));
  for (const a of addresses) await waitForPort(proc, a.host, a.port);
  // A 403 (unreadable file) would otherwise be measured as throughput.
  for (const path of [SMALL_PATH, TINY_PATH, LARGE_PATH]) {
    const res = await fetch(`http://${formatHostPort(addresses[0]!)}${path}`, { method: 'HEAD' });
    if (res.status !== 200) {
      await stopProcess(proc);
      throw new Error(
        `upstream nginx answers ${res.status} for ${path} (see ${s.prefix}/error.log)`,
      );
    }
  }
  return {
    addresses,
    status: { host: UPSTREAM_HOSTS[0]!, port: s.statusPort },
    proc,
    stop: () => stopProcess(proc),
  };
}

/** "Active connections" from stub_status (includes the status request itself). */
export async function activeConnections(status: HostPort): Promise<number> {
  const res = await fetch(`http://${formatHostPort(status)}/status`, {
    signal: AbortSignal.timeout(3000),
  });
  const text = await res.text();
  const m = /Active connections:\s*(\d+)/.exec(text);
  if (!m) throw new Error(`unexpected stub_status answer: ${text.slice(0, 200)}`);
  return Number(m[1]) - 1;
}
