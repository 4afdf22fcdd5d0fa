import type { Command } from 'commander';
import { addPlannerOptions } from './plan-options.js';

export function registerPlan(program: Command): void {
  addPlannerOptions(
    program
      .command('plan')
      .description(
        'name the API-server access pattern and show which endpoint every component on every host uses',
      ),
  )
    .option('-o, --output <format>', 'table | wide | json | yaml | diagram | mermaid', 'table')
    .action(async (opts) => {
      const { runPlan } = await import('./plan-run.js');
      await runPlan(opts);
    });
}
