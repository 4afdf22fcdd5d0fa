import type { Command } from 'commander';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description(
      'node-local API-server load balancer with health checks and failover (replaces nginx-proxy)',
    )
    .option(
      '-c, --config <file>',
      'YAML configuration (see docs/proxy.md, schema/proxy-config.schema.json)',
    )
    .option('--listen <addr>', 'listen address, repeatable (default 127.0.0.1:6443)', collect)
    .option('--upstream <addr>', 'API server HOST:PORT, repeatable', collect)
    .option(
      '--bind-retry <duration>',
      'wait this long (e.g. 60s) for a listen address another process still holds (default 0s)',
    )
    .option(
      '--no-reuse-port',
      'bind without SO_REUSEPORT (no second instance beside this one; workers share one socket)',
    )
    .option('--admin <addr>', "admin endpoint (default 127.0.0.1:8081; 'off' disables)")
    .option('--algorithm <name>', 'least_conn (default), round_robin, random_two, first')
    .option('--health-check <kind>', 'https (default), http, tcp, none')
    .option('--health-path <path>', 'health check path (default /readyz)')
    .option('--ca-file <file>', 'CA bundle to verify API servers in health checks')
    .option('--cert-file <file>', "client certificate for health checks (e.g. the kubelet's)")
    .option('--key-file <file>', 'client key for --cert-file')
    .option('--workers <n>', 'data-path processes (default 1; nginx-proxy runs 2)', (v) =>
      Number(v),
    )
    .option(
      '--discover',
      'also use the API servers default/kubernetes lists (its EndpointSlices, watched)',
    )
    .option(
      '--kubeconfig <file>',
      "kubeconfig discovery authenticates with (e.g. the kubelet's /etc/kubernetes/kubelet.conf)",
    )
    .option(
      '--state-dir <dir>',
      'where the last good discovered set is kept (default /var/lib/kubeha)',
    )
    .option('--log-level <level>', 'fatal, error, warn, info (default), debug, trace, silent')
    .option('--log-format <format>', 'text or json (default: text on a terminal, json otherwise)')
    .option('--check-config', 'validate the configuration, print it as JSON and exit')
    .option('--schema', "print the configuration's JSON Schema and exit")
    .action(async (opts) => {
      const { runProxy } = await import('./proxy-run.js');
      await runProxy(opts);
    });
}
