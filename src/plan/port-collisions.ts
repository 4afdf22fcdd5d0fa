import type { KsHost } from '../kubespray/cluster.js';
import { KUBEHA_ADMIN_PORT } from '../kubespray/defaults.js';

/**
 * TCP listeners a Kubespray node runs, by host role, with the address each
 * binds. Ports are Kubernetes' and etcd's defaults (kubelet 10250 and healthz
 * 10248 on 127.0.0.1, kube-proxy metrics 10249 on 127.0.0.1 and healthz 10256,
 * controller-manager 10257, scheduler 10259, etcd 2379/2380, metrics 2381).
 */
interface Listener {
  owner: string;
  /** '*' for every address */
  address: string;
  port: number;
}

function listeners(h: KsHost): Listener[] {
  const out: Listener[] = [
    { owner: 'kubelet', address: '*', port: 10250 },
    { owner: 'kubelet healthz', address: '127.0.0.1', port: 10248 },
    { owner: 'kube-proxy metrics', address: '127.0.0.1', port: 10249 },
    { owner: 'kube-proxy healthz', address: '*', port: 10256 },
  ];
  if (h.controlPlane) {
    const bind = h.bindAddress === '::' || h.bindAddress === '0.0.0.0' ? '*' : h.bindAddress;
    out.push(
      { owner: 'kube-apiserver', address: bind, port: h.apiserverPort },
      { owner: 'kube-controller-manager', address: '127.0.0.1', port: 10257 },
      { owner: 'kube-scheduler', address: '127.0.0.1', port: 10259 },
    );
  }
  if (h.etcd) {
    out.push(
      { owner: 'etcd client', address: '*', port: 2379 },
      { owner: 'etcd peer', address: '*', port: 2380 },
      { owner: 'etcd metrics', address: '127.0.0.1', port: 2381 },
    );
  }
  if (h.localProxy) {
    out.push({ owner: `${h.localProxy} (API proxy)`, address: '127.0.0.1', port: h.localLbPort });
    if (h.localProxy === 'kubeha') {
      // kubeha's admin endpoint takes the health port, on loopback only
      const port = h.healthPort ?? KUBEHA_ADMIN_PORT;
      out.push({ owner: 'kubeha (admin)', address: '127.0.0.1', port });
    } else if (h.healthPort !== undefined) {
      out.push({ owner: `${h.localProxy} (health)`, address: '*', port: h.healthPort });
    }
  }
  return out;
}

const overlaps = (a: string, b: string) => a === '*' || b === '*' || a === b;

export function hostPortCollisions(h: KsHost): string[] {
  const ls = listeners(h);
  const out: string[] = [];
  for (let i = 0; i < ls.length; i++) {
    for (let j = i + 1; j < ls.length; j++) {
      const a = ls[i]!;
      const b = ls[j]!;
      if (a.port === b.port && overlaps(a.address, b.address)) {
        out.push(`${h.name}: ${a.owner} and ${b.owner} both listen on port ${a.port}`);
      }
    }
  }
  return out;
}
