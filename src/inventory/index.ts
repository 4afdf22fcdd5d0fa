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
export { loadInventory, type LoadOptions, type LoadedInventory } from './load.js';
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
  listInventory,
  listInventoryJson,
  graphInventory,
  pythonJson,
  publicVars,
} from './ansible-output.js';
