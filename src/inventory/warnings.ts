import type { DiagnosticBag } from '../shared/diagnostics.js';
import type { SourcePosition } from '../shared/errors.js';
import type { Duplicate } from './yaml-construct.js';

/**
 * Warnings Ansible prints while it reads an inventory. Ansible's Display prints a
 * given warning text once per run; kubeha's carry a position, so each is kept
 * once per load (per bag) in the same spirit.
 */
const seen = new WeakMap<DiagnosticBag, Set<string>>();

function once(diags: DiagnosticBag, id: string): boolean {
  let s = seen.get(diags);
  if (!s) seen.set(diags, (s = new Set()));
  if (s.has(id)) return false;
  s.add(id);
  return true;
}

/** AnsibleConstructor.construct_mapping: a key given twice, the last value kept. */
export function warnDuplicateKeys(diags: DiagnosticBag, file: string, dups: Duplicate[]): void {
  for (const d of dups) {
    // a file read by several plugins, or shared by several entities, is reported once
    if (!once(diags, `dup:${file}:${d.line}:${d.col}`)) continue;
    diags.warn('W_YAML_DUPLICATE_KEY', `duplicate key "${d.key}": the last one is used`, {
      file,
      line: d.line,
      col: d.col,
    });
  }
}

/**
 * Ansible's INVALID_VARIABLE_NAMES (`^[\d\W]|[^\w]`, Unicode): inventory/group.py
 * to_safe_group_name warns about such group names — for every group it creates
 * and every INI section header — but keeps them (TRANSFORM_INVALID_GROUP_CHARS
 * defaults to "never"). The warning text is the same each time, so it shows once.
 */
const INVALID_GROUP_CHARS = /^\p{Nd}|[^\p{L}\p{N}_]/u;

export function warnInvalidGroupName(
  diags: DiagnosticBag,
  name: string,
  pos: SourcePosition,
): void {
  if (!INVALID_GROUP_CHARS.test(name) || !once(diags, 'group-name')) return;
  diags.warn(
    'W_GROUP_NAME',
    'Invalid characters were found in group names but not replaced',
    pos,
    `"${name}": Ansible accepts it, but only letters, digits and _ are safe`,
  );
}
