import { KubehaError } from '../shared/errors.js';
import { decodeKey, encodeKey, isPlainKey, PyTypeError, pythonSort, sortKeys } from './py-key.js';
import { JsonEncoder, jsonString, RawJson } from './python-json.js';
import { pythonStr } from './python-repr.js';
import { groupHosts, hostVars, hostVarLayers } from './variables.js';
import { dumpYaml } from './yaml-dump.js';
import type { AnsibleValue, Inventory, VarMap } from './types.js';

/**
 * What `ansible-inventory` (cli/inventory.py, ansible-core 2.14) prints, to the
 * byte: `--list` and `--host` through json.dumps (python-json.ts) or, with `-y`,
 * through PyYAML (yaml-dump.ts); `--graph` through InventoryCLI._graph_group.
 */

/** Variables ansible-inventory removes from its output (cli/inventory.py INTERNAL_VARS). */
const INTERNAL_VARS = new Set([
  'ansible_diff_mode',
  'ansible_config_file',
  'ansible_facts',
  'ansible_forks',
  'ansible_inventory_sources',
  'ansible_limit',
  'ansible_playbook_python',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_version',
  'inventory_dir',
  'inventory_file',
  'inventory_hostname',
  'inventory_hostname_short',
  'groups',
  'group_names',
  'omit',
  'playbook_dir',
]);

export function publicVars(vars: VarMap): VarMap {
  const out: VarMap = {};
  for (const [k, v] of Object.entries(vars)) if (!INTERNAL_VARS.has(k)) out[k] = v;
  return out;
}

/** Output text and the warning Ansible prints beside it, if any. */
export interface Rendered {
  text: string;
  warning?: string;
}

/**
 * InventoryCLI.dump for JSON: sorted keys, or — when some mapping has keys Python
 * cannot order (`{a: 1, 0: 2}`) — the whole document in dict order, with a warning.
 */
export function ansibleJson(
  valueOf: AnsibleValue | (() => AnsibleValue),
  sorted?: () => string,
): Rendered {
  // the value is built only when needed: with a fast sorted path, only on its failure
  const value = () => (typeof valueOf === 'function' ? valueOf() : valueOf);
  try {
    return { text: sorted ? sorted() : new JsonEncoder(true).encode(value(), 0) };
  } catch (err) {
    if (!(err instanceof PyTypeError)) throw err;
    const warning = `Could not sort JSON output due to issues while sorting keys: ${err.message}`;
    try {
      return { text: new JsonEncoder(false).encode(value(), 0), warning };
    } catch (again) {
      if (!(again instanceof PyTypeError)) throw again;
      throw new KubehaError(
        'E_JSON_OUTPUT',
        `cannot write the inventory as JSON: ${again.message}`,
        {
          hint: 'ansible-inventory fails here too; use -y for YAML output',
        },
      );
    }
  }
}

/** `ansible-inventory --list`: groups reachable from `all`, then `_meta.hostvars`. */
export function listInventory(inv: Inventory, withHostVars = true): Record<string, AnsibleValue> {
  const out: Record<string, AnsibleValue> = {};
  const seen = new Set<string>();
  const format = (name: string) => {
    const g = inv.groups.get(name)!;
    const entry: Record<string, AnsibleValue> = {};
    if (name !== 'all') entry.hosts = [...g.hosts];
    entry.children = [...g.children];
    out[encodeKey(name)] = entry;
    for (const c of g.children) {
      if (!seen.has(c)) {
        format(c);
        seen.add(c);
      }
    }
    for (const k of ['hosts', 'children']) {
      const v = entry[k];
      if (Array.isArray(v) && v.length === 0) delete entry[k];
    }
    if (Object.keys(entry).length === 0) delete out[encodeKey(name)];
  };
  format('all');
  if (!withHostVars) return out;
  const hostvars: Record<string, AnsibleValue> = {};
  for (const h of groupHosts(inv, 'all')) {
    const vars = publicVars(hostVars(inv, h));
    if (Object.keys(vars).length > 0) hostvars[encodeKey(h)] = vars;
  }
  out._meta = { hostvars };
  return out;
}

/** `ansible-inventory --list` as text (see listInventoryFast), with Ansible's fallback. */
export function listInventoryJson(inv: Inventory): Rendered {
  return ansibleJson(
    () => listInventory(inv),
    () => listInventoryFast(inv),
  );
}

/**
 * Sorted `--list` text, fast: hosts with the same groups share the group layers of
 * their variables, so those are sorted and encoded once per group set and merged
 * with each host's own (few) variables.
 */
function listInventoryFast(inv: Inventory): string {
  const level = 3; // top → _meta → hostvars → host
  const indent = ' '.repeat((level + 1) * 4);
  const encoder = new JsonEncoder();
  const line = (vars: VarMap, k: string) =>
    `${indent}${jsonString(k)}: ${encoder.encode(vars[k]!, level + 1)}`;
  const publicKeys = (vars: VarMap) => Object.keys(vars).filter((k) => !INTERNAL_VARS.has(k));
  const bases = new WeakMap<VarMap, BaseText | null>();
  const hostvars: Record<string, AnsibleValue> = {};
  for (const h of groupHosts(inv, 'all')) {
    const { base, own } = hostVarLayers(inv, h);
    let b = bases.get(base);
    if (b === undefined) {
      const keys = publicKeys(base);
      b = keys.every(isPlainKey)
        ? baseText(keys.sort(pythonSort).map((k) => [k, line(base, k)]))
        : null;
      bases.set(base, b);
    }
    const ownKeys = publicKeys(own);
    if (b === null || !ownKeys.every(isPlainKey)) {
      // keys that are not plain strings: the general encoder sorts (or raises) as Python does
      const vars = publicVars({ ...base, ...own });
      if (Object.keys(vars).length) hostvars[encodeKey(h)] = vars;
      continue;
    }
    const parts: string[] = [];
    let pos = 0;
    for (const k of ownKeys.sort(pythonSort)) {
      const idx = lowerBound(b.keys, k);
      if (idx > pos) parts.push(b.segment(pos, idx));
      parts.push(line(own, k));
      pos = b.keys[idx] === k ? idx + 1 : idx;
    }
    if (pos < b.keys.length) parts.push(b.segment(pos, b.keys.length));
    if (parts.length) {
      const text = `{\n${parts.join(',\n')}\n${' '.repeat(level * 4)}}`;
      hostvars[encodeKey(h)] = new RawJson(text) as unknown as AnsibleValue;
    }
  }
  const top = listInventory(inv, false);
  top._meta = { hostvars };
  return encoder.encode(top, 0);
}

/** The sorted, encoded lines of a shared variable layer, joined once; segments are substrings. */
interface BaseText {
  keys: string[];
  segment(from: number, to: number): string;
}

function baseText(entries: [string, string][]): BaseText {
  const text = entries.map(([, l]) => l).join(',\n');
  const starts: number[] = [];
  let at = 0;
  for (const [, l] of entries) {
    starts.push(at);
    at += l.length + 2;
  }
  starts.push(at);
  return {
    keys: entries.map(([k]) => k),
    segment: (from, to) => text.substring(starts[from]!, starts[to]! - 2),
  };
}

function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pythonSort(keys[mid]!, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `ansible-inventory --host NAME`: the host's variables, JSON or (`-y`) YAML. */
export function hostOutput(inv: Inventory, host: string, yaml: boolean): Rendered {
  const vars = publicVars(hostVars(inv, host));
  return yaml ? { text: dumpYaml(vars).trimEnd() } : ansibleJson(vars);
}

/**
 * `ansible-inventory --list -y` (InventoryCLI.yaml_inventory, 2.14): the nested
 * inventory format, `all: children: GROUP: hosts: HOST: {vars}`, readable again as
 * an inventory. A group is written under every parent; a host's variables appear
 * the first time the walk (children first, in inventory order) meets the host,
 * `{}` after that.
 */
export function yamlInventory(inv: Inventory): Record<string, AnsibleValue> {
  const seen = new Set<string>();
  const format = (name: string): Record<string, AnsibleValue> => {
    const g = inv.groups.get(name)!;
    const children: Record<string, AnsibleValue> = {};
    for (const c of g.children) if (c !== 'all') Object.assign(children, format(c));
    const hosts: Record<string, AnsibleValue> = {};
    if (name !== 'all') {
      for (const h of g.hosts) {
        let vars: VarMap = {};
        if (!seen.has(h)) {
          seen.add(h);
          vars = publicVars(hostVars(inv, h));
        }
        hosts[encodeKey(h)] = vars;
      }
    }
    const entry: Record<string, AnsibleValue> = {};
    if (Object.keys(children).length) entry.children = children;
    if (Object.keys(hosts).length) entry.hosts = hosts;
    return { [encodeKey(name)]: entry };
  };
  return format('all');
}

export function listInventoryYaml(inv: Inventory): string {
  return dumpYaml(yamlInventory(inv)).trimEnd();
}

/** `ansible-inventory --graph [group] [--vars]`. */
export function graphInventory(inv: Inventory, start = 'all', showVars = false): string {
  const lines: string[] = [];
  const name = (text: string, depth: number) => (depth ? `${'  |'.repeat(depth)}--${text}` : text);
  const showVarLines = (vars: VarMap, depth: number, owner: string) => {
    let keys: string[];
    try {
      keys = sortKeys(Object.keys(vars));
    } catch (err) {
      if (!(err instanceof PyTypeError)) throw err;
      throw new KubehaError(
        'E_GRAPH_VARS',
        `cannot sort the variable names of ${owner}: ${err.message}`,
        {
          hint: 'ansible-inventory --graph --vars fails here too',
        },
      );
    }
    for (const k of keys) {
      lines.push(name(`{${pythonStr(decodeKey(k))} = ${pythonStr(vars[k]!)}}`, depth));
    }
  };
  const walk = (g: string, depth: number) => {
    const group = inv.groups.get(g)!;
    lines.push(name(`@${g}:`, depth));
    for (const c of group.children) walk(c, depth + 1);
    if (g !== 'all') {
      for (const h of group.hosts) {
        lines.push(name(h, depth + 1));
        if (showVars) showVarLines(publicVars(hostVars(inv, h)), depth + 2, h);
      }
    }
    if (showVars) showVarLines(groupVarsForGraph(inv, g), depth + 1, g);
  };
  walk(start, 0);
  return lines.join('\n');
}

/** InventoryCLI._get_group_variables: inline vars, then the group's group_vars files. */
function groupVarsForGraph(inv: Inventory, g: string): VarMap {
  const out: VarMap = { ...inv.groups.get(g)!.vars };
  for (const f of inv.groupVarsFiles.get(g) ?? []) Object.assign(out, f.vars);
  const prio = inv.groupPriority.get(g);
  if (prio !== undefined && prio !== 1) out.ansible_group_priority = prio;
  return publicVars(out);
}
