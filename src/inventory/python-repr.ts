import { KubehaError } from '../shared/errors.js';
import { AnsibleFloat } from './ansible-float.js';
import { AnsibleUnsafe, AnsibleVault, PyDate, PyTuple } from './ansible-scalars.js';
import { decodeKey, type PyKey } from './py-key.js';
import type { AnsibleValue } from './types.js';

/**
 * Python's `str()` and `repr()` of inventory values, which `ansible-inventory
 * --graph --vars` prints as `{name = value}`: the value's str(), and inside lists
 * and dicts the items' repr(), dicts in insertion order with keys of any type.
 */
export function pythonStr(v: AnsibleValue | PyKey): string {
  if (typeof v === 'string') return v;
  if (v instanceof AnsibleUnsafe) return v.text;
  if (v instanceof PyDate) return v.toString();
  return pythonRepr(v);
}

export function pythonRepr(v: AnsibleValue | PyKey): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return pyStrRepr(v);
  if (v instanceof AnsibleFloat) {
    return v.toString().replace('Infinity', 'inf').replace('NaN', 'nan');
  }
  if (v instanceof AnsibleUnsafe) return pyStrRepr(v.text);
  if (v instanceof PyDate) return v.repr();
  if (v instanceof AnsibleVault) {
    // str() and repr() decrypt; without a vault password Ansible stops here too
    throw new KubehaError('E_VAULT', 'Attempting to decrypt but no vault secrets found', {
      hint: 'kubeha never decrypts vault values; use --list or --host instead of --graph --vars',
    });
  }
  if (v instanceof PyTuple) {
    return v.length === 1
      ? `(${pythonRepr(v[0] as AnsibleValue)},)`
      : `(${v.map((x) => pythonRepr(x as AnsibleValue)).join(', ')})`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => pythonRepr(x)).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pythonRepr(decodeKey(k))}: ${pythonRepr(x)}`)
    .join(', ')}}`;
}

/** Python's str.isprintable(): no Unicode "Other" or "Separator" characters but space. */
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

/** repr(str): single quotes unless the text has ' and no ", escapes for what is not printable. */
export function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NOT_PRINTABLE.test(ch)) {
      const hex = c.toString(16);
      out +=
        c <= 0xff
          ? `\\x${hex.padStart(2, '0')}`
          : c <= 0xffff
            ? `\\u${hex.padStart(4, '0')}`
            : `\\U${hex.padStart(8, '0')}`;
    } else out += ch;
  }
  return q + out + q;
}
