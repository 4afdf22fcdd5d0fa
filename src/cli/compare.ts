import type { Command } from 'commander';
import { addPlannerOptions } from './plan-options.js';

export function registerCompare(program: Command): void {
  addPlannerOptions(
    program
      .command('compare')
      .description(
        'compare Case 1, Case 2, Case 3 and Case 1 with kubeha on this inventory: paths, failure impact, changes, failover times',
      ),
  )
    .option(
      '--external-lb <address[:port]>',
      "the external LB Case 2 and Case 3 use (default: the inventory's loadbalancer_apiserver)",
    )
    .option('-o, --output <format>', 'table | markdown | json', 'table')
    .action(async (opts) => {
      const { runCompare } = await import('./compare-run.js');
      await runCompare(opts);
    });
}
