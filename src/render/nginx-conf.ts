import { ipwrap } from '../shared/address.js';

/**
 * nginx.conf for Kubespray's nginx-proxy, byte for byte what Ansible renders
 * from roles/kubernetes/node/templates/loadbalancer/nginx.conf.j2 (Jinja with
 * Ansible's trim_blocks, hence the odd indentation of the upstream's closing
 * brace and of the http block's end). Verified against Ansible-rendered copies
 * in test/fixtures/planner/expected/.
 */
export interface NginxConfInput {
  /** worker_rlimit_nofile: 130048 up to v2.31, 65535 since PR #13255 */
  rlimitNofile: number;
  /** hostvars[cp].main_access_ip for groups['kube_control_plane'], in order */
  upstreams: string[];
  /** kube_apiserver_port: the upstream port */
  apiserverPort: number;
  /** loadbalancer_apiserver_port | default(kube_apiserver_port) */
  listenPort: number;
  ipv6Stack: boolean;
  /** loadbalancer_apiserver_healthcheck_port, when defined */
  healthPort?: number;
  /** loadbalancer_apiserver_keepalive_timeout */
  keepaliveTimeout: string;
}

export function renderNginxConf(i: NginxConfInput): string {
  const servers = i.upstreams.map((a) => `    server ${ipwrap(a)}:${i.apiserverPort};\n`).join('');
  const listen6 = i.ipv6Stack ? `    listen        [::1]:${i.listenPort};\n` : '';
  let health = '';
  if (i.healthPort !== undefined) {
    health =
      `  server {\n` +
      `    listen ${i.healthPort};\n` +
      (i.ipv6Stack ? `    listen [::]:${i.healthPort};\n` : '') +
      `    location /healthz {\n` +
      `      access_log off;\n` +
      `      return 200;\n` +
      `    }\n` +
      `    location /stub_status {\n` +
      `      stub_status on;\n` +
      `      access_log off;\n` +
      `    }\n` +
      `  }\n`;
  }
  return (
    `error_log stderr notice;\n` +
    `\n` +
    `worker_processes 2;\n` +
    `worker_rlimit_nofile ${i.rlimitNofile};\n` +
    `worker_shutdown_timeout 10s;\n` +
    `\n` +
    `events {\n` +
    `  multi_accept on;\n` +
    `  use epoll;\n` +
    `  worker_connections 16384;\n` +
    `}\n` +
    `\n` +
    `stream {\n` +
    `  upstream kube_apiserver {\n` +
    `    least_conn;\n` +
    servers +
    `    }\n` +
    `\n` +
    `  server {\n` +
    `    listen        127.0.0.1:${i.listenPort};\n` +
    listen6 +
    `    proxy_pass    kube_apiserver;\n` +
    `    proxy_timeout 10m;\n` +
    `    proxy_connect_timeout 1s;\n` +
    `  }\n` +
    `}\n` +
    `\n` +
    `http {\n` +
    `  aio threads;\n` +
    `  aio_write on;\n` +
    `  tcp_nopush on;\n` +
    `  tcp_nodelay on;\n` +
    `\n` +
    `  keepalive_timeout ${i.keepaliveTimeout};\n` +
    `  keepalive_requests 100;\n` +
    `  reset_timedout_connection on;\n` +
    `  server_tokens off;\n` +
    `  autoindex off;\n` +
    `\n` +
    health +
    `  }\n`
  );
}
