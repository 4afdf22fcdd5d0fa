import { parseHostPort } from '../shared/address.js';
import { KubehaError } from '../shared/errors.js';
import {
  buildColumns,
  compareJson,
  compareTables,
  defaultLb,
  formatCompareMarkdown,
  formatCompareText,
  loadSource,
  planOf,
} from '../simulate/index.js';
import type { PlannerOptions } from './plan-options.js';

const FORMATS = ['table', 'markdown', 'json'];

export async function runCompare(
  opts: PlannerOptions & { externalLb?: string; output: string },
): Promise<void> {
  if (!FORMATS.includes(opts.output)) {
    throw new KubehaError('E_USAGE', `unknown output format "${opts.output}"`, {
      hint: `use one of ${FORMATS.join(', ')}`,
    });
  }
  const src = await loadSource(opts.inventory, opts);
  const base = planOf(src.inventory, src.era, src.diagnostics);
  let lb = defaultLb(base);
  if (opts.externalLb !== undefined) {
    // an invalid address is parseHostPort's one-line E_ADDRESS error
    const hp = parseHostPort(opts.externalLb, lb.port);
    lb = { address: hp.host, port: hp.port, assumed: false };
  }
  const columns = buildColumns(src.inventory, src.era, { lb, kubehaVersion: 'current' });
  const tables = compareTables(columns);
  const meta = { sources: base.sources, kubespray: base.kubespray.label, lb };
  const text =
    opts.output === 'json'
      ? JSON.stringify(compareJson(meta, columns, tables), null, 2)
      : opts.output === 'markdown'
        ? formatCompareMarkdown(meta, columns, tables)
        : formatCompareText(meta, columns, tables);
  process.stdout.write(`${text}\n`);
}
