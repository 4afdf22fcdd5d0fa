/**
 * Configurations of the peers, written as Kubespray writes them (pure functions, no I/O).
 * nginx: roles/kubernetes/node/templates/loadbalancer/nginx.conf.j2;
 * HAProxy: roles/kubernetes/node/templates/loadbalancer/haproxy.cfg.j2.
 * Only what a benchmark on loopback must change is changed, and each change is listed
 * in `deviations` so the report can print it.
 */
import { formatHostPort, type HostPort } from '../../src/shared/address.js';

export interface StreamPeerSettings {
  listen: HostPort;
  upstreams: HostPort[];
  /** Directory for pid, logs and temp files (nginx -p / HAProxy chroot-free run). */
  prefix: string;
  /** Raise per-process connection limits so N idle proxied connections fit (scenario 4). */
  holdConnections?: number;
}

export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export function nginxStreamConfig(s: StreamPeerSettings & { workers: number }): string {
  // Kubespray: worker_connections 16384 per worker; each proxied connection takes two.
  const workerConnections = Math.max(16384, 2 * (s.holdConnections ?? 0) + 64);
  return [
    `load_module ${NGINX_STREAM_MODULE};`,
    'daemon off;',
    `pid ${s.prefix}/nginx.pid;`,
    `error_log ${s.prefix}/error.log notice;`,
    `worker_processes ${s.workers};`,
    'worker_rlimit_nofile 65535;',
    'worker_shutdown_timeout 10s;',
    '',
    'events {',
    '  multi_accept on;',
    '  use epoll;',
    `  worker_connections ${workerConnections};`,
    '}',
    '',
    'stream {',
    '  upstream kube_apiserver {',
    '    least_conn;',
    ...s.upstreams.map((u) => `    server ${formatHostPort(u)};`),
    '  }',
    '',
    '  server {',
    `    listen        ${formatHostPort(s.listen)};`,
    '    proxy_pass    kube_apiserver;',
    '    proxy_timeout 10m;',
    '    proxy_connect_timeout 1s;',
    '  }',
    '}',
    '',
  ].join('\n');
}

export const NGINX_DEVIATIONS = [
  'no http block (the health server on the healthcheck port is not on the data path)',
  'pid, error_log in a temporary prefix; daemon off',
  'worker_rlimit_nofile 65535 is capped by the machine fd hard limit (see machine.fdLimit)',
  'scenario 4 only: worker_connections 2 × N + 64 so one worker can hold N proxied connections (Kubespray: 16384)',
];

export interface HaproxySettings extends StreamPeerSettings {
  /** Lab API servers speak TLS: Kubespray's `check check-ssl verify none`. */
  tlsChecks: boolean;
}

export function haproxyConfig(s: HaproxySettings): string {
  const hold = s.holdConnections ?? 0;
  // Kubespray: maxconn 4000 global/defaults and 1000 per server.
  const maxconn = Math.max(4000, hold + 50);
  const serverMaxconn = Math.max(1000, hold + 50);
  const check = s.tlsChecks ? 'check check-ssl verify none' : 'check';
  return [
    'global',
    `    maxconn                 ${maxconn}`,
    '    nbthread                1',
    `    pidfile                 ${s.prefix}/haproxy.pid`,
    '',
    'defaults',
    '    mode                    http',
    '    option                  dontlognull',
    '    option                  http-server-close',
    '    option                  redispatch',
    '    retries                 5',
    '    timeout http-request    5m',
    '    timeout queue           5m',
    '    timeout connect         30s',
    '    timeout client          15m',
    '    timeout server          15m',
    '    timeout http-keep-alive 30s',
    '    timeout check           30s',
    `    maxconn                 ${maxconn}`,
    '',
    'frontend kube_api_frontend',
    `  bind ${formatHostPort(s.listen)}`,
    '  mode tcp',
    '  default_backend kube_api_backend',
    '',
    'backend kube_api_backend',
    '  mode tcp',
    '  balance leastconn',
    `  default-server inter 15s downinter 15s rise 2 fall 2 slowstart 60s maxconn ${serverMaxconn} maxqueue 256 weight 100`,
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    ...s.upstreams.map((u, i) => `  server cp${i + 1} ${formatHostPort(u)} ${check}`),
    '',
  ].join('\n');
}

export const HAPROXY_DEVIATIONS = [
  'nbthread 1 (one thread, like one nginx worker)',
  'no `log 127.0.0.1 local0` / tcplog (no syslog receiver; nginx stream logs nothing per connection either)',
  'no healthz frontend (not on the data path)',
  'plain-HTTP upstreams (scenarios 1-4, 6) are checked with `check` instead of `check check-ssl verify none`',
  'scenario 4 only: maxconn N + 50 globally and per server (Kubespray: 4000 global, 1000 per server)',
];

export interface KubehaSettings {
  listen: HostPort;
  upstreams: HostPort[];
  admin: HostPort;
  healthCheck: 'https' | 'http' | 'tcp' | 'none';
  healthPath: string;
  workers?: number;
  /** false: workers share one socket through node:cluster instead of SO_REUSEPORT. */
  reusePort?: boolean;
}

/** argv after `kubeha`, the equivalent of the two configurations above. */
export function kubehaArgs(s: KubehaSettings): string[] {
  const args = ['proxy', '--listen', formatHostPort(s.listen)];
  for (const u of s.upstreams) args.push('--upstream', formatHostPort(u));
  args.push('--admin', formatHostPort(s.admin), '--algorithm', 'least_conn');
  args.push('--health-check', s.healthCheck, '--health-path', s.healthPath);
  if (s.workers && s.workers > 1) args.push('--workers', String(s.workers));
  if (s.reusePort === false) args.push('--no-reuse-port');
  return args;
}
