import { DiagnosticBag, formatDiagnostic } from '../shared/diagnostics.js';
import { KubehaError } from '../shared/errors.js';
import {
  ANSIBLE_UNPARSED_DEFAULTS,
  checkVarsFiles,
  graphInventory,
  groupHosts,
  hostOutput,
  listInventoryJson,
  listInventoryYaml,
  loadInventory,
  type Inventory,
  type Rendered,
  type UnparsedPolicy,
  varsFilesUsed,
} from '../inventory/index.js';
import { applyKubesprayGroups, KUBESPRAY_GROUP_NAMES } from '../kubespray/dynamic-groups.js';

export interface InventoryOptions {
  inventory: string[];
  list?: boolean;
  graph?: string | boolean;
  host?: string;
  extraVars?: string[];
  yaml?: boolean;
  vars?: boolean;
  kubespray?: boolean;
  unparsedFailed?: boolean;
  anyUnparsedFailed?: boolean;
}

/**
 * ansible-inventory's settings for unparsable sources, from the same environment
 * variables Ansible reads (a flag turns one on). kubeha does not read ansible.cfg.
 */
function unparsedPolicy(opts: InventoryOptions, env: NodeJS.ProcessEnv): UnparsedPolicy {
  const flag = (name: string, fallback: boolean): boolean => {
    const v = env[name]?.trim().toLowerCase();
    if (v === undefined || v === '') return fallback;
    return ['1', 'true', 'yes', 'on', 'y', 't'].includes(v);
  };
  return {
    anyIsFailed:
      opts.anyUnparsedFailed === true ||
      flag('ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED', ANSIBLE_UNPARSED_DEFAULTS.anyIsFailed),
    allIsFailed:
      opts.unparsedFailed === true ||
      flag('ANSIBLE_INVENTORY_UNPARSED_FAILED', ANSIBLE_UNPARSED_DEFAULTS.allIsFailed),
    warnNoneParsed: flag(
      'ANSIBLE_INVENTORY_UNPARSED_WARNING',
      ANSIBLE_UNPARSED_DEFAULTS.warnNoneParsed,
    ),
  };
}

/** The vars files ansible-inventory reads for this output: none for a plain --graph. */
function varsFilesShown(inv: Inventory, opts: InventoryOptions) {
  if (opts.host !== undefined)
    return varsFilesUsed(inv, inv.hosts.has(opts.host) ? [opts.host] : [], []);
  if (opts.graph !== undefined && opts.graph !== false) {
    if (!opts.vars) return [];
    const start = typeof opts.graph === 'string' ? opts.graph : 'all';
    if (!inv.groups.has(start)) return [];
    const groups = new Set<string>();
    const walk = (g: string) => {
      groups.add(g);
      inv.groups.get(g)!.children.forEach(walk);
    };
    walk(start);
    const hosts = [...groups].filter((g) => g !== 'all').flatMap((g) => inv.groups.get(g)!.hosts);
    return varsFilesUsed(inv, hosts, groups);
  }
  return varsFilesUsed(inv, groupHosts(inv, 'all'), []);
}

export async function runInventory(opts: InventoryOptions): Promise<void> {
  const modes = [opts.list, opts.graph, opts.host].filter((x) => x !== undefined && x !== false);
  if (modes.length > 1) {
    throw new KubehaError('E_USAGE', 'choose one of --list, --graph, --host');
  }
  const loaded = await loadInventory(opts.inventory, {
    extraVars: opts.extraVars,
    extraGroupNames: opts.kubespray ? KUBESPRAY_GROUP_NAMES : [],
    unparsed: unparsedPolicy(opts, process.env),
    deferVarsFiles: true,
  });
  let inv: Inventory = loaded.inventory;
  const diagnostics = [...loaded.diagnostics];
  if (opts.kubespray) {
    const ks = applyKubesprayGroups(inv);
    inv = ks.inventory;
    diagnostics.push(...ks.diagnostics);
  }
  const bag = new DiagnosticBag();
  try {
    checkVarsFiles(varsFilesShown(inv, opts), bag);
  } finally {
    diagnostics.push(...bag.items);
    for (const d of diagnostics) process.stderr.write(`kubeha: ${formatDiagnostic(d)}\n`);
  }

  let out: Rendered;
  if (opts.graph !== undefined && opts.graph !== false) {
    const start = typeof opts.graph === 'string' ? opts.graph : 'all';
    if (!inv.groups.has(start)) {
      throw new KubehaError('E_USAGE', `--graph: no group named "${start}"`, {
        hint: 'give a group name',
      });
    }
    out = { text: graphInventory(inv, start, opts.vars === true) };
  } else if (opts.host !== undefined) {
    if (!inv.hosts.has(opts.host)) {
      throw new KubehaError('E_USAGE', `--host: no host named "${opts.host}" in the inventory`);
    }
    out = hostOutput(inv, opts.host, opts.yaml === true);
  } else {
    out = opts.yaml ? { text: listInventoryYaml(inv) } : listInventoryJson(inv);
  }
  if (out.warning) process.stderr.write(`kubeha: warning: ${out.warning}\n`);
  process.stdout.write(`${out.text}\n`);
}
