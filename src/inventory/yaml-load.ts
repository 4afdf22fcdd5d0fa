import {
  isMap,
  isScalar,
  LineCounter,
  parseDocument,
  type ScalarTag,
  type CollectionTag,
} from 'yaml';
import { AnsibleFloat } from './ansible-float.js';
import type { AnsibleValue } from './types.js';

/**
 * Loads YAML or JSON text the way Ansible's DataLoader does (parsing/utils/yaml.py
 * from_yaml): JSON first, then YAML with PyYAML's YAML 1.1 implicit types — so
 * `yes`/`on` are booleans, `010` is octal, `1e3` is a string (PyYAML floats need
 * a dot), `1:30` is sexagesimal, dates print as ISO strings. Duplicate keys: the
 * last one wins, as in PyYAML.
 */
export class YamlLoadError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
  }
}

export interface LoadedData {
  data: AnsibleValue | undefined;
  /** 1-based line of each top-level mapping key */
  keyLines: Record<string, number>;
  /** 1-based line of every mapping key, by its path joined with NUL (for nested messages) */
  pathLines: Map<string, number>;
  /** keys given twice in one mapping: PyYAML keeps the last, Ansible warns */
  duplicateKeys: { key: string; line: number; col: number }[];
}

const sign = (s: string): [number, string] =>
  s[0] === '-' ? [-1, s.slice(1)] : s[0] === '+' ? [1, s.slice(1)] : [1, s];

const sexagesimal = (digits: string): number =>
  digits.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);

const pyNull: ScalarTag = {
  tag: 'tag:yaml.org,2002:null',
  default: true,
  test: /^(?:~|null|Null|NULL|)$/,
  resolve: () => null,
};

const pyBool: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  resolve: (s) => ['yes', 'true', 'on'].includes(s.toLowerCase()),
};

const pyInt: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  resolve: (text) => {
    const [sg, v] = sign(text.replace(/_/g, ''));
    if (v === '0') return 0;
    if (v.startsWith('0b')) return sg * parseInt(v.slice(2), 2);
    if (v.startsWith('0x')) return sg * parseInt(v.slice(2), 16);
    if (v[0] === '0') return sg * parseInt(v, 8);
    if (v.includes(':')) return sg * sexagesimal(v);
    return sg * Number(v);
  },
};

const pyFloat: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  test: /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  resolve: (text) => {
    const [sg, v] = sign(text.replace(/_/g, '').toLowerCase());
    if (v === '.inf') return new AnsibleFloat(sg * Infinity);
    if (v === '.nan') return new AnsibleFloat(NaN);
    if (v.includes(':')) return new AnsibleFloat(sg * sexagesimal(v));
    return new AnsibleFloat(sg * Number(v));
  },
};

const pyTimestamp: ScalarTag = {
  tag: 'tag:yaml.org,2002:timestamp',
  default: true,
  test: /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
  // AnsibleJSONEncoder prints dates and datetimes with isoformat().
  resolve: (text) => isoformat(text),
};

/** `!unsafe` marks a string Ansible must not template; `!vault` an encrypted one. */
const unsafeTag: ScalarTag = { tag: '!unsafe', resolve: (s) => s };
const vaultTag: ScalarTag = {
  tag: '!vault',
  resolve: (s) => ({ __ansible_vault: s }) as unknown as string,
};

const CUSTOM_TAGS: (ScalarTag | CollectionTag)[] = [
  pyNull,
  pyBool,
  pyInt,
  pyFloat,
  pyTimestamp,
  unsafeTag,
  vaultTag,
];

function isoformat(text: string): string {
  const m =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/.exec(
      text,
    );
  if (!m) return text;
  const p2 = (s: string) => s.padStart(2, '0');
  const date = `${m[1]}-${p2(m[2]!)}-${p2(m[3]!)}`;
  if (m[4] === undefined) return date;
  let out = `${date}T${p2(m[4])}:${m[5]}:${m[6]}`;
  const frac = (m[7] ?? '').slice(0, 6);
  if (frac !== '' && Number(frac) !== 0) out += `.${frac.padEnd(6, '0')}`;
  const tz = m[8];
  if (tz === 'Z') out += '+00:00';
  else if (tz) {
    const [h, mm = '00'] = tz.slice(1).split(':');
    out += `${tz[0]}${p2(h!)}:${mm}`;
  }
  return out;
}

/** Parses `text` (named `file` in messages) as Ansible would load a vars or inventory file. */
export function loadAnsibleData(text: string): LoadedData {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let isJson = true;
    try {
      JSON.parse(text);
    } catch {
      isJson = false;
    }
    if (isJson) return parseWith(text, true);
  }
  return parseWith(text, false);
}

const jsonInt: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^-?(?:0|[1-9][0-9]*)$/,
  resolve: (s) => Number(s),
};
const jsonFloat: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  test: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/,
  resolve: (s) => new AnsibleFloat(Number(s)),
};
const jsonLiteral: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:true|false)$/,
  resolve: (s) => s === 'true',
};
const jsonNull: ScalarTag = {
  tag: 'tag:yaml.org,2002:null',
  default: true,
  test: /^null$/,
  resolve: () => null,
};

function parseWith(text: string, json: boolean): LoadedData {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    schema: 'failsafe',
    customTags: json ? [jsonNull, jsonLiteral, jsonInt, jsonFloat] : CUSTOM_TAGS,
    merge: !json,
    uniqueKeys: false,
    lineCounter,
    prettyErrors: false,
    strict: false,
  });
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    const msg = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new YamlLoadError(msg, pos.line, pos.col);
  }
  const keyLines: Record<string, number> = {};
  const pathLines = new Map<string, number>();
  const duplicateKeys: LoadedData['duplicateKeys'] = [];
  const walk = (node: unknown, path: string[]) => {
    if (!isMap(node) || path.length > 12) return;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const key = String(pair.key.value);
      const { line, col } = lineCounter.linePos(pair.key.range[0]);
      if (seen.has(key) && key !== '<<') duplicateKeys.push({ key, line, col });
      seen.add(key);
      const p = [...path, key];
      if (path.length === 0) keyLines[key] = line;
      pathLines.set(p.join('\0'), line);
      walk(pair.value, p);
    }
  };
  walk(doc.contents, []);
  let data: AnsibleValue | undefined;
  try {
    data = doc.toJS({ maxAliasCount: 10_000 }) as AnsibleValue | undefined;
  } catch (err) {
    // e.g. an alias to an undefined anchor, or an alias bomb
    throw new YamlLoadError((err as Error).message.split('\n')[0]!, 1, 1);
  }
  return { data: normalise(data), keyLines, pathLines, duplicateKeys };
}

/** Map keys become strings as json.dumps writes them; undefined (empty doc) stays undefined. */
function normalise(v: unknown): AnsibleValue | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map((x) => normalise(x) ?? null);
  if (v instanceof AnsibleFloat || v === null || typeof v !== 'object') return v as AnsibleValue;
  const out: Record<string, AnsibleValue> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normalise(x) ?? null;
  return out;
}
