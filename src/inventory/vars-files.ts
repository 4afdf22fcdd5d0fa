import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { KubehaError } from '../shared/errors.js';
import { loadAnsibleData, YamlLoadError } from './yaml-load.js';
import { pythonSort } from './py-key.js';
import type { DiagnosticBag } from '../shared/diagnostics.js';
import { hostAllGroups } from './builder.js';
import { isMapping, isTruthy } from './python-truth.js';
import { warnDuplicateKeys } from './warnings.js';
import type { AnsibleValue, Inventory, VarMap, VarsFile } from './types.js';

/**
 * group_vars/ and host_vars/ beside an inventory source, as Ansible's
 * host_group_vars plugin and DataLoader.find_vars_files find them: for entity
 * NAME the first of `NAME`, `NAME.yml`, `NAME.yaml`, `NAME.json` that exists is
 * used — a directory `NAME/` contributes all its files (recursively, sorted,
 * hidden files and `~` backups skipped, only no-extension/.yml/.yaml/.json).
 */
const EXTENSIONS = ['.yml', '.yaml', '.json'];

export { pythonSort };

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

async function dirFiles(dir: string): Promise<string[]> {
  const names = readdirSync(dir).sort(pythonSort);
  const out: string[] = [];
  for (const name of names) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = join(dir, name);
    const ext = extname(name);
    const k = await kind(full);
    if (k === 'dir' && ext === '') out.push(...(await dirFiles(full)));
    else if (k === 'file' && (ext === '' || EXTENSIONS.includes(ext))) out.push(full);
  }
  return out;
}

/** The entries of one group_vars/ or host_vars/ directory, read once. */
export async function listVarsDir(dir: string): Promise<Map<string, 'file' | 'dir'>> {
  const out = new Map<string, 'file' | 'dir'>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    let k: 'file' | 'dir' | undefined = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : undefined;
    if (k === undefined) k = await kind(join(dir, e.name)); // symlinks: follow them
    if (k) out.set(e.name, k);
  }
  return out;
}

export async function findVarsFiles(
  base: string,
  name: string,
  entries: Map<string, 'file' | 'dir'>,
): Promise<string[]> {
  for (const ext of ['', ...EXTENSIONS]) {
    const k = entries.get(name + ext);
    if (k === 'dir') return dirFiles(join(base, name + ext));
    if (k === 'file') return [join(base, name + ext)];
  }
  return [];
}

export async function readVarsFile(abs: string, path = abs): Promise<VarsFile> {
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new KubehaError('E_VARS_UNREADABLE', `cannot read vars file: ${(err as Error).message}`, {
      file: path,
    });
  }
  let loaded;
  try {
    loaded = loadAnsibleData(text);
  } catch (err) {
    if (err instanceof YamlLoadError) {
      throw new KubehaError('E_VARS_SYNTAX', err.message, {
        file: path,
        line: err.line,
        col: err.col,
      });
    }
    throw err;
  }
  const data: AnsibleValue | undefined = loaded.data;
  // Empty files are skipped (`if new_data:`), as are empty mappings and other falsy values.
  if (!isTruthy(data)) {
    return { path, vars: {}, lines: {} };
  }
  if (!isMapping(data)) {
    throw new KubehaError(
      'E_VARS_NOT_MAPPING',
      `vars file is not a mapping (got ${pyType(data ?? null)})`,
      {
        file: path,
        line: 1,
        col: 1,
        hint: 'a vars file holds KEY: VALUE pairs at the top level',
      },
    );
  }
  return {
    path,
    vars: data as VarMap,
    lines: loaded.keyLines,
    duplicateKeys: loaded.duplicateKeys,
  };
}

function pyType(v: AnsibleValue): string {
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  return 'float';
}

/**
 * host_group_vars for every group (and the extra names) and host, beside every
 * source. With `defer`, a file that cannot be read keeps its error (VarsFile.error)
 * for checkVarsFiles to raise if the output needs that file.
 */
export async function loadVarsFiles(
  inv: Inventory,
  extraGroups: string[],
  defer: boolean,
): Promise<void> {
  const bases: string[] = [];
  for (const src of inv.sources) {
    // get_vars_from_inventory_sources: beside every -i source, parsed or not
    let isDir = false;
    try {
      isDir = statSync(src).isDirectory();
    } catch {
      // a missing source still has a directory
    }
    const base = isDir ? src : dirname(src);
    if (!bases.includes(base)) bases.push(base);
  }
  // Messages name files relative to the working directory, as the user typed them.
  const shown = (p: string) =>
    relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p);
  const groupNames = new Set([...inv.groups.keys(), ...extraGroups]);
  const cache = new Map<string, VarsFile>();
  const read = async (path: string) => {
    let f = cache.get(path);
    if (!f) {
      try {
        f = await readVarsFile(path, shown(path));
      } catch (err) {
        if (!defer || !(err instanceof KubehaError)) throw err;
        f = { path: shown(path), vars: {}, lines: {}, error: err };
      }
      cache.set(path, f);
    }
    return f;
  };
  for (const [kind, names, target] of [
    ['group_vars', groupNames, inv.groupVarsFiles],
    ['host_vars', new Set(inv.hosts.keys()), inv.hostVarsFiles],
  ] as const) {
    for (const [source, base] of bases.entries()) {
      const dir = join(base, kind);
      let isDir = false;
      try {
        isDir = statSync(dir).isDirectory();
      } catch {
        continue;
      }
      if (!isDir) continue;
      const entries = await listVarsDir(dir);
      for (const name of names) {
        if (name.startsWith('/')) continue;
        for (const path of await findVarsFiles(dir, name, entries)) {
          const list = target.get(name) ?? [];
          list.push({ ...(await read(path)), source });
          target.set(name, list);
        }
      }
    }
  }
}

/**
 * The vars files Ansible reads to show these hosts (VariableManager.get_vars: the
 * group_vars of `all` and of every group of the host, its host_vars) and these
 * groups (InventoryCLI._get_group_variables: the group's own group_vars).
 */
export function varsFilesUsed(
  inv: Inventory,
  hosts: Iterable<string>,
  groups: Iterable<string>,
): VarsFile[] {
  const out = new Set<VarsFile>();
  const add = (files: VarsFile[] | undefined) => files?.forEach((f) => out.add(f));
  const memo = new Map<string, Set<string>>();
  for (const h of hosts) {
    add(inv.groupVarsFiles.get('all'));
    for (const g of hostAllGroups(inv, h, memo)) add(inv.groupVarsFiles.get(g));
    add(inv.hostVarsFiles.get(h));
  }
  for (const g of groups) add(inv.groupVarsFiles.get(g));
  return [...out];
}

/** Raises the first error among `files` and reports their duplicate keys, as Ansible would on reading them. */
export function checkVarsFiles(files: VarsFile[], diags: DiagnosticBag): void {
  for (const f of files) if (f.error) throw f.error;
  for (const f of files) warnDuplicateKeys(diags, f.path, f.duplicateKeys ?? []);
}
