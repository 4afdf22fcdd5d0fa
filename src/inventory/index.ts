/**
 * Public face of the inventory stage. Later stages import only from here.
 */
export type {
  AnsibleValue,
  VarMap,
  VarOrigin,
  Group,
  Host,
  Inventory,
  ResolvedVar,
  VarsFile,
} from './types.js';
export { AnsibleFloat } from './ansible-float.js';
export { AnsibleUnsafe, AnsibleVault, PyDate } from './ansible-scalars.js';
export { decodeKey, encodeKey, type PyKey } from './py-key.js';
export {
  loadInventory,
  ANSIBLE_UNPARSED_DEFAULTS,
  type LoadOptions,
  type LoadedInventory,
  type UnparsedPolicy,
} from './load.js';
export {
  hostVars,
  hostVarsWithOrigin,
  layeredHostVars,
  type LayeredVars,
  hostGroupNames,
  groupHosts,
  sortGroups,
} from './variables.js';
export { addChild, addGroup, addHost, ancestors, hostAllGroups } from './builder.js';
export {
  graphInventory,
  hostOutput,
  listInventory,
  listInventoryJson,
  listInventoryYaml,
  publicVars,
  yamlInventory,
  type Rendered,
} from './ansible-output.js';
export { pythonJson } from './python-json.js';
export { dumpYaml } from './yaml-dump.js';
export { checkVarsFiles, varsFilesUsed } from './vars-files.js';
export {
  factCacheFromConfig,
  readFactCache,
  type FactCache,
  type HostFacts,
} from './fact-cache.js';
