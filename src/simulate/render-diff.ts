/**
 * What changes when a control plane is added or removed, as the diff of two
 * renders (the plan before and after): which files change on which hosts, which
 * kubeconfig servers change, the API server certificate's SANs, which clients are
 * pinned to a removed server, and what happens on the hosts nobody re-renders.
 */
import type { Plan } from '../plan/plan-types.js';
import { renderPlan, type ProxyChoice } from '../render/render-plan.js';
import { simulate } from './evaluate.js';
import { lineDiff, type LineDiff } from './line-diff.js';
import { buildModel, engineName, type SimModel } from './model.js';
import { fmt, KUBEHA_PROXY_DEFAULTS, type ProxyBehaviour } from './proxy-behaviour.js';
import { balancerOutcome, newConnectionDelay } from './proxy-failover.js';
import type { Condition } from './check-timeline.js';

export interface ControlPlaneChange {
  kind: 'add' | 'remove';
  name: string;
  address: string;
}

export interface FileChange {
  /** the path on the host ("/etc/nginx/nginx.conf"); the external LB's files under "external-lb/" */
  file: string;
  hosts: string[];
  status: 'changed' | 'new' | 'deleted';
  removed: string[];
  added: string[];
}

export interface EndpointChange {
  hosts: string[];
  component: string;
  file: string;
  before: string;
  after: string;
}

export interface RenderDiff {
  change: ControlPlaneChange;
  /** the local proxy engine the files were rendered for */
  proxy: string;
  files: FileChange[];
  endpoints: EndpointChange[];
  sans: LineDiff;
  /** clients whose kubeconfig pins the removed control plane: they lose the API */
  stranded: { host: string; component: string; reason: string }[];
  /** what happens on hosts whose files change but are not re-rendered */
  untilRerendered: string[];
  summary: {
    kubeconfigHosts: number;
    localProxyHosts: number;
    externalLb: boolean;
    certificateSans: boolean;
  };
}

export interface DiffOptions {
  proxy?: ProxyChoice;
  kubehaVersion: string;
}

function split(path: string): { host: string; file: string } {
  if (path.startsWith('external-lb/')) return { host: 'external LB', file: path };
  const i = path.indexOf('/');
  return { host: path.slice(0, i), file: path.slice(i) };
}

function renderFiles(plan: Plan, opts: DiffOptions): Map<string, string> {
  const files = renderPlan({ ...plan, access: [] }, opts);
  return new Map(files.filter((f) => f.path !== 'plan.json').map((f) => [f.path, f.content]));
}

function fileChanges(before: Plan, after: Plan, opts: DiffOptions): FileChange[] {
  const a = renderFiles(before, opts);
  const b = renderFiles(after, opts);
  const grouped = new Map<string, FileChange>();
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(path);
    const y = b.get(path);
    if (x === y) continue;
    const { host, file } = split(path);
    const status = x === undefined ? 'new' : y === undefined ? 'deleted' : 'changed';
    const d = status === 'changed' ? lineDiff(x!, y!) : { removed: [], added: [] };
    const key = JSON.stringify([file, status, d.removed, d.added]);
    const g = grouped.get(key);
    if (g) g.hosts.push(host);
    else grouped.set(key, { file, hosts: [host], status, ...d });
  }
  return [...grouped.values()];
}

function endpointChanges(before: Plan, after: Plan): EndpointChange[] {
  const was = new Map(before.access.map((r) => [`${r.host}|${r.component}`, r]));
  const grouped = new Map<string, EndpointChange>();
  for (const r of after.access) {
    const old = was.get(`${r.host}|${r.component}`);
    if (!old || old.endpoint === r.endpoint) continue;
    const key = JSON.stringify([r.component, r.file, old.endpoint, r.endpoint]);
    const g = grouped.get(key);
    if (g) g.hosts.push(r.host);
    else {
      grouped.set(key, {
        hosts: [r.host],
        component: r.component,
        file: r.file,
        before: old.endpoint,
        after: r.endpoint,
      });
    }
  }
  return [...grouped.values()];
}

/** Clients of the old plan that lose the API once the removed control plane is gone. */
function stranded(model: SimModel, name: string): RenderDiff['stranded'] {
  const gone = model.catalog.find((f) => f.kind === 'host' && f.target === name)!;
  const base = simulate(model, []).clients;
  return simulate(model, [gone])
    .clients.filter((c, i) => base[i]!.reachable && c.status === 'lost')
    .map((c) => ({ host: c.host, component: c.component, reason: c.reason }));
}

function proxyEntries(model: SimModel, hosts: Set<string>) {
  const out = new Map<ProxyBehaviour, string[]>();
  for (const [host, p] of model.localProxies) {
    if (hosts.has(host)) out.set(p.behaviour, [...(out.get(p.behaviour) ?? []), host]);
  }
  return out;
}

/** A stale upstream in a proxy's config: what a new connection pays for it, computed. */
function staleText(b: ProxyBehaviour, n: number, index: number, name: string): string {
  const conds = (c: Condition) => Array.from({ length: n }, (_, i) => (i === index ? c : 'ok'));
  const e = engineName(b);
  if (b.active && b.closesOnUnhealthy) {
    const d = balancerOutcome(b, conds('silent')).detection.get(index);
    const keeps = b.engine === 'kubeha' ? ' (kubeha never drops configured upstreams)' : '';
    return `${e}: ${name} stays in its configuration${keeps}, but its checks mark it down within ${d ? fmt(d.worstMs) : '?'} and it gets no connections: updating the file is tidying up, not a fix`;
  }
  const wait = (ms: number | null) =>
    ms === null ? 'indefinitely' : ms === 0 ? 'nothing' : fmt(ms);
  const gone = newConnectionDelay(b, conds('silent'));
  const up = newConnectionDelay(b, conds('refused'));
  const again =
    !b.active && b.passive.maxFails > 0
      ? `; with no active checks this recurs every fail_timeout (${fmt(b.passive.failTimeoutMs)})`
      : b.active
        ? `, until its checks (every ${fmt(b.active.intervalMs)}) mark it down`
        : '';
  return `${e}: ${name} stays an upstream; a new connection sent to it loses ${wait(gone)} if the host is gone, ${wait(up)} if the host is up without kube-apiserver, before ${e} moves on${again}`;
}

function untilRerendered(
  change: ControlPlaneChange,
  before: SimModel,
  proxyHosts: Set<string>,
  lbChanges: boolean,
): string[] {
  const out: string[] = [];
  if (proxyHosts.size === 0 && !lbChanges) return out;
  if (change.kind === 'remove') {
    const index = before.controlPlanes.indexOf(change.name);
    if (proxyHosts.size > 0) {
      out.push(
        `Kubespray's remove-node.yml does not rewrite the other nodes' proxy config (kubernetes-sigs/kubespray#12102, #10404): ${proxyHosts.size} host(s) keep ${change.name} until cluster.yml runs on them again (or kubeha render is applied)`,
      );
    }
    for (const [b, hosts] of proxyEntries(before, proxyHosts)) {
      out.push(
        `${staleText(b, before.controlPlanes.length, index, change.name)} (${hosts.length} host(s))`,
      );
    }
    if (lbChanges && before.externalLb) {
      out.push(
        `${staleText(before.externalLb.behaviour, before.controlPlanes.length, index, change.name)}`,
      );
    }
    return out;
  }
  if (proxyHosts.size > 0) {
    out.push(
      `until re-rendered, the local proxies on ${proxyHosts.size} host(s) do not know ${change.name}: it takes no connections from them (nothing breaks, it just carries no node traffic)`,
    );
    out.push(
      `kubeha proxy with discovery (discovery.kubernetesEndpoints: true) adds ${change.name} from default/kubernetes within ${fmt(KUBEHA_PROXY_DEFAULTS.discoveryDebounceMs)} of kube-apiserver listing it (its watch, debounced; ${fmt(KUBEHA_PROXY_DEFAULTS.discoveryIntervalMs)} where RBAC allows only polling), without re-rendering`,
    );
  }
  if (lbChanges)
    out.push(
      `until the external LB's config is updated, ${change.name} takes no connections through it`,
    );
  return out;
}

export function renderDiff(
  before: Plan,
  after: Plan,
  change: ControlPlaneChange,
  opts: DiffOptions,
): RenderDiff {
  const files = fileChanges(before, after, opts);
  const endpoints = endpointChanges(before, after);
  const beforeModel = buildModel(before, { proxy: opts.proxy });
  const proxyHosts = new Set(
    files.filter((f) => !f.file.startsWith('external-lb/')).flatMap((f) => f.hosts),
  );
  proxyHosts.delete(change.name);
  const lbChanges = files.some((f) => f.file.startsWith('external-lb/'));
  const sans = lineDiff(before.certificateSans.join('\n'), after.certificateSans.join('\n'));
  return {
    change,
    proxy: opts.proxy ?? 'as Kubespray deploys',
    files,
    endpoints,
    sans,
    stranded: change.kind === 'remove' ? stranded(beforeModel, change.name) : [],
    untilRerendered: untilRerendered(change, beforeModel, proxyHosts, lbChanges),
    summary: {
      kubeconfigHosts: new Set(endpoints.flatMap((e) => e.hosts)).size,
      localProxyHosts: proxyHosts.size,
      externalLb: lbChanges,
      certificateSans: sans.added.length + sans.removed.length > 0,
    },
  };
}
