import type { Command } from 'commander';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      "see it work: the example cluster's three API servers (a lab on loopback) and k8s-node4's kubeha proxy through a failure story, with a summary",
    )
    .option('--json', 'print the summary as JSON on stdout (progress goes to stderr)')
    .option(
      '--keep',
      'leave the lab and the proxy running at the end (status page, kubeconfig); Ctrl-C stops them',
    )
    .action(async (opts) => {
      const { runDemo } = await import('./demo-run.js');
      await runDemo(opts);
    });
}
