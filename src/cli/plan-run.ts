import { stringify } from 'yaml';
import { KubehaError } from '../shared/errors.js';
import { planFromSources } from '../plan/index.js';
import { formatPlanTable } from '../plan/format-table.js';
import { formatDiagram, formatMermaid } from '../plan/format-diagram.js';
import type { PlannerOptions } from './plan-options.js';

const FORMATS = ['table', 'wide', 'json', 'yaml', 'diagram', 'mermaid'];

export async function runPlan(opts: PlannerOptions & { output: string }): Promise<void> {
  if (!FORMATS.includes(opts.output)) {
    throw new KubehaError('E_USAGE', `unknown output format "${opts.output}"`, {
      hint: `use one of ${FORMATS.join(', ')}`,
    });
  }
  const plan = await planFromSources(opts.inventory, opts);
  let text: string;
  switch (opts.output) {
    case 'json':
      text = JSON.stringify(plan, null, 2);
      break;
    case 'yaml':
      text = stringify(plan).trimEnd();
      break;
    case 'diagram':
      text = formatDiagram(plan);
      break;
    case 'mermaid':
      text = formatMermaid(plan);
      break;
    default:
      text = formatPlanTable(plan, opts.output === 'wide');
  }
  process.stdout.write(`${text}\n`);
}
