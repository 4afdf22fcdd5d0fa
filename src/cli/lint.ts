import type { Command } from 'commander';
import { addPlannerOptions } from './plan-options.js';

export function registerLint(program: Command): void {
  addPlannerOptions(
    program
      .command('lint')
      .description(
        'check an inventory for API-server HA traps (exit 0: clean or warnings, 1: errors, 2: unreadable input)',
      ),
    false,
  )
    .option(
      '-o, --output <format>',
      'text | json | sarif (SARIF 2.1.0, for code-scanning dashboards)',
      'text',
    )
    .option(
      '--disable <ids>',
      'leave out these rules or inventory warning codes, comma-separated (KH030,KH060; repeatable); the inventory variable kubeha_lint_disable does the same',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--rules', 'list the rules and exit')
    .action(async (opts) => {
      const { runLint } = await import('./lint-run.js');
      await runLint(opts);
    });
}
