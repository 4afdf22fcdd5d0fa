import type { Command } from 'commander';
import { addPlannerOptions } from './plan-options.js';

export function registerCheck(program: Command): void {
  addPlannerOptions(
    program
      .command('check')
      .description(
        'verify a running cluster (--kubeconfig) or one node (--node): API servers, leases, nodes, local proxies, and drift from the plan (-i); exit 0 all well, 1 problems, 2 unusable input',
      ),
    false,
  )
    .option(
      '--kubeconfig <file>',
      'cluster mode: the kubeconfig to read the cluster with (default $KUBECONFIG)',
    )
    .option('--node', 'node mode: check the node this runs on')
    .option('--root <dir>', "node mode: the node's filesystem root (a copy of a node's files)", '/')
    .option(
      '--host <name>',
      'node mode: this node as the inventory names it (default /etc/hostname)',
    )
    .option(
      '--local-apiserver <url>',
      'node mode: the local API-server endpoint to probe',
      'https://127.0.0.1:6443',
    )
    .option(
      '--health-url <url>',
      "node mode: the local proxy's health listener (default: from its config)",
    )
    .option('--no-probes', 'node mode: read files only, probe nothing')
    .option('--timeout <ms>', 'per probe and request', '3000')
    .option('-o, --output <format>', 'text | json', 'text')
    .action(async (opts) => {
      const { runCheck } = await import('./check-run.js');
      await runCheck(opts);
    });
}
