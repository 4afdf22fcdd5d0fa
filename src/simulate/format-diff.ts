/**
 * `kubeha simulate --add-control-plane / --remove-control-plane` as text: which
 * rendered files change on which hosts (with the changed lines), which kubeconfig
 * servers change, the certificate SANs, who is stranded, and what happens on the
 * hosts nobody re-renders.
 */
import { hostList } from '../plan/format-table.js';
import type { RenderDiff } from './render-diff.js';

export function formatDiff(d: RenderDiff, patternName: string): string {
  const c = d.change;
  const what =
    c.kind === 'add'
      ? `Adding control plane ${c.name} (${c.address})`
      : `Removing control plane ${c.name}`;
  const out = [`${what}: the diff of two renders`, `  ${patternName}; local proxy: ${d.proxy}`, ''];
  if (d.files.length === 0) out.push('Rendered files: none change');
  else out.push('Rendered files that change:');
  for (const f of d.files) {
    const where = f.file.startsWith('external-lb/') ? f.file : `${hostList(f.hosts)}: ${f.file}`;
    out.push(`  ${where} (${f.status})`);
    for (const l of f.removed) out.push(`      - ${l.trim()}`);
    for (const l of f.added) out.push(`      + ${l.trim()}`);
  }
  out.push('');
  if (d.endpoints.length === 0) out.push('Kubeconfig servers: none change');
  else out.push('Kubeconfig servers that change (what a fresh Kubespray run writes):');
  for (const e of d.endpoints) {
    const file = e.file.startsWith('(') ? e.file : `(${e.file})`;
    out.push(`  ${hostList(e.hosts)} ${e.component} ${file}: ${e.before} → ${e.after}`);
  }
  if (d.sans.added.length + d.sans.removed.length > 0) {
    const parts = [...d.sans.added.map((s) => `+${s}`), ...d.sans.removed.map((s) => `-${s}`)];
    out.push(
      '',
      `API server certificate SANs: ${parts.join(' ')} (every control plane's certificate)`,
    );
  }
  if (d.stranded.length > 0) {
    out.push('', `Clients pinned to ${c.name} that lose the API when it is gone:`);
    for (const s of d.stranded) out.push(`  ${s.host} ${s.component}: ${s.reason}`);
  }
  if (d.untilRerendered.length > 0) {
    out.push('', 'Until the changed files are applied:');
    for (const t of d.untilRerendered) out.push(`  - ${t}`);
  }
  return out.join('\n');
}
