import { AnsibleFloat } from './ansible-float.js';
import { groupHosts, hostVars, hostVarLayers } from './variables.js';
import { pythonSort } from './vars-files.js';
import type { AnsibleValue, Inventory, VarMap } from './types.js';

/**
 * What `ansible-inventory` prints, to the byte: `--list` and `--host` go through
 * Python's json.dumps(sort_keys=True, indent=4, ensure_ascii=False), `--graph`
 * through InventoryCLI._graph_group.
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

/** Text already encoded at the right depth, spliced into pythonJson's output. */
class RawJson {
  constructor(readonly text: string) {}
}

export function pythonJson(value: AnsibleValue, indent = 4): string {
  return new JsonEncoder(indent).encode(value, 0);
}

const PADS: string[] = [];
const pad4 = (n: number) => (PADS[n] ??= ' '.repeat(n * 4));

/**
 * json.dumps(sort_keys=True, indent=N) at any depth. Group and file vars are
 * shared by many hosts: each shared object is encoded once per depth (memo).
 */
class JsonEncoder {
  private readonly memo = new WeakMap<object, Map<number, string>>();
  private readonly pad: (n: number) => string;

  constructor(indent = 4) {
    const pads: string[] = [];
    this.pad = indent === 4 ? pad4 : (n) => (pads[n] ??= ' '.repeat(n * indent));
  }

  encode(v: AnsibleValue, level: number): string {
    if (v === null) return 'null';
    if (typeof v === 'string') return jsonString(v);
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : pythonFloatLike(v);
    if (v instanceof AnsibleFloat) return v.toString();
    if (v instanceof RawJson) return v.text;
    let byLevel = this.memo.get(v);
    const hit = byLevel?.get(level);
    if (hit !== undefined) return hit;
    const inner = this.pad(level + 1);
    const parts: string[] = [];
    let out: string;
    if (Array.isArray(v)) {
      for (const x of v) parts.push(inner + this.encode(x, level + 1));
      out = parts.length ? `[\n${parts.join(',\n')}\n${this.pad(level)}]` : '[]';
    } else {
      for (const k of Object.keys(v).sort(pythonSort)) {
        parts.push(`${inner}${jsonString(k)}: ${this.encode(v[k]!, level + 1)}`);
      }
      out = parts.length ? `{\n${parts.join(',\n')}\n${this.pad(level)}}` : '{}';
    }
    if (!byLevel) this.memo.set(v, (byLevel = new Map()));
    byLevel.set(level, out);
    return out;
  }
}

function pythonFloatLike(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** json.dumps with ensure_ascii=False: only `"`, `\` and control characters are escaped. */
function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
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
    out[name] = entry;
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
    if (Object.keys(entry).length === 0) delete out[name];
  };
  format('all');
  if (!withHostVars) return out;
  const hostvars: Record<string, AnsibleValue> = {};
  for (const h of groupHosts(inv, 'all')) {
    const vars = publicVars(hostVars(inv, h));
    if (Object.keys(vars).length > 0) hostvars[h] = vars;
  }
  out._meta = { hostvars };
  return out;
}

/**
 * `ansible-inventory --list` as text, fast: hosts with the same groups share the
 * group layers of their variables, so those are sorted and encoded once per group
 * set and merged with each host's own (few) variables.
 */
export function listInventoryJson(inv: Inventory): string {
  const level = 3; // top → _meta → hostvars → host
  const indent = ' '.repeat((level + 1) * 4);
  const encoder = new JsonEncoder();
  const line = (vars: VarMap, k: string) =>
    `${indent}${jsonString(k)}: ${encoder.encode(vars[k]!, level + 1)}`;
  const publicKeys = (vars: VarMap) =>
    Object.keys(vars)
      .filter((k) => !INTERNAL_VARS.has(k))
      .sort(pythonSort);
  const bases = new WeakMap<VarMap, BaseText>();
  const hostvars: Record<string, AnsibleValue> = {};
  for (const h of groupHosts(inv, 'all')) {
    const { base, own } = hostVarLayers(inv, h);
    let b = bases.get(base);
    if (!b) bases.set(base, (b = baseText(publicKeys(base).map((k) => [k, line(base, k)]))));
    const parts: string[] = [];
    let pos = 0;
    for (const k of publicKeys(own)) {
      const idx = lowerBound(b.keys, k);
      if (idx > pos) parts.push(b.segment(pos, idx));
      parts.push(line(own, k));
      pos = b.keys[idx] === k ? idx + 1 : idx;
    }
    if (pos < b.keys.length) parts.push(b.segment(pos, b.keys.length));
    if (parts.length) {
      const text = `{\n${parts.join(',\n')}\n${' '.repeat(level * 4)}}`;
      hostvars[h] = new RawJson(text) as unknown as AnsibleValue;
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

/** `ansible-inventory --graph [group] [--vars]`. */
export function graphInventory(inv: Inventory, start = 'all', showVars = false): string {
  const lines: string[] = [];
  const name = (text: string, depth: number) => (depth ? `${'  |'.repeat(depth)}--${text}` : text);
  const showVarLines = (vars: VarMap, depth: number) => {
    for (const k of Object.keys(vars).sort(pythonSort)) {
      lines.push(name(`{${k} = ${pythonRepr(vars[k]!)}}`, depth));
    }
  };
  const walk = (g: string, depth: number) => {
    const group = inv.groups.get(g)!;
    lines.push(name(`@${g}:`, depth));
    for (const c of group.children) walk(c, depth + 1);
    if (g !== 'all') {
      for (const h of group.hosts) {
        lines.push(name(h, depth + 1));
        if (showVars) showVarLines(publicVars(hostVars(inv, h)), depth + 2);
      }
    }
    if (showVars) showVarLines(groupVarsForGraph(inv, g), depth + 1);
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

/** Python's str() of a value, as `--graph --vars` prints `{name = value}`. */
export function pythonRepr(v: AnsibleValue, nested = false): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (v instanceof AnsibleFloat)
    return v.toString().replace('Infinity', 'inf').replace('NaN', 'nan');
  if (typeof v === 'string') return nested ? pyStrRepr(v) : v;
  if (Array.isArray(v)) return `[${v.map((x) => pythonRepr(x, true)).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pyStrRepr(k)}: ${pythonRepr(x, true)}`)
    .join(', ')}}`;
}

function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return q + out + q;
}
