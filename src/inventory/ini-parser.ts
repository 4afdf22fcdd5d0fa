import { KubehaError } from '../shared/errors.js';
import type { DiagnosticBag } from '../shared/diagnostics.js';
import { addChild, addGroup, addHost, InventoryBuildError, setVar } from './builder.js';
import { expandHostPattern, HostPatternError } from './host-pattern.js';
import { literalParser } from './python-literal.js';
import { shlexSplit, ShlexError } from './shlex.js';
import { varKey } from './py-key.js';
import { warnInvalidGroupName } from './warnings.js';
import type { AnsibleValue, Inventory, VarOrigin } from './types.js';

/**
 * Ansible's INI inventory format (plugins/inventory/ini.py, ansible-core 2.14–2.18):
 * `#`/`;` comment lines, hosts before any section in `ungrouped`, `[g]`,
 * `[g:children]`, `[g:vars]`; host-line values go through Python's literal_eval,
 * and so do `[g:vars]` values (quotes stripped, numbers typed).
 */
const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  name: string;
  parents: string[];
}

export function parseIni(inv: Inventory, file: string, text: string, diags: DiagnosticBag): void {
  const lines = text.split(/\r\n|\n|\r/);
  const parsePythonLiteral = literalParser();
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let state: 'hosts' | 'children' | 'vars' = 'hosts';

  const fail = (lineNo: number, message: string, col = 1, hint?: string): never => {
    throw new KubehaError('E_INI_SYNTAX', message, { file, line: lineNo, col, hint });
  };

  lines.forEach((rawLine, idx) => {
    const lineNo = idx + 1;
    const line = rawLine.trim();
    const col = rawLine.indexOf(line) + 1;
    if (line === '' || line[0] === '#' || line[0] === ';') return;
    const origin: VarOrigin = { file, line: lineNo, layer: 'inventory' };

    const m = SECTION.exec(line);
    if (m) {
      group = m[1]!;
      const tag = m[2] ?? 'hosts';
      if (tag !== 'hosts' && tag !== 'children' && tag !== 'vars') {
        fail(
          lineNo,
          `section [${m[1]}:${tag}] has unknown type: ${tag}`,
          col,
          'use :children or :vars',
        );
      }
      state = tag as typeof state;
      warnInvalidGroupName(diags, group, { file, line: lineNo, col });
      if (!inv.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) {
          pending.set(group, { line: lineNo, state: 'vars', name: group, parents: [] });
        }
        addGroup(inv, group);
      }
      const p = pending.get(group);
      if (p && state !== 'vars') {
        if (p.state === 'children') addPendingChildren(inv, group, pending);
        else pending.delete(group);
      }
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(
        lineNo,
        `invalid section entry: '${line}'`,
        col,
        'no spaces or other invalid characters inside [ ]',
      );
    }
    if (line.startsWith('[') && !line.includes(']')) {
      fail(lineNo, `unterminated section header: '${line}'`, col, 'close it with ]');
    }

    if (state === 'hosts') {
      let tokens: string[];
      try {
        tokens = shlexSplit(line);
      } catch (err) {
        return fail(
          lineNo,
          `error parsing host definition '${line}': ${(err as ShlexError).message}`,
          col,
        );
      }
      if (tokens.length === 0) return;
      const pattern = tokens[0]!;
      let expanded: { hosts: string[]; port?: number };
      try {
        expanded = expandHostPattern(pattern);
      } catch (err) {
        if (err instanceof HostPatternError) {
          return fail(
            lineNo,
            `invalid host pattern '${pattern}': ${err.message}`,
            col,
            'use name[1:3] or name[01:10:2]',
          );
        }
        throw err;
      }
      if (pattern.trim().endsWith(':') && expanded.port === undefined) {
        fail(
          lineNo,
          `invalid host pattern '${pattern}': ending in ':' is not allowed`,
          col,
          "':' introduces a port",
        );
      }
      if (expanded.hosts.some((h) => h.trim() === '---')) {
        fail(
          lineNo,
          `invalid host pattern '${pattern}'`,
          col,
          "'---' is normally a sign this is a YAML file",
        );
      }
      const vars: [string, AnsibleValue][] = [];
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq < 0) {
          fail(
            lineNo,
            `expected key=value host variable assignment, got: ${t}`,
            rawLine.indexOf(t) + 1,
          );
        }
        vars.push([varKey(t.slice(0, eq)), parsePythonLiteral(t.slice(eq + 1))]);
      }
      for (const name of expanded.hosts) {
        const h = addHost(inv, name, group, expanded.port, origin);
        for (const [k, v] of vars) setVar(h, k, v, origin);
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(lineNo, `expected key=value, got: ${line}`, col);
      const key = line.slice(0, eq).trim();
      const value = parsePythonLiteral(line.slice(eq + 1).trim());
      if (key === 'ansible_group_priority') {
        inv.groupPriority.set(group, Math.trunc(Number(value)));
      } else {
        setVar(inv.groups.get(group)!, varKey(key), value, origin);
      }
    } else {
      const gm = GROUP_NAME.exec(line);
      if (!gm) return fail(lineNo, `expected group name, got: ${line}`, col);
      const child = gm[1]!;
      if (!inv.groups.has(child)) {
        const p = pending.get(child);
        if (!p)
          pending.set(child, { line: lineNo, state: 'children', name: child, parents: [group] });
        else p.parents.push(group);
      } else {
        link(inv, group, child, file, lineNo, col);
      }
    }
  });

  for (const p of pending.values()) {
    if (p.state === 'vars') {
      throw new KubehaError(
        'E_INI_UNDEFINED_GROUP',
        `section [${p.name}:vars] not valid for undefined group: ${p.name}`,
        {
          file,
          line: p.line,
          col: 1,
          hint: `add a [${p.name}] section`,
        },
      );
    }
    throw new KubehaError(
      'E_INI_UNDEFINED_GROUP',
      `section [${p.parents[p.parents.length - 1]}:children] includes undefined group: ${p.name}`,
      { file, line: p.line, col: 1, hint: `define [${p.name}] (it may be empty)` },
    );
  }
}

function addPendingChildren(inv: Inventory, group: string, pending: Map<string, Pending>): void {
  const p = pending.get(group)!;
  for (const parent of p.parents) {
    addChild(inv, parent, group);
    const pp = pending.get(parent);
    if (pp && pp.state === 'children') addPendingChildren(inv, parent, pending);
  }
  pending.delete(group);
}

function link(
  inv: Inventory,
  parent: string,
  child: string,
  file: string,
  line: number,
  col: number,
): void {
  try {
    addChild(inv, parent, child);
  } catch (err) {
    if (err instanceof InventoryBuildError) {
      throw new KubehaError('E_INVENTORY_LOOP', err.message, { file, line, col });
    }
    throw err;
  }
}
