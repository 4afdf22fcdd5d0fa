import { groupHosts } from '../inventory/index.js';
import type { Finding, LintRule } from './lint-rule.js';

/** Lint rules about the inventory: control planes, etcd, addresses, groups. */
export const INVENTORY_RULES: LintRule[] = [
  {
    id: 'KH001',
    name: 'no-control-plane',
    severity: 'error',
    why: 'groups["kube_control_plane"] is empty: Kubespray stops in validate_inventory and there is no API server to reach',
    fix: 'put at least one host (three for HA) in [kube_control_plane] (or the old name [kube-master])',
    check: (c) => (c.controlPlanes.length === 0 ? [{ message: 'no control plane hosts' }] : []),
  },
  {
    id: 'KH002',
    name: 'even-control-planes',
    severity: 'warning',
    why: 'with stacked etcd an even number of control planes tolerates no more failures than one fewer',
    fix: 'use an odd number of control planes (3 or 5)',
    check: (c) =>
      c.controlPlanes.length >= 2 && c.controlPlanes.length % 2 === 0
        ? [{ message: `${c.controlPlanes.length} control planes (an even number)` }]
        : [],
  },
  {
    id: 'KH003',
    name: 'even-etcd',
    severity: 'error',
    why: 'etcd needs a majority; roles/validate_inventory asserts an odd etcd member count',
    fix: 'make the etcd group 1, 3 or 5 hosts',
    check: (c) => {
      const n = c.hosts.filter((h) => h.etcd).length;
      if (n === 0) return [{ message: 'no etcd hosts', severity: 'error' }];
      return n % 2 === 0 ? [{ message: `${n} etcd members (an even number)` }] : [];
    },
  },
  {
    id: 'KH004',
    name: 'single-control-plane-ha',
    severity: 'warning',
    why: 'a load-balancing pattern over one API server adds a hop but no failover',
    fix: 'add two more control planes, or accept the single endpoint',
    check: (c, p) =>
      c.controlPlanes.length === 1 && ['case1', 'case2', 'case3'].includes(p.pattern.requested)
        ? [{ message: `one control plane under ${p.pattern.requestedName}` }]
        : [],
  },
  {
    id: 'KH010',
    name: 'missing-ip',
    severity: 'warning',
    why: 'without ip/access_ip Kubespray uses the default IPv4 fact at run time (roles/network_facts), which may not be the cluster network',
    fix: 'set ip= (and access_ip= if other hosts reach it on another address) on every host',
    check: (c) =>
      c.hosts
        .filter((h) => h.net.mainIpSource === 'ansible_host' || h.net.mainIpSource === 'fallback')
        .map((h) => ({
          host: h.name,
          message:
            h.net.mainIpSource === 'ansible_host'
              ? `${h.name} has no ip/access_ip: kubeha assumes ansible_host ${h.net.mainIp}; Kubespray will use the host's default IP`
              : `${h.name} has no ip/access_ip and no address in ansible_host: Kubespray falls back to the default IP fact (${h.net.mainIp} when facts are missing)`,
        })),
  },
  {
    id: 'KH011',
    name: 'duplicate-access-ip',
    severity: 'error',
    why: 'two control planes with the same main_access_ip make one upstream appear twice and the other unreachable',
    fix: 'give each control plane its own ip/access_ip',
    check: (c) => {
      const seen = new Map<string, string>();
      const out: Finding[] = [];
      for (const cp of c.controlPlanes) {
        const prev = seen.get(cp.net.mainAccessIp);
        if (prev) {
          out.push({
            host: cp.name,
            message: `${prev} and ${cp.name} share main_access_ip ${cp.net.mainAccessIp}`,
          });
        } else seen.set(cp.net.mainAccessIp, cp.name);
      }
      return out;
    },
  },
  {
    id: 'KH012',
    name: 'old-group-order',
    severity: 'warning',
    why: 'roles/dynamic_groups builds kube_control_plane from kube-master with group_by, which adds hosts in the order their tasks finish: with several forks the first control plane (kubeadm init node, first_kube_control_plane) and the upstream order vary from run to run',
    fix: 'rename [kube-master] to [kube_control_plane] (and [kube-node] to [kube_node])',
    check: (c) => {
      if (!c.inventory.groups.has('kube-master') || c.controlPlanes.length < 2) return [];
      const old = new Set(groupHosts(c.inventory, 'kube-master'));
      const fromOld = c.controlPlanes.filter((h) => old.has(h.name));
      return fromOld.length
        ? [
            {
              message: `kube_control_plane comes from kube-master (${fromOld.map((h) => h.name).join(', ')}): kubeha assumes inventory order, Kubespray may pick another first control plane`,
            },
          ]
        : [];
    },
  },
];
