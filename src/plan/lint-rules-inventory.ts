import { groupHosts } from '../inventory/index.js';
import { isLoopback } from '../shared/address.js';
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
    why: "without ip= Kubespray takes the host's gathered default IPv4 (roles/network_facts: ansible_default_ipv4.address), which kubeha can only approximate without the facts, and which may not be the cluster network",
    fix: 'set ip= (and access_ip= if other hosts reach it on another address), or give kubeha the gathered facts: `ansible -i INVENTORY all -m setup --tree DIR` then `--facts DIR` (or fact_caching = jsonfile in an ansible.cfg beside the inventory)',
    check: (c) => {
      const out: Finding[] = [];
      const approx = c.hosts.filter((h) => h.net.mainIpSource === 'ansible_host');
      if (approx.length > 0) {
        const shown = approx.slice(0, 8).map((h) => `${h.name} ${h.net.mainIp}`);
        if (approx.length > 8) shown.push(`… and ${approx.length - 8} more`);
        const list = shown.join(', ');
        out.push({
          message: `no ip= and no gathered facts for ${approx.length} host(s): kubeha approximates their default address by ansible_host (${list}); Kubespray uses the address each host gathers`,
        });
      }
      for (const h of c.hosts.filter((x) => x.net.mainIpSource === 'fallback')) {
        out.push({
          host: h.name,
          message: c.facts?.has(h.name)
            ? `${h.name} has no ip= and its gathered facts have no default address: Kubespray falls back to ${h.net.mainIp}`
            : `${h.name} has no ip= and its ansible_host is no address of the cluster's family: Kubespray falls back to ${h.net.mainIp} without facts`,
        });
      }
      return out;
    },
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
      // loopback addresses are KH013's
      for (const cp of c.controlPlanes.filter((h) => !isLoopback(h.net.mainAccessIp))) {
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
  {
    id: 'KH013',
    name: 'loopback-upstream',
    severity: 'error',
    why: "a control plane whose main_access_ip is a loopback address (Kubespray's 127.0.0.1 / ::1 fallback when a host has no ip= and no default-address fact) is, for every other host, that host itself: local proxies list it as an upstream and workers' kubelets connect to it, so those connections never reach that API server",
    fix: 'set ip= on the control planes named, or pass --facts DIR with their gathered facts (`ansible -i INVENTORY kube_control_plane -m setup --tree DIR`)',
    check: (c) => {
      if (c.hosts.length < 2) return [];
      // Kubespray's fallback, or one loopback address shared (explicit distinct
      // 127.0.10.x addresses, as kubeha's lab uses, are someone's choice)
      const loop = c.controlPlanes.filter(
        (h) =>
          isLoopback(h.net.mainAccessIp) &&
          (h.net.mainAccessIpSource === 'fallback' ||
            c.controlPlanes.some((o) => o !== h && o.net.mainAccessIp === h.net.mainAccessIp)),
      );
      if (loop.length === 0) return [];
      const names = loop.map(
        (h) => `${h.name} (${h.net.mainAccessIp}, from ${h.net.mainAccessIpSource})`,
      );
      return [
        {
          message: `control plane address is a loopback address: ${names.join(', ')}; other hosts would send API traffic to themselves${loop.length > 1 ? ` (${loop.length} identical upstreams)` : ''}`,
        },
      ];
    },
  },
];
