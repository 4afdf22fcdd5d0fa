import { ipwrap } from '../shared/address.js';
import type { AccessRow, Plan, PlanDiagnostic } from './plan-types.js';

/**
 * `kubeha plan` as text: the pattern, the access table (one row per host ×
 * component; hosts with identical rows are folded into one line so a
 * 5,000-host plan stays readable), local proxies, era differences and lint.
 */
export function formatPlanTable(plan: Plan, wide = false): string {
  const out: string[] = [];
  out.push(`Pattern: ${plan.pattern.name}  [${plan.kubespray.label}]`);
  out.push(`  ${plan.pattern.summary}`);
  if (plan.pattern.mismatch) {
    out.push(`  ! requested: ${plan.pattern.requestedName}`);
    out.push(`  ! ${plan.pattern.mismatch}`);
  }
  if (plan.pattern.notDeployed) out.push(`  ! ${plan.pattern.notDeployed}`);
  out.push('');
  const header = wide
    ? ['HOST', 'ROLE', 'COMPONENT', 'ENDPOINT', 'PATH', 'FILE', 'SET BY']
    : ['HOST', 'ROLE', 'COMPONENT', 'ENDPOINT', 'PATH'];
  const rows = foldHosts(plan.access).map(({ hosts, row }) => {
    const cells = [hosts, row.role, row.component, row.endpoint, row.path.text];
    return wide ? [...cells, row.file, row.setBy] : cells;
  });
  out.push(...columns([header, ...rows]));
  const proxies = plan.hosts.filter((h) => h.localProxy);
  if (proxies.length > 0) {
    out.push('');
    const byKubeha = proxies.some((h) => h.localProxy!.deployedBy === 'kubeha-playbook');
    out.push(
      byKubeha
        ? 'Local proxies (nginx/haproxy: Kubespray roles/kubernetes/node; kubeha: deploy/kubespray/kubeha-proxy.yml):'
        : 'Local proxies (Kubespray roles/kubernetes/node):',
    );
    const lines = new Map<string, string[]>();
    for (const h of proxies) {
      const p = h.localProxy!;
      const label = p.type === 'kubeha' ? 'admin' : 'health';
      const health = p.healthListen.length ? `, ${label} ${p.healthListen.join(' ')}` : '';
      const text = `${p.type} ${p.listen.join(' ')} → ${p.upstreams.map((u) => `${ipwrap(u.address)}:${u.port}`).join(', ')}${health}`;
      lines.set(text, [...(lines.get(text) ?? []), h.name]);
    }
    for (const [text, hosts] of lines) out.push(`  ${hostList(hosts)}: ${text}`);
    const kubeha = proxies.find((h) => h.localProxy!.type === 'kubeha')?.localProxy;
    if (kubeha)
      out.push(
        `  kubeha health checks every ${kubeha.settings.kubeha.healthCheck.interval}: ${kubeha.settings.kubeha.healthCheck.why}`,
      );
  } else {
    out.push('', 'Local proxies: none');
  }
  out.push(...formatEraChanges(plan, wide));
  out.push('', formatLintSummary(plan.diagnostics, plan.disabledFindings?.length ?? 0));
  for (const d of plan.diagnostics) out.push(`  ${formatDiagnosticLine(d)}`);
  return out.join('\n');
}

/**
 * "Other Kubespray releases": one line per release and host group (releases that
 * change the same hosts the same way share it), `why:` under the lines that depend
 * on it; `-o wide` lists every component with its old endpoint.
 */
function formatEraChanges(plan: Plan, wide: boolean): string[] {
  const changes = plan.eraChanges ?? [];
  if (changes.length === 0) return [];
  const merged = new Map<string, { releases: string[]; c: (typeof changes)[number] }>();
  for (const c of changes) {
    const k = `${c.hosts.join(',')}|${c.change}|${c.why.join('|')}|${c.detail.join('|')}`;
    const m = merged.get(k);
    if (m) m.releases.push(c.release);
    else merged.set(k, { releases: [c.release], c });
  }
  const rows = [...merged.values()].map(({ releases, c }) => ({
    label: releases.join(', '),
    c,
  }));
  const width = Math.max(...rows.map((r) => r.label.length));
  const pad = ' '.repeat(width + 4);
  const out = [
    '',
    wide
      ? 'Other Kubespray releases:'
      : 'Other Kubespray releases (-o wide: every component, old and new):',
  ];
  rows.forEach(({ label, c }, i) => {
    const where = c.hosts.length > 0 ? `${hostList(c.hosts)}: ` : '';
    out.push(`  ${label.padEnd(width)}  ${where}${c.change}`);
    if (wide) for (const d of c.detail) out.push(`${pad}${d}`);
    // rows of one release with the same causes share one why, after the last of them
    const next = rows[i + 1];
    const same = next && next.label === label && next.c.why.join('|') === c.why.join('|');
    if (wide || !same) for (const w of c.why) out.push(`${pad}why: ${w}`);
  });
  return out;
}

export function formatLintSummary(ds: PlanDiagnostic[], disabled = 0): string {
  const e = ds.filter((d) => d.severity === 'error').length;
  const w = ds.filter((d) => d.severity === 'warning').length;
  return `Lint: ${e} error(s), ${w} warning(s)${disabled > 0 ? `, ${disabled} disabled` : ''}`;
}

export function formatDiagnosticLine(d: PlanDiagnostic, withFix = true): string {
  const where = d.file ? `${d.file}${d.line !== undefined ? `:${d.line}` : ''}: ` : '';
  const fix = withFix && d.fix ? `\n      fix: ${d.fix}` : '';
  return `${d.severity.padEnd(7)} ${d.id} ${where}${d.message}${fix}`;
}

/** Rows equal but for the host are printed once, with the hosts listed. */
function foldHosts(rows: AccessRow[]): Array<{ hosts: string; row: AccessRow }> {
  const groups = new Map<string, { hosts: string[]; row: AccessRow }>();
  const order: string[] = [];
  for (const r of rows) {
    // targets that are the host itself differ per host but mean the same
    const key = [
      r.role,
      r.component,
      r.endpoint,
      r.path.kind,
      r.path.kind === 'local-apiserver' ? '' : r.path.text,
    ].join('|');
    const g = groups.get(key);
    if (g) g.hosts.push(r.host);
    else {
      groups.set(key, { hosts: [r.host], row: r });
      order.push(key);
    }
  }
  // keep one block per host when few hosts, folded otherwise
  const many = new Set(rows.map((r) => r.host)).size > 8;
  if (!many) return rows.map((row) => ({ hosts: row.host, row }));
  return order.map((k) => ({ hosts: hostList(groups.get(k)!.hosts), row: groups.get(k)!.row }));
}

export function hostList(hosts: string[]): string {
  if (hosts.length <= 4) return hosts.join(',');
  return `${hosts.slice(0, 2).join(',')},…,${hosts[hosts.length - 1]} (${hosts.length} hosts)`;
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
