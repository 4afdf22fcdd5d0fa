// Reads are synchronous on purpose: a CLI loading many small files in order gains
// nothing from the event loop, and each await costs a turn of it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { KubehaError } from '../shared/errors.js';
import { DiagnosticBag, type Diagnostic } from '../shared/diagnostics.js';
import { emptyInventory, reconcile } from './builder.js';
import { loadExtraVars } from './extra-vars.js';
import { parseIni } from './ini-parser.js';
import { findVarsFiles, listVarsDir, pythonSort, readVarsFile } from './vars-files.js';
import { loadAnsibleData, YamlLoadError } from './yaml-load.js';
import { parseYamlInventory } from './yaml-inventory.js';
import type { Inventory, VarsFile } from './types.js';

export interface LoadOptions {
  /** raw `-e` arguments, in order */
  extraVars?: string[];
  /**
   * Group names whose group_vars files should be read even though the inventory
   * does not define them (Kubespray creates k8s_cluster and friends at run time
   * with group_by, and group_vars/k8s_cluster then applies).
   */
  extraGroupNames?: string[];
}

export interface LoadedInventory {
  inventory: Inventory;
  diagnostics: Diagnostic[];
}

/**
 * Directory sources skip what Ansible's inventory manager skips (inventory/manager.py
 * IGNORED): hidden entries, group_vars/host_vars/vars_plugins, and the default
 * INVENTORY_IGNORE_EXTS — which include `.ini`, so an `inventory.ini` inside a
 * directory source is NOT read.
 */
const IGNORED_NAMES = /^\.|^host_vars$|^group_vars$|^vars_plugins$/;
const IGNORED_EXTS = [
  '.pyc',
  '.pyo',
  '.swp',
  '.bak',
  '~',
  '.rpm',
  '.md',
  '.txt',
  '.rst',
  '.orig',
  '.ini',
  '.cfg',
  '.retry',
];
const YAML_EXTS = ['.yml', '.yaml', '.json'];

export async function loadInventory(
  sources: string[],
  opts: LoadOptions = {},
): Promise<LoadedInventory> {
  const diags = new DiagnosticBag();
  const inv = emptyInventory();
  if (sources.length === 0)
    throw new KubehaError('E_NO_SOURCE', 'no inventory source given', { hint: 'use -i FILE|DIR' });
  for (const source of sources) {
    const abs = resolve(source);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new KubehaError('E_SOURCE_MISSING', `inventory source not found or not readable`, {
        file: source,
      });
    }
    inv.sources.push(abs);
    if (st.isDirectory()) await parseDirectory(inv, abs, source, diags);
    else await parseFile(inv, abs, source, diags);
  }
  for (const name of reconcile(inv)) {
    diags.warn('W_GROUP_HOST_SAME_NAME', `found both group and host with same name: ${name}`);
  }
  await loadVarsFiles(inv, opts.extraGroupNames ?? []);
  for (const files of [...inv.groupVarsFiles.values(), ...inv.hostVarsFiles.values()]) {
    for (const f of files) warnDuplicates(diags, f.path, f.duplicateKeys ?? []);
  }
  const extra = await loadExtraVars(opts.extraVars ?? []);
  inv.extraVars = extra.vars;
  inv.extraVarOrigins = extra.origins;
  return { inventory: inv, diagnostics: diags.items };
}

async function parseDirectory(
  inv: Inventory,
  dir: string,
  shown: string,
  diags: DiagnosticBag,
): Promise<void> {
  const names = readdirSync(dir).sort(pythonSort);
  for (const name of names) {
    const full = join(dir, name);
    const shownChild = join(shown, name);
    if (IGNORED_NAMES.test(name)) continue;
    if (IGNORED_EXTS.some((e) => name.endsWith(e))) {
      if (name.endsWith('.ini')) {
        diags.warn(
          'W_DIR_INI_IGNORED',
          `${shownChild} is ignored: Ansible skips .ini files inside a directory inventory source`,
          { file: shownChild },
          `pass the file itself: -i ${shownChild}`,
        );
      }
      continue;
    }
    const st = statSync(full);
    if (st.isDirectory()) await parseDirectory(inv, full, shownChild, diags);
    else await parseFile(inv, full, shownChild, diags);
  }
}

async function parseFile(
  inv: Inventory,
  abs: string,
  shown: string,
  diags: DiagnosticBag,
): Promise<void> {
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new KubehaError(
      'E_SOURCE_UNREADABLE',
      `cannot read inventory: ${(err as Error).message}`,
      { file: shown },
    );
  }
  const ext = extname(abs);
  // Ansible tries the yaml plugin first for these extensions (and none), then ini.
  if (ext === '' || YAML_EXTS.includes(ext)) {
    let yamlError: KubehaError | undefined;
    try {
      const loaded = loadAnsibleData(text);
      if (
        loaded.data !== undefined &&
        loaded.data !== null &&
        typeof loaded.data === 'object' &&
        !Array.isArray(loaded.data)
      ) {
        // Snapshot so a failing YAML parse cannot leave half an inventory behind.
        const before = structuredCloneInventory(inv);
        try {
          parseYamlInventory(inv, shown, loaded.data, loaded.keyLines, diags, loaded.pathLines);
          warnDuplicates(diags, shown, loaded.duplicateKeys);
          return;
        } catch (err) {
          restore(inv, before);
          if (!(err instanceof KubehaError)) throw err;
          yamlError = err;
        }
      } else if (ext !== '') {
        yamlError = new KubehaError(
          'E_YAML_INVENTORY',
          'YAML inventory should be a mapping of groups',
          { file: shown, line: 1, col: 1 },
        );
      }
    } catch (err) {
      if (!(err instanceof YamlLoadError)) throw err;
      yamlError = new KubehaError('E_YAML_SYNTAX', err.message, {
        file: shown,
        line: err.line,
        col: err.col,
      });
    }
    if (ext !== '' && yamlError) throw yamlError;
    // No extension: it may well be INI; if INI fails too, report the INI error.
  }
  parseIni(inv, shown, text, diags);
}

const warned = new WeakMap<DiagnosticBag, Set<string>>();
function warnDuplicates(
  diags: DiagnosticBag,
  file: string,
  dups: { key: string; line: number; col: number }[],
): void {
  let seen = warned.get(diags);
  if (!seen) warned.set(diags, (seen = new Set()));
  for (const d of dups) {
    const id = `${file}:${d.line}:${d.col}`;
    if (seen.has(id)) continue; // a file shared by several entities is reported once
    seen.add(id);
    diags.warn('W_YAML_DUPLICATE_KEY', `duplicate key "${d.key}": the last one is used`, {
      file,
      line: d.line,
      col: d.col,
    });
  }
}

function structuredCloneInventory(inv: Inventory): Inventory {
  return {
    ...inv,
    groups: new Map([...inv.groups].map(([k, g]) => [k, structuredClone(g)])),
    hosts: new Map([...inv.hosts].map(([k, h]) => [k, structuredClone(h)])),
    groupPriority: new Map(inv.groupPriority),
  };
}

function restore(inv: Inventory, from: Inventory): void {
  inv.groups = from.groups;
  inv.hosts = from.hosts;
  inv.groupPriority = from.groupPriority;
}

async function loadVarsFiles(inv: Inventory, extraGroups: string[]): Promise<void> {
  const bases: string[] = [];
  for (const src of inv.sources) {
    const st = statSync(src);
    const base = st.isDirectory() ? src : dirname(src);
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
      f = await readVarsFile(path, shown(path));
      cache.set(path, f);
    }
    return f;
  };
  for (const [kind, names, target] of [
    ['group_vars', groupNames, inv.groupVarsFiles],
    ['host_vars', new Set(inv.hosts.keys()), inv.hostVarsFiles],
  ] as const) {
    for (const base of bases) {
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
          list.push(await read(path));
          target.set(name, list);
        }
      }
    }
  }
}
