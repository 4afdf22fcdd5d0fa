import { AnsibleUnsafe, AnsibleVault, PyDate, type AnsibleValue } from '../inventory/index.js';

/**
 * The small part of Jinja the planner evaluates in inventory variables:
 * `{{ var }}`, `{{ var.key }}`, `{{ var | default(x) }}` (also `d(x)`), with x a
 * quoted string, a number, true/false/none, or another variable — and text
 * around such expressions. Anything else (other filters, tests, `{% %}` blocks)
 * is reported as unsupported so the caller can name the variable and the file.
 *
 * Like Ansible without jinja2_native, a value that is exactly one expression
 * keeps the referenced value's type (`"{{ port }}"` → 6443); mixed text is a
 * string.
 */
export type Lookup = (name: string) => { defined: true; value: AnsibleValue } | { defined: false };

export class UnsupportedTemplate extends Error {
  constructor(
    readonly expression: string,
    why: string,
  ) {
    super(why);
  }
}

export class UndefinedInTemplate extends Error {
  constructor(readonly variable: string) {
    super(`"${variable}" is undefined`);
  }
}

export function isTemplated(v: AnsibleValue): v is string {
  return typeof v === 'string' && (v.includes('{{') || v.includes('{%'));
}

type Part = { lit: string } | { expr: string };
/** parsed templates: the same group_vars string is rendered for every host */
const PARSED = new Map<string, Part[]>();

export function renderTemplate(text: string, lookup: Lookup): AnsibleValue {
  let parts = PARSED.get(text);
  if (!parts) {
    parts = parseTemplate(text);
    if (PARSED.size < 10_000) PARSED.set(text, parts);
  }
  if (parts.length === 1 && 'expr' in parts[0]!) return evalExpression(parts[0].expr, lookup);
  return parts
    .map((p) => ('lit' in p ? p.lit : pythonStr(evalExpression(p.expr, lookup))))
    .join('');
}

function parseTemplate(text: string): Part[] {
  if (text.includes('{%')) {
    throw new UnsupportedTemplate(text, 'Jinja statements ({% ... %}) are not evaluated');
  }
  const parts: Part[] = [];
  let rest = text;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ lit: rest });
      break;
    }
    if (open > 0) parts.push({ lit: rest.slice(0, open) });
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new UnsupportedTemplate(text, 'unclosed "{{"');
    parts.push({ expr: rest.slice(open + 2, close).trim() });
    rest = rest.slice(close + 2);
  }
  return parts;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[['"][^'"]+['"]\])*$/;

function evalExpression(expr: string, lookup: Lookup): AnsibleValue {
  const pipe = splitTopLevel(expr, '|');
  const head = pipe[0]!.trim();
  const filters = pipe.slice(1).map((f) => f.trim());
  let value: { defined: boolean; value?: AnsibleValue } = evalOperand(head, lookup, expr);
  for (const f of filters) {
    const m = /^(default|d)\s*\((.*)\)$/s.exec(f);
    if (!m) throw new UnsupportedTemplate(expr, `filter "${f}" is not evaluated`);
    const args = splitTopLevel(m[2]!, ',').map((a) => a.trim());
    if (args.length < 1 || args.length > 2) {
      throw new UnsupportedTemplate(expr, 'default() takes one or two arguments');
    }
    const falsy = args[1] !== undefined && /^(true|True)$/.test(args[1]);
    if (!value.defined || (falsy && !truthy(value.value ?? null))) {
      value = evalOperand(args[0]!, lookup, expr);
    }
  }
  if (!value.defined) throw new UndefinedInTemplate(head);
  return value.value ?? null;
}

function evalOperand(
  text: string,
  lookup: Lookup,
  expr: string,
): { defined: boolean; value?: AnsibleValue } {
  const lit = literal(text);
  if (lit !== undefined) return { defined: true, value: lit.value };
  if (!IDENT.test(text)) throw new UnsupportedTemplate(expr, `"${text}" is not a variable name`);
  const path = text.split(/\.|\[['"]|['"]\]/).filter((s) => s !== '');
  const root = lookup(path[0]!);
  if (!root.defined) return { defined: false };
  let cur: AnsibleValue = root.value;
  for (const key of path.slice(1)) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(key in cur)) {
      return { defined: false };
    }
    cur = (cur as Record<string, AnsibleValue>)[key]!;
  }
  return { defined: true, value: cur };
}

function literal(text: string): { value: AnsibleValue } | undefined {
  if (/^'[^']*'$/.test(text) || /^"[^"]*"$/.test(text)) return { value: text.slice(1, -1) };
  if (/^-?\d+$/.test(text)) return { value: Number(text) };
  if (/^(true|True)$/.test(text)) return { value: true };
  if (/^(false|False)$/.test(text)) return { value: false };
  if (/^(none|None)$/.test(text)) return { value: null };
  if (text === '[]') return { value: [] };
  return undefined;
}

function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Python/Jinja truthiness: "" [] {} 0 None False are false; the string "false" is true. */
export function truthy(v: AnsibleValue): boolean {
  if (v === null || v === false) return false;
  if (typeof v === 'string') return v.length > 0;
  if (v instanceof AnsibleUnsafe) return v.text.length > 0;
  if (v instanceof PyDate || v instanceof AnsibleVault) return true;
  if (typeof v === 'number') return v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') {
    if ('valueOf' in v && typeof (v as { value?: unknown }).value === 'number') {
      return (v as { value: number }).value !== 0;
    }
    return Object.keys(v).length > 0;
  }
  return true;
}

/** str() of a value as Jinja prints it inside text. */
export function pythonStr(v: AnsibleValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  // str() of a date is its isoformat(' '), of an !unsafe string the string
  if (v instanceof PyDate || v instanceof AnsibleUnsafe) return v.toString();
  if (Array.isArray(v) || typeof v === 'object') {
    if (typeof (v as { value?: unknown }).value === 'number') return String(v);
    return JSON.stringify(v);
  }
  return String(v);
}
