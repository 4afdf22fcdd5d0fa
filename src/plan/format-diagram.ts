import { ipwrap } from '../shared/address.js';
import { hostList } from './format-table.js';
import type { AccessRow, Plan } from './plan-types.js';

/**
 * The topology as a text box diagram (like the usual Case 1 figure) and as
 * Mermaid. Hosts whose access rows are identical are drawn once.
 */
interface HostGroup {
  hosts: string[];
  lines: string[];
  via: 'local-proxy' | 'external-lb' | 'direct' | 'local' | 'broken';
}

function groupHosts(plan: Plan, role: string): HostGroup[] {
  const byHost = new Map<string, AccessRow[]>();
  for (const r of plan.access) {
    if (r.role !== role) continue;
    byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
  }
  const groups = new Map<string, HostGroup>();
  for (const [host, rows] of byHost) {
    const h = plan.hosts.find((x) => x.name === host)!;
    const proxy = h.localProxy
      ? [
          `${h.localProxy.type} ${h.localProxy.listen.join(' ')} → ${h.localProxy.upstreams.map((u) => u.host).join(', ')}`,
        ]
      : [];
    const byEndpoint = new Map<string, string[]>();
    for (const r of rows) {
      const k = `${r.endpoint} (${r.path.kind === 'local-apiserver' ? 'local API server' : r.path.text})`;
      byEndpoint.set(k, [...(byEndpoint.get(k) ?? []), short(r.component)]);
    }
    const lines = [...proxy, ...[...byEndpoint].map(([k, comps]) => `${comps.join(', ')} → ${k}`)];
    const kubelet = rows.find((r) => r.component === 'kubelet');
    const kind = kubelet?.path.kind;
    const via: HostGroup['via'] =
      kind === 'local-proxy'
        ? 'local-proxy'
        : kind === 'external-lb'
          ? 'external-lb'
          : kind === 'direct'
            ? 'direct'
            : kind === 'local-apiserver'
              ? 'local'
              : 'broken';
    const key = lines.join('\n').replaceAll(host, '<self>');
    const g = groups.get(key);
    if (g) g.hosts.push(host);
    else groups.set(key, { hosts: [host], lines, via });
  }
  return [...groups.values()];
}

const short = (c: string) =>
  ({
    'kube-controller-manager': 'kcm',
    'kube-scheduler': 'scheduler',
    'admin-kubeconfig': 'admin.conf',
    'super-admin-kubeconfig': 'super-admin.conf',
  })[c] ?? c;

function box(title: string, body: string[]): string[] {
  const inner = Math.max(title.length + 3, ...body.map((l) => l.length + 1));
  const top = `┌─ ${title} ${'─'.repeat(inner - title.length - 2)}┐`;
  const lines = body.map((l) => `│ ${l.padEnd(inner)}│`);
  return [top, ...lines, `└${'─'.repeat(inner + 1)}┘`];
}

export function formatDiagram(plan: Plan): string {
  const out: string[] = [`${plan.pattern.name}  [${plan.kubespray.label}]`, ''];
  const ext = plan.access.find((r) => r.component === 'external-kubeconfig');
  if (ext) out.push(`outside clients (kubectl, CI) ── ${ext.endpoint} ──▶ ${ext.path.text}`, '');
  if (plan.externalLb) {
    out.push(
      ...box(`external LB ${plan.externalLb.address ?? '?'}:${plan.externalLb.port}`, [
        `→ ${plan.controlPlanes.map((c) => `${c.host} ${ipwrap(c.address)}:${c.port}`).join(', ')}`,
      ]),
      '',
    );
  }
  const cpBody: string[] = [];
  for (const c of plan.controlPlanes)
    cpBody.push(`${c.host}  API server ${ipwrap(c.address)}:${c.port}`);
  for (const g of groupHosts(plan, 'control-plane')) {
    cpBody.push(`${hostList(g.hosts)}:`, ...g.lines.map((l) => `  ${l}`));
  }
  out.push(...box('control planes', cpBody));
  const workers = groupHosts(plan, 'worker');
  if (workers.length > 0) {
    const arrows = new Set(workers.map((g) => g.via));
    const label = [...arrows]
      .map((v) =>
        v === 'local-proxy'
          ? 'least_conn from each local proxy'
          : v === 'external-lb'
            ? 'through the external LB'
            : v === 'direct'
              ? 'direct to one control plane'
              : 'NO PATH',
      )
      .join(' / ');
    out.push(`        ▲  ${label}`);
    const body: string[] = [];
    for (const g of workers) body.push(`${hostList(g.hosts)}:`, ...g.lines.map((l) => `  ${l}`));
    out.push(...box('workers', body));
  }
  return out.join('\n');
}

export function formatMermaid(plan: Plan): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
  const out = ['flowchart TB'];
  out.push('  subgraph CP[control planes]');
  for (const c of plan.controlPlanes)
    out.push(
      `    ${id(`cp_${c.host}`)}["${c.host}<br/>API server ${ipwrap(c.address)}:${c.port}"]`,
    );
  out.push('  end');
  if (plan.externalLb) {
    out.push(`  LB["external LB ${plan.externalLb.address ?? '?'}:${plan.externalLb.port}"]`);
    for (const c of plan.controlPlanes) out.push(`  LB --> ${id(`cp_${c.host}`)}`);
  }
  const ext = plan.access.find((r) => r.component === 'external-kubeconfig');
  if (ext) {
    out.push(`  OUT(["outside clients<br/>${ext.endpoint}"])`);
    for (const t of ext.path.kind === 'external-lb'
      ? ['LB']
      : ext.path.targets.map((h) => id(`cp_${h}`))) {
      out.push(`  OUT --> ${t}`);
    }
  }
  const workers = groupHosts(plan, 'worker');
  if (workers.length) out.push('  subgraph W[workers]');
  workers.forEach((g, i) =>
    out.push(
      `    W${i}["${hostList(g.hosts)}<br/>${g.lines.map((l) => l.replaceAll('"', "'")).join('<br/>')}"]`,
    ),
  );
  if (workers.length) out.push('  end');
  workers.forEach((g, i) => {
    if (g.via === 'local-proxy')
      for (const c of plan.controlPlanes)
        out.push(`  W${i} -- local proxy --> ${id(`cp_${c.host}`)}`);
    else if (g.via === 'external-lb') out.push(`  W${i} --> LB`);
    else if (g.via === 'direct')
      out.push(`  W${i} -- direct --> ${id(`cp_${plan.controlPlanes[0]?.host ?? ''}`)}`);
    else out.push(`  W${i} -. no path .-x CP`);
  });
  return out.join('\n');
}
