import { isMap, isScalar, LineCounter, parseDocument, type ScalarTag } from 'yaml';
import { AnsibleFloat } from './ansible-float.js';
import { AnsibleVault, PyDate } from './ansible-scalars.js';
import { encodeKey, type PyKey } from './py-key.js';
import { constructDocument, ConstructError, type Duplicate } from './yaml-construct.js';
import type { AnsibleValue } from './types.js';

/**
 * Loads YAML or JSON text the way Ansible's DataLoader does (parsing/utils/yaml.py
 * from_yaml): JSON first, then YAML with PyYAML's YAML 1.1 implicit types — so
 * `yes`/`on` are booleans, `010` is octal, `1e3` is a string (PyYAML floats need
 * a dot), `1:30` is sexagesimal, timestamps are dates (PyDate). Duplicate keys:
 * the last one wins, as in PyYAML (yaml-construct.ts builds the values).
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
  /** 1-based line of every mapping key, by its (encoded) path joined with NUL */
  pathLines: Map<string, number>;
  /** keys given twice in one mapping: PyYAML keeps the last, Ansible warns */
  duplicateKeys: Duplicate[];
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
  // An impossible date (2024-02-30) fails the load, as datetime.date() raises in PyYAML.
  resolve: (text, onError) => {
    try {
      return PyDate.fromYaml(text) as unknown as string;
    } catch (err) {
      onError((err as Error).message);
      return text;
    }
  },
};

/** `!unsafe` marks a string Ansible must not template (wrapped in yaml-construct.ts); `!vault` an encrypted one. */
const unsafeTag: ScalarTag = { tag: '!unsafe', resolve: (s) => s };
const vaultTags: ScalarTag[] = ['!vault', '!vault-encrypted'].map((tag) => ({
  tag,
  resolve: (s) => new AnsibleVault(s) as unknown as string,
}));

const CUSTOM_TAGS: ScalarTag[] = [
  pyNull,
  pyBool,
  pyInt,
  pyFloat,
  pyTimestamp,
  unsafeTag,
  ...vaultTags,
];

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

/**
 * YAML 1.1 reads NEL (U+0085) as a line break (libyaml's READ_LINE makes it \n);
 * the yaml package reads YAML 1.2, where it is an ordinary character. The break
 * is given the line's indentation plus one, so a quoted or plain scalar goes on
 * as a continuation line — folded to a space, as libyaml folds it.
 */
function nelAsLineBreak(text: string): string {
  if (!text.includes('\u0085')) return text;
  return text
    .split('\n')
    .map((line) => {
      const indent = ' '.repeat(line.length - line.trimStart().length + 1);
      return line.replaceAll('\u0085', `\n${indent}`);
    })
    .join('\n');
}

function parseWith(source: string, json: boolean): LoadedData {
  const text = json ? source : nelAsLineBreak(source);
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
  let built;
  try {
    built = constructDocument(doc, lineCounter, json);
  } catch (e) {
    if (!(e instanceof ConstructError)) throw e;
    const pos = lineCounter.linePos(e.offset);
    throw new YamlLoadError(e.message, pos.line, pos.col);
  }
  const keyLines: Record<string, number> = {};
  const pathLines = new Map<string, number>();
  const walk = (node: unknown, path: string[]) => {
    if (!isMap(node) || path.length > 12) return;
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const v = pair.key.value;
      const key = typeof v === 'symbol' ? '<<' : encodeKey(keyOf(v));
      const { line } = lineCounter.linePos(pair.key.range[0]);
      const p = [...path, key];
      if (path.length === 0) keyLines[key] = line;
      pathLines.set(p.join('\0'), line);
      walk(pair.value, p);
    }
  };
  walk(doc.contents, []);
  return { data: built.data, keyLines, pathLines, duplicateKeys: built.duplicates };
}

/** A scalar key's value (the constructor has already refused unhashable ones). */
const keyOf = (v: unknown): PyKey => (v instanceof AnsibleVault ? v.ciphertext : (v as PyKey));
