/**
 * The failure model of one plan: every client (each component on each host, plus
 * kubectl and CI outside the cluster), the path its kubeconfig gives it (from the
 * plan's access table), and how each balancer on a path behaves (from the files
 * kubeha renders for the plan).
 */
import type { AccessRow, Plan } from '../plan/plan-types.js';
import { renderExternalHaproxy, renderKeepalived } from '../render/external-lb.js';
import { renderPlan, type ProxyChoice } from '../render/render-plan.js';
import { failureCatalog, type Failure } from './failures.js';
import {
  haproxyBehaviour,
  keepalivedFailoverMs,
  kubehaBehaviour,
  nginxBehaviour,
  type ProxyBehaviour,
} from './proxy-behaviour.js';

/** One client: an access row of the plan (kubectl and CI split from the outside kubeconfig). */
export interface SimClient extends Pick<AccessRow, 'host' | 'role' | 'file' | 'endpoint' | 'path'> {
  component: string;
  /** indices into SimModel.controlPlanes of the servers the path can end on */
  targets: number[];
}

export interface ExternalLbModel {
  address: string;
  port: number;
  behaviour: ProxyBehaviour;
  /** keepalived moving the VIP to the other LB host */
  vipFailoverMs: number;
}

export interface SimModel {
  plan: Plan;
  /** the local proxy engine simulated (render's --proxy), when not the one Kubespray deploys */
  proxy?: ProxyChoice;
  controlPlanes: string[];
  etcdMembers: string[];
  hosts: Set<string>;
  clients: SimClient[];
  /** per host with a local proxy: how it behaves, and its upstreams as control-plane indices */
  localProxies: Map<string, { behaviour: ProxyBehaviour; upstreams: number[] }>;
  externalLb: ExternalLbModel | null;
  catalog: Failure[];
}

export interface ModelOptions {
  proxy?: ProxyChoice;
}

/** kubectl and CI both use the admin kubeconfig Kubespray hands out for outside use. */
const OUTSIDE_CLIENTS = ['kubectl', 'ci'];

export function buildModel(plan: Plan, opts: ModelOptions = {}): SimModel {
  const controlPlanes = plan.controlPlanes.map((c) => c.host);
  const cpIndex = new Map(controlPlanes.map((n, i) => [n, i]));
  const clients: SimClient[] = [];
  for (const row of plan.access) {
    const base = {
      host: row.host,
      role: row.role,
      file: row.file,
      endpoint: row.endpoint,
      path: row.path,
      targets: row.path.targets.map((t) => cpIndex.get(t)!).filter((i) => i !== undefined),
    };
    if (row.component === 'external-kubeconfig') {
      for (const component of OUTSIDE_CLIENTS) clients.push({ ...base, component });
    } else clients.push({ ...base, component: row.component });
  }
  return {
    plan,
    proxy: opts.proxy,
    controlPlanes,
    etcdMembers: plan.hosts.filter((h) => h.roles.includes('etcd')).map((h) => h.name),
    hosts: new Set(plan.hosts.map((h) => h.name)),
    clients,
    localProxies: localProxies(plan, cpIndex, opts.proxy),
    externalLb: externalLb(plan),
    catalog: failureCatalog(plan),
  };
}

/**
 * Renders the proxy files once per distinct proxy setting (every worker usually
 * shares one) and reads each engine's behaviour from them.
 */
function localProxies(
  plan: Plan,
  cpIndex: Map<string, number>,
  proxy: ProxyChoice | undefined,
): SimModel['localProxies'] {
  const out: SimModel['localProxies'] = new Map();
  const byKey = new Map<string, ProxyBehaviour>();
  const reps: Plan['hosts'] = [];
  const keyOf = (h: Plan['hosts'][number]) =>
    JSON.stringify([h.localProxy!.type, h.localProxy!.settings, h.localProxy!.upstreams.length]);
  for (const h of plan.hosts) {
    if (h.localProxy && !reps.some((r) => keyOf(r) === keyOf(h))) reps.push(h);
  }
  if (reps.length > 0) {
    const files = renderPlan({ ...plan, hosts: reps, access: [] }, { proxy });
    for (const h of reps) {
      const mine = files.filter((f) => f.path.startsWith(`${h.name}/`));
      const find = (suffix: string) => mine.find((f) => f.path.endsWith(suffix));
      const k = find('/proxy.yaml');
      const n = find('/nginx.conf');
      const hp = find('/haproxy.cfg');
      const b = k
        ? kubehaBehaviour(k.content, k.path)
        : n
          ? nginxBehaviour(n.content, n.path)
          : haproxyBehaviour(hp!.content, hp!.path, 'haproxy');
      byKey.set(keyOf(h), b);
    }
  }
  // hosts with the same proxy share one entry, so evaluations can be cached per entry
  const shared = new Map<string, { behaviour: ProxyBehaviour; upstreams: number[] }>();
  for (const h of plan.hosts) {
    if (!h.localProxy) continue;
    const upstreams = h.localProxy.upstreams.map((u) => cpIndex.get(u.host)!);
    const key = `${keyOf(h)}|${upstreams.join(',')}`;
    let entry = shared.get(key);
    if (!entry) shared.set(key, (entry = { behaviour: byKey.get(keyOf(h))!, upstreams }));
    out.set(h.name, entry);
  }
  return out;
}

function externalLb(plan: Plan): ExternalLbModel | null {
  if (!plan.externalLb) return null;
  const header = 'Rendered by kubeha simulate.';
  return {
    address: plan.externalLb.address ?? '(loadbalancer_apiserver.address unset)',
    port: plan.externalLb.port,
    behaviour: haproxyBehaviour(
      renderExternalHaproxy(plan, header),
      'external-lb/haproxy.cfg',
      'external-lb',
    ),
    vipFailoverMs: keepalivedFailoverMs(renderKeepalived(plan, header)),
  };
}

/** The engine name a reason uses for the local proxy on a host. */
export function engineName(b: ProxyBehaviour): string {
  return b.engine === 'kubeha'
    ? 'kubeha proxy'
    : b.engine === 'external-lb'
      ? 'external LB'
      : b.engine;
}
