import { isIP } from 'node:net';
import type { Plan } from '../plan/plan-types.js';
import { ipwrap } from '../shared/address.js';

/**
 * Configs for the external load balancer of Case 2 and Case 3, which Kubespray
 * leaves to the operator: HAProxy in TCP mode checking each API server's
 * /readyz over TLS (an API server shutting down or cut off from etcd turns
 * unready before it stops accepting TCP), closing sessions to a server marked
 * down so clients reconnect at once rather than after client-go's 45 s HTTP/2
 * health check; and keepalived holding the VIP on one of two LB hosts.
 */
export function renderExternalHaproxy(plan: Plan, header: string): string {
  const lb = plan.externalLb!;
  const servers = plan.controlPlanes
    .map((c) => `    server ${c.host} ${ipwrap(c.address)}:${c.port} check check-ssl verify none\n`)
    .join('');
  return (
    `# External API-server load balancer (HAProxy). ${header}\n` +
    `# /readyz answers 401 when the API servers run with --anonymous-auth=false;\n` +
    `# then check with \`option tcp-check\` instead (Kubespray #6242).\n` +
    `global\n` +
    `    maxconn 20000\n` +
    `    log stdout format raw local0\n` +
    `\n` +
    `defaults\n` +
    `    mode tcp\n` +
    `    log global\n` +
    `    option tcplog\n` +
    `    option dontlognull\n` +
    `    timeout connect 5s\n` +
    // watches stay open for 5-10 minutes (client-go's server-side timeout)
    `    timeout client 15m\n` +
    `    timeout server 15m\n` +
    `    timeout check 2s\n` +
    `\n` +
    `frontend kube_apiserver\n` +
    `    bind ${lb.address && isIP(lb.address) === 6 ? `[::]` : ''}:${lb.port}\n` +
    `    default_backend kube_apiserver\n` +
    `\n` +
    `backend kube_apiserver\n` +
    `    balance leastconn\n` +
    `    option httpchk\n` +
    `    http-check send meth GET uri /readyz\n` +
    `    http-check expect status 200\n` +
    `    default-server inter 2s fastinter 1s downinter 2s rise 2 fall 2 slowstart 10s on-marked-down shutdown-sessions maxconn 5000\n` +
    servers
  );
}

/**
 * keepalived for a VIP shared by two LB hosts: both start as BACKUP with the
 * same priority and `nopreempt`, so the VIP moves only when its holder fails,
 * and the holder gives it up when its HAProxy is gone.
 */
export function renderKeepalived(plan: Plan, header: string, iface = 'eth0'): string {
  const vip = plan.externalLb!.address ?? '(set loadbalancer_apiserver.address)';
  const prefix = isIP(vip) === 6 ? 128 : 32;
  return (
    `# keepalived for the API-server VIP ${vip}; the same file on both LB hosts. ${header}\n` +
    `# Set \`interface\` to the LB hosts' network interface.\n` +
    `global_defs {\n` +
    `    router_id kubeha_apiserver_lb\n` +
    `    enable_script_security\n` +
    `    script_user root\n` +
    `}\n` +
    `\n` +
    `vrrp_script chk_haproxy {\n` +
    `    script "/usr/bin/pgrep -x haproxy"\n` +
    `    interval 2\n` +
    `    fall 2\n` +
    `    rise 2\n` +
    `}\n` +
    `\n` +
    `vrrp_instance kube_apiserver_vip {\n` +
    `    state BACKUP\n` +
    `    nopreempt\n` +
    `    interface ${iface}\n` +
    `    virtual_router_id 51\n` +
    `    priority 100\n` +
    `    advert_int 1\n` +
    `    virtual_ipaddress {\n` +
    `        ${vip}/${prefix}\n` +
    `    }\n` +
    `    track_script {\n` +
    `        chk_haproxy\n` +
    `    }\n` +
    `}\n`
  );
}
