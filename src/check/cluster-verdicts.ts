/**
 * Cluster mode's verdicts from what was read (cluster-facts.ts) and, with `-i`, what
 * the plan expects. Pure. The thresholds follow the writers: kube-apiserver renews
 * its identity lease every 10 s, so one older than a minute belongs to a server
 * that is down; a leader lease older than its leaseDurationSeconds has no leader.
 */
import type { ClusterFacts, LeaseFact } from './cluster-facts.js';
import { LEADERS } from './cluster-facts.js';
import { sameRelease, type PlanExpectations } from './expectations.js';
import { ago, verdictList, type AddVerdict, type Verdict } from './verdict.js';

export const IDENTITY_STALE_SECONDS = 60;

export function clusterVerdicts(f: ClusterFacts, plan?: PlanExpectations): Verdict[] {
  const { out, add: v } = verdictList();
  const readAll = Object.keys(f.errors).length;
  if (readAll >= 5) {
    v('fail', 'api', f.server, `cannot read the cluster: ${Object.values(f.errors)[0]}`);
    return out;
  }
  for (const [what, err] of Object.entries(f.errors)) v('warn', 'api', what, `cannot read: ${err}`);

  if (f.endpointSource === 'none') {
    v(
      'fail',
      'apiservers',
      'default/kubernetes',
      'lists no API server (EndpointSlice and Endpoints empty)',
    );
  } else {
    const n = f.apiServers.filter((a) => a.sources.includes('cluster')).length;
    v('pass', 'apiservers', `default/kubernetes`, `${f.endpointSource} lists ${n} API server(s)`);
  }
  for (const a of f.apiServers) {
    const from = a.sources.includes('cluster') ? '' : ' (inventory only)';
    if (a.gitVersion === undefined && a.error) {
      v('fail', 'apiserver', a.address, `unreachable${from}: ${a.error}`);
    } else if (a.error) {
      v('fail', 'apiserver', a.address, `${a.gitVersion ?? '?'}, /readyz: ${a.error}${from}`);
    } else if (a.readyzStatus === 200) {
      v(
        'pass',
        'apiserver',
        a.address,
        `${a.gitVersion ?? 'no version'}, /readyz ok (${a.ms} ms)${from}`,
      );
    } else if (a.readyzStatus === 401 || a.readyzStatus === 403) {
      v(
        'warn',
        'apiserver',
        a.address,
        `${a.gitVersion}, /readyz answered ${a.readyzStatus}: this user may not read it`,
      );
    } else {
      const which = a.failing.length
        ? `failing: ${a.failing.join(', ')}`
        : `HTTP ${a.readyzStatus}`;
      v('fail', 'apiserver', a.address, `${a.gitVersion ?? '?'}, /readyz ${which}${from}`);
    }
  }
  const versions = [...new Set(f.apiServers.flatMap((a) => (a.gitVersion ? [a.gitVersion] : [])))];
  if (versions.length > 1) v('fail', 'versions', 'apiservers', `differ: ${versions.join(', ')}`);
  else if (versions.length === 1) v('pass', 'versions', 'apiservers', `all ${versions[0]}`);

  for (const name of LEADERS) leaderVerdict(v, name, f.leaderLeases[name] ?? null);
  for (const l of f.identityLeases) {
    const who = l.hostname ?? l.name;
    if (l.ageSeconds > IDENTITY_STALE_SECONDS) {
      v(
        'fail',
        'identity-lease',
        who,
        `${l.name} not renewed for ${ago(l.ageSeconds)}: that API server is down or cannot write`,
      );
    } else v('pass', 'identity-lease', who, `${l.name} renewed ${ago(l.ageSeconds)} ago`);
  }
  const fresh = f.identityLeases.filter((l) => l.ageSeconds <= IDENTITY_STALE_SECONDS).length;
  const listed = f.apiServers.filter((a) => a.sources.includes('cluster')).length;
  if (fresh !== listed) {
    v(
      'warn',
      'identity-lease',
      'apiservers',
      `${fresh} live identity lease(s) for ${listed} API server(s) in default/kubernetes`,
    );
  }

  for (const n of f.nodes) {
    if (n.ready) v('pass', 'node', n.name, `Ready, ${n.kubeletVersion}`);
    else
      v(
        'fail',
        'node',
        n.name,
        'NotReady',
        'look at the kubelet on that node: journalctl -u kubelet',
      );
  }
  for (const n of f.nodes) {
    const pods = f.proxyPods.filter((p) => p.node === n.name);
    for (const p of pods) {
      if (p.ready) v('pass', 'proxy-pod', n.name, `${p.name} (${p.kind}) ready`);
      else
        v(
          'fail',
          'proxy-pod',
          n.name,
          `${p.name} (${p.kind}) not ready`,
          `kubectl -n kube-system logs ${p.name}`,
        );
    }
    if (pods.length === 0 && !n.controlPlane && !plan) {
      v('skip', 'proxy-pod', n.name, 'no local proxy pod (give -i to compare with the plan)');
    }
  }
  if (f.kubeProxyServer)
    v('pass', 'kube-proxy', 'kube-system/kube-proxy', `server ${f.kubeProxyServer}`);
  if (plan) out.push(...driftVerdicts(f, plan));
  return out;
}

function leaderVerdict(v: AddVerdict, name: string, l: LeaseFact | null): void {
  if (!l) {
    v(
      'fail',
      'leader-lease',
      name,
      'no lease: no leader was ever elected',
      `is ${name} running with --leader-elect?`,
    );
    return;
  }
  const holder = l.holder.split('_')[0] || '(none)';
  if (l.ageSeconds > l.durationSeconds) {
    v(
      'fail',
      'leader-lease',
      name,
      `held by ${holder} but not renewed for ${ago(l.ageSeconds)} (lease ${l.durationSeconds}s): no active leader`,
    );
  } else v('pass', 'leader-lease', name, `leader ${holder}, renewed ${ago(l.ageSeconds)} ago`);
}

/** Where the plan and the cluster disagree. */
export function driftVerdicts(f: ClusterFacts, p: PlanExpectations): Verdict[] {
  const { out, add: v } = verdictList();
  const cpNodes = new Set(f.nodes.filter((n) => n.controlPlane).map((n) => n.name));
  const planCps = new Set(p.controlPlanes.map((c) => c.name));
  for (const c of planCps) {
    if (!cpNodes.has(c)) v('fail', 'drift', c, 'a control plane in the plan, not in the cluster');
  }
  for (const c of cpNodes) {
    if (!planCps.has(c))
      v(
        'fail',
        'drift',
        c,
        'a control plane in the cluster, not in the plan',
        'add it to kube_control_plane or remove the node',
      );
  }
  const listed = new Set(
    f.apiServers.filter((a) => a.sources.includes('cluster')).map((a) => a.address),
  );
  for (const c of p.controlPlanes) {
    if (!listed.has(c.address))
      v(
        'fail',
        'drift',
        c.address,
        `${c.name}'s API server is in the plan, not in default/kubernetes`,
      );
  }
  const planned = new Set(p.controlPlanes.map((c) => c.address));
  for (const a of listed) {
    if (!planned.has(a))
      v('fail', 'drift', a, 'in default/kubernetes, not a control plane of the plan');
  }
  if (p.kubeVersion) {
    for (const a of f.apiServers) {
      if (a.gitVersion && !sameRelease(a.gitVersion, p.kubeVersion))
        v(
          'fail',
          'drift',
          a.address,
          `API server ${a.gitVersion}, kube_version is ${p.kubeVersion}`,
        );
    }
    for (const n of f.nodes) {
      if (n.kubeletVersion && !sameRelease(n.kubeletVersion, p.kubeVersion))
        v('fail', 'drift', n.name, `kubelet ${n.kubeletVersion}, kube_version is ${p.kubeVersion}`);
    }
  } else v('skip', 'drift', 'kube_version', 'not set in the inventory: versions not compared');
  const nodes = new Set(f.nodes.map((n) => n.name));
  for (const h of p.nodes) {
    if (!nodes.has(h.name)) {
      if (!h.controlPlane) v('fail', 'drift', h.name, 'a node of the plan, not in the cluster');
      continue;
    }
    if (!h.proxy) continue;
    const pods = f.proxyPods.filter((x) => x.node === h.name);
    if (pods.length === 0) {
      v(
        'fail',
        'drift',
        h.name,
        `the plan puts a local ${h.proxy} proxy here; no proxy pod runs`,
        'kubeha render, or rerun Kubespray for this node',
      );
    } else if (!pods.some((x) => x.kind === h.proxy)) {
      v(
        'warn',
        'drift',
        h.name,
        `the plan says ${h.proxy}; ${pods.map((x) => x.kind).join(', ')} runs`,
      );
    } else v('pass', 'drift', h.name, `local ${h.proxy} proxy as planned`);
  }
  for (const n of f.nodes) {
    if (!p.nodes.some((h) => h.name === n.name))
      v('warn', 'drift', n.name, 'a node not in the inventory');
  }
  const kp = p.plan.endpoints.kubeProxy;
  if (kp && f.kubeProxyServer && f.kubeProxyServer !== kp) {
    v(
      'fail',
      'drift',
      'kube-system/kube-proxy',
      `server ${f.kubeProxyServer}, the plan says ${kp}`,
    );
  }
  if (out.every((x) => x.status !== 'fail'))
    v('pass', 'drift', 'plan', 'the cluster matches the plan');
  return out;
}
