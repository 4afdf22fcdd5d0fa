import type { Command } from 'commander';
import { addPlannerOptions } from './plan-options.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerSimulate(program: Command): void {
  addPlannerOptions(
    program
      .command('simulate')
      .description(
        'fail hosts, API servers, etcd members, local proxies or the external LB, and show which clients keep the API server',
      ),
    false,
  )
    .option('--plan <file>', 'a plan JSON (kubeha plan -o json) instead of -i')
    .option(
      '--fail <names>',
      'comma-separated failure set: HOST, apiserver:HOST, unready:HOST, etcd:HOST, proxy:HOST, external-lb, external-lb:1 (repeatable)',
      collect,
    )
    .option('--all-single', 'every single failure, largest blast radius first')
    .option('--all-pairs', 'every pair of failures, largest blast radius first')
    .option('--add-control-plane <name=ip>', 'the files and kubeconfigs that change when it joins')
    .option('--remove-control-plane <name>', 'the files and kubeconfigs that change when it leaves')
    .option(
      '--proxy <type>',
      'local proxy to simulate: nginx | haproxy | kubeha (default: what Kubespray deploys)',
    )
    .option(
      '--top <n>',
      'with --all-single/--all-pairs: rows to print, 0 = all (default 40; json lists all)',
    )
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (opts) => {
      const { runSimulate } = await import('./simulate-run.js');
      await runSimulate(opts);
    });
}
