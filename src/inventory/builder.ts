import type { AnsibleValue, Group, Host, Inventory, VarOrigin } from './types.js';

/**
 * Builds an Inventory the way Ansible's InventoryData does (inventory/data.py,
 * inventory/group.py): `all` and `ungrouped` exist from the start, group depth is
 * the longest path from `all`, loops are refused, and `reconcile()` attaches
 * orphan groups to `all` and ungrouped hosts to `ungrouped`.
 */
export class InventoryBuildError extends Error {}

export function emptyInventory(): Inventory {
  const inv: Inventory = {
    sources: [],
    groups: new Map(),
    hosts: new Map(),
    groupVarsFiles: new Map(),
    hostVarsFiles: new Map(),
    extraVars: {},
    extraVarOrigins: {},
    groupPriority: new Map(),
  };
  addGroup(inv, 'all');
  addGroup(inv, 'ungrouped');
  addChild(inv, 'all', 'ungrouped');
  return inv;
}

export function addGroup(inv: Inventory, name: string): Group {
  let g = inv.groups.get(name);
  if (!g) {
    g = { name, hosts: [], children: [], parents: [], vars: {}, varOrigins: {}, depth: 0 };
    inv.groups.set(name, g);
  }
  return g;
}

export function addHost(
  inv: Inventory,
  name: string,
  group?: string,
  port?: number,
  origin?: VarOrigin,
): Host {
  let h = inv.hosts.get(name);
  if (!h) {
    h = { name, vars: {}, varOrigins: {}, groups: [] };
    inv.hosts.set(name, h);
    // Host(name, port) sets ansible_port only when the host is first created.
    if (port !== undefined && port !== 0) setVar(h, 'ansible_port', port, origin);
  }
  if (group !== undefined) {
    const g = inv.groups.get(group);
    if (!g) throw new InventoryBuildError(`Could not find group ${group} in inventory`);
    if (!groupHostSet(g).has(name)) {
      groupHostSet(g).add(name);
      g.hosts.push(name);
      h.groups.push(group);
    }
  }
  return h;
}

export function addChild(inv: Inventory, parent: string, child: string): void {
  const p = inv.groups.get(parent);
  if (!p) throw new InventoryBuildError(`${parent} is not a known group`);
  const c = inv.groups.get(child);
  if (!c) {
    if (inv.hosts.has(child)) {
      addHost(inv, child, parent);
      return;
    }
    throw new InventoryBuildError(`${child} is not a known host nor group`);
  }
  if (p === c) throw new InventoryBuildError("can't add group to itself");
  if (p.children.includes(child)) return;
  if (ancestors(inv, parent).has(child)) {
    throw new InventoryBuildError(
      `Adding group '${child}' as child to '${parent}' creates a recursive dependency loop.`,
    );
  }
  p.children.push(child);
  if (!c.parents.includes(parent)) c.parents.push(parent);
  deepen(inv, c, p.depth + 1);
}

function deepen(inv: Inventory, g: Group, depth: number): void {
  if (g.depth >= depth) return;
  g.depth = depth;
  for (const k of g.children) deepen(inv, inv.groups.get(k)!, depth + 1);
}

/** Membership index for addHost (a large group's hosts array is too slow to scan). */
const hostSets = new WeakMap<Group, Set<string>>();
function groupHostSet(g: Group): Set<string> {
  let set = hostSets.get(g);
  if (!set || set.size !== g.hosts.length) {
    set = new Set(g.hosts);
    hostSets.set(g, set);
  }
  return set;
}

/** Group.set_variable / Host.set_variable: later values replace earlier ones. */
export function setVar(
  entity: Group | Host,
  key: string,
  value: AnsibleValue,
  origin?: VarOrigin,
): void {
  entity.vars[key] = value;
  if (origin) entity.varOrigins[key] = origin;
}

/** Every group reachable upwards from `group` (not including itself). */
export function ancestors(inv: Inventory, group: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(inv.groups.get(group)?.parents ?? [])];
  while (stack.length) {
    const g = stack.pop()!;
    if (seen.has(g)) continue;
    seen.add(g);
    stack.push(...(inv.groups.get(g)?.parents ?? []));
  }
  return seen;
}

/**
 * InventoryData.reconcile_inventory: groups with no parent become children of
 * `all` (in creation order); a host in no group but `all` joins `ungrouped`, and
 * a host that is in another group leaves `ungrouped`. Returns the names used as
 * both a group and a host, which Ansible warns about.
 */
export function reconcile(inv: Inventory): string[] {
  for (const g of inv.groups.values()) {
    if (g.name !== 'all' && ancestors(inv, g.name).size === 0) addChild(inv, 'all', g.name);
  }
  const ungrouped = inv.groups.get('ungrouped')!;
  // the group tree is fixed from here on: each group's ancestors are walked once, not once per host
  const memo = new Map<string, Set<string>>();
  for (const h of inv.hosts.values()) {
    const groups = hostAllGroups(inv, h.name, memo);
    if (groups.has('ungrouped')) {
      const others = [...groups].filter((g) => g !== 'all' && g !== 'ungrouped');
      if (others.length > 0) {
        ungrouped.hosts = ungrouped.hosts.filter((n) => n !== h.name);
        h.groups = h.groups.filter((g) => g !== 'ungrouped');
      }
    } else if (groups.size === 0 || (groups.size === 1 && groups.has('all'))) {
      addHost(inv, h.name, 'ungrouped');
    }
  }
  return [...inv.groups.keys()].filter((g) => inv.hosts.has(g));
}

/** The host's groups and all their ancestors (Host.get_groups()). */
export function hostAllGroups(
  inv: Inventory,
  host: string,
  /** ancestors by group, for callers that ask for many hosts of an unchanging tree */
  memo?: Map<string, Set<string>>,
): Set<string> {
  const out = new Set<string>();
  for (const g of inv.hosts.get(host)?.groups ?? []) {
    out.add(g);
    let up = memo?.get(g);
    if (!up) {
      up = ancestors(inv, g);
      memo?.set(g, up);
    }
    for (const a of up) out.add(a);
  }
  return out;
}
