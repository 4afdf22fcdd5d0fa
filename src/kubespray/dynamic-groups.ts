import type { Diagnostic } from '../shared/diagnostics.js';
import {
  addChild,
  addGroup,
  addHost,
  hostGroupNames,
  loadInventory,
  type Inventory,
} from '../inventory/index.js';

/**
 * Kubespray's dynamic groups (roles/dynamic_groups/tasks/main.yml, present since
 * v2.23 and unchanged through v2.31): one looped `group_by` task maps the old
 * group names to the new ones and builds `k8s_cluster`:
 *
 *   kube_control_plane <- kube-master      kube_node <- kube-node
 *   calico_rr <- calico-rr                 no_floating <- no-floating
 *   k8s_cluster <- kube_node, kube_control_plane, calico_rr
 *
 * `when: group_names | intersect(item.value)` is evaluated with the host's
 * group_names as they were before the task: memberships the loop itself adds are
 * not seen by later items, so a host listed only under `kube-master` lands in
 * kube_control_plane but NOT in k8s_cluster. group_by puts new groups under `all`.
 */
export const KUBESPRAY_GROUP_MAPPINGS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['kube_control_plane', ['kube-master']],
  ['kube_node', ['kube-node']],
  ['calico_rr', ['calico-rr']],
  ['no_floating', ['no-floating']],
  ['k8s_cluster', ['kube_node', 'kube_control_plane', 'calico_rr']],
];

/** Group names whose group_vars the loader must read for Kubespray. */
export const KUBESPRAY_GROUP_NAMES = KUBESPRAY_GROUP_MAPPINGS.map(([g]) => g);

export interface KubesprayInventory {
  inventory: Inventory;
  diagnostics: Diagnostic[];
}

export function applyKubesprayGroups(source: Inventory): KubesprayInventory {
  const inv = cloneInventory(source);
  const diagnostics: Diagnostic[] = [];
  const before = new Map([...inv.hosts.keys()].map((h) => [h, new Set(hostGroupNames(inv, h))]));
  for (const [target, from] of KUBESPRAY_GROUP_MAPPINGS) {
    for (const [host, groups] of before) {
      if (!from.some((g) => groups.has(g))) continue;
      if (!inv.groups.has(target)) {
        addGroup(inv, target);
        addChild(inv, 'all', target);
      }
      addHost(inv, host, target);
    }
  }
  for (const [host, groups] of before) {
    const viaOldName =
      groups.has('kube-master') || groups.has('kube-node') || groups.has('calico-rr');
    const inCluster = new Set(hostGroupNames(inv, host)).has('k8s_cluster');
    if (viaOldName && !inCluster) {
      diagnostics.push({
        code: 'W_OLD_GROUP_NOT_IN_CLUSTER',
        severity: 'warning',
        message: `${host} is only in an old-style group (kube-master/kube-node/calico-rr): Kubespray maps it to the new group but not into k8s_cluster, so group_vars/k8s_cluster does not apply to it`,
        hint: 'rename the group to kube_control_plane / kube_node / calico_rr',
      });
    }
    for (const old of ['kube-master', 'kube-node', 'calico-rr']) {
      if (groups.has(old)) {
        diagnostics.push({
          code: 'W_OLD_GROUP_NAME',
          severity: 'warning',
          message: `${host} is in "${old}", a group name Kubespray only maps for compatibility`,
          hint: `rename it to ${KUBESPRAY_GROUP_MAPPINGS.find(([, f]) => f.includes(old))![0]}`,
        });
      }
    }
  }
  return { inventory: inv, diagnostics: dedupe(diagnostics) };
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.code}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function cloneInventory(inv: Inventory): Inventory {
  return {
    ...inv,
    groups: new Map(
      [...inv.groups].map(([k, g]) => [
        k,
        { ...g, hosts: [...g.hosts], children: [...g.children], parents: [...g.parents] },
      ]),
    ),
    hosts: new Map([...inv.hosts].map(([k, h]) => [k, { ...h, groups: [...h.groups] }])),
  };
}

/**
 * Loads an inventory the way a Kubespray run sees it: the sources (with the
 * group_vars of the dynamic groups, e.g. group_vars/k8s_cluster, read even when
 * the inventory does not define those groups), then the dynamic groups applied.
 * Planner stages should use this rather than loadInventory + applyKubesprayGroups.
 */
export async function loadKubesprayInventory(
  sources: string[],
  opts: { extraVars?: string[] } = {},
): Promise<KubesprayInventory> {
  const loaded = await loadInventory(sources, {
    extraVars: opts.extraVars,
    extraGroupNames: KUBESPRAY_GROUP_NAMES,
  });
  const ks = applyKubesprayGroups(loaded.inventory);
  return { inventory: ks.inventory, diagnostics: [...loaded.diagnostics, ...ks.diagnostics] };
}
