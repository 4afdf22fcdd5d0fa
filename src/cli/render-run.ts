import { formatDiagnosticLine } from '../plan/format-table.js';
import { planFromSources } from '../plan/index.js';
import { renderPlan, type ProxyChoice } from '../render/render-plan.js';
import { writeRendered } from '../render/write-files.js';
import { KubehaError } from '../shared/errors.js';
import type { PlannerOptions } from './plan-options.js';

export async function runRender(
  opts: PlannerOptions & { out: string; proxy?: string; force?: boolean },
): Promise<void> {
  if (opts.proxy !== undefined && !['nginx', 'haproxy', 'kubeha'].includes(opts.proxy)) {
    throw new KubehaError('E_USAGE', `unknown --proxy "${opts.proxy}"`, {
      hint: 'use nginx, haproxy or kubeha',
    });
  }
  // plan.json keeps eraDifferences: it is the plan `kubeha plan -o json` prints
  const plan = await planFromSources(opts.inventory, opts);
  const files = renderPlan(plan, { proxy: opts.proxy as ProxyChoice | undefined });
  for (const d of plan.diagnostics.filter((x) => x.severity === 'error')) {
    process.stderr.write(`kubeha: ${formatDiagnosticLine(d, false)}\n`);
  }
  const res = writeRendered(opts.out, files, { force: opts.force });
  const hosts = new Set(plan.hosts.filter((h) => h.localProxy).map((h) => h.name));
  process.stdout.write(
    `${plan.pattern.name}: ${res.written.length} file(s) written, ${res.unchanged.length} unchanged under ${opts.out}; local proxy files for ${hosts.size} host(s)\n`,
  );
}
