/**
 * The typed inventory: what Ansible's inventory manager holds after reading the
 * sources, before any variable is templated. Values are "raw" exactly as
 * `ansible-inventory --list` shows them. Integers are numbers; Python floats are
 * AnsibleFloat so that `1.0` and `1` stay apart; YAML timestamps, `!unsafe` and
 * `!vault` strings have their own classes (ansible-scalars.ts). Mapping keys that
 * are not ordinary strings are encoded (py-key.ts).
 */
import type { KubehaError } from '../shared/errors.js';
import type { AnsibleFloat } from './ansible-float.js';
import type { AnsibleUnsafe, AnsibleVault, PyDate } from './ansible-scalars.js';

export type AnsibleValue =
  | string
  | number
  | AnsibleFloat
  | PyDate
  | AnsibleUnsafe
  | AnsibleVault
  | boolean
  | null
  | AnsibleValue[]
  | { [key: string]: AnsibleValue };

/** Variables by (encoded, see py-key.ts) name, in the order Python's dict would hold them. */
export type VarMap = Record<string, AnsibleValue>;

/** Where one variable's value came from, for messages that name a file. */
export interface VarOrigin {
  file: string;
  line?: number;
  /** e.g. "group_vars/k8s_cluster", "host inline", "-e" */
  layer: string;
}

export interface Group {
  name: string;
  /** direct hosts, in the order Ansible added them */
  hosts: string[];
  /** direct child groups, in order */
  children: string[];
  /** direct parents, in order */
  parents: string[];
  /** inline inventory vars (INI `[g:vars]`, YAML `vars:`) */
  vars: VarMap;
  varOrigins: Record<string, VarOrigin>;
  /** distance from `all`, as Ansible computes it (longest path) */
  depth: number;
}

export interface Host {
  name: string;
  /** inline inventory vars (INI host line, YAML host mapping) */
  vars: VarMap;
  varOrigins: Record<string, VarOrigin>;
  /** groups the host was added to directly, in order */
  groups: string[];
}

/** A vars file found under group_vars/ or host_vars/ beside an inventory source. */
export interface VarsFile {
  path: string;
  /** which inventory source's directory it sits in (0 = the first -i) */
  source?: number;
  vars: VarMap;
  /** 1-based line of each top-level key, for messages */
  lines: Record<string, number>;
  /** keys written twice (the last one counts, as in Ansible, which warns) */
  duplicateKeys?: { key: string; line: number; col: number }[];
  /** why the file could not be read, when the load deferred it (LoadOptions.deferVarsFiles) */
  error?: KubehaError;
}

export interface Inventory {
  /** the sources as given, resolved to files */
  sources: string[];
  /** groups in creation order; `all` and `ungrouped` first */
  groups: Map<string, Group>;
  /** hosts in creation order */
  hosts: Map<string, Host>;
  /** group_vars files per group name, in load order (all sources) */
  groupVarsFiles: Map<string, VarsFile[]>;
  /** host_vars files per host name, in load order */
  hostVarsFiles: Map<string, VarsFile[]>;
  /** -e extra vars, in the order given */
  extraVars: VarMap;
  extraVarOrigins: Record<string, VarOrigin>;
  /** `ansible_group_priority` per group: Ansible keeps it out of the group's vars */
  groupPriority: Map<string, number>;
}

export interface ResolvedVar {
  value: AnsibleValue;
  origin: VarOrigin;
}
