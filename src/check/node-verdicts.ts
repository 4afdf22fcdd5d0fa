/**
 * Node mode's verdicts: which server each kubeconfig names, the local proxy's
 * configuration, the probes, and nginx's worker_rlimit_nofile against containerd's
 * RLIMIT_NOFILE (nginx in the nginx-proxy pod has no CAP_SYS_RESOURCE, so raising
 * its limit above the container's hard limit fails with
 * `setrlimit(RLIMIT_NOFILE, N) failed (1: Operation not permitted)`; Kubespray issue
 * #13253). With a plan, each is compared with what the plan says for this host.
 */
import type { Plan, PlanHost } from '../plan/index.js';
import { formatHostPort, isLoopback } from '../shared/address.js';
import type { NodeFacts } from './node-facts.js';
import { verdictList, type AddVerdict, type Verdict } from './verdict.js';

const RLIMIT_FIX =
  'set containerd_default_base_runtime_spec_patch: {process: {rlimits: []}} in group_vars and rerun Kubespray with --tags containerd, then restart the proxy pod (or lower worker_rlimit_nofile)';

function isLocal(server: string): boolean {
  try {
    const host = new URL(server).hostname.replace(/^\[(.*)\]$/, '$1');
    return host === 'localhost' || isLoopback(host);
  } catch {
    return false;
  }
}

export function nodeVerdicts(f: NodeFacts, plan?: Plan, hostName?: string): Verdict[] {
  const { out, add: v } = verdictList();
  const name = hostName ?? f.hostname ?? '(unknown host)';
  let host: PlanHost | undefined;
  if (plan) {
    host = plan.hosts.find((h) => h.name === name);
    if (!host)
      v(
        'fail',
        'host',
        name,
        'not a host of the plan',
        'give --host NAME as the inventory names it',
      );
    else v('pass', 'host', name, `${host.roles.join(', ')} in the plan`);
  }
  const rows = plan?.access.filter((a) => a.host === name) ?? [];
  for (const k of f.kubeconfigs) {
    const expected = rows.find((r) => r.component === k.component)?.endpoint;
    const planned = rows.some((r) => r.file === k.file);
    if (!k.info) {
      if (k.component === 'kubelet')
        v('fail', 'kubeconfig', k.file, 'missing: the kubelet has not joined');
      else if (host && planned)
        v('fail', 'kubeconfig', k.file, 'missing, the plan expects it on this host');
      else v('skip', 'kubeconfig', k.file, 'not on this node');
      continue;
    }
    if (k.info.error) {
      v('fail', 'kubeconfig', k.file, k.info.error);
      continue;
    }
    const server = k.info.server!;
    if (expected !== undefined && host) {
      if (server === expected) v('pass', 'kubeconfig', k.file, `${server}, as planned`);
      else v('fail', 'kubeconfig', k.file, `${server}, the plan says ${expected}`);
    } else if (isLocal(server)) {
      v(
        'pass',
        'kubeconfig',
        k.file,
        `${server} (on this node: ${f.proxy ? `the local ${f.proxy.kind}` : 'the local API server'})`,
      );
    } else if (f.proxy && k.component === 'kubelet') {
      v(
        'warn',
        'kubeconfig',
        k.file,
        `${server} bypasses the local ${f.proxy.kind}: no failover when that server fails`,
      );
    } else v('pass', 'kubeconfig', k.file, server);
  }
  proxyVerdicts(v, f, host);
  if (f.apiserverProbe) {
    const { url, result, gitVersion } = f.apiserverProbe;
    if (result.error) v('fail', 'probe', url, result.error);
    else if (result.status === 200)
      v('pass', 'probe', url, `${gitVersion ?? 'answered'} (${result.ms} ms)`);
    else v('fail', 'probe', url, `HTTP ${result.status}`);
  }
  if (f.healthProbe) {
    const { url, result } = f.healthProbe;
    if (result.error) v('fail', 'probe', url, result.error);
    else if (result.status === 200) v('pass', 'probe', url, `healthy (${result.ms} ms)`);
    else v('fail', 'probe', url, `HTTP ${result.status}: ${(result.body ?? '').split('\n')[0]}`);
  }
  return out;
}

function proxyVerdicts(v: AddVerdict, f: NodeFacts, host?: PlanHost): void {
  const planned = host?.localProxy;
  const p = f.proxy;
  if (!p) {
    if (planned)
      v('fail', 'local-proxy', host!.name, `none found; the plan puts ${planned.type} here`);
    else
      v(
        'skip',
        'local-proxy',
        f.controlPlane ? 'control plane' : 'node',
        'no local API-server proxy on this node',
      );
    return;
  }
  if (p.error) {
    v('fail', 'local-proxy', p.file, p.error);
    return;
  }
  v(
    'pass',
    'local-proxy',
    p.file,
    `${p.kind}: ${p.listen.join(', ')} -> ${p.upstreams.join(', ')}`,
  );
  if (host && !planned)
    v('warn', 'local-proxy', p.file, 'the plan puts no local proxy on this host');
  if (planned) {
    if (planned.type !== p.kind)
      v('fail', 'local-proxy', p.file, `${p.kind} runs, the plan says ${planned.type}`);
    const want = planned.upstreams.map((u) => formatHostPort({ host: u.address, port: u.port }));
    for (const u of p.upstreams.filter((x) => !want.includes(x)))
      v(
        'fail',
        'local-proxy',
        u,
        'an upstream the plan does not have (a removed control plane?)',
        'rerun Kubespray for this node or kubeha render',
      );
    for (const u of want.filter((x) => !p.upstreams.includes(x)))
      v(
        'fail',
        'local-proxy',
        u,
        'a control plane of the plan the proxy does not know',
        'rerun Kubespray for this node or kubeha render',
      );
  }
  if (p.kind !== 'nginx' || p.rlimitNofile === undefined) return;
  const n = p.rlimitNofile;
  if (!f.cri) {
    v('skip', 'rlimit', 'worker_rlimit_nofile', `${n}; /etc/containerd/cri-base.json not found`);
  } else if (f.cri.error) {
    v('fail', 'rlimit', f.cri.file, f.cri.error);
  } else if (f.cri.hard === undefined) {
    v(
      'pass',
      'rlimit',
      'worker_rlimit_nofile',
      `${n}; containerd sets no RLIMIT_NOFILE, so nginx may raise its limit`,
    );
  } else if (n > f.cri.hard) {
    v(
      'fail',
      'rlimit',
      'worker_rlimit_nofile',
      `${n} > containerd's RLIMIT_NOFILE hard limit ${f.cri.hard}: nginx logs "setrlimit(RLIMIT_NOFILE, ${n}) failed (1: Operation not permitted)"`,
      RLIMIT_FIX,
    );
  } else
    v('pass', 'rlimit', 'worker_rlimit_nofile', `${n} <= containerd's hard limit ${f.cri.hard}`);
}
