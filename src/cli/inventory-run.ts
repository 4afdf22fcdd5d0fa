import { stringify } from 'yaml';
import { formatDiagnostic } from '../shared/diagnostics.js';
import { KubehaError } from '../shared/errors.js';
import {
  AnsibleFloat,
  graphInventory,
  hostVars,
  listInventory,
  listInventoryJson,
  loadInventory,
  publicVars,
  pythonJson,
  type AnsibleValue,
  type Inventory,
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
}

export async function runInventory(opts: InventoryOptions): Promise<void> {
  const modes = [opts.list, opts.graph, opts.host].filter((x) => x !== undefined && x !== false);
  if (modes.length > 1) {
    throw new KubehaError('E_USAGE', 'choose one of --list, --graph, --host');
  }
  const loaded = await loadInventory(opts.inventory, {
    extraVars: opts.extraVars,
    extraGroupNames: opts.kubespray ? KUBESPRAY_GROUP_NAMES : [],
  });
  let inv: Inventory = loaded.inventory;
  const diagnostics = [...loaded.diagnostics];
  if (opts.kubespray) {
    const ks = applyKubesprayGroups(inv);
    inv = ks.inventory;
    diagnostics.push(...ks.diagnostics);
  }
  for (const d of diagnostics) process.stderr.write(`kubeha: ${formatDiagnostic(d)}\n`);

  let out: string;
  if (opts.graph !== undefined && opts.graph !== false) {
    const start = typeof opts.graph === 'string' ? opts.graph : 'all';
    if (!inv.groups.has(start)) {
      throw new KubehaError('E_USAGE', `--graph: no group named "${start}"`, {
        hint: 'give a group name',
      });
    }
    out = graphInventory(inv, start, opts.vars === true);
  } else if (opts.host !== undefined) {
    if (!inv.hosts.has(opts.host)) {
      throw new KubehaError('E_USAGE', `--host: no host named "${opts.host}" in the inventory`);
    }
    out = render(publicVars(hostVars(inv, opts.host)), opts.yaml === true);
  } else {
    out = opts.yaml ? render(listInventory(inv), true) : listInventoryJson(inv);
  }
  process.stdout.write(`${out}\n`);
}

function render(value: AnsibleValue, yaml: boolean): string {
  if (!yaml) return pythonJson(value);
  return stringify(toPlain(value), { sortMapEntries: true }).trimEnd();
}

function toPlain(v: AnsibleValue): unknown {
  if (v instanceof AnsibleFloat) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  }
  return v;
}
