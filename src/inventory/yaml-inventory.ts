import { KubehaError } from '../shared/errors.js';
import type { DiagnosticBag } from '../shared/diagnostics.js';
import { PyDate } from './ansible-scalars.js';
import { addChild, addGroup, addHost, InventoryBuildError, setVar } from './builder.js';
import { expandHostPattern, HostPatternError } from './host-pattern.js';
import { decodeKey, encodeKey, type PyKey } from './py-key.js';
import { pythonStr } from './python-repr.js';
import { isMapping, isTruthy } from './python-truth.js';
import { warnInvalidGroupName } from './warnings.js';
import type { AnsibleValue, Inventory, VarOrigin } from './types.js';

/**
 * Ansible's YAML inventory format (plugins/inventory/yaml.py _parse_group): the
 * top-level keys are groups (usually just `all`); each group may have `vars`,
 * `children` and `hosts` mappings, processed in the order written; a host or group
 * with a null value is simply declared. Keys that are not mappings are skipped with
 * a warning. Group and host names must be strings: `1234:` under `hosts:` fails the
 * whole source ("Host pattern 1234 must be a string"), as does a non-string group.
 * What was added before a failure stays (source-plugins.ts).
 */
export function parseYamlInventory(
  inv: Inventory,
  file: string,
  data: AnsibleValue,
  keyLines: Record<string, number>,
  diags: DiagnosticBag,
  pathLines: Map<string, number> = new Map(),
): void {
  if (!isMapping(data)) {
    throw new KubehaError(
      'E_YAML_INVENTORY',
      'YAML inventory has invalid structure, it should be a mapping of groups',
      { file, line: 1, col: 1 },
    );
  }
  const origin: VarOrigin = { file, layer: 'inventory' };
  // The line of the deepest key of `path` (encoded keys) that the document has.
  const lineOf = (path: string[]): number | undefined => {
    for (let n = path.length; n > 0; n--) {
      const l = pathLines.get(path.slice(0, n).join('\0'));
      if (l !== undefined) return l;
    }
    return keyLines[path[0]!];
  };
  const fail = (message: string, path: string[]): never => {
    throw new KubehaError('E_YAML_INVENTORY', message, { file, line: lineOf(path) });
  };

  // InventoryData.add_group: a name must be a non-empty string
  const groupName = (name: PyKey, at: string[]): string => {
    if (typeof name !== 'string' || name === '') {
      const why = isTruthy(name)
        ? `Invalid group name supplied, expected a string but got ${pyClass(name)} for ${pythonStr(name)}`
        : `Invalid empty/false group name provided: ${pythonStr(name)}`;
      return fail(`Unable to add group ${pythonStr(name)}: ${why}`, at);
    }
    if (!inv.groups.has(name)) warnInvalidGroupName(diags, name, { file, line: lineOf(at) });
    addGroup(inv, name);
    return name;
  };

  const parseGroup = (key: PyKey, body: AnsibleValue, at: string[]): PyKey => {
    if (!isMapping(body) && body !== null) {
      diags.warn(
        'W_YAML_GROUP',
        `skipping '${pythonStr(key)}' as this is not a valid group definition`,
        {
          file,
          line: lineOf(at),
        },
      );
      return key;
    }
    const name = groupName(key, at);
    if (body === null) return name;
    for (const section of ['vars', 'children', 'hosts']) {
      const v = body[section];
      if (typeof v === 'string') body[section] = { [encodeKey(v)]: null };
      else if (v !== undefined && v !== null && !isMapping(v)) {
        fail(`invalid "${section}" entry for "${name}" group, requires a mapping`, [
          ...at,
          section,
        ]);
      }
    }
    for (const [key, value] of Object.entries(body)) {
      if (value === null) continue;
      if (!isMapping(value)) {
        diags.warn(
          'W_YAML_KEY',
          `skipping key (${pythonStr(decodeKey(key))}) in group (${name}) as it is not a mapping`,
          { file, line: lineOf([...at, key]) },
        );
        continue;
      }
      if (key === 'vars') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'ansible_group_priority') inv.groupPriority.set(name, Math.trunc(Number(v)));
          else setVar(inv.groups.get(name)!, k, v, origin);
        }
      } else if (key === 'children') {
        for (const [child, childBody] of Object.entries(value)) {
          const where = [...at, 'children', child];
          const sub = parseGroup(decodeKey(child), childBody, where);
          try {
            addChild(inv, name, String(sub));
          } catch (err) {
            if (err instanceof InventoryBuildError) fail(err.message, where);
            throw err;
          }
        }
      } else if (key === 'hosts') {
        for (const [rawPattern, hostBody] of Object.entries(value)) {
          parseHosts(name, decodeKey(rawPattern), hostBody, [...at, 'hosts', rawPattern]);
        }
      } else {
        diags.warn(
          'W_YAML_KEY',
          `skipping unexpected key (${pythonStr(decodeKey(key))}) in group (${name}), only "vars", "children" and "hosts" are valid`,
          { file, line: lineOf([...at, key]) },
        );
      }
    }
    return name;
  };

  const parseHosts = (group: string, pattern: PyKey, body: AnsibleValue, at: string[]): void => {
    if (typeof pattern !== 'string') {
      // _expand_hostpattern raises TypeError on anything but a string
      fail(
        `Host pattern ${pythonStr(pattern)} must be a string. Enclose integers/floats in quotation marks.`,
        at,
      );
      return;
    }
    let expanded: { hosts: string[]; port?: number };
    try {
      expanded = expandHostPattern(pattern);
    } catch (err) {
      if (err instanceof HostPatternError)
        fail(`invalid host pattern '${pattern}': ${err.message}`, at);
      throw err;
    }
    // _populate_host_vars(hosts, data or {}, …)
    const vars = isTruthy(body) ? body : {};
    if (!isMapping(vars)) {
      fail(`host '${pattern}' in group '${group}' must be a mapping of variables`, at);
      return;
    }
    for (const h of expanded.hosts) {
      if (h === '') fail('Invalid empty host name provided: ', at);
      const host = addHost(inv, h, group, expanded.port, origin);
      for (const [k, v] of Object.entries(vars)) setVar(host, k, v, origin);
    }
  };

  for (const [name, body] of Object.entries(data)) parseGroup(decodeKey(name), body, [name]);
}

function pyClass(v: PyKey): string {
  let t = 'float';
  if (typeof v === 'number') t = 'int';
  else if (typeof v === 'boolean') t = 'bool';
  else if (v instanceof PyDate) t = v.time ? 'datetime.datetime' : 'datetime.date';
  return `<class '${t}'>`;
}
