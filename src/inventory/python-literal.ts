import { AnsibleFloat } from './ansible-float.js';
import { PyTuple } from './ansible-scalars.js';
import { encodeKey, existingKey, type PyKey } from './py-key.js';
import type { AnsibleValue } from './types.js';

/**
 * Python's `ast.literal_eval`, for the values Ansible's INI plugin passes through
 * it (plugins/inventory/ini.py `_parse_value`): numbers, strings, True/False/None,
 * lists, tuples, dicts and sets. Anything it cannot evaluate stays the original
 * string, as Ansible does when literal_eval raises. Tuples are PyTuple (lists but for
 * repr), sets become lists
 * (that is how they reach JSON); complex numbers and bytes are left as strings.
 */
export function parsePythonLiteral(text: string): AnsibleValue {
  // Fast paths for the common cases: plain decimal ints, and bare words (which
  // literal_eval rejects unless they are True/False/None or a string prefix).
  if (/^(?:0|[1-9][0-9]*)$/.test(text)) return Number(text);
  // Two or more dots after digits (addresses, versions) can never be a literal.
  if (/^[0-9][0-9_]*\.[0-9_]*\./.test(text)) return text;
  if (/^[A-Za-z_]/.test(text) && !/^[rRuUbB]{1,2}["']/.test(text)) {
    if (text === 'True') return true;
    if (text === 'False') return false;
    if (text === 'None') return null;
    return text;
  }
  try {
    const p = new LiteralParser(text);
    p.skipSpace();
    const v = p.value();
    p.skipSpace();
    if (!p.atEnd()) return text;
    return v;
  } catch (err) {
    if (err instanceof NotLiteral) return text;
    throw err;
  }
}

class NotLiteral extends Error {}

const fail = (): never => {
  throw new NotLiteral();
};

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  skipSpace(): void {
    while (this.i < this.s.length && /[ \t\f]/.test(this.s[this.i]!)) this.i++;
  }

  private peek(): string {
    return this.s[this.i] ?? '';
  }

  value(): AnsibleValue {
    const c = this.peek();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.tuple();
    if (c === '{') return this.dictOrSet();
    if (c === '+' || c === '-') return this.signed();
    if (/[0-9.]/.test(c)) return this.number();
    if (/[A-Za-z_]/.test(c)) return this.nameOrPrefixedString();
    if (c === '"' || c === "'") return this.strings('');
    return fail();
  }

  private signed(): AnsibleValue {
    // literal_eval accepts unary +/- applied to numbers (and nested: --1).
    const sign = this.s[this.i++];
    this.skipSpace();
    const v = this.peek() === '+' || this.peek() === '-' ? this.signed() : this.number();
    if (typeof v === 'number') return sign === '-' ? -v : v;
    if (v instanceof AnsibleFloat) return new AnsibleFloat(sign === '-' ? -v.value : v.value);
    return fail();
  }

  private number(): number | AnsibleFloat {
    const rest = this.s.slice(this.i);
    const m =
      /^0[xX](?:_?[0-9a-fA-F])+|^0[oO](?:_?[0-7])+|^0[bB](?:_?[01])+/.exec(rest) ??
      /^(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][-+]?[0-9](?:_?[0-9])*)?/.exec(
        rest,
      );
    if (!m) return fail();
    const tok = m[0];
    this.i += tok.length;
    if (/^[jJ]/.test(this.peek())) return fail(); // complex: not representable
    if (/^[A-Za-z0-9_]/.test(this.peek())) return fail();
    const clean = tok.replace(/_/g, '');
    if (/^0[xXoObB]/.test(clean)) {
      const base = { x: 16, o: 8, b: 2 }[clean[1]!.toLowerCase() as 'x' | 'o' | 'b'];
      return parseInt(clean.slice(2), base);
    }
    if (/[.eE]/.test(clean)) return new AnsibleFloat(Number(clean));
    // Python 3 rejects decimal integers with leading zeros ("007"), except all zeros.
    if (/^0[0-9]/.test(clean) && !/^0+$/.test(clean)) return fail();
    return Number(clean);
  }

  private nameOrPrefixedString(): AnsibleValue {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))!;
    const name = m[0];
    const next = this.s[this.i + name.length];
    if ((next === '"' || next === "'") && /^(?:r|u|R|U)$/.test(name)) {
      this.i += name.length;
      return this.strings(name.toLowerCase());
    }
    this.i += name.length;
    if (name === 'True') return true;
    if (name === 'False') return false;
    if (name === 'None') return null;
    return fail();
  }

  /** Adjacent string literals concatenate, as in Python ('a' 'b' == 'ab'). */
  private strings(prefix: string): string {
    let out = this.stringLiteral(prefix);
    for (;;) {
      const save = this.i;
      this.skipSpace();
      const c = this.peek();
      if (c === '"' || c === "'") {
        out += this.stringLiteral('');
      } else if (/^[rRuU]["']/.test(this.s.slice(this.i, this.i + 2))) {
        const p = this.s[this.i++]!.toLowerCase();
        out += this.stringLiteral(p);
      } else {
        this.i = save;
        return out;
      }
    }
  }

  private stringLiteral(prefix: string): string {
    const raw = prefix === 'r';
    const q = this.peek();
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const end = triple ? q.repeat(3) : q;
    this.i += end.length;
    let out = '';
    for (;;) {
      if (this.atEnd()) return fail();
      if (this.s.startsWith(end, this.i)) {
        this.i += end.length;
        return out;
      }
      const c = this.s[this.i++]!;
      if (!triple && c === '\n') return fail();
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e === undefined) return fail();
      if (raw) {
        out += `\\${e}`;
        continue;
      }
      out += this.escape(e);
    }
  }

  private escape(e: string): string {
    const simple: Record<string, string> = {
      '\n': '',
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
    };
    if (e in simple) return simple[e]!;
    const hex = (len: number): string => {
      const h = this.s.slice(this.i, this.i + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) return fail();
      this.i += len;
      return String.fromCodePoint(parseInt(h, 16));
    };
    if (e === 'x') return hex(2);
    if (e === 'u') return hex(4);
    if (e === 'U') return hex(8);
    if (/[0-7]/.test(e)) {
      let oct = e;
      while (oct.length < 3 && /[0-7]/.test(this.peek())) oct += this.s[this.i++];
      return String.fromCodePoint(parseInt(oct, 8));
    }
    return `\\${e}`; // unknown escapes keep the backslash
  }

  private items(close: string): AnsibleValue[] {
    const out: AnsibleValue[] = [];
    this.skipSpace();
    while (this.peek() !== close) {
      out.push(this.value());
      this.skipSpace();
      if (this.peek() === ',') {
        this.i++;
        this.skipSpace();
      } else if (this.peek() !== close) {
        return fail();
      }
    }
    this.i++;
    return out;
  }

  private sequence(open: string, close: string): AnsibleValue[] {
    if (this.s[this.i++] !== open) return fail();
    return this.items(close);
  }

  private tuple(): AnsibleValue {
    this.i++;
    this.skipSpace();
    if (this.peek() === ')') {
      this.i++;
      return new PyTuple<AnsibleValue>();
    }
    const first = this.value();
    this.skipSpace();
    if (this.peek() === ')') {
      this.i++;
      return first; // parenthesised expression, not a tuple
    }
    if (this.peek() !== ',') return fail();
    this.i++;
    return PyTuple.from([first, ...this.items(')')]) as PyTuple<AnsibleValue>;
  }

  private dictOrSet(): AnsibleValue {
    this.i++;
    this.skipSpace();
    if (this.peek() === '}') {
      this.i++;
      return {};
    }
    const firstKey = this.value();
    this.skipSpace();
    if (this.peek() !== ':') {
      // a set literal: JSON has no sets; Ansible's encoder cannot sort it reliably either
      if (this.peek() === ',') this.i++;
      return [firstKey, ...this.items('}')];
    }
    const out: Record<string, AnsibleValue> = {};
    let key = firstKey;
    for (;;) {
      this.i++; // ':'
      this.skipSpace();
      const k = encodeKey(dictKey(key));
      out[existingKey(out, k) ?? k] = this.value();
      this.skipSpace();
      if (this.peek() === ',') {
        this.i++;
        this.skipSpace();
      }
      if (this.peek() === '}') {
        this.i++;
        return out;
      }
      key = this.value();
      this.skipSpace();
      if (this.peek() !== ':') return fail();
    }
  }
}

/** A dict key keeps its type (py-key.ts); lists and dicts cannot be keys. */
function dictKey(k: AnsibleValue): PyKey {
  if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' || k === null)
    return k;
  if (k instanceof AnsibleFloat) return k;
  return fail();
}

/**
 * parsePythonLiteral with a memo for container texts (`{'rack': 'r1'}` on 5,000 host
 * lines): each call still gets its own objects, as literal_eval builds new ones
 * (shared objects would become YAML aliases in `-y` output).
 */
export function literalParser(): (text: string) => AnsibleValue {
  const seen = new Map<string, AnsibleValue>();
  return (text) => {
    const c = text[0];
    if (c !== '{' && c !== '[' && c !== '(') return parsePythonLiteral(text);
    let v = seen.get(text);
    if (v === undefined) seen.set(text, (v = parsePythonLiteral(text)));
    return copyValue(v);
  };
}

function copyValue(v: AnsibleValue): AnsibleValue {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof AnsibleFloat) return new AnsibleFloat(v.value);
  if (Array.isArray(v)) {
    const out = v instanceof PyTuple ? new PyTuple<AnsibleValue>() : [];
    for (const x of v) out.push(copyValue(x));
    return out;
  }
  const out: Record<string, AnsibleValue> = {};
  for (const k of Object.keys(v)) out[k] = copyValue((v as Record<string, AnsibleValue>)[k]!);
  return out;
}
