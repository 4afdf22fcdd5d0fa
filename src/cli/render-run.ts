import { formatDiagnosticLine } from '../plan/format-table.js';
import { planFromSources, type Plan } from '../plan/index.js';
import { renderPlan, type ProxyChoice } from '../render/render-plan.js';
import { writeRendered } from '../render/write-files.js';
import { KubehaError, isKubehaError } from '../shared/errors.js';
import { parseImageRef } from '../shared/image-ref.js';
import type { PlannerOptions } from './plan-options.js';

export async function runRender(
  opts: PlannerOptions & {
    out: string;
    proxy?: string;
    image?: string;
    force?: boolean;
    prune?: boolean;
  },
): Promise<void> {
  if (opts.proxy !== undefined && !['nginx', 'haproxy', 'kubeha'].includes(opts.proxy)) {
    throw new KubehaError('E_USAGE', `unknown --proxy "${opts.proxy}"`, {
      hint: 'use nginx, haproxy or kubeha',
    });
  }
  if (opts.image !== undefined) {
    const parsed = parseImageRef(opts.image);
    if ('error' in parsed) {
      throw new KubehaError('E_IMAGE_REF', `--image "${opts.image}": ${parsed.error}`, {
        hint: 'give REGISTRY/NAME:TAG, e.g. registry.example:5000/kubeha/kubeha:0.1.0',
      });
    }
  }
  // plan.json keeps eraDifferences: it is the plan `kubeha plan -o json` prints
  const plan = await planFromSources(opts.inventory, opts);
  // not even when disabled: such files never work
  const loopback = [...plan.diagnostics, ...plan.disabledFindings].find((d) => d.id === 'KH013');
  if (loopback) {
    throw new KubehaError('E_LOOPBACK_UPSTREAM', `nothing written: ${loopback.message}`, {
      hint: loopback.fix,
    });
  }
  const files = renderOrExplain(plan, opts.proxy as ProxyChoice | undefined, opts.image);
  // errors, and the addresses kubeha had to approximate: they are in the files written
  for (const d of plan.diagnostics.filter((x) => x.severity === 'error' || x.id === 'KH010')) {
    if (d.id === 'KH072' && opts.image !== undefined) continue;
    process.stderr.write(`kubeha: ${formatDiagnosticLine(d, d.id === 'KH010')}\n`);
  }
  const res = writeRendered(opts.out, files, { force: opts.force, prune: opts.prune });
  if (res.stale.length > 0)
    process.stderr.write(
      `kubeha: warning: ${res.stale.length} file(s) under ${opts.out} are not part of this render (left from an earlier one): ${listed(res.stale)}; remove them with --prune before copying ${opts.out} to hosts\n`,
    );
  if (res.pruned.length > 0)
    process.stderr.write(
      `kubeha: removed ${res.pruned.length} file(s) an earlier render left (--prune): ${listed(res.pruned)}\n`,
    );
  const hosts = new Set(plan.hosts.filter((h) => h.localProxy).map((h) => h.name));
  process.stdout.write(
    `${plan.pattern.name}: ${res.written.length} file(s) written, ${res.unchanged.length} unchanged under ${opts.out}; local proxy files for ${hosts.size} host(s)\n`,
  );
}

const listed = (files: string[]) =>
  `${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`;

/** Renders in memory; an invalid inventory image is reported where the inventory sets it. */
function renderOrExplain(plan: Plan, proxy: ProxyChoice | undefined, image: string | undefined) {
  try {
    return renderPlan(plan, { proxy, image });
  } catch (err) {
    const at = plan.diagnostics.find((d) => d.id === 'KH072' && d.file !== undefined);
    if (isKubehaError(err) && err.code === 'E_IMAGE_REF' && at) {
      throw new KubehaError(err.code, err.message, {
        file: at.file,
        line: at.line,
        hint: err.hint,
      });
    }
    throw err;
  }
}
