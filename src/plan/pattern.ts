import type { KsCluster } from '../kubespray/cluster.js';
import type { AccessRow, PatternId, PlanPattern } from './plan-types.js';

/**
 * Kubespray's three API-server access patterns (and "no HA"), decided two ways: from the
 * two variables (what the operator asked for) and from the access table (what
 * Kubespray will build). Case 1/2 vs 3: do worker kubelets go through the local
 * proxy? Case 1 vs 2: is there an external LB for outside clients?
 */
export const PATTERN_NAMES: Record<PatternId, string> = {
  case1: 'Case 1: full client-side LB (local proxy on every worker, no external LB)',
  case2: 'Case 2: hybrid (local proxy on workers, external LB for outside clients)',
  case3: 'Case 3: centralized (every client through the external LB)',
  single: 'single endpoint (no API-server HA)',
  broken: 'broken (worker kubelets reach no API server)',
  none: 'no control plane',
};

export function requestedPattern(cluster: KsCluster): PatternId {
  const first = cluster.controlPlanes[0];
  if (!first) return 'none';
  if (first.localLb) return first.lb ? 'case2' : 'case1';
  return first.lb ? 'case3' : 'single';
}

export function actualPattern(cluster: KsCluster, access: AccessRow[]): PatternId {
  if (cluster.controlPlanes.length === 0) return 'none';
  const workerKubelets = access.filter((r) => r.role === 'worker' && r.component === 'kubelet');
  const first = cluster.controlPlanes[0]!;
  const externalLb = first.lb?.address !== undefined;
  let workersVia: 'proxy' | 'lb' | 'direct' | 'broken';
  if (workerKubelets.length === 0) {
    // no workers: the variables decide what a worker would get
    workersVia = first.localLb && !first.lb ? 'proxy' : first.lb ? 'lb' : 'direct';
    if (first.localLb && first.lb) workersVia = 'proxy';
  } else {
    const kinds = new Set(workerKubelets.map((r) => r.path.kind));
    workersVia =
      kinds.has('local-proxy') && kinds.size === 1
        ? 'proxy'
        : kinds.has('external-lb') && kinds.size === 1
          ? 'lb'
          : kinds.has('nothing-listens') || kinds.has('unresolved')
            ? 'broken'
            : 'direct';
  }
  if (workersVia === 'broken') return 'broken';
  if (workersVia === 'lb') return 'case3';
  if (workersVia === 'direct') return 'single';
  if (cluster.controlPlanes.length < 2) return 'single';
  return externalLb ? 'case2' : 'case1';
}

export function describePattern(cluster: KsCluster, access: AccessRow[]): PlanPattern {
  const requested = requestedPattern(cluster);
  let id = actualPattern(cluster, access);
  const cps = cluster.controlPlanes.length;
  if (cps === 1 && id !== 'none' && id !== 'broken') id = 'single';
  const pattern: PlanPattern = {
    id,
    name: PATTERN_NAMES[id],
    requested,
    requestedName: PATTERN_NAMES[requested],
    summary: summary(cluster, id, access),
  };
  if (requested !== id) pattern.mismatch = mismatch(cluster, requested, id, access);
  const skipped = notDeployed(cluster);
  if (skipped) pattern.notDeployed = skipped;
  return pattern;
}

/** Hosts in kube_node or kube_control_plane that Kubespray's k8s_cluster plays skip. */
function outsideCluster(cluster: KsCluster) {
  return cluster.hosts.filter((h) => (h.worker || h.controlPlane) && !h.inCluster);
}

/**
 * Why hosts listed only under the old group names are not deployed: roles/dynamic_groups
 * builds k8s_cluster from the groups a host had before the same task mapped kube-node
 * to kube_node (see src/kubespray/dynamic-groups.ts), and cluster.yml's node plays
 * run on k8s_cluster.
 */
function notDeployed(cluster: KsCluster): string | undefined {
  const out = outsideCluster(cluster);
  if (out.length === 0) return undefined;
  const workers = out.filter((h) => h.worker && !h.controlPlane).map((h) => h.name);
  const cps = out.filter((h) => h.controlPlane).map((h) => h.name);
  const what = [
    ...(workers.length ? [`will not deploy ${workers.join(', ')} as worker(s)`] : []),
    ...(cps.length
      ? [`skips its k8s_cluster plays (kubelet, kube-proxy) on control plane(s) ${cps.join(', ')}`]
      : []),
  ].join(' and ');
  return `Kubespray ${what}: these hosts are only in kube-node/kube-master, and roles/dynamic_groups builds k8s_cluster from the groups a host had before it mapped those names to kube_node/kube_control_plane, so they never join k8s_cluster; rename the groups to [kube_node] and [kube_control_plane], or list them under [k8s_cluster:children]`;
}

function summary(cluster: KsCluster, id: PatternId, access: AccessRow[]): string {
  const cps = cluster.controlPlanes.map((c) => c.name).join(', ');
  const worker = access.find((r) => r.role === 'worker' && r.component === 'kubelet');
  const ext = access.find((r) => r.component === 'external-kubeconfig');
  const skipped = outsideCluster(cluster).filter((h) => h.worker && !h.controlPlane);
  const w = worker
    ? `worker kubelets use ${worker.endpoint} (${worker.path.text})`
    : skipped.length > 0
      ? `no workers Kubespray deploys (${skipped.map((h) => h.name).join(', ')} not in k8s_cluster, see below)`
      : 'no workers';
  const e = ext ? `outside clients use ${ext.endpoint} (${ext.path.text})` : '';
  return `${cluster.controlPlanes.length} control plane(s) [${cps}]; ${w}; ${e}`.replace(/; $/, '');
}

function mismatch(
  cluster: KsCluster,
  requested: PatternId,
  id: PatternId,
  access: AccessRow[],
): string {
  const worker = access.find((r) => r.role === 'worker' && r.component === 'kubelet');
  const first = cluster.controlPlanes[0];
  if (cluster.controlPlanes.length === 1) {
    return `the variables ask for ${PATTERN_NAMES[requested]}, but there is only one control plane, so every path ends on it`;
  }
  if (requested === 'case2' && worker && first?.lb) {
    return `the variables ask for the hybrid pattern, but with loadbalancer_apiserver defined Kubespray's kube_apiserver_endpoint is https://{apiserver_loadbalancer_domain_name}:{loadbalancer_apiserver.port} on every host, so worker kubelets use ${worker.endpoint} (${worker.path.text})`;
  }
  return `the variables ask for ${PATTERN_NAMES[requested]}, but Kubespray will build ${PATTERN_NAMES[id]}${worker ? ` (worker kubelets: ${worker.endpoint}, ${worker.path.text})` : ''}`;
}
