import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KubehaError } from '../shared/errors.js';
import { kubehaVersion } from '../shared/package-version.js';
import {
  LINT_RULES,
  LINT_RULE_IDS,
  formatSarif,
  parseDisableList,
  planFromSources,
  unknownIds,
  type Plan,
  type PlanDiagnostic,
} from '../plan/index.js';
import { formatDiagnosticLine, formatLintSummary } from '../plan/format-table.js';
import type { PlannerOptions } from './plan-options.js';

const FORMATS = ['text', 'json', 'sarif'];

export async function runLint(
  opts: PlannerOptions & { output: string; rules?: boolean; disable?: string[] },
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
  if (!FORMATS.includes(opts.output)) {
    throw new KubehaError('E_USAGE', `unknown output format "${opts.output}"`, {
      hint: `use ${FORMATS.join(', ')}`,
    });
  }
  const disable = (opts.disable ?? []).flatMap(parseDisableList);
  const unknown = unknownIds(disable, LINT_RULE_IDS);
  if (unknown.length > 0) {
    throw new KubehaError('E_USAGE', `--disable: no lint rule ${unknown.join(', ')}`, {
      hint: 'give rule ids as `kubeha lint --rules` lists them (KH030), or inventory warning codes (W_OLD_GROUP_NAME)',
    });
  }
  const plan = await planFromSources(opts.inventory, {
    ...opts,
    compareEras: false,
    lintDisable: disable,
  });
  const ds = plan.diagnostics;
  if (opts.output === 'json') {
    process.stdout.write(`${JSON.stringify(ds, null, 2)}\n`);
  } else if (opts.output === 'sarif') {
    const sarif = formatSarif(ds, LINT_RULES, {
      version: kubehaVersion(),
      locate: locator(plan),
      uri: (file) => {
        const rel = relative(process.cwd(), file);
        return rel.startsWith('..') || isAbsolute(rel) ? pathToFileURL(file).href : rel;
      },
    });
    process.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`);
  } else {
    process.stdout.write(`${plan.pattern.name}  [${plan.kubespray.label}]\n`);
    for (const d of ds) process.stdout.write(`${formatDiagnosticLine(d)}\n`);
    process.stdout.write(`${formatLintSummary(ds, plan.disabledFindings.length)}\n`);
  }
  process.exitCode = ds.some((d) => d.severity === 'error') ? 1 : 0;
}

/**
 * Where a finding without a file goes in SARIF: the line of the inventory source
 * that defines its host (an INI host line or a YAML host key), else the source.
 */
function locator(plan: Plan): (d: PlanDiagnostic) => { file: string; line?: number } | undefined {
  const texts = new Map<string, string[]>();
  const lines = (file: string) => {
    let t = texts.get(file);
    if (!t) {
      try {
        t = readFileSync(file, 'utf8').split('\n');
      } catch {
        t = [];
      }
      texts.set(file, t);
    }
    return t;
  };
  return (d) => {
    const first = plan.sources[0];
    if (first === undefined) return undefined;
    if (d.host !== undefined) {
      for (const file of plan.sources) {
        const i = lines(file).findIndex((l) =>
          new RegExp(`^\\s*${escape(d.host!)}(\\s|:|$)`).test(l),
        );
        if (i >= 0) return { file, line: i + 1 };
      }
    }
    return { file: first };
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
