import type { Inventory, ResolvedVar, VarMap, VarOrigin } from './types.js';
import { hostAllGroups } from './builder.js';
import { pythonSort } from './vars-files.js';

/**
 * A host's variables with Ansible's precedence (VariableManager.get_vars with the
 * default VARIABLE_PRECEDENCE), lowest first:
 *   1. `all` inline vars            2. other groups' inline vars
 *   3. group_vars/all files         4. other groups' group_vars files (per -i source)
 *   5. host inline vars             6. host_vars files        7. -e extra vars
 * Groups are ordered by (depth, ansible_group_priority, name), so a child group
 * beats its parent and, surprisingly, group_vars/all beats any group's inline vars.
 * Merging replaces whole values (hash_behaviour=replace).
 */
export function sortGroups(inv: Inventory, names: Iterable<string>): string[] {
  return [...names].sort((a, b) => {
    const ga = inv.groups.get(a)!;
    const gb = inv.groups.get(b)!;
    return (
      ga.depth - gb.depth ||
      (inv.groupPriority.get(a) ?? 1) - (inv.groupPriority.get(b) ?? 1) ||
      pythonSort(a, b)
    );
  });
}

/**
 * A host's variables as two layers: `base`, the group layers (1–4), which depend
 * only on the host's groups and are therefore computed once per group set and
 * shared (a 5,000-host inventory has a handful of group sets); and `own`, the
 * host layers (5–7). Look in `own` first, then `base`.
 */
export interface LayeredVars {
  base: Map<string, ResolvedVar>;
  own: Map<string, ResolvedVar>;
  get(name: string): ResolvedVar | undefined;
}

const GROUP_LAYERS = new WeakMap<Inventory, Map<string, Map<string, ResolvedVar>>>();

export function layeredHostVars(inv: Inventory, host: string): LayeredVars {
  const h = inv.hosts.get(host);
  if (!h) throw new Error(`unknown host ${host}`);
  const base = groupLayers(inv, host, h.groups);
  const own = new Map<string, ResolvedVar>();
  const set = (vars: VarMap, origin: (k: string) => VarOrigin) => {
    for (const [k, value] of Object.entries(vars)) own.set(k, { value, origin: origin(k) });
  };
  set(h.vars, (k) => h.varOrigins[k] ?? { file: '?', layer: `host ${host} (inventory)` });
  for (const f of inv.hostVarsFiles.get(host) ?? []) {
    set(f.vars, (k) => ({ file: f.path, line: f.lines[k], layer: `host_vars/${host}` }));
  }
  set(inv.extraVars, (k) => inv.extraVarOrigins[k] ?? { file: '-e', layer: 'extra vars (-e)' });
  return { base, own, get: (n) => own.get(n) ?? base.get(n) };
}

function groupLayers(inv: Inventory, host: string, direct: string[]): Map<string, ResolvedVar> {
  let layers = GROUP_LAYERS.get(inv);
  if (!layers) GROUP_LAYERS.set(inv, (layers = new Map()));
  const key = [...direct].sort().join('\0');
  const hit = layers.get(key);
  if (hit) return hit;
  const base = new Map<string, ResolvedVar>();
  const set = (vars: VarMap, origin: (k: string) => VarOrigin) => {
    for (const [k, value] of Object.entries(vars)) base.set(k, { value, origin: origin(k) });
  };
  const groups = sortGroups(
    inv,
    [...hostAllGroups(inv, host)].filter((g) => g !== 'all'),
  );
  const inline = (name: string) => {
    const g = inv.groups.get(name)!;
    set(g.vars, (k) => g.varOrigins[k] ?? { file: '?', layer: `group ${name} (inventory)` });
  };
  const files = (name: string, source?: number) => {
    for (const f of inv.groupVarsFiles.get(name) ?? []) {
      if (source !== undefined && (f.source ?? 0) !== source) continue;
      set(f.vars, (k) => ({ file: f.path, line: f.lines[k], layer: `group_vars/${name}` }));
    }
  };
  inline('all');
  groups.forEach(inline);
  files('all');
  // get_vars_from_inventory_sources: source by source, and in each the groups in order —
  // so a later source's group_vars/parent beats an earlier source's group_vars/child.
  const sources = new Set<number>();
  for (const g of groups)
    for (const f of inv.groupVarsFiles.get(g) ?? []) sources.add(f.source ?? 0);
  for (const source of [...sources].sort((a, b) => a - b)) groups.forEach((g) => files(g, source));
  layers.set(key, base);
  return base;
}

export function hostVarsWithOrigin(inv: Inventory, host: string): Map<string, ResolvedVar> {
  const { base, own } = layeredHostVars(inv, host);
  const out = new Map(base);
  for (const [k, v] of own) out.set(k, v);
  return out;
}

const PLAIN = new WeakMap<Map<string, ResolvedVar>, VarMap>();
const plain = (m: Map<string, ResolvedVar>): VarMap => {
  const out: VarMap = {};
  for (const [k, v] of m) out[k] = v.value;
  return out;
};

/**
 * The two layers as plain objects; `base` is the same object for every host with
 * the same groups, which `--list` uses to encode it once.
 */
export function hostVarLayers(inv: Inventory, host: string): { base: VarMap; own: VarMap } {
  const h = inv.hosts.get(host);
  if (!h) throw new Error(`unknown host ${host}`);
  const layer = groupLayers(inv, host, h.groups);
  let base = PLAIN.get(layer);
  if (!base) PLAIN.set(layer, (base = plain(layer)));
  // the host layers without origins: the hot path of --list at 5,000 hosts
  const own: VarMap = { ...h.vars };
  for (const f of inv.hostVarsFiles.get(host) ?? []) Object.assign(own, f.vars);
  return { base, own: Object.assign(own, inv.extraVars) };
}

export function hostVars(inv: Inventory, host: string): VarMap {
  const { base, own } = hostVarLayers(inv, host);
  return { ...base, ...own };
}

/** Ansible's `group_names`: the host's groups and their ancestors, sorted, without `all`. */
export function hostGroupNames(inv: Inventory, host: string): string[] {
  return [...hostAllGroups(inv, host)].filter((g) => g !== 'all').sort(pythonSort);
}

/**
 * Ansible's `groups['name']` (Group.get_hosts): the group's own hosts, then those
 * of its descendants level by level, each host once. `all` skips nothing here
 * because kubeha never creates the implicit localhost.
 */
export function groupHosts(inv: Inventory, group: string): string[] {
  const start = inv.groups.get(group);
  if (!start) return [];
  const order: string[] = [group];
  const seen = new Set(order);
  let level = [group];
  while (level.length) {
    const next: string[] = [];
    for (const g of level) {
      for (const c of inv.groups.get(g)!.children) {
        if (!seen.has(c)) {
          seen.add(c);
          order.push(c);
          next.push(c);
        }
      }
    }
    level = next;
  }
  const hosts: string[] = [];
  const seenHosts = new Set<string>();
  for (const g of order) {
    for (const h of inv.groups.get(g)!.hosts) {
      if (!seenHosts.has(h)) {
        seenHosts.add(h);
        hosts.push(h);
      }
    }
  }
  return hosts;
}
