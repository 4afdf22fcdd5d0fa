/**
 * `kubeha compare` output: the three tables as sections for a terminal, as
 * Markdown tables, or as JSON. A cell whose computed value differs from the
 * pattern as usually described shows both.
 */
import type { Column } from './compare-columns.js';
import type { Cell, CompareTable } from './compare.js';

export interface CompareMeta {
  sources: string[];
  kubespray: string;
  lb: { address: string; port: number; assumed: boolean };
}

function columnTitle(c: Column): string {
  const built = c.plan.pattern;
  return built.id === c.pattern ? c.title : `${c.title} (Kubespray builds: ${built.name})`;
}

function header(meta: CompareMeta, columns: Column[]): string[] {
  const lb = `${meta.lb.address}:${meta.lb.port}`;
  const out = [
    `The access patterns applied to ${meta.sources.join(', ')} (${meta.kubespray}): only loadbalancer_apiserver_localhost and loadbalancer_apiserver change; Case 2 and Case 3 use the external LB ${lb}${meta.lb.assumed ? ' (assumed: the inventory defines none; set --external-lb)' : ''}.`,
  ];
  for (const c of columns) {
    if (c.plan.pattern.id !== c.pattern) {
      out.push(
        `${c.title}: Kubespray builds ${c.plan.pattern.name}. ${c.plan.pattern.mismatch ?? ''}`.trim(),
      );
    }
  }
  return out;
}

const shown = (cell: Cell) =>
  cell.described === undefined
    ? cell.value
    : `${cell.value} [usually described: ${cell.described}]`;

export function formatCompareText(
  meta: CompareMeta,
  columns: Column[],
  tables: CompareTable[],
): string {
  const width = Math.max(...columns.map((c) => c.title.length));
  const out = header(meta, columns);
  for (const t of tables) {
    out.push('', `== ${t.title} ==`);
    for (const r of t.rows) {
      out.push('', r.label);
      for (const c of columns) out.push(`  ${c.title.padEnd(width)}  ${shown(r.cells[c.id])}`);
    }
  }
  out.push(
    '',
    'Values in [brackets] are the pattern as usually described, where Kubespray differs.',
  );
  return out.join('\n');
}

const md = (s: string) => s.replace(/\|/g, '\\|');

export function formatCompareMarkdown(
  meta: CompareMeta,
  columns: Column[],
  tables: CompareTable[],
): string {
  const out = header(meta, columns).map((l) => `${l}\n`);
  for (const t of tables) {
    out.push(`## ${t.title}`, '');
    out.push(`| | ${columns.map((c) => md(columnTitle(c))).join(' | ')} |`);
    out.push(`|---|${columns.map(() => '---').join('|')}|`);
    for (const r of t.rows) {
      const cells = columns.map((c) => {
        const cell = r.cells[c.id];
        return md(
          cell.described === undefined
            ? cell.value
            : `${cell.value}<br>*usually described: ${cell.described}*`,
        );
      });
      out.push(`| ${md(r.label)} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export function compareJson(meta: CompareMeta, columns: Column[], tables: CompareTable[]): object {
  return {
    schemaVersion: 1,
    sources: meta.sources,
    kubespray: meta.kubespray,
    externalLb: meta.lb,
    columns: columns.map((c) => ({
      id: c.id,
      title: c.title,
      requested: c.pattern,
      built: {
        id: c.plan.pattern.id,
        name: c.plan.pattern.name,
        mismatch: c.plan.pattern.mismatch ?? null,
      },
      proxy: c.proxy ?? null,
    })),
    tables: tables.map((t) => ({
      id: t.id,
      title: t.title,
      rows: t.rows.map((r) => ({
        id: r.id,
        label: r.label,
        cells: Object.fromEntries(
          columns.map((c) => {
            const cell = r.cells[c.id];
            return [
              c.id,
              {
                value: cell.value,
                described: cell.described ?? null,
                differs: cell.described !== undefined,
              },
            ];
          }),
        ),
      })),
    })),
  };
}
