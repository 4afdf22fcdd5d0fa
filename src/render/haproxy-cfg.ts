import { ipwrap } from '../shared/address.js';

/**
 * haproxy.cfg for Kubespray's local haproxy, byte for byte what Ansible renders
 * from roles/kubernetes/node/templates/loadbalancer/haproxy.cfg.j2 (v2.30+, after
 * the IPv6 bind fix of PR #12862). Verified against Ansible-rendered copies in
 * test/fixtures/planner/expected/.
 */
export interface HaproxyCfgInput {
  /** [inventory_hostname, main_access_ip] for groups['kube_control_plane'] */
  upstreams: Array<{ name: string; address: string }>;
  apiserverPort: number;
  listenPort: number;
  ipv6Stack: boolean;
  healthPort?: number;
  /** loadbalancer_apiserver_keepalive_timeout, used as `timeout client` */
  keepaliveTimeout: string;
  /** up to v2.29 the template wrote `bind [::1]:PORT;` (HAProxy rejects it; PR #12862) */
  ipv6BindSemicolon?: boolean;
}

export function renderHaproxyCfg(i: HaproxyCfgInput): string {
  const health =
    i.healthPort === undefined
      ? '\n'
      : `frontend healthz\n` +
        `  bind 0.0.0.0:${i.healthPort}\n` +
        (i.ipv6Stack ? `  bind :::${i.healthPort}\n` : '') +
        `  mode http\n` +
        `  monitor-uri /healthz\n` +
        `\n`;
  const servers = i.upstreams
    .map(
      (u) =>
        `  server ${u.name} ${ipwrap(u.address)}:${i.apiserverPort} check check-ssl verify none\n`,
    )
    .join('');
  return (
    `global\n` +
    `    maxconn                 4000\n` +
    `    log                     127.0.0.1 local0\n` +
    `\n` +
    `defaults\n` +
    `    mode                    http\n` +
    `    log                     global\n` +
    `    option                  httplog\n` +
    `    option                  dontlognull\n` +
    `    option                  http-server-close\n` +
    `    option                  redispatch\n` +
    `    retries                 5\n` +
    `    timeout http-request    5m\n` +
    `    timeout queue           5m\n` +
    `    timeout connect         30s\n` +
    `    timeout client          ${i.keepaliveTimeout}\n` +
    `    timeout server          15m\n` +
    `    timeout http-keep-alive 30s\n` +
    `    timeout check           30s\n` +
    `    maxconn                 4000\n` +
    `\n` +
    health +
    `frontend kube_api_frontend\n` +
    `  bind 127.0.0.1:${i.listenPort}\n` +
    (i.ipv6Stack ? `  bind [::1]:${i.listenPort}${i.ipv6BindSemicolon ? ';' : ''}\n` : '') +
    `  mode tcp\n` +
    `  option tcplog\n` +
    `  default_backend kube_api_backend\n` +
    `\n` +
    `backend kube_api_backend\n` +
    `  mode tcp\n` +
    `  balance leastconn\n` +
    `  default-server inter 15s downinter 15s rise 2 fall 2 slowstart 60s maxconn 1000 maxqueue 256 weight 100\n` +
    `  option httpchk GET /healthz\n` +
    `  http-check expect status 200\n` +
    servers +
    `  \n`
  );
}
