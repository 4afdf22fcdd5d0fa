import type { Command } from 'commander';
import { addPlannerOptions } from './plan-options.js';

export function registerRender(program: Command): void {
  addPlannerOptions(
    program
      .command('render')
      .description(
        "write, per host, the files Kubespray would write for the local API-server proxy (and kubeha's extras)",
      ),
  )
    .requiredOption('--out <dir>', 'output directory (files go to DIR/<host>/<path on the host>)')
    .option(
      '--proxy <type>',
      'nginx | haproxy | kubeha (default: loadbalancer_apiserver_type, as Kubespray and kubeha deploy it)',
    )
    .option(
      '--image <ref>',
      'kubeha image (default: kubeha_image_repo:kubeha_image_tag, ghcr.io/kubeha/kubeha:VERSION)',
    )
    .option('--force', 'overwrite files that differ')
    .option(
      '--prune',
      'remove files under --out that this render does not write (left by an earlier one)',
    )
    .action(async (opts) => {
      const { runRender } = await import('./render-run.js');
      await runRender(opts);
    });
}
