/**
 * The same hosts under another access pattern, or with a control plane added or
 * removed: pure transforms of the inventory as read (before Kubespray's dynamic
 * groups), so the planner then sees them exactly as a Kubespray run would.
 * Nothing is mutated; unchanged groups, hosts and variable maps are shared.
 */
import { isIP } from 'node:net';
import type { Group, Host, Inventory, VarMap, VarsFile } from '../inventory/index.js';
import { applyKubesprayGroups } from '../kubespray/dynamic-groups.js';
import type { KubesprayEra } from '../kubespray/versions.js';
import { buildPlan } from '../plan/index.js';
import type { Plan } from '../plan/plan-types.js';
import type { Diagnostic } from '../shared/diagnostics.js';
import { KubehaError } from '../shared/errors.js';

export type PatternCase = 'case1' | 'case2' | 'case3';

export interface LbAddress {
  address: string;
  port: number;
}

const ORIGIN = { file: 'kubeha compare', layer: 'extra vars (kubeha compare)' };

function without(vars: VarMap, key: string): VarMap {
  if (!(key in vars)) return vars;
  const out = { ...vars };
  delete out[key];
  return out;
}

function stripFiles(m: Map<string, VarsFile[]>, key: string): Map<string, VarsFile[]> {
  return new Map(
    [...m].map(([k, files]) => [k, files.map((f) => ({ ...f, vars: without(f.vars, key) }))]),
  );
}

/**
 * Kubespray's two pattern variables set as extra vars (the highest precedence);
 * Case 1 also removes `loadbalancer_apiserver` wherever the inventory defines it,
 * since "not defined" is what Case 1 means and extra vars cannot undefine.
 */
export function withPattern(inv: Inventory, pattern: PatternCase, lb: LbAddress): Inventory {
  const key = 'loadbalancer_apiserver';
  const base: Inventory =
    pattern === 'case1'
      ? {
          ...inv,
          groups: new Map(
            [...inv.groups].map(([k, g]) => [k, { ...g, vars: without(g.vars, key) }]),
          ),
          hosts: new Map([...inv.hosts].map(([k, h]) => [k, { ...h, vars: without(h.vars, key) }])),
          groupVarsFiles: stripFiles(inv.groupVarsFiles, key),
          hostVarsFiles: stripFiles(inv.hostVarsFiles, key),
          extraVars: without(inv.extraVars, key),
        }
      : inv;
  const set: VarMap = { loadbalancer_apiserver_localhost: pattern !== 'case3' };
  if (pattern !== 'case1') set[key] = { address: lb.address, port: lb.port };
  return {
    ...base,
    extraVars: { ...base.extraVars, ...set },
    extraVarOrigins: {
      ...inv.extraVarOrigins,
      ...Object.fromEntries(Object.keys(set).map((k) => [k, ORIGIN])),
    },
  };
}

/** The group a new control plane joins: kube_control_plane, or the old kube-master. */
function controlPlaneGroup(inv: Inventory): string {
  for (const g of ['kube_control_plane', 'kube-master']) if (inv.groups.has(g)) return g;
  throw new KubehaError(
    'E_SIMULATE_NO_CONTROL_PLANE_GROUP',
    'the inventory has no kube_control_plane group',
  );
}

/** NAME joins kube_control_plane with `ip` and `ansible_host` set to ADDRESS. */
export function withControlPlaneAdded(inv: Inventory, name: string, address: string): Inventory {
  if (inv.hosts.has(name)) {
    throw new KubehaError(
      'E_SIMULATE_HOST_EXISTS',
      `--add-control-plane: ${name} is already in the inventory`,
      {
        hint: 'pick a new host name',
      },
    );
  }
  if (isIP(address) === 0) {
    throw new KubehaError('E_USAGE', `--add-control-plane: "${address}" is not an IP address`, {
      hint: 'use NAME=IP, e.g. k8s-node5=192.168.10.15',
    });
  }
  const group = controlPlaneGroup(inv);
  const g = inv.groups.get(group)!;
  const origin = { file: '--add-control-plane', layer: `host ${name} (kubeha simulate)` };
  const host: Host = {
    name,
    vars: { ansible_host: address, ip: address },
    varOrigins: { ansible_host: origin, ip: origin },
    groups: [group],
  };
  const groups = new Map(inv.groups);
  groups.set(group, { ...g, hosts: [...g.hosts, name] });
  const hosts = new Map(inv.hosts);
  hosts.set(name, host);
  return { ...inv, groups, hosts };
}

/** The inventory after NAME is deleted from it (as after Kubespray's remove-node.yml). */
export function withHostRemoved(inv: Inventory, name: string): Inventory {
  const groups = new Map<string, Group>();
  for (const [k, g] of inv.groups) {
    groups.set(k, g.hosts.includes(name) ? { ...g, hosts: g.hosts.filter((h) => h !== name) } : g);
  }
  const hosts = new Map(inv.hosts);
  hosts.delete(name);
  const hostVarsFiles = new Map(inv.hostVarsFiles);
  hostVarsFiles.delete(name);
  return { ...inv, groups, hosts, hostVarsFiles };
}

/** `NAME=IP` of --add-control-plane. */
export function parseNameAddress(text: string): { name: string; address: string } {
  const m = /^([^=\s]+)=(\S+)$/.exec(text.trim());
  if (!m) {
    throw new KubehaError('E_USAGE', `--add-control-plane "${text}": expected NAME=IP`, {
      hint: 'e.g. --add-control-plane k8s-node5=192.168.10.15',
    });
  }
  return { name: m[1]!, address: m[2]!.replace(/^\[|\]$/g, '') };
}

/** The plan of an inventory (as read) under an era, as `kubeha plan` builds it. */
export function planOf(inv: Inventory, era: KubesprayEra, diagnostics: Diagnostic[] = []): Plan {
  const ks = applyKubesprayGroups(inv);
  return buildPlan(ks.inventory, {
    era,
    inventoryDiagnostics: [...diagnostics, ...ks.diagnostics],
    compareEras: false,
  });
}
