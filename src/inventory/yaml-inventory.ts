import { KubehaError } from '../shared/errors.js';
import type { DiagnosticBag } from '../shared/diagnostics.js';
import { AnsibleFloat } from './ansible-float.js';
import { addChild, addGroup, addHost, InventoryBuildError, setVar } from './builder.js';
import { expandHostPattern, HostPatternError } from './host-pattern.js';
import type { AnsibleValue, Inventory, VarOrigin } from './types.js';

/**
 * Ansible's YAML inventory format (plugins/inventory/yaml.py): top-level keys are
 * groups (usually just `all`); each group may have `vars`, `children` and `hosts`
 * mappings, processed in the order written; a host or group with a null value is
 * simply declared. Keys that are not mappings are skipped with a warning.
 */
type Obj = { [k: string]: AnsibleValue };

const isMapping = (v: AnsibleValue | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof AnsibleFloat);

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
      {
        file,
        line: 1,
        col: 1,
      },
    );
  }
  if (data.plugin) {
    throw new KubehaError(
      'E_YAML_INVENTORY',
      'this is an inventory plugin configuration, not a YAML inventory',
      {
        file,
        line: keyLines.plugin ?? 1,
        hint: 'kubeha reads static INI and YAML inventories only',
      },
    );
  }
  const origin: VarOrigin = { file, layer: 'inventory' };
  // The line of the deepest key of `path` that the document has.
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

  const parseGroup = (name: string, body: AnsibleValue, at: string[]): string => {
    if (!isMapping(body) && body !== null) {
      diags.warn('W_YAML_GROUP', `skipping '${name}' as this is not a valid group definition`, {
        file,
        line: lineOf(at),
      });
      return name;
    }
    addGroup(inv, name);
    if (body === null) return name;
    for (const section of ['vars', 'children', 'hosts']) {
      const v = body[section];
      if (typeof v === 'string') body[section] = { [v]: null };
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
          `skipping key (${key}) in group (${name}) as it is not a mapping`,
          {
            file,
            line: lineOf([...at, key]),
          },
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
          const sub = parseGroup(child, childBody, [...at, 'children', child]);
          try {
            addChild(inv, name, sub);
          } catch (err) {
            if (err instanceof InventoryBuildError) fail(err.message, [...at, 'children', child]);
            throw err;
          }
        }
      } else if (key === 'hosts') {
        for (const [pattern, hostBody] of Object.entries(value)) {
          let expanded: { hosts: string[]; port?: number };
          try {
            expanded = expandHostPattern(pattern);
          } catch (err) {
            if (err instanceof HostPatternError)
              return fail(`invalid host pattern '${pattern}': ${err.message}`, [
                ...at,
                'hosts',
                pattern,
              ]);
            throw err;
          }
          const vars = hostBody ?? {};
          if (!isMapping(vars))
            fail(`host '${pattern}' in group '${name}' must be a mapping of variables`, [
              ...at,
              'hosts',
              pattern,
            ]);
          for (const h of expanded.hosts) {
            const host = addHost(inv, h, name, expanded.port, origin);
            for (const [k, v] of Object.entries(vars as Obj)) setVar(host, k, v, origin);
          }
        }
      } else {
        diags.warn(
          'W_YAML_KEY',
          `skipping unexpected key (${key}) in group (${name}), only "vars", "children" and "hosts" are valid`,
          { file, line: lineOf([...at, key]) },
        );
      }
    }
    return name;
  };

  for (const [name, body] of Object.entries(data)) parseGroup(name, body, [name]);
}
