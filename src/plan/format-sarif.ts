import type { LintRule } from './lint-rule.js';
import type { PlanDiagnostic } from './plan-types.js';

/**
 * `kubeha lint -o sarif`: SARIF 2.1.0 (OASIS), the format CI code-scanning
 * dashboards read. One run; the driver lists every lint rule (why as the full
 * description, fix as help) plus the inventory diagnostic codes that occur; each
 * finding is a result with its level and, where known, file and line.
 */
export interface SarifOptions {
  version: string;
  /** where a finding without a file is placed: the host's line in the inventory, else the inventory */
  locate: (d: PlanDiagnostic) => { file: string; line?: number } | undefined;
  /** turns a file path into the URI SARIF carries (relative to the working directory when inside it) */
  uri: (file: string) => string;
}

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

export function formatSarif(
  ds: PlanDiagnostic[],
  rules: readonly LintRule[],
  opts: SarifOptions,
): object {
  const descriptors: object[] = rules.map((r) => ({
    id: r.id,
    name: r.name,
    shortDescription: { text: r.name.replaceAll('-', ' ') },
    fullDescription: { text: r.why },
    help: { text: r.fix },
    defaultConfiguration: { level: LEVEL[r.severity] },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  // inventory diagnostics (W_OLD_GROUP_NAME, …) are rules too, described by their first finding
  for (const d of ds) {
    if (index.has(d.id)) continue;
    index.set(d.id, descriptors.length);
    descriptors.push({
      id: d.id,
      shortDescription: { text: d.id },
      ...(d.fix ? { help: { text: d.fix } } : {}),
      defaultConfiguration: { level: LEVEL[d.severity] },
    });
  }
  const results = ds.map((d) => {
    const at = d.file !== undefined ? { file: d.file, line: d.line } : opts.locate(d);
    return {
      ruleId: d.id,
      ruleIndex: index.get(d.id)!,
      level: LEVEL[d.severity],
      message: { text: d.fix ? `${d.message} (fix: ${d.fix})` : d.message },
      ...(at
        ? {
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: opts.uri(at.file) },
                  ...(at.line !== undefined ? { region: { startLine: at.line } } : {}),
                },
              },
            ],
          }
        : {}),
      ...(d.host ? { properties: { host: d.host } } : {}),
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kubeha',
            version: opts.version,
            rules: descriptors,
          },
        },
        results,
      },
    ],
  };
}
