import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { KubehaError } from '../shared/errors.js';
import { loadAnsibleData, YamlLoadError } from './yaml-load.js';
import { pythonSort } from './py-key.js';
import type { AnsibleValue, VarMap, VarsFile } from './types.js';

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
  if (isFalsy(data)) {
    return { path, vars: {}, lines: {} };
  }
  if (data === undefined || !isPlainMap(data)) {
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

function isFalsy(v: AnsibleValue | undefined): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return true;
  return Array.isArray(v) && v.length === 0;
}

function isPlainMap(v: AnsibleValue): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.getPrototypeOf(v) === Object.prototype
  );
}

function pyType(v: AnsibleValue): string {
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  return 'float';
}
