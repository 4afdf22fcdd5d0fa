// Reads are synchronous on purpose: a CLI loading many small files in order gains
// nothing from the event loop, and each await costs a turn of it.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KubehaError } from '../shared/errors.js';
import { DiagnosticBag, type Diagnostic } from '../shared/diagnostics.js';
import { emptyInventory, reconcile } from './builder.js';
import { loadExtraVars } from './extra-vars.js';
import { isHostList, parseFileSource, parseHostList } from './source-plugins.js';
import { loadVarsFiles, pythonSort } from './vars-files.js';
import { warnDuplicateKeys } from './warnings.js';
import type { Inventory } from './types.js';

/**
 * What an inventory source that no plugin can parse does — Ansible's settings of
 * the same names (config/base.yml). ansible-inventory's defaults only warn; the
 * planner (`kubeha plan`, `lint`, `render`) uses STRICT_UNPARSED, because a plan
 * drawn from part of an inventory is worse than none.
 */
export interface UnparsedPolicy {
  /** INVENTORY_ANY_UNPARSED_IS_FAILED: any source no plugin could parse is fatal */
  anyIsFailed: boolean;
  /** INVENTORY_UNPARSED_IS_FAILED: no source parsed at all is fatal */
  allIsFailed: boolean;
  /** INVENTORY_UNPARSED_WARNING: warn when no source was parsed */
  warnNoneParsed: boolean;
}

export const ANSIBLE_UNPARSED_DEFAULTS: UnparsedPolicy = {
  anyIsFailed: false,
  allIsFailed: false,
  warnNoneParsed: true,
};

const STRICT_UNPARSED: UnparsedPolicy = {
  anyIsFailed: true,
  allIsFailed: true,
  warnNoneParsed: true,
};

export interface LoadOptions {
  /** raw `-e` arguments, in order */
  extraVars?: string[];
  /**
   * Group names whose group_vars files should be read even though the inventory
   * does not define them (Kubespray creates k8s_cluster and friends at run time
   * with group_by, and group_vars/k8s_cluster then applies).
   */
  extraGroupNames?: string[];
  /** default: fail on any source that cannot be parsed (see UnparsedPolicy) */
  unparsed?: UnparsedPolicy;
  /**
   * Keep a broken vars file's error, and its duplicate-key warnings, in its VarsFile
   * instead of failing the load: Ansible reads group_vars/host_vars only for what
   * it shows, so `ansible-inventory --graph` never sees them (see checkVarsFiles).
   */
  deferVarsFiles?: boolean;
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

interface Ctx {
  inv: Inventory;
  diags: DiagnosticBag;
  policy: UnparsedPolicy;
}

/** InventoryManager.parse_sources: every source in order, then reconcile if any parsed. */
export async function loadInventory(
  sources: string[],
  opts: LoadOptions = {},
): Promise<LoadedInventory> {
  const diags = new DiagnosticBag();
  const inv = emptyInventory();
  const ctx: Ctx = { inv, diags, policy: opts.unparsed ?? STRICT_UNPARSED };
  if (sources.length === 0)
    throw new KubehaError('E_NO_SOURCE', 'no inventory source given', { hint: 'use -i FILE|DIR' });
  let parsed = false;
  for (const source of sources) {
    if (isHostList(source)) {
      parseHostList(inv, source);
      parsed = true;
      continue;
    }
    const abs = resolve(source);
    inv.sources.push(abs);
    if (parseSource(ctx, abs, source)) parsed = true;
  }
  if (parsed) {
    for (const name of reconcile(inv)) {
      diags.warn('W_GROUP_HOST_SAME_NAME', `found both group and host with same name: ${name}`);
    }
  } else if (ctx.policy.allIsFailed) {
    throw new KubehaError('E_NO_INVENTORY', 'no inventory was parsed', {
      hint: 'check the -i sources',
    });
  } else if (ctx.policy.warnNoneParsed) {
    diags.warn('W_NO_INVENTORY', 'no inventory was parsed: the inventory is empty');
  }
  await loadVarsFiles(inv, opts.extraGroupNames ?? [], opts.deferVarsFiles === true);
  if (!opts.deferVarsFiles) {
    for (const files of [...inv.groupVarsFiles.values(), ...inv.hostVarsFiles.values()]) {
      for (const f of files) warnDuplicateKeys(diags, f.path, f.duplicateKeys ?? []);
    }
  }
  const extra = await loadExtraVars(opts.extraVars ?? []);
  inv.extraVars = extra.vars;
  inv.extraVarOrigins = extra.origins;
  return { inventory: inv, diagnostics: diags.items };
}

/**
 * InventoryManager.parse_source: a directory is each of its entries in name order
 * (parsed if any entry is); a file goes through the plugins (source-plugins.ts).
 * A source nothing could parse gets the plugins' failures as warnings and "unable
 * to parse" — or, with anyIsFailed, stops the load with the failure that matters.
 */
function parseSource(ctx: Ctx, abs: string, shown: string): boolean {
  let isDir = false;
  let exists = true;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    exists = false;
  }
  let parsed = false;
  if (isDir) {
    let skippedIni: string | undefined;
    for (const name of readdirSync(abs).sort(pythonSort)) {
      const shownChild = join(shown, name);
      if (IGNORED_NAMES.test(name)) continue;
      if (IGNORED_EXTS.some((e) => name.endsWith(e))) {
        if (name.endsWith('.ini')) {
          skippedIni ??= shownChild;
          ctx.diags.warn(
            'W_DIR_INI_IGNORED',
            `${shownChild} is ignored: Ansible skips .ini files inside a directory inventory source`,
            { file: shownChild },
            `pass the file itself: -i ${shownChild}`,
          );
        }
        continue;
      }
      if (parseSource(ctx, join(abs, name), shownChild)) parsed = true;
    }
    if (!parsed)
      unparsed(
        ctx,
        shown,
        [],
        new KubehaError(
          'E_SOURCE_EMPTY',
          'no file in this directory is an inventory Ansible can read',
          {
            file: shown,
            hint: skippedIni
              ? `Ansible skips .ini files inside a directory source: pass -i ${skippedIni}`
              : 'give the inventory file itself',
          },
        ),
      );
    return parsed;
  }
  if (!exists) {
    unparsed(
      ctx,
      shown,
      [],
      new KubehaError('E_SOURCE_MISSING', 'inventory source not found or not readable', {
        file: shown,
      }),
    );
    return false;
  }
  const r = parseFileSource(ctx.inv, abs, shown, ctx.diags);
  if (!r.parsed) {
    unparsed(
      ctx,
      shown,
      r.failures,
      r.primary ??
        new KubehaError('E_SOURCE_UNREADABLE', 'inventory source not found or not readable', {
          file: shown,
        }),
    );
  }
  return r.parsed;
}

function unparsed(
  ctx: Ctx,
  shown: string,
  failures: { plugin: string; error: KubehaError }[],
  primary: KubehaError,
): void {
  if (ctx.policy.anyIsFailed) throw primary;
  for (const { plugin, error } of failures) {
    ctx.diags.warn(
      'W_SOURCE_PLUGIN',
      `failed to parse with the ${plugin} plugin: ${error.message}`,
      { file: error.file ?? shown, line: error.line, col: error.col },
      error.hint,
    );
  }
  ctx.diags.warn('W_SOURCE_UNPARSED', `unable to parse ${shown} as an inventory source`, {
    file: shown,
  });
}
