import type { Command } from 'commander';

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description(
      'start stand-in TLS API servers on loopback (127.0.10.11-13:6443) for demos and benchmarks',
    )
    .option(
      '--hosts <list>',
      'comma-separated loopback addresses',
      '127.0.10.11,127.0.10.12,127.0.10.13',
    )
    .option('--port <n>', 'port for every server', '6443')
    .option(
      '--dir <dir>',
      'write ca.crt, kubelet-client.{crt,key} and kubeconfig here',
      '/tmp/kubeha-lab',
    )
    .option(
      '--kubeconfig-server <url>',
      'server URL written in the kubeconfig',
      'https://127.0.0.1:6443',
    )
    .option(
      '--control <addr>',
      'control endpoint (POST /<host:port>/<unready|ready|refuse|hang|die|resume|remove>, POST /add?host=)',
      '127.0.0.1:8090',
    )
    .option('--no-anonymous-auth', 'answer 401 to requests without a client certificate')
    .option(
      '--watch-interval <ms>',
      'period of the heartbeat on the default/kubernetes Endpoints (MODIFIED events on endpoints watches)',
      '1000',
    )
    .option(
      '--endpoint-lease-ttl <ms>',
      "how long a server that died or hangs stays in default/kubernetes (kube-apiserver's 15 s)",
      '15000',
    )
    .action(async (opts) => {
      const { runLab } = await import('./lab-run.js');
      await runLab(opts);
    });
}
