import { AnsibleFloat, pythonFloatRepr } from './ansible-float.js';
import { PyDate } from './ansible-scalars.js';

/**
 * Python dict keys in JavaScript objects. A YAML mapping may have keys that are
 * not strings (`0: x`, `7.2: y`, `true: z`, `~: n`, `2024-01-01: d`), and Ansible
 * keeps them so: `--graph --vars` shows `{'a': 1, 0: 2}`, and a mapping whose keys
 * Python cannot order (str against int) makes ansible-inventory print its JSON
 * unsorted. JavaScript objects also move integer-like string keys ("10") to the
 * front, which would lose the file order.
 *
 * So every mapping stays a plain object, and a key that is not an "ordinary" string
 * is stored encoded: NUL, a type letter, then its text. Ordinary variable names pass
 * through untouched, so `vars.kube_apiserver_port` keeps working everywhere.
 */
export type PyKey = string | number | AnsibleFloat | boolean | null | PyDate;

const MARK = '\u0000';

const isArrayIndex = (s: string) => /^(?:0|[1-9][0-9]*)$/.test(s) && Number(s) < 2 ** 32 - 1;

export function encodeKey(k: PyKey): string {
  if (typeof k === 'string') {
    return isArrayIndex(k) || k === '__proto__' || k.startsWith(MARK) ? `${MARK}s${k}` : k;
  }
  if (k === null) return `${MARK}n`;
  if (typeof k === 'boolean') return `${MARK}b${k ? 1 : 0}`;
  if (typeof k === 'number') return `${MARK}i${Object.is(k, -0) ? 0 : k}`;
  if (k instanceof AnsibleFloat) return `${MARK}f${pythonFloatRepr(k.value)}`;
  return `${MARK}d${k.isoformat()}`;
}

export function decodeKey(s: string): PyKey {
  if (s[0] !== MARK) return s;
  const rest = s.slice(2);
  switch (s[1]) {
    case 's':
      return rest;
    case 'n':
      return null;
    case 'b':
      return rest === '1';
    case 'i':
      return Number(rest);
    case 'f':
      return new AnsibleFloat(parseFloatRepr(rest));
    default:
      return PyDate.fromIso(rest);
  }
}

function parseFloatRepr(s: string): number {
  if (s === 'NaN') return NaN;
  if (s === 'Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  return Number(s);
}

/** A name as written in the source (INI, `-e k=v`), as a key of a variable map. */
export const varKey = (name: string): string => encodeKey(name);

/** True for keys that need no decoding (the overwhelmingly common case). */
export const isPlainKey = (k: string): boolean => k[0] !== MARK;

/** The numeric value of an int/float/bool key: 1, 1.0 and True are one dict key in Python. */
function numericValue(k: string): number | undefined {
  if (k[0] !== MARK) return undefined;
  if (k[1] === 'i') return Number(k.slice(2));
  if (k[1] === 'b') return k[2] === '1' ? 1 : 0;
  if (k[1] === 'f') return parseFloatRepr(k.slice(2));
  return undefined;
}

/**
 * The key under which `key` already sits in `obj`, as Python's dict finds it:
 * `{1: a, True: b}` is `{1: b}`, the first key kept.
 */
export function existingKey(obj: object, key: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return key;
  const n = numericValue(key);
  if (n === undefined) return undefined;
  for (const k of Object.keys(obj)) if (numericValue(k) === n) return k;
  return undefined;
}

/** Python's TypeError from `<` between keys of kinds it cannot order. */
export class PyTypeError extends Error {}

type KeyKind = 'str' | 'number' | 'NoneType' | 'date' | 'naive' | 'aware';

function kindOf(k: string): KeyKind {
  if (k[0] !== MARK || k[1] === 's') return 'str';
  if (k[1] === 'n') return 'NoneType';
  if (k[1] === 'd') return PyDate.fromIso(k.slice(2)).kind;
  return 'number';
}

/** The Python type name of a key, as TypeError messages give it. */
function typeName(k: string): string {
  const key = decodeKey(k);
  if (typeof key === 'string') return 'str';
  if (key === null) return 'NoneType';
  if (typeof key === 'boolean') return 'bool';
  if (typeof key === 'number') return 'int';
  if (key instanceof AnsibleFloat) return 'float';
  return key.time ? 'datetime.datetime' : 'datetime.date';
}

/**
 * `sorted(keys)` with Python's rules: strings by code point, numbers by value,
 * dates by time. Keys of two kinds Python cannot compare (str and int, or None
 * with anything) raise PyTypeError, as `sorted()` would.
 */
export function sortKeys(keys: string[]): string[] {
  if (keys.every(isPlainKey)) return keys.sort(pythonSort);
  const kinds = new Map<KeyKind, string>();
  for (const k of keys) if (!kinds.has(kindOf(k))) kinds.set(kindOf(k), k);
  if (kinds.size > 1 || (kinds.has('NoneType') && keys.length > 1)) {
    const [a, b = a] = [...kinds.values()].map(typeName);
    throw new PyTypeError(`'<' not supported between instances of '${a}' and '${b}'`);
  }
  const kind = [...kinds.keys()][0]!;
  if (kind === 'str')
    return keys.sort((a, b) => pythonSort(String(decodeKey(a)), String(decodeKey(b))));
  const value = (k: string): number =>
    kind === 'number' ? numericValue(k)! : (decodeKey(k) as PyDate).sortValue();
  return keys.sort((a, b) => value(a) - value(b));
}

/**
 * Python sorts str by code point; JS's default comparison uses UTF-16 units, which
 * differs only when a surrogate pair meets a character in U+E000–U+FFFF.
 */
export function pythonSort(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) {
      return a.codePointAt(i)! - b.codePointAt(i)!;
    }
    return x - y;
  }
  return a.length - b.length;
}
