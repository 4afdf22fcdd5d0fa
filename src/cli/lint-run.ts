import { KubehaError } from '../shared/errors.js';
import { LINT_RULES, planFromSources } from '../plan/index.js';
import { formatDiagnosticLine, formatLintSummary } from '../plan/format-table.js';
import type { PlannerOptions } from './plan-options.js';

export async function runLint(
  opts: PlannerOptions & { output: string; rules?: boolean },
): Promise<void> {
  if (opts.rules) {
    for (const r of LINT_RULES) {
      process.stdout.write(`${r.id} ${r.name} (${r.severity})\n  why: ${r.why}\n  fix: ${r.fix}\n`);
    }
    return;
  }
  if (!opts.inventory?.length) {
    throw new KubehaError('E_USAGE', "required option '-i, --inventory <source...>' not specified");
  }
  if (opts.output !== 'text' && opts.output !== 'json') {
    throw new KubehaError('E_USAGE', `unknown output format "${opts.output}"`, {
      hint: 'use text or json',
    });
  }
  const plan = await planFromSources(opts.inventory, { ...opts, compareEras: false });
  const ds = plan.diagnostics;
  if (opts.output === 'json') {
    process.stdout.write(`${JSON.stringify(ds, null, 2)}\n`);
  } else {
    process.stdout.write(`${plan.pattern.name}  [${plan.kubespray.label}]\n`);
    for (const d of ds) process.stdout.write(`${formatDiagnosticLine(d)}\n`);
    process.stdout.write(`${formatLintSummary(ds)}\n`);
  }
  process.exitCode = ds.some((d) => d.severity === 'error') ? 1 : 0;
}
