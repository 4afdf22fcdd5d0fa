import type { KsCluster, KsHost } from '../kubespray/cluster.js';
import type { AccessPath } from './plan-types.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

export function splitUrl(url: string): { host: string; port: number } | undefined {
  const m = /^https:\/\/(\[[^\]]+\]|[^:/]+):(\d+)/.exec(url);
  if (!m) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/**
 * Where a connection from `from` (a host, or undefined for a client outside the
 * cluster) to `url` ends up. Loopback names reach the host's own local proxy
 * when it listens on that port, else its own API server (kube-apiserver binds
 * `::` by default, so it answers on 127.0.0.1 too), else nothing.
 */
export function accessPath(cluster: KsCluster, from: KsHost | undefined, url: string): AccessPath {
  // Many hosts share the same situation: memoize per cluster on what the answer depends on.
  const key = from
    ? `${url}|${from.localProxy}|${from.localLbPort}|${from.controlPlane ? from.name : ''}|${from.apiserverPort}|${from.bindAddress}`
    : `${url}|outside`;
  let memo = MEMO.get(cluster);
  if (!memo) MEMO.set(cluster, (memo = new Map()));
  const hit = memo.get(key);
  if (hit) return hit;
  const path = computePath(cluster, from, url);
  memo.set(key, path);
  return path;
}

const MEMO = new WeakMap<KsCluster, Map<string, AccessPath>>();

function computePath(cluster: KsCluster, from: KsHost | undefined, url: string): AccessPath {
  const cps = cluster.controlPlanes.map((c) => c.name);
  const parts = splitUrl(url);
  if (!parts) return { kind: 'unresolved', targets: [], text: `unresolved (${url})` };
  const { host, port } = parts;
  if (LOOPBACK.has(host)) {
    if (!from) return { kind: 'nothing-listens', targets: [], text: 'loopback on the client' };
    if (from.localProxy && from.localLbPort === port) {
      return {
        kind: 'local-proxy',
        targets: cps,
        text: `local ${from.localProxy} → ${cps.join(', ')}`,
      };
    }
    if (from.controlPlane && from.apiserverPort === port && bindsLoopback(from.bindAddress)) {
      return { kind: 'local-apiserver', targets: [from.name], text: 'local API server' };
    }
    return {
      kind: 'nothing-listens',
      targets: [],
      text: `nothing listens on ${host}:${port} there`,
    };
  }
  const lb = cluster.controlPlanes[0]?.lb ?? cluster.hosts[0]?.lb;
  if (host === 'lb-apiserver.kubernetes.local') {
    if (cluster.era.etcHostsLbEntry && lb?.address) {
      return {
        kind: 'external-lb',
        targets: cps,
        text: `external LB ${lb.address} (via /etc/hosts) → ${cps.join(', ')}`,
      };
    }
    return {
      kind: 'unresolved',
      targets: [],
      text: 'lb-apiserver.kubernetes.local resolves only if your DNS has it (Kubespray stopped writing it to /etc/hosts in v2.29)',
    };
  }
  if (
    lb &&
    (host === lb.address || (host === cluster.controlPlanes[0]?.domainName && lb.address))
  ) {
    return {
      kind: 'external-lb',
      targets: cps,
      text: `external LB ${lb.address} → ${cps.join(', ')}`,
    };
  }
  const cp = cluster.controlPlanes.find(
    (c) =>
      (c.net.mainAccessIp === host || c.net.mainIp === host || c.name === host) &&
      c.apiserverPort === port,
  );
  if (cp) {
    if (from === cp)
      return { kind: 'local-apiserver', targets: [cp.name], text: 'local API server' };
    return { kind: 'direct', targets: [cp.name], text: `direct to ${cp.name} only` };
  }
  return {
    kind: 'unresolved',
    targets: [],
    text: `${host}:${port} is not a known API server or LB`,
  };
}

function bindsLoopback(bind: string): boolean {
  return bind === '::' || bind === '0.0.0.0' || bind.startsWith('127.') || bind === '::1';
}
