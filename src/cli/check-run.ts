import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KubehaError } from '../shared/errors.js';
import { exitCodeOf, formatVerdicts, report, type CheckReport } from '../check/verdict.js';
import type { PlanExpectations } from '../check/expectations.js';
import type { PlannerOptions } from './plan-options.js';

export interface CheckOptions extends Partial<PlannerOptions> {
  kubeconfig?: string;
  node?: boolean;
  root: string;
  host?: string;
  localApiserver: string;
  healthUrl?: string;
  probes: boolean;
  timeout: string;
  output: string;
}

export async function runCheck(opts: CheckOptions): Promise<void> {
  if (!['text', 'json'].includes(opts.output)) {
    throw new KubehaError('E_USAGE', `unknown output format "${opts.output}"`, {
      hint: 'use text or json',
    });
  }
  const timeoutMs = Number(opts.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new KubehaError('E_USAGE', `--timeout: expected milliseconds, got ${opts.timeout}`);
  }
  const kubeconfig = opts.kubeconfig ?? (opts.node ? undefined : process.env.KUBECONFIG);
  if (opts.node && opts.kubeconfig) {
    throw new KubehaError('E_USAGE', 'choose one mode: --kubeconfig FILE (cluster) or --node');
  }
  if (!opts.node && !kubeconfig) {
    throw new KubehaError('E_USAGE', 'nothing to check', {
      hint: 'give --kubeconfig FILE for the cluster, or --node on a node',
    });
  }
  let expect: PlanExpectations | undefined;
  if (opts.inventory?.length) {
    const { loadExpectations } = await import('../check/expectations.js');
    expect = await loadExpectations(opts.inventory, opts);
  }
  let r: CheckReport;
  if (opts.node) {
    const root = resolve(opts.root);
    const isDir = await stat(root).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new KubehaError('E_USAGE', `--root: not a directory: ${opts.root}`);
    const { gatherNodeFacts } = await import('../check/node-facts.js');
    const { nodeVerdicts } = await import('../check/node-verdicts.js');
    const facts = await gatherNodeFacts({
      root,
      localApiserver: opts.localApiserver,
      healthUrl: opts.healthUrl,
      probes: opts.probes,
      timeoutMs,
    });
    r = report('node', nodeVerdicts(facts, expect?.plan, opts.host));
  } else {
    // client-node (+69 MiB) is loaded only here, by cluster mode.
    const { gatherClusterFacts, loadKubeconfig } = await import('../check/cluster-facts.js');
    const { clusterVerdicts } = await import('../check/cluster-verdicts.js');
    const kc = await loadKubeconfig(kubeconfig!);
    const facts = await gatherClusterFacts(kc, {
      inventoryServers: expect?.controlPlanes.map((c) => c.address) ?? [],
      timeoutMs,
    });
    r = report('cluster', clusterVerdicts(facts, expect));
  }
  process.stdout.write(
    opts.output === 'json' ? `${JSON.stringify(r, null, 2)}\n` : formatVerdicts(r),
  );
  process.exitCode = exitCodeOf(r);
}
