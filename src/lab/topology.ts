/**
 * Which cluster the lab pretends to be: node names, roles, addresses and the local
 * proxy on each worker. The default is the bundled example (examples/mycluster:
 * k8s-node1..3 control planes, k8s-node4 a worker behind Kubespray's nginx-proxy),
 * moved to loopback: 192.168.10.X becomes 127.0.10.X. `topologyFromPlan` derives
 * the same from any plan.
 */
import type { Plan } from '../plan/plan-types.js';

export type LocalProxyKind = 'nginx' | 'haproxy' | 'kubeha';

export interface LabNode {
  name: string;
  /** InternalIP as the lab shows it (loopback stand-in for the real address). */
  ip: string;
  controlPlane: boolean;
  /** The static pod of the local API-server proxy on this node, if any. */
  localProxy?: { kind: LocalProxyKind; podName: string };
}

export interface LabTopology {
  /** kubelet and kube-proxy versions the nodes report. */
  kubeVersion: string;
  nodes: LabNode[];
  /** The `server:` in ConfigMap kube-system/kube-proxy's kubeconfig.conf. */
  kubeProxyServer: string;
}

export const LAB_KUBE_VERSION = 'v1.32.0';

/** 192.168.10.14 -> 127.0.10.14: the last octet kept, on loopback (IPv6: ::1). */
export function loopbackStandIn(ip: string): string {
  const m = /^\d+\.\d+\.\d+\.(\d+)$/.exec(ip);
  if (m) return `127.0.10.${m[1]}`;
  return '::1';
}

export const EXAMPLE_TOPOLOGY: LabTopology = {
  kubeVersion: LAB_KUBE_VERSION,
  kubeProxyServer: 'https://127.0.0.1:6443',
  nodes: [
    { name: 'k8s-node1', ip: '127.0.10.11', controlPlane: true },
    { name: 'k8s-node2', ip: '127.0.10.12', controlPlane: true },
    { name: 'k8s-node3', ip: '127.0.10.13', controlPlane: true },
    {
      name: 'k8s-node4',
      ip: '127.0.10.14',
      controlPlane: false,
      localProxy: { kind: 'nginx', podName: 'nginx-proxy' },
    },
  ],
};

/** The lab's picture of a planned cluster: its hosts, control planes and local proxies. */
export function topologyFromPlan(plan: Plan, kubeVersion = LAB_KUBE_VERSION): LabTopology {
  const controlPlanes = new Set(plan.controlPlanes.map((c) => c.host));
  return {
    kubeVersion,
    kubeProxyServer: plan.endpoints.kubeProxy ?? EXAMPLE_TOPOLOGY.kubeProxyServer,
    nodes: plan.hosts
      .filter((h) => h.groups.includes('k8s_cluster'))
      .map((h) => ({
        name: h.name,
        ip: loopbackStandIn(h.mainIp),
        controlPlane: controlPlanes.has(h.name),
        ...(h.localProxy
          ? { localProxy: { kind: h.localProxy.type, podName: h.localProxy.settings.podName } }
          : {}),
      })),
  };
}

/**
 * The control plane each lab server stands in for: the one with its address, else
 * the first one whose address no server has (tests use other loopback addresses);
 * undefined when none is left.
 */
export function controlPlanesForServers(
  topology: LabTopology,
  hosts: readonly string[],
): (LabNode | undefined)[] {
  const cps = topology.nodes.filter((n) => n.controlPlane);
  const byIp = hosts.map((h) => cps.find((n) => n.ip === h));
  const free = cps.filter((n) => !byIp.includes(n));
  return byIp.map((n) => n ?? free.shift());
}
