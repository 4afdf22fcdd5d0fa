import { isIP } from 'node:net';
import type { KsCluster } from './cluster.js';

/**
 * The API server certificate's subject alternative names, as
 * roles/kubernetes/control-plane/tasks/kubeadm-setup.yml "Kubeadm | aggregate all
 * SANs" collects them (main at 46dbdd3), with gathered facts (`--facts`) or kubeha's
 * stand-ins for them (default IPv4 = ansible_host, hostname = inventory name).
 */
export function apiserverSans(cluster: KsCluster): string[] {
  const first = cluster.controlPlanes[0];
  if (!first) return [];
  const s = first.scope;
  const dnsDomain = s.string('dns_domain') ?? 'cluster.local';
  const out: string[] = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${dnsDomain}`,
  ];
  const svcIp = firstServiceIp(s.string('kube_service_addresses') ?? '10.233.0.0/18');
  if (svcIp) out.push(svcIp);
  out.push('localhost', '127.0.0.1', '::1');
  if (first.domainName) out.push(first.domainName);
  if (first.lb?.address) out.push(first.lb.address);
  const extra = s.get('supplementary_addresses_in_ssl_keys');
  if (Array.isArray(extra)) out.push(...extra.map(String));
  for (const cp of cluster.controlPlanes) out.push(cp.net.mainAccessIp);
  for (const cp of cluster.controlPlanes) out.push(cp.net.mainIp);
  // each list over all control planes, in Kubespray's order: IPv4, IPv6, hostname, FQDN
  for (const i of [0, 1]) {
    for (const cp of cluster.controlPlanes) {
      const a = cp.net.defaultAddresses[i];
      if (a !== undefined) out.push(a);
    }
  }
  // ansible_hostname / ansible_fqdn are facts; without them the inventory name stands in.
  for (const i of [0, 1]) {
    for (const cp of cluster.controlPlanes) {
      const n = cp.net.factNames.length > 0 ? cp.net.factNames[i] : cp.name;
      if (n !== undefined) out.push(n);
    }
  }
  // kube_override_hostname defaults to inventory_hostname
  out.push(s.string('kube_override_hostname') ?? first.name);
  const vip = s.string('kube_vip_address');
  if (vip) out.push(vip);
  return [...new Set(out.filter((x) => x !== ''))];
}

/** The first address of the service network (kube_apiserver_ip). */
function firstServiceIp(cidr: string): string | undefined {
  const [addr] = cidr.split(',')[0]!.split('/');
  if (!addr || isIP(addr) !== 4) return undefined;
  const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0) + 1;
  return [24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join('.');
}

/** Does a certificate with these SANs cover a client connecting to `host`? */
export function sansCover(sans: string[], host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return sans.some((s) => {
    const x = s.toLowerCase();
    if (x === h) return true;
    if (x.startsWith('*.') && isIP(h) === 0) {
      const rest = h.split('.').slice(1).join('.');
      return rest === x.slice(2);
    }
    return false;
  });
}
