import { AnsibleFloat, pythonFloatRepr } from './ansible-float.js';
import { AnsibleUnsafe, AnsibleVault, PyDate } from './ansible-scalars.js';
import { decodeKey, isPlainKey, PyTypeError, sortKeys } from './py-key.js';
import type { AnsibleValue } from './types.js';

/**
 * Python's `json.dumps(value, cls=AnsibleJSONEncoder, sort_keys=…, indent=4,
 * ensure_ascii=False, preprocess_unsafe=True)` at any depth (parsing/ajson.py):
 * dates as isoformat(), `!unsafe` and `!vault` strings as one-key objects, keys
 * written as json.dumps writes them (`0`, `7.2`, `true`, `null`). With sortKeys,
 * a mapping whose keys Python cannot order raises PyTypeError, as json.dumps does;
 * so does a key json cannot write (a date).
 */

/** Text already encoded at the right depth, spliced into the encoder's output. */
export class RawJson {
  constructor(readonly text: string) {}
}

const PADS: string[] = [];
const pad4 = (n: number) => (PADS[n] ??= ' '.repeat(n * 4));

const MEMO_MIN_SIZE = 4;

/** Group and file vars are shared by many hosts: each shared object is encoded once per depth. */
export class JsonEncoder {
  private readonly memo = new WeakMap<object, Map<number, string>>();
  private readonly pad: (n: number) => string;

  constructor(
    readonly sortKeys = true,
    indent = 4,
  ) {
    const pads: string[] = [];
    this.pad = indent === 4 ? pad4 : (n) => (pads[n] ??= ' '.repeat(n * indent));
  }

  encode(v: AnsibleValue | RawJson, level: number): string {
    if (v === null) return 'null';
    if (typeof v === 'string') return jsonString(v);
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : pythonFloatRepr(v);
    if (v instanceof AnsibleFloat) return v.toString();
    if (v instanceof RawJson) return v.text;
    if (v instanceof PyDate) return jsonString(v.isoformat());
    if (v instanceof AnsibleUnsafe) return this.encode({ __ansible_unsafe: v.text }, level);
    if (v instanceof AnsibleVault) return this.encode({ __ansible_vault: v.ciphertext }, level);
    // Small containers (a host's `{'rack': 'r1'}`) are cheaper to encode again than to
    // memoize: 5,000 memo entries for objects seen once were a good part of --list's GC.
    const size = Array.isArray(v) ? v.length : Object.keys(v).length;
    const memoize = size >= MEMO_MIN_SIZE;
    let byLevel = memoize ? this.memo.get(v) : undefined;
    const hit = byLevel?.get(level);
    if (hit !== undefined) return hit;
    const inner = this.pad(level + 1);
    const parts: string[] = [];
    let out: string;
    if (Array.isArray(v)) {
      for (const x of v) parts.push(inner + this.encode(x, level + 1));
      out = parts.length ? `[\n${parts.join(',\n')}\n${this.pad(level)}]` : '[]';
    } else {
      const keys = this.sortKeys ? sortKeys(Object.keys(v)) : Object.keys(v);
      for (const k of keys) {
        parts.push(`${inner}${jsonKey(k)}: ${this.encode(v[k]!, level + 1)}`);
      }
      out = parts.length ? `{\n${parts.join(',\n')}\n${this.pad(level)}}` : '{}';
    }
    if (!memoize) return out;
    if (!byLevel) this.memo.set(v, (byLevel = new Map()));
    byLevel.set(level, out);
    return out;
  }
}

/** A dict key as json.dumps writes it. */
export function jsonKey(k: string): string {
  if (isPlainKey(k)) return jsonString(k);
  const key = decodeKey(k);
  if (typeof key === 'string') return jsonString(key);
  if (key === null) return '"null"';
  if (typeof key === 'boolean') return key ? '"true"' : '"false"';
  if (typeof key === 'number') return `"${key}"`;
  if (key instanceof AnsibleFloat) return `"${key.toString()}"`;
  throw new PyTypeError('keys must be str, int, float, bool or None, not date');
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** json.dumps with ensure_ascii=False: only `"`, `\` and control characters are escaped. */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export function pythonJson(value: AnsibleValue, indent = 4): string {
  return new JsonEncoder(true, indent).encode(value, 0);
}
