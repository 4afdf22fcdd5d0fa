import { AnsibleFloat } from './ansible-float.js';
import type { AnsibleValue } from './types.js';

/** A YAML/JSON mapping as loaded (keys encoded, see py-key.ts). */
export type Mapping = { [k: string]: AnsibleValue };

/** A mapping, as opposed to a list, a scalar or one of the scalar classes. */
export const isMapping = (v: AnsibleValue | undefined): v is Mapping =>
  typeof v === 'object' && v !== null && v.constructor === Object;

/** Python's truth value of a loaded value (`if not data:` in Ansible's plugins). */
export function isTruthy(v: AnsibleValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  if (v instanceof AnsibleFloat) return v.value !== 0;
  return true;
}
